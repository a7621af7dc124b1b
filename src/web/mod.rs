//! Pages for people: the approval page approvers reach from their e-mail,
//! and the dashboard.
//! Plain server-rendered HTML in Danish, readable on a phone, no scripts and
//! nothing loaded from elsewhere.

pub mod approval;
pub mod charts;
pub mod dashboard;
pub mod dashboard_cache;
pub mod dashboard_view;
pub mod login;
pub mod report;

use crate::mail::esc;

/// A whole page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"da\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title} – Klyngemidler</title><style>\
         body{{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}\
         th{{text-align:left;vertical-align:top;padding-right:1rem}} td,th{{padding:.25rem 0}}\
         textarea{{width:100%;min-height:5rem;font:inherit}} .buttons{{display:flex;gap:1rem;margin-top:1rem}}\
         button{{font:inherit;font-size:1.1rem;padding:.6rem 1.4rem;border-radius:.3rem;border:2px solid #1a1a1a;cursor:pointer}}\
         .approve{{background:#0b6b2e;color:#fff;border-color:#0b6b2e}} .reject{{background:#fff;color:#8a1020;border-color:#8a1020}}\
         .note{{background:#f2f2f2;padding:.75rem;border-radius:.3rem}}</style></head><body>\
         <h1>{title}</h1>{body}</body></html>",
        title = esc(title),
    )
}
