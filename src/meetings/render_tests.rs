//! The agenda and minutes of the sample meeting, as HTML and as Word.

use std::io::Read;

use super::document::{DocumentKind, MeetingDocument};
use super::html::render_html;
use super::sample::sample_document;
use super::word::render_docx;

fn agenda() -> MeetingDocument {
    let mut doc = sample_document();
    doc.kind = DocumentKind::Agenda;
    doc.reference = None;
    for item in &mut doc.items {
        item.outcome = None;
        item.referat.clear();
    }
    doc
}

/// The parts of a .docx that we check, read back out of the zip.
fn part(docx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a .docx is a zip");
    let mut file = archive.by_name(name).unwrap_or_else(|_| panic!("{name} in the .docx"));
    let mut xml = String::new();
    file.read_to_string(&mut xml).expect("UTF-8 XML");
    xml
}

/// Every element closed in order, every reference one XML knows.
fn assert_well_formed(xml: &str) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::GeneralRef(r)) => {
                let name = r.decode().expect("a reference");
                let known = ["amp", "lt", "gt", "quot", "apos"].contains(&name.as_ref()) || name.starts_with('#');
                assert!(known, "unknown entity &{name};");
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at {}: {e}", reader.buffer_position()),
        }
    }
    assert_eq!(depth, 0, "unclosed elements");
}

#[test]
fn the_agenda_page_is_danish_self_contained_and_shows_the_amount() {
    let html = render_html(&agenda());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"da\">"));
    assert!(html.contains("<meta charset=\"utf-8\">"));
    assert!(html.contains("name=\"viewport\""));
    assert!(html.contains("<title>Dagsorden: 13. møde på fagligt strategisk niveau i Sundhedsklynge Vest</title>"));
    assert!(!html.to_lowercase().contains("<script"), "no scripts");
    assert!(!html.contains("http://") && !html.contains("https://"), "no resource from anywhere");
    // The one link is the empty inline icon, so the browser asks for no /favicon.ico.
    assert_eq!(html.matches("<link").count(), 1);
    assert!(html.contains("<link rel=\"icon\" href=\"data:,\">"));
    assert!(!html.contains("@import") && !html.contains("url("), "styles are inline only");
    assert!(html.contains("187.553,50 kr."));
    assert!(html.contains("<h2 id=\"punkt-2\">2. Ansøgning: Tværsektoriel udskrivelse af ældre medicinske patienter</h2>"));
    assert!(html.contains("<h3>Indstilling:</h3>"));
    assert!(html.contains("Det indstilles, at Fagligt strategisk niveau i Sundhedsklynge Vest:"));
    assert!(html.contains("<ol class=\"proposals\">\n<li>Godkender ansøgningen med 187.553,50 kr.</li>"));
    for label in ["Emne", "Deltagere", "Afbud", "Mødedato", "Sted"] {
        assert!(html.contains(&format!("<dt>{label}</dt>")), "{label}");
    }
    assert!(html.contains("<time datetime=\"2026-11-26\">26. november 2026</time>"));
    assert!(html.contains("Udskrevet 1. december 2026 kl. 12.45"));
    assert!(!html.contains("Referat:") && !html.contains("class=\"outcome\""), "an agenda has no outcomes");
}

#[test]
fn the_printed_page_is_a4_with_page_numbers() {
    let html = render_html(&agenda());
    assert!(html.contains("size: A4;"));
    assert!(html.contains("@bottom-right { content: \"Side \" counter(page) \" af \" counter(pages);"));
    assert!(html.contains("@media print"));
}

#[test]
fn the_pool_figures_are_a_table_with_caption_headers_and_kroner() {
    let html = render_html(&sample_document());
    assert!(html.contains("<caption>Pulje vest-2026 (Sundhedsklynge Vest, 2026)</caption>"));
    assert!(html.contains("<th scope=\"col\">Ad hoc-projekter</th>"));
    assert!(html.contains("<tr><th scope=\"row\">Bevilget</th><td class=\"amount\">187.553,50 kr.</td>"));
    assert!(html.contains("<td class=\"amount\">871.553,00 kr.</td>"));
}

#[test]
fn minutes_show_each_outcome_in_bold_after_the_proposals_and_the_reference() {
    let html = render_html(&sample_document());
    assert!(html.contains("<title>Beslutningsreferat: "));
    let proposals = html.find("Beder driftsforum følge projektet.").expect("the proposal");
    let outcome = html.find("<p class=\"outcome\"><strong>Godkendt</strong></p>").expect("the outcome in bold");
    assert!(proposals < outcome);
    assert!(html.contains("<h3>Referat:</h3>\n<p>Gruppen fandt projektet velbeskrevet"));
    assert!(html.contains("<dt>Reference</dt><dd>Referat 26.11.2026</dd>"));
    assert!(html.contains("<p>Reference: Referat 26.11.2026</p>"));
}

#[test]
fn every_text_is_escaped_in_the_page_and_in_its_css() {
    let mut doc = sample_document();
    doc.title = "Møde <b>fed</b> & \"citat\"".to_owned();
    doc.items[0].title = "<script>alert(1)</script>".to_owned();
    doc.printed_at = "i dag\"; } </style><script>x()</script>".to_owned();
    doc.location = String::new();
    let html = render_html(&doc);
    assert!(html.contains("Møde &lt;b&gt;fed&lt;/b&gt; &amp; &quot;citat&quot;"));
    assert!(!html.contains("<b>fed"));
    assert!(!html.to_lowercase().contains("<script"));
    assert_eq!(html.matches("</style>").count(), 1, "the printed time cannot end the style element");
    assert!(!html.contains("<dt>Sted</dt>"), "no empty place");
}

#[test]
fn the_word_file_is_a_zip_of_well_formed_xml_with_every_item_and_the_amount() {
    let doc = sample_document();
    let docx = render_docx(&doc).expect("a Word file");
    assert!(docx.starts_with(b"PK\x03\x04"), "a zip");
    let document = part(&docx, "word/document.xml");
    assert_well_formed(&document);
    for item in &doc.items {
        let heading = format!("{}. {}", item.number, item.title);
        assert!(document.contains(&heading), "{heading}");
    }
    for text in ["187.553,50 kr.", "871.553,00 kr.", "Beslutningsreferat", "Mødedato:", "26. november 2026", "Indstilling:", "Referat:"] {
        assert!(document.contains(text), "{text}");
    }
    assert!(document.contains("w:val=\"Heading2\""), "item headings use the Heading 2 style");
    assert!(document.contains("<w:tblHeader />"), "the pool table's header row repeats");
    assert!(document.contains("<w:jc w:val=\"right\" />"), "amounts are right-aligned");
}

#[test]
fn the_word_file_is_danish_numbers_its_proposals_and_its_pages() {
    let docx = render_docx(&agenda()).expect("a Word file");
    for name in ["word/styles.xml", "word/numbering.xml", "word/footer1.xml", "[Content_Types].xml"] {
        assert_well_formed(&part(&docx, name));
    }
    let styles = part(&docx, "word/styles.xml");
    assert!(styles.contains("w:val=\"da-DK\""), "Danish by default");
    assert!(styles.contains("w:styleId=\"Heading1\"") && styles.contains("w:styleId=\"Heading2\""));
    let numbering = part(&docx, "word/numbering.xml");
    assert_eq!(numbering.matches("w:val=\"%1)\"").count(), 3, "each item's proposals are numbered 1) 2) …");
    for id in 1..=4 {
        assert_eq!(numbering.matches(&format!("<w:num w:numId=\"{id}\"")).count(), 1, "numbering {id} is defined once");
    }
    assert_eq!(styles.matches("w:styleId=\"Normal\"").count(), 1, "one Normal style");
    let core = part(&docx, "docProps/core.xml");
    assert_well_formed(&core);
    assert!(core.contains("<dc:title>Dagsorden: 13. møde på fagligt strategisk niveau i Sundhedsklynge Vest</dc:title>"));
    assert!(core.contains("<dc:language>da-DK</dc:language>"));
    let footer = part(&docx, "word/footer1.xml");
    assert!(footer.contains(">PAGE<") && footer.contains(">NUMPAGES<"), "Side N af M: {footer}");
    assert!(footer.contains("Side "));
    let document = part(&docx, "word/document.xml");
    assert!(!document.contains("Referat:"), "an agenda has no referat");
}

#[test]
fn markup_in_a_title_stays_text_in_the_word_file() {
    let mut doc = sample_document();
    doc.items[1].title = "Ansøgning <b>fed</b> & co".to_owned();
    let docx = render_docx(&doc).expect("a Word file");
    let document = part(&docx, "word/document.xml");
    assert_well_formed(&document);
    assert!(document.contains("2. Ansøgning &lt;b&gt;fed&lt;/b&gt; &amp; co"));
}
