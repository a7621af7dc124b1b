//! The architecture's rules, checked on the source: services are the only
//! code that moves money or writes the audit trail, one place applies the
//! workflow, and the domain stays pure.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every source file under `src/`, relative (`src/pools/service.rs`), with its code minus comments.
fn code() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).map(|l| format!("{l}\n")).collect();
            (p.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/"), code)
        })
        .collect()
}

fn is_service(file: &str) -> bool {
    file.ends_with("/service.rs") || file.contains("/service/")
}

/// The file's code before its unit tests (tests may build entries by hand).
fn without_tests(code: &str) -> &str {
    code.split("#[cfg(test)]").next().unwrap_or(code)
}

#[test]
fn only_services_post_to_the_ledger_or_write_the_audit_trail() {
    let mut offenders = Vec::new();
    for (file, code) in code() {
        if is_service(&file) || file == "src/db/ledger.rs" || file == "src/db/audit.rs" {
            continue;
        }
        for call in ["ledger::post(", "ledger::post_carry_over(", "audit::record("] {
            if without_tests(&code).contains(call) {
                offenders.push(format!("{file}: {call}"));
            }
        }
    }
    assert!(offenders.is_empty(), "outside a service module:\n{}", offenders.join("\n"));
}

#[test]
fn one_place_applies_the_workflow() {
    let callers: Vec<String> = code()
        .into_iter()
        .filter(|(file, code)| !file.starts_with("src/domain/") && without_tests(code).contains("workflow::apply("))
        .map(|(file, _)| file)
        .collect();
    assert_eq!(callers, ["src/applications/service.rs"]);
}

#[test]
fn the_domain_knows_no_http_sql_openapi_or_clock() {
    let mut offenders = Vec::new();
    for (file, code) in code().into_iter().filter(|(f, _)| f.starts_with("src/domain/")) {
        for banned in ["actix", "diesel", "utoipa", "Utc::now", "Local::now", "SystemTime", "Instant::now", "std::fs", "std::net"] {
            if code.contains(banned) {
                offenders.push(format!("{file}: {banned}"));
            }
        }
    }
    assert!(offenders.is_empty(), "the domain must stay pure:\n{}", offenders.join("\n"));
}

#[test]
fn the_rules_above_would_see_an_offender() {
    // The checks read real code: a call in a handler is found, a call in a service is allowed.
    assert!(is_service("src/pools/service.rs") && is_service("src/approvals/service/revoke.rs"));
    assert!(!is_service("src/pools/http.rs"));
    let handler = "fn h() { audit::record(c, &e)?; }\n#[cfg(test)]\nmod tests { fn t() { ledger::post(c); } }";
    assert!(without_tests(handler).contains("audit::record("));
    assert!(!without_tests(handler).contains("ledger::post("));
}
