//! Attachments on applications and grants: streamed in and out of the
//! database, the type checked against the bytes, SHA-256 as ETag, removal
//! recorded rather than deleted.

use serde_json::{Value, json};

use crate::api_test;
use crate::applications::{charter, decide, submitted, vest_2022};
use crate::helpers::{Resp, TestApp};

/// `len` bytes that begin like a PDF and are otherwise made up (not compressible).
pub fn pdf_like(len: usize) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    klyngemidler::secrets::hex(&sha2::Sha256::digest(bytes))
}

/// Uploads with the name as `filename*=UTF-8''…` when it is not ASCII.
fn upload(app: &TestApp, parent: &str, media_type: &str, name: &str, bytes: &[u8]) -> Resp {
    let disposition = if name.is_ascii() {
        format!("attachment; filename=\"{name}\"")
    } else {
        let encoded: String = name
            .bytes()
            .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect();
        format!("attachment; filename=\"upload.pdf\"; filename*=UTF-8''{encoded}")
    };
    app.request("POST", &format!("/api/v1/{parent}/attachments"))
        .header("content-type", media_type)
        .header("content-disposition", &disposition)
        .send_raw(Some(bytes))
}

/// A granted application of Vest 2022: (application, grant).
fn granted(app: &TestApp) -> (i64, i64) {
    vest_2022(app, json!({"recommendation_required": false, "political_threshold": "100000.00"}));
    let id = submitted(app, &charter("50000.00"));
    let grant = decide(app, id, "strategic", "approved", None).json()["grant_id"].as_i64().expect("grant");
    (id, grant)
}

fn attachments_of(app: &TestApp, parent: &str) -> Vec<Value> {
    app.get(&format!("/api/v1/{parent}")).json()["attachments"].as_array().cloned().unwrap_or_default()
}

api_test! {
    /// A charter uploaded as PDF comes back byte for byte, its SHA-256 as ETag, listed on the application.
    fn a_pdf_round_trips_byte_for_byte_with_its_sha256_as_etag(app) {
        let (id, grant) = granted(app);
        let pdf = pdf_like(1024 * 1024 + 17); // more than four chunks, the last a short one
        let created = upload(app, &format!("applications/{id}"), "application/pdf", "Kommissorium – Tidlig opsporing.pdf", &pdf);
        assert_eq!(created.status, 201, "{}", created.text);
        let body = created.json();
        let hash = sha256(&pdf);
        assert_eq!(body["sha256"], hash.as_str());
        assert_eq!(body["size_bytes"], pdf.len());
        assert_eq!(body["media_type"], "application/pdf");
        assert_eq!(body["removed"], false);
        assert_eq!(created.header("etag"), Some(format!("\"{hash}\"").as_str()));
        let href = body["href"].as_str().expect("href").to_owned();
        assert_eq!(created.header("location"), Some(href.as_str()));

        let got = app.get(&href);
        assert_eq!(got.status, 200);
        assert!(got.bytes == pdf, "the same bytes ({} of {})", got.bytes.len(), pdf.len());
        assert_eq!(got.header("etag"), Some(format!("\"{hash}\"").as_str()));
        assert_eq!(got.header("content-type"), Some("application/pdf"));
        assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(
            got.header("content-disposition"),
            Some("attachment; filename=\"Kommissorium _ Tidlig opsporing.pdf\"; filename*=UTF-8''Kommissorium%20%E2%80%93%20Tidlig%20opsporing.pdf")
        );
        let again = app.request("GET", &href).header("if-none-match", &format!("\"{hash}\"")).send();
        assert_eq!(again.status, 304);

        let listed = attachments_of(app, &format!("applications/{id}"));
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["file_name"], "Kommissorium – Tidlig opsporing.pdf");
        assert_eq!(listed[0]["application_id"], id);

        // A grant's report, in text; a path in the name is dropped.
        let report = "Statusrapport 2023\nProjektet følger planen.\n".as_bytes();
        let on_grant = upload(app, &format!("grants/{grant}"), "text/plain; charset=utf-8", "../../rapport.txt", report);
        assert_eq!(on_grant.status, 201, "{}", on_grant.text);
        assert_eq!(on_grant.json()["file_name"], "rapport.txt");
        let listed = attachments_of(app, &format!("grants/{grant}"));
        assert_eq!(listed.len(), 1);
        let text = app.get(listed[0]["href"].as_str().expect("href"));
        assert_eq!(text.bytes, report);
        assert_eq!(text.header("content-type"), Some("text/plain; charset=utf-8"));
    }
}

api_test! {
    /// 25 MB is over the 20 MB limit: 413 as a problem, and nothing is stored.
    fn a_25_mb_upload_is_a_413_and_stores_nothing(app) {
        let (id, _) = granted(app);
        let big = pdf_like(25 * 1024 * 1024);
        let refused = upload(app, &format!("applications/{id}"), "application/pdf", "stor.pdf", &big);
        let problem = refused.problem(413);
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains("20 MB")), "{problem}");
        assert!(attachments_of(app, &format!("applications/{id}")).is_empty());
        // Just under the limit is fine.
        let fits = upload(app, &format!("applications/{id}"), "application/pdf", "stor.pdf", &big[..20 * 1024 * 1024]);
        assert_eq!(fits.status, 201, "{}", fits.text);
        let events = app.get("/api/v1/audit-events?limit=500").json();
        let uploads = events["items"].as_array().expect("items").iter().filter(|e| e["action"] == "attachment.uploaded").count();
        assert_eq!(uploads, 1, "only the one that fitted");
    }
}

api_test! {
    /// A program renamed .pdf, a file whose bytes are not what it claims, an unaccepted type: 415 naming both.
    fn an_exe_renamed_pdf_is_a_415(app) {
        let (id, _) = granted(app);
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00".to_vec();
        exe.extend(std::iter::repeat_n(0u8, 4096));
        let refused = upload(app, &format!("applications/{id}"), "application/pdf", "faktura.pdf", &exe);
        let problem = refused.problem(415);
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("PDF") && detail.contains("none of the accepted"), "{detail}");
        let png_as_pdf = upload(app, &format!("applications/{id}"), "application/pdf", "billede.pdf", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
        let detail = png_as_pdf.problem(415)["detail"].as_str().unwrap_or_default().to_owned();
        assert!(detail.contains("a PDF document") && detail.contains("a PNG image"), "{detail}");
        upload(app, &format!("applications/{id}"), "application/x-msdownload", "setup.exe", &exe).problem(415);
        upload(app, &format!("applications/{id}"), "text/csv", "data.csv", b"a;b\n1;\xFF\n").problem(415);
        let nameless = app.request("POST", &format!("/api/v1/applications/{id}/attachments")).header("content-type", "application/pdf").send_raw(Some(b"%PDF-1.7\n"));
        assert_eq!(nameless.invalid_fields(), ["Content-Disposition"]);
        let empty = upload(app, &format!("applications/{id}"), "application/pdf", "tom.pdf", b"");
        assert_eq!(empty.invalid_fields(), ["body"]);
        assert!(attachments_of(app, &format!("applications/{id}")).is_empty());
    }
}

api_test! {
    /// A key of another cluster may neither attach, download nor remove; a viewer may download only.
    fn a_key_of_another_cluster_gets_403(app) {
        let (id, grant) = granted(app);
        app.cluster("nord");
        let pdf = pdf_like(5000);
        let created = upload(app, &format!("applications/{id}"), "application/pdf", "a.pdf", &pdf);
        let href = created.json()["href"].as_str().expect("href").to_owned();
        let nord = app.key("admin", &["nord"]);
        let theirs = app.request("POST", &format!("/api/v1/applications/{id}/attachments")).key(Some(&nord))
            .header("content-type", "application/pdf").header("content-disposition", "attachment; filename=\"x.pdf\"").send_raw(Some(&pdf));
        theirs.problem(403);
        app.request("POST", &format!("/api/v1/grants/{grant}/attachments")).key(Some(&nord))
            .header("content-type", "application/pdf").header("content-disposition", "attachment; filename=\"x.pdf\"").send_raw(Some(&pdf)).problem(403);
        app.request("GET", &href).key(Some(&nord)).send().problem(403);
        app.request("DELETE", &format!("{href}?reason=Forkert")).key(Some(&nord)).send().problem(403);
        let viewer = app.key("viewer", &["vest"]);
        assert_eq!(app.request("GET", &href).key(Some(&viewer)).send().status, 200);
        app.request("DELETE", &format!("{href}?reason=Forkert")).key(Some(&viewer)).send().problem(403);
        let secretariat = app.key("secretariat", &["vest"]);
        app.request("POST", &format!("/api/v1/grants/{grant}/attachments")).key(Some(&secretariat))
            .header("content-type", "application/pdf").header("content-disposition", "attachment; filename=\"x.pdf\"").send_raw(Some(&pdf)).problem(403);
        assert_eq!(attachments_of(app, &format!("applications/{id}")).len(), 1);
        app.get("/api/v1/attachments/999999").problem(404);
    }
}

api_test! {
    /// Removal is a recorded action: the attachment stays listed as removed, its download is 410,
    /// and the audit trail has the upload and the removal.
    fn a_removed_attachment_is_gone_but_its_history_stays(app) {
        let (id, _) = granted(app);
        let created = upload(app, &format!("applications/{id}"), "application/pdf", "forkert.pdf", &pdf_like(3000));
        let attachment = created.json()["id"].as_i64().expect("id");
        let href = format!("/api/v1/attachments/{attachment}");
        assert_eq!(app.request("DELETE", &href).send().invalid_fields(), ["reason"]);
        let removed = app.request("DELETE", &format!("{href}?reason=Uploadet%20p%C3%A5%20den%20forkerte%20ans%C3%B8gning")).send();
        assert_eq!(removed.status, 200, "{}", removed.text);
        assert_eq!(removed.json()["removed"], true);
        assert_eq!(removed.json()["removal_reason"], "Uploadet på den forkerte ansøgning");
        app.get(&href).problem(410);
        app.request("DELETE", &format!("{href}?reason=Igen")).send().problem(410);
        let listed = attachments_of(app, &format!("applications/{id}"));
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["removed"], true);
        assert!(listed[0]["removed_by"].as_str().is_some_and(|b| !b.is_empty()));
        let events = app.get(&format!("/api/v1/audit-events?subject=attachment:{attachment}")).json();
        let actions: Vec<&str> = events["items"].as_array().expect("items").iter().filter_map(|e| e["action"].as_str()).collect();
        assert_eq!(actions, ["attachment.uploaded", "attachment.removed"]);
        let uploaded = &events["items"][0]["after"];
        assert_eq!(uploaded["file_name"], "forkert.pdf");
        assert_eq!(uploaded["application"], id);
        assert_eq!(events["items"][1]["after"]["reason"], "Uploadet på den forkerte ansøgning");
    }
}

api_test! {
    /// A retried upload with one Idempotency-Key stores the file once.
    fn a_retried_upload_with_one_idempotency_key_stores_once(app) {
        let (id, _) = granted(app);
        let pdf = pdf_like(300 * 1024);
        let send = || app.request("POST", &format!("/api/v1/applications/{id}/attachments")).header("idempotency-key", "vedhaeft-1")
            .header("content-type", "application/pdf").header("content-disposition", "attachment; filename=\"a.pdf\"").send_raw(Some(&pdf));
        let (first, again) = (send(), send());
        assert_eq!((first.status, again.status), (201, 201), "{}", first.text);
        assert_eq!(first.text, again.text);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(attachments_of(app, &format!("applications/{id}")).len(), 1);
    }
}
