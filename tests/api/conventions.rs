//! HTTP conventions: health, readiness, docs, 404 and 405 as problems.

use crate::api_test;

api_test! {
    fn health_readiness_and_docs_answer(app) {
        assert_eq!(app.request("GET", "/healthz").key(None).send().json()["status"], "ok");
        assert_eq!(app.request("GET", "/readyz").key(None).send().json()["status"], "ready");
        let spec = app.request("GET", "/openapi.json").key(None).send().json();
        assert_eq!(spec["openapi"], "3.1.0");
        assert_eq!(app.request("GET", "/docs/").key(None).send().status, 200);
        let redirect = app.request("GET", "/docs").key(None).send();
        assert!(matches!(redirect.status, 301 | 302 | 307 | 308), "{}", redirect.status);
    }
}

api_test! {
    fn unknown_paths_are_404_and_wrong_methods_405_with_allow(app) {
        app.get("/api/v1/nothing-here").problem(404);
        app.get("/api/v1/pools/not-a-pool-key").problem(404);
        app.get("/api/v1/pools/vest-2022").problem(404);
        let wrong = app.request("DELETE", "/api/v1/pools").send();
        wrong.problem(405);
        assert_eq!(wrong.header("allow"), Some("GET, POST, HEAD"));
        let wrong = app.request("PUT", "/api/v1/pools/vest-2022/status").send();
        wrong.problem(405);
    }
}
