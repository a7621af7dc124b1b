//! The committed OpenAPI document is what the code generates.

use std::path::Path;

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = klyngemidler::http::openapi_json();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    if std::env::var("UPDATE_OPENAPI").as_deref() == Ok("1") {
        std::fs::write(&path, &generated).expect("write openapi/openapi.json");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date: run `UPDATE_OPENAPI=1 cargo test openapi` (or `cargo run -- openapi > openapi/openapi.json`) and commit it"
    );
}

#[test]
fn every_api_operation_declares_its_key_and_its_problems() {
    let spec: serde_json::Value = serde_json::from_str(&klyngemidler::http::openapi_json()).expect("valid JSON");
    let paths = spec["paths"].as_object().expect("paths");
    assert!(paths.len() >= 12, "routes are collected from the route table");
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.keys().any(|s| s.starts_with('2')), "{method} {path} has no success response");
            if path.starts_with("/api/v1/") {
                assert!(op["security"].is_array(), "{method} {path} does not declare the API key");
                assert!(responses.contains_key("401"), "{method} {path} does not document 401");
            }
        }
    }
}
