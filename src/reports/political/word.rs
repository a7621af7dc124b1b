//! The political report as a Word file (docx-rs), laid out like the
//! meeting documents: the same A4 page, styles, Danish language, repeating
//! table header rows and "Side N af M" footer (`crate::meetings::word`).

use docx_rs::{
    AlignmentType, Docx, DocxError, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading, Table, TableCell, TableRow, WidthType,
};

use super::view::{ReportView, TableView};
use crate::meetings::word::{
    A4, BAND, MARGIN, TEXT_WIDTH, WordError, core_properties, danish_language, footer, heading2, repeat_header_rows, styles, text,
};

/// The whole document, zipped.
pub fn render_docx(v: &ReportView) -> Result<Vec<u8>, WordError> {
    let mut docx = Docx::new()
        .page_size(A4.0, A4.1)
        .page_margin(PageMargin { top: MARGIN, left: MARGIN, bottom: MARGIN, right: MARGIN, header: 567, footer: 567, gutter: 0 })
        .default_fonts(RunFonts::new().ascii("Calibri").hi_ansi("Calibri").cs("Calibri"))
        .default_size(22)
        .default_line_spacing(LineSpacing::new().after(100).line(264));
    for style in styles() {
        docx = docx.add_style(style);
    }
    docx = docx.footer(footer(&format!("{} · udskrevet {}", v.title, v.printed_at)));
    docx = docx
        .add_paragraph(Paragraph::new().style("Heading1").add_run(Run::new().add_text(&v.title)))
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(&v.cluster_name).bold()))
        .add_paragraph(text(&v.intro));

    docx = docx.add_paragraph(heading2("1. Årets puljer og fordelingsmodeller"));
    if v.pools.is_empty() {
        docx = docx.add_paragraph(text("Klyngen har ingen pulje i året."));
    }
    for pool in &v.pools {
        docx = docx.add_paragraph(caption(&pool.heading)).add_paragraph(text(&pool.model));
        docx = docx.add_table(table(&pool.table)).add_paragraph(Paragraph::new());
    }

    docx = docx.add_paragraph(heading2("2. Bevillinger"));
    if v.grants.is_empty() {
        docx = docx.add_paragraph(text("Der er ikke givet bevillinger i året."));
    } else {
        docx =
            docx.add_paragraph(caption("Årets bevillinger med mødedatoer og beløb")).add_table(grants(v)).add_paragraph(Paragraph::new());
    }

    docx = docx.add_paragraph(heading2("3. Midlerne fordelt på målgrupper og parter")).add_paragraph(text(
        "Et projekt for flere målgrupper tæller ligeligt med hos hver af dem; fordelingerne summer til det bevilgede beløb.",
    ));
    for t in [&v.by_population, &v.by_party] {
        docx = docx.add_paragraph(caption(&t.caption)).add_table(table(t)).add_paragraph(Paragraph::new());
    }

    docx = docx.add_paragraph(heading2("4. Overførsler mellem år"));
    docx = if v.carry_overs.rows.is_empty() {
        docx.add_paragraph(text("Der er ingen overførsler til eller fra året."))
    } else {
        docx.add_paragraph(caption(&v.carry_overs.caption)).add_table(table(&v.carry_overs)).add_paragraph(Paragraph::new())
    };

    docx = docx.add_paragraph(heading2("5. Projekternes status"));
    docx = if v.projects.rows.is_empty() {
        docx.add_paragraph(text("Der er ingen projekter at følge op på."))
    } else {
        docx.add_paragraph(caption(&v.projects.caption)).add_table(table(&v.projects)).add_paragraph(Paragraph::new())
    };
    docx = docx.add_paragraph(
        Paragraph::new()
            .style("Printed")
            .add_run(Run::new().add_text(format!("Udskrevet {}. Tallene er puljernes status på det tidspunkt.", v.printed_at))),
    );

    let mut parts = docx.build();
    parts.styles = danish_language(parts.styles);
    parts.doc_props.core = core_properties(parts.doc_props.core, &format!("{}: {}", v.title, v.cluster_name));
    parts.document = repeat_header_rows(parts.document);
    let mut zipped = std::io::Cursor::new(Vec::new());
    parts.pack(&mut zipped).map_err(DocxError::from)?;
    Ok(zipped.into_inner())
}

fn caption(t: &str) -> Paragraph {
    Paragraph::new().style("Caption").keep_next(true).add_run(Run::new().add_text(t))
}

/// A cell of paragraphs; the header row is bold on a band.
fn cell(lines: &[&str], align: AlignmentType, head: bool, width: usize) -> TableCell {
    let cell = lines.iter().fold(TableCell::new().width(width, WidthType::Dxa), |cell, line| {
        let run = if head { Run::new().add_text(*line).bold() } else { Run::new().add_text(*line) };
        cell.add_paragraph(Paragraph::new().align(align).add_run(run))
    });
    if head { cell.shading(Shading::new().fill(BAND)) } else { cell }
}

fn header_row(cells: Vec<TableCell>) -> TableRow {
    // cantSplit marks the header row; `repeat_header_rows` adds tblHeader to it.
    TableRow::new(cells).cant_split()
}

/// A label column and value columns sharing the rest of the width.
fn table(t: &TableView) -> Table {
    let values = t.columns.len().saturating_sub(1).max(1);
    let label_width = if values == 1 { 5_638 } else { 2_638 };
    let width = (TEXT_WIDTH - label_width) / values;
    let align = if t.numeric { AlignmentType::Right } else { AlignmentType::Left };
    let mut head: Vec<TableCell> = Vec::new();
    for (i, c) in t.columns.iter().enumerate() {
        head.push(if i == 0 { cell(&[c], AlignmentType::Left, true, label_width) } else { cell(&[c], align, true, width) });
    }
    let mut rows = vec![header_row(head)];
    let mut line = |label: &str, cells: &[String], bold: bool| {
        let mut out = vec![cell(&[label], AlignmentType::Left, bold, label_width)];
        out.extend(cells.iter().map(|c| cell(&[c], align, bold, width)));
        rows.push(TableRow::new(out));
    };
    for (label, cells) in &t.rows {
        line(label, cells, false);
    }
    if let Some((label, cells)) = &t.total {
        line(label, cells, true);
    }
    let mut grid = vec![label_width];
    grid.extend(std::iter::repeat_n(width, values));
    Table::new(rows).set_grid(grid).width(TEXT_WIDTH, WidthType::Dxa)
}

/// Projekt, Ansøger og målgrupper, Behandling (each step a line), Bevilget.
fn grants(v: &ReportView) -> Table {
    let widths = [2_300, 1_800, 3_638, 1_900];
    let head = ["Projekt", "Ansøger og målgrupper", "Behandling", "Bevilget"];
    let mut rows = vec![header_row(
        head.iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (h, w))| cell(&[h], if i == 3 { AlignmentType::Right } else { AlignmentType::Left }, true, w))
            .collect(),
    )];
    for g in &v.grants {
        let period = format!("Projektperiode {}", g.period);
        let disbursed = format!("heraf udbetalt {}", g.disbursed);
        let steps: Vec<&str> = g.steps.iter().map(String::as_str).collect();
        rows.push(TableRow::new(vec![
            cell(&[&g.title, &period], AlignmentType::Left, false, widths[0]),
            cell(&[&g.applicant, &g.populations], AlignmentType::Left, false, widths[1]),
            cell(if steps.is_empty() { &["–"] } else { &steps }, AlignmentType::Left, false, widths[2]),
            cell(&[&g.amount, &disbursed], AlignmentType::Right, false, widths[3]),
        ]));
    }
    let disbursed = format!("heraf udbetalt {}", v.disbursed_total);
    rows.push(TableRow::new(vec![
        cell(&["I alt"], AlignmentType::Left, true, widths[0]),
        cell(&[""], AlignmentType::Left, false, widths[1]),
        cell(&[""], AlignmentType::Left, false, widths[2]),
        cell(&[&v.granted_total, &disbursed], AlignmentType::Right, true, widths[3]),
    ]));
    Table::new(rows).set_grid(widths.to_vec()).width(TEXT_WIDTH, WidthType::Dxa)
}
