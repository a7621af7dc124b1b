//! The agenda or minutes as one printable HTML page: everything inline (no
//! scripts, fonts, images or style sheets from anywhere), A4 print rules with
//! "Side N af M" in the page margin, and the pools as real tables.

use std::fmt::Write;

use super::document::{DocumentItem, DocumentKind, MeetingDocument, PoolFigures};
use crate::mail::{esc, kroner};

/// Screen and print. Page numbers come from CSS page-margin boxes
/// (Chromium's print and PDF); the footer under the content says when the
/// figures were read, on screen and on the last printed page.
pub(crate) const STYLE: &str = r#"
@counter-style proposal { system: extends decimal; suffix: ") "; }
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --accent: #1f4e79; --rule: #c8ced6; --band: #eef2f6; }
* { box-sizing: border-box; }
html { font-size: 100%; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: "Segoe UI", Calibri, "Helvetica Neue", Arial, "Liberation Sans", sans-serif; line-height: 1.45; }
main { max-width: 52rem; margin: 0 auto; padding: 2rem 1.5rem 3rem; }
h1 { margin: 0 0 1.25rem; color: var(--accent); font-size: 1.6rem; line-height: 1.25; }
h1 .kind { display: block; font-size: 0.85rem; letter-spacing: 0.12em; text-transform: uppercase; color: var(--muted); }
h2 { margin: 2rem 0 0.6rem; padding-bottom: 0.2rem; border-bottom: 2px solid var(--accent); font-size: 1.2rem; color: var(--accent); }
h3 { margin: 1rem 0 0.3rem; font-size: 1rem; }
p { margin: 0.4rem 0; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0.35rem 1.25rem; margin: 0 0 1.5rem;
  padding: 1rem 1.25rem; background: var(--band); border-left: 4px solid var(--accent); }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
dl.meta ul { margin: 0; padding-left: 1.1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.6rem 0; padding: 0.5rem 0.75rem;
  border: 1px solid var(--rule); border-radius: 4px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
ol.proposals { margin: 0.3rem 0 0.6rem; padding-left: 2rem; list-style-type: decimal; list-style-type: proposal; }
ol.proposals li { margin: 0.15rem 0; }
p.outcome { font-weight: 700; }
table { width: 100%; border-collapse: collapse; margin: 0.75rem 0 1.25rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.35rem; }
th, td { padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { background: var(--band); border-bottom: 2px solid var(--accent); text-align: right; }
thead th:first-child, tbody th { text-align: left; }
td.amount { text-align: right; white-space: nowrap; }
footer.printed { margin-top: 2.5rem; padding-top: 0.5rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: 0.875rem; }
@page {
  size: A4;
  margin: 20mm 18mm 22mm 20mm;
  @bottom-left { content: "KIND"; font: 8.5pt Arial, sans-serif; color: #555; }
  @bottom-right { content: "Side " counter(page) " af " counter(pages); font: 8.5pt Arial, sans-serif; color: #555; }
}
@media print {
  html { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2, h3, caption { break-after: avoid; page-break-after: avoid; }
  table, dl.facts, ol.proposals li, p.outcome { break-inside: avoid; page-break-inside: avoid; }
  dl.meta { background: none; border: 1px solid var(--rule); border-left: 4px solid var(--accent); }
  thead { display: table-header-group; }
  thead th { background: none; }
}
"#;

/// The whole page. Every text of `doc` is escaped.
pub fn render_html(doc: &MeetingDocument) -> String {
    let kind = doc.kind.heading_da();
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"da\">\n<head>\n<meta charset=\"utf-8\">\n<link rel=\"icon\" href=\"data:,\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "<title>{kind}: {}</title>", esc(&doc.title));
    let margin_note = css_string(&format!("{kind} · udskrevet {}", doc.printed_at));
    let _ = writeln!(out, "<style>{}</style>\n</head>\n<body>\n<main>", STYLE.replace("KIND", &margin_note));
    let _ = writeln!(out, "<h1><span class=\"kind\">{kind}</span> {}</h1>", esc(&doc.title));
    meeting_header(&mut out, doc);
    for item in &doc.items {
        agenda_item(&mut out, doc.kind, item);
    }
    if !doc.pools.is_empty() {
        out.push_str("<section class=\"pools\" aria-labelledby=\"puljer\">\n<h2 id=\"puljer\">Puljernes status</h2>\n");
        for pool in &doc.pools {
            pool_table(&mut out, pool);
        }
        out.push_str("</section>\n");
    }
    out.push_str("<footer class=\"printed\">\n");
    if let (DocumentKind::Minutes, Some(reference)) = (doc.kind, &doc.reference) {
        let _ = writeln!(out, "<p>Reference: {}</p>", esc(reference));
    }
    let _ = writeln!(out, "<p>Udskrevet {}. Tallene er puljernes status på det tidspunkt.</p>", esc(&doc.printed_at));
    out.push_str("</footer>\n</main>\n</body>\n</html>\n");
    out
}

/// Text for inside a CSS string: letters, digits and plain punctuation as
/// they are, anything else (quotes, backslashes, `<`, line breaks) as a CSS
/// hex escape, so no text can end the string or the `<style>` element.
pub(crate) fn css_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_alphanumeric() || " .,:-–·".contains(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\{:x} ", u32::from(c));
        }
    }
    out
}

/// Emne, Deltagere, Afbud, Mødedato, Sted (and the minutes' reference).
fn meeting_header(out: &mut String, doc: &MeetingDocument) {
    out.push_str("<dl class=\"meta\">\n");
    let _ = writeln!(out, "<dt>Emne</dt><dd>{}</dd>", esc(&doc.title));
    let _ = writeln!(out, "<dt>Forum</dt><dd>{}, {}</dd>", esc(&doc.forum_da), esc(&doc.cluster_name));
    let _ = writeln!(out, "<dt>Deltagere</dt><dd>{}</dd>", people(&doc.attendees, "Ingen angivet"));
    let _ = writeln!(out, "<dt>Afbud</dt><dd>{}</dd>", people(&doc.apologies, "Ingen"));
    let _ = writeln!(out, "<dt>Mødedato</dt><dd><time datetime=\"{}\">{}</time></dd>", doc.date.format("%Y-%m-%d"), esc(&doc.date_da()));
    if !doc.location.trim().is_empty() {
        let _ = writeln!(out, "<dt>Sted</dt><dd>{}</dd>", esc(&doc.location));
    }
    if let (DocumentKind::Minutes, Some(reference)) = (doc.kind, &doc.reference) {
        let _ = writeln!(out, "<dt>Reference</dt><dd>{}</dd>", esc(reference));
    }
    out.push_str("</dl>\n");
}

fn people(roles: &[String], none: &str) -> String {
    if roles.is_empty() {
        return none.to_owned();
    }
    let mut list = String::from("<ul>");
    for role in roles {
        let _ = write!(list, "<li>{}</li>", esc(role));
    }
    list.push_str("</ul>");
    list
}

fn paragraphs(out: &mut String, texts: &[String]) {
    for text in texts.iter().filter(|t| !t.trim().is_empty()) {
        let _ = writeln!(out, "<p>{}</p>", esc(text));
    }
}

/// "N. Title", the case, its facts, the indstilling and, in minutes, the
/// outcome in bold and the referat.
fn agenda_item(out: &mut String, kind: DocumentKind, item: &DocumentItem) {
    let n = item.number;
    let _ = writeln!(out, "<section class=\"item\" aria-labelledby=\"punkt-{n}\">");
    let _ = writeln!(out, "<h2 id=\"punkt-{n}\">{n}. {}</h2>", esc(&item.title));
    paragraphs(out, &item.case_text);
    if !item.facts.is_empty() {
        out.push_str("<dl class=\"facts\">\n");
        for (label, value) in &item.facts {
            let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(label), esc(value));
        }
        out.push_str("</dl>\n");
    }
    if !item.proposals.is_empty() || !item.indstilling_intro.is_empty() {
        out.push_str("<h3>Indstilling:</h3>\n");
        paragraphs(out, std::slice::from_ref(&item.indstilling_intro));
        if !item.proposals.is_empty() {
            out.push_str("<ol class=\"proposals\">\n");
            for proposal in &item.proposals {
                let _ = writeln!(out, "<li>{}</li>", esc(proposal));
            }
            out.push_str("</ol>\n");
        }
    }
    if kind == DocumentKind::Minutes {
        if let Some(outcome) = &item.outcome {
            let _ = writeln!(out, "<p class=\"outcome\"><strong>{}</strong></p>", esc(outcome));
        }
        if !item.referat.is_empty() {
            out.push_str("<h3>Referat:</h3>\n");
            paragraphs(out, &item.referat);
        }
    }
    out.push_str("</section>\n");
}

/// One column per bucket, one row per figure, amounts right-aligned.
fn pool_table(out: &mut String, pool: &PoolFigures) {
    out.push_str("<table>\n");
    let _ = writeln!(out, "<caption>{}</caption>", esc(&pool.caption));
    out.push_str("<thead><tr><th scope=\"col\">Beløb</th>");
    for column in &pool.columns {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(column));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (label, amounts) in &pool.rows {
        let _ = write!(out, "<tr><th scope=\"row\">{}</th>", esc(label));
        for amount in amounts {
            let _ = write!(out, "<td class=\"amount\">{}</td>", esc(&kroner(*amount)));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}
