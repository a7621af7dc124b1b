//! The political report as one printable HTML page (askama,
//! `templates/political/report.html`): the meeting documents' print CSS
//! (A4, "Side N af M" in the page margin), everything inline, no scripts,
//! tables that scroll inside their own box on a narrow screen.

use askama::Template;

use super::view::ReportView;

/// What the report adds to the meeting documents' style: left-aligned text
/// tables, amounts at the right, the scrolling boxes, narrow screens.
const EXTRA_STYLE: &str = r#"
.scroll { overflow-x: auto; margin: 0.75rem 0 1.25rem; }
.scroll:focus { outline: 3px solid var(--accent); outline-offset: 2px; }
.scroll table { margin: 0; }
thead th, td { text-align: left; }
table.amounts td, table.amounts thead th:not(:first-child), table.grants td:last-child, table.grants thead th:last-child { text-align: right; }
.sub { display: block; color: var(--muted); font-size: 0.875rem; }
ul.steps { margin: 0; padding-left: 1.1rem; }
ul.steps li { margin: 0 0 0.2rem; }
tfoot th, tfoot td { font-weight: 700; border-top: 2px solid var(--accent); }
tfoot th { text-align: left; }
@media (max-width: 40rem) { main { padding: 1rem 0.75rem 2rem; } h1 { font-size: 1.35rem; } }
@media print { .scroll { overflow: visible; } }
"#;

#[derive(Template)]
#[template(path = "political/report.html")]
struct Page<'a> {
    v: &'a ReportView,
    /// Our own CSS: no text anyone typed is in it (the margin note is escaped by `css_string`).
    style: String,
}

/// The whole page. Every text is escaped by askama.
pub fn render_html(v: &ReportView) -> Result<String, askama::Error> {
    let note = crate::meetings::html::css_string(&format!("{} · udskrevet {}", v.title, v.printed_at));
    let style = format!("{}{EXTRA_STYLE}", crate::meetings::html::STYLE.replace("KIND", &note));
    Page { v, style }.render()
}
