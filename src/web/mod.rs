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

use askama::Template;

/// A page in the shared layout (`templates/layout.html`) around `body`, HTML
/// its caller has escaped already. New pages are templates of their own
/// that extend the layout; this serves the pages not yet moved.
#[derive(Template)]
#[template(path = "page.html")]
struct Page<'a> {
    title: &'a str,
    body: &'a str,
}

/// A page of plain text: each paragraph escaped by the template.
#[derive(Template)]
#[template(path = "message.html")]
struct Message<'a> {
    title: &'a str,
    paragraphs: &'a [&'a str],
    contact: &'a str,
}

/// A whole page of text paragraphs (escaped by the template, never by hand).
pub fn message(title: &str, paragraphs: &[&str]) -> String {
    Message { title, paragraphs, contact: "" }.render().unwrap_or_else(|_| page(title, ""))
}

/// A whole page around `body` (already escaped HTML).
pub fn page(title: &str, body: &str) -> String {
    Page { title, body }.render().unwrap_or_else(|_| {
        format!("<!doctype html><html lang=\"da\"><title>Klyngemidler</title><main><h1>{}</h1></main></html>", crate::mail::esc(title))
    })
}
