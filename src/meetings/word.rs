//! The agenda or minutes as a Word file (.docx) with docx-rs: A4, Danish,
//! Heading 1/2 styles of our own (Word's built-in names, so its navigation
//! pane and LibreOffice's navigator see them), proposals under real
//! "1)" numbering that restarts for each item, the pools as tables with a
//! repeating header row, and "Side N af M" in the footer (PAGE and NUMPAGES
//! fields, which Word and LibreOffice update when they lay the pages out).
//!
//! docx-rs has no setter for the language or for a repeating header row, so
//! both are written into the built XML parts before they are zipped.

use docx_rs::{
    AbstractNumbering, AlignmentType, Docx, DocxError, Footer, IndentLevel, Level, LevelJc, LevelText, LineSpacing, NumPages, NumberFormat,
    Numbering, NumberingId, PageMargin, PageNum, Paragraph, Run, RunFonts, Shading, SpecialIndentType, Start, Style, StyleType, Tab,
    TabValueType, Table, TableCell, TableRow, WidthType,
};

use super::document::{DocumentItem, DocumentKind, MeetingDocument, PoolFigures};
use crate::mail::kroner;

/// Why no Word file came out (in practice only if the zip writer fails).
#[derive(Debug, thiserror::Error)]
pub enum WordError {
    #[error("could not write the Word file: {0}")]
    Docx(#[from] DocxError),
}

/// A4 in twentieths of a point, with 2 cm margins: 9,638 twips of text width.
pub(crate) const A4: (u32, u32) = (11_906, 16_838);
pub(crate) const MARGIN: i32 = 1_134;
pub(crate) const TEXT_WIDTH: usize = 11_906 - 2 * 1_134;
pub(crate) const ACCENT: &str = "1F4E79";
pub(crate) const BAND: &str = "EEF2F6";
/// docx-rs always writes a numbering of its own with id 1; ours start after it.
const FIRST_NUMBERING: usize = 2;

/// The whole document, zipped.
pub fn render_docx(doc: &MeetingDocument) -> Result<Vec<u8>, WordError> {
    let mut docx = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(PageMargin { top: MARGIN, left: MARGIN, bottom: MARGIN, right: MARGIN, header: 567, footer: 567, gutter: 0 })
        .default_fonts(RunFonts::new().ascii("Calibri").hi_ansi("Calibri").cs("Calibri"))
        .default_size(22)
        .default_line_spacing(LineSpacing::new().after(100).line(264));
    for style in styles() {
        docx = docx.add_style(style);
    }
    docx = docx.footer(footer(&format!("{} · udskrevet {}", doc.kind.heading_da(), doc.printed_at)));

    docx = docx.add_paragraph(Paragraph::new().style("Heading1").add_run(Run::new().add_text(doc.kind.heading_da())));
    docx = docx.add_table(meeting_header(doc));
    for (index, item) in doc.items.iter().enumerate() {
        // One numbering per item, so each indstilling counts from 1).
        let id = FIRST_NUMBERING + index;
        docx = docx.add_abstract_numbering(proposal_numbering(id)).add_numbering(Numbering::new(id, id));
        for paragraph in agenda_item(doc.kind, item, id) {
            docx = docx.add_paragraph(paragraph);
        }
    }
    if !doc.pools.is_empty() {
        docx = docx.add_paragraph(heading2("Puljernes status"));
        for pool in &doc.pools {
            docx = docx.add_paragraph(Paragraph::new().style("Caption").keep_next(true).add_run(Run::new().add_text(&pool.caption)));
            docx = docx.add_table(pool_table(pool)).add_paragraph(Paragraph::new());
        }
    }
    docx = docx.add_paragraph(
        Paragraph::new()
            .style("Printed")
            .add_run(Run::new().add_text(format!("Udskrevet {}. Tallene er puljernes status på det tidspunkt.", doc.printed_at))),
    );

    let mut parts = docx.build();
    parts.styles = danish_language(parts.styles);
    parts.doc_props.core = core_properties(parts.doc_props.core, &format!("{}: {}", doc.kind.heading_da(), doc.title));
    parts.document = repeat_header_rows(parts.document);
    let mut zipped = std::io::Cursor::new(Vec::new());
    parts.pack(&mut zipped).map_err(DocxError::from)?;
    Ok(zipped.into_inner())
}

pub(crate) fn styles() -> Vec<Style> {
    let heading = |id: &str, name: &str, size: usize, level: usize, before: u32| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .size(size)
            .bold()
            .color(ACCENT)
            .outline_lvl(level)
            .line_spacing(LineSpacing::new().before(before).after(120))
    };
    // docx-rs writes the "Normal" style itself (the document defaults above).
    vec![
        heading("Heading1", "heading 1", 36, 0, 0),
        heading("Heading2", "heading 2", 28, 1, 360),
        Style::new("Caption", StyleType::Paragraph)
            .name("caption")
            .based_on("Normal")
            .next("Normal")
            .bold()
            .line_spacing(LineSpacing::new().before(200).after(80)),
        Style::new("Printed", StyleType::Paragraph).name("Udskrevet").based_on("Normal").italic().size(18).color("555555"),
        Style::new("Footer", StyleType::Paragraph).name("footer").based_on("Normal").size(17).color("555555"),
    ]
}

/// "Dagsorden · udskrevet …" at the left, "Side N af M" at the right margin.
pub(crate) fn footer(label: &str) -> Footer {
    let line = Paragraph::new()
        .style("Footer")
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_WIDTH))
        .add_run(Run::new().add_text(label).add_tab())
        .add_run(Run::new().add_text("Side "))
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(" af "))
        .add_num_pages(NumPages::new());
    Footer::new().add_paragraph(line)
}

pub(crate) fn heading2(text: &str) -> Paragraph {
    Paragraph::new().style("Heading2").keep_next(true).add_run(Run::new().add_text(text))
}

pub(crate) fn text(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

fn bold(text: &str) -> Paragraph {
    Paragraph::new().keep_next(true).add_run(Run::new().add_text(text).bold())
}

/// Emne, Forum, Deltagere, Afbud, Mødedato, Sted, Reference, as in the
/// seeds: a label column and a value column, no grid lines.
fn meeting_header(doc: &MeetingDocument) -> Table {
    let mut rows: Vec<(&str, Vec<String>)> = vec![
        ("Emne:", vec![doc.title.clone()]),
        ("Forum:", vec![format!("{}, {}", doc.forum_da, doc.cluster_name)]),
        ("Deltagere:", bullets(&doc.attendees, "Ingen angivet")),
        ("Afbud:", bullets(&doc.apologies, "Ingen")),
        ("Mødedato:", vec![doc.date_da()]),
    ];
    if !doc.location.trim().is_empty() {
        rows.push(("Sted:", vec![doc.location.clone()]));
    }
    if let (DocumentKind::Minutes, Some(reference)) = (doc.kind, &doc.reference) {
        rows.push(("Reference:", vec![reference.clone()]));
    }
    let label_width = 1_900;
    let rows = rows
        .into_iter()
        .map(|(label, values)| {
            let label = Paragraph::new().add_run(Run::new().add_text(label).bold());
            let label = TableCell::new().width(label_width, WidthType::Dxa).add_paragraph(label);
            let value =
                values.iter().fold(TableCell::new().width(TEXT_WIDTH - label_width, WidthType::Dxa), |cell, v| cell.add_paragraph(text(v)));
            TableRow::new(vec![label, value])
        })
        .collect();
    Table::without_borders(rows).set_grid(vec![label_width, TEXT_WIDTH - label_width]).width(TEXT_WIDTH, WidthType::Dxa)
}

fn bullets(roles: &[String], none: &str) -> Vec<String> {
    if roles.is_empty() {
        return vec![none.to_owned()];
    }
    roles.iter().map(|r| format!("• {r}")).collect()
}

/// "1)", "2)" … with a hanging indent.
fn proposal_numbering(id: usize) -> AbstractNumbering {
    AbstractNumbering::new(id).add_level(
        Level::new(0, Start::new(1), NumberFormat::new("decimal"), LevelText::new("%1)"), LevelJc::new("left")).indent(
            Some(567),
            Some(SpecialIndentType::Hanging(397)),
            None,
            None,
        ),
    )
}

/// "N. Title", the case, its facts, the indstilling and, in minutes, the
/// outcome in bold and the referat.
fn agenda_item(kind: DocumentKind, item: &DocumentItem, numbering: usize) -> Vec<Paragraph> {
    let mut out = vec![heading2(&format!("{}. {}", item.number, item.title))];
    out.extend(item.case_text.iter().filter(|t| !t.trim().is_empty()).map(|t| text(t)));
    for (label, value) in &item.facts {
        out.push(Paragraph::new().add_run(Run::new().add_text(format!("{label}: ")).bold()).add_run(Run::new().add_text(value)));
    }
    if !item.proposals.is_empty() || !item.indstilling_intro.is_empty() {
        out.push(bold("Indstilling:"));
        if !item.indstilling_intro.is_empty() {
            out.push(text(&item.indstilling_intro).keep_next(true));
        }
        for proposal in &item.proposals {
            out.push(text(proposal).numbering(NumberingId::new(numbering), IndentLevel::new(0)));
        }
    }
    if kind == DocumentKind::Minutes {
        if let Some(outcome) = &item.outcome {
            out.push(Paragraph::new().add_run(Run::new().add_text(outcome).bold()));
        }
        if !item.referat.is_empty() {
            out.push(bold("Referat:"));
            out.extend(item.referat.iter().filter(|t| !t.trim().is_empty()).map(|t| text(t)));
        }
    }
    out
}

/// A header row of bucket names, then one row per figure, amounts at the right.
fn pool_table(pool: &PoolFigures) -> Table {
    let columns = pool.columns.len();
    let label_width = 2_400;
    let amount_width = (TEXT_WIDTH - label_width) / columns.max(1);
    // Every row but the last keeps with the next, so a short table stays on one page.
    let last = pool.rows.len();
    let cell = |text: &str, align: AlignmentType, row: usize, width: usize| {
        let head = row == 0;
        let run = if head { Run::new().add_text(text).bold() } else { Run::new().add_text(text) };
        let paragraph = Paragraph::new().align(align).keep_next(row < last).add_run(run);
        let cell = TableCell::new().width(width, WidthType::Dxa).add_paragraph(paragraph);
        if head { cell.shading(Shading::new().fill(BAND)) } else { cell }
    };
    let mut header = vec![cell("Beløb", AlignmentType::Left, 0, label_width)];
    header.extend(pool.columns.iter().map(|c| cell(c, AlignmentType::Right, 0, amount_width)));
    // cantSplit marks the header row; `repeat_header_rows` adds tblHeader to it.
    let mut rows = vec![TableRow::new(header).cant_split()];
    for (row, (label, amounts)) in pool.rows.iter().enumerate().map(|(i, r)| (i + 1, r)) {
        let mut cells = vec![cell(label, AlignmentType::Left, row, label_width)];
        cells.extend(amounts.iter().map(|a| cell(&kroner(*a), AlignmentType::Right, row, amount_width)));
        rows.push(TableRow::new(cells));
    }
    let mut grid = vec![label_width];
    grid.extend(std::iter::repeat_n(amount_width, columns));
    Table::new(rows).set_grid(grid).width(TEXT_WIDTH, WidthType::Dxa)
}

/// The title, language and producer in the file's properties (docx-rs
/// leaves them out and says "unknown").
pub(crate) fn core_properties(core: Vec<u8>, title: &str) -> Vec<u8> {
    let xml = String::from_utf8_lossy(&core).replace("<dc:creator>unknown</dc:creator>", "<dc:creator>Klyngemidler</dc:creator>");
    let added = format!("<dc:title>{}</dc:title><dc:language>da-DK</dc:language></cp:coreProperties>", xml_text(title));
    xml.replace("</cp:coreProperties>", &added).into_bytes()
}

fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Danish (da-DK) for spelling and hyphenation, as the default of every run.
pub(crate) fn danish_language(styles: Vec<u8>) -> Vec<u8> {
    let xml = String::from_utf8_lossy(&styles).into_owned();
    let lang = r#"<w:lang w:val="da-DK" w:eastAsia="da-DK" w:bidi="ar-SA" />"#;
    let patched = if let Some(at) = xml.find("<w:rPrDefault><w:rPr />") {
        let open = at + "<w:rPrDefault>".len();
        format!("{}<w:rPr>{lang}</w:rPr>{}", &xml[..open], &xml[open + "<w:rPr />".len()..])
    } else if let Some(at) = xml.find("<w:rPrDefault>").and_then(|start| xml[start..].find("</w:rPr>").map(|end| start + end)) {
        format!("{}{lang}{}", &xml[..at], &xml[at..])
    } else {
        xml
    };
    patched.into_bytes()
}

/// The pool tables' header rows repeat at the top of each page they run onto.
pub(crate) fn repeat_header_rows(document: Vec<u8>) -> Vec<u8> {
    let xml = String::from_utf8_lossy(&document);
    xml.replace("<w:cantSplit />", "<w:cantSplit /><w:tblHeader />").into_bytes()
}
