//! CSV in the two dialects finance staff use: RFC 4180 (`,` and `.`) and
//! Danish Excel (`;`, decimal comma, a UTF-8 BOM so Excel reads æøå).
//! Written by hand: it is small, and the dialect rules are ours.

/// How a CSV file is written (and, for decimals, read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 4180: `,` between fields, `.` before the øre, English headers.
    Rfc4180,
    /// What Danish Excel opens with a double click: `;`, `,` before the øre,
    /// a UTF-8 byte order mark and Danish headers.
    ExcelDa,
}

impl Dialect {
    pub fn parse(text: &str) -> Option<Dialect> {
        match text {
            "rfc4180" => Some(Dialect::Rfc4180),
            "excel-da" => Some(Dialect::ExcelDa),
            _ => None,
        }
    }

    pub fn separator(self) -> u8 {
        match self {
            Dialect::Rfc4180 => b',',
            Dialect::ExcelDa => b';',
        }
    }

    /// What starts the file: the BOM for Excel, nothing otherwise.
    pub fn preamble(self) -> &'static [u8] {
        match self {
            Dialect::Rfc4180 => b"",
            Dialect::ExcelDa => "\u{feff}".as_bytes(),
        }
    }

    /// An amount as the dialect writes it: `"1234.50"` or `"1234,50"`.
    /// The text always comes from `Money`, so no øre is lost.
    pub fn amount(self, text: &str) -> String {
        match self {
            Dialect::Rfc4180 => text.to_owned(),
            Dialect::ExcelDa => text.replace('.', ","),
        }
    }
}

/// A column: its English name (the JSON field) and its Danish header.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub name_da: &'static str,
}

pub const fn col(name: &'static str, name_da: &'static str) -> Column {
    Column { name, name_da }
}

/// Would Excel take this cell for a formula (`=`, `+`, `@`, a tab or CR,
/// or `-` unless the whole cell is a negative number)? Applicants write
/// titles, so a title like `=HYPERLINK(…)` or `-1+cmd|' /C calc'!A0` must
/// stay text in the Excel dialect, while a signed amount stays a number.
fn looks_like_formula(f: &str) -> bool {
    match f.as_bytes().first() {
        Some(b'=' | b'+' | b'@' | b'\t' | b'\r') => true,
        Some(b'-') => !is_plain_number(&f[1..]),
        _ => false,
    }
}

/// Digits with at most one decimal mark (`.` or `,`) between digits: `123`, `1234,50`.
fn is_plain_number(text: &str) -> bool {
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((w, f)) => (w, Some(f)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && fraction.is_none_or(digits)
}

/// Appends one record (CRLF-terminated, fields quoted when needed). In the
/// Excel dialect a cell that would start a formula gets a leading `'`.
pub fn write_record<S: AsRef<str>>(out: &mut Vec<u8>, dialect: Dialect, fields: &[S]) {
    let sep = dialect.separator();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(sep);
        }
        let guarded;
        let mut f = field.as_ref();
        if dialect == Dialect::ExcelDa && looks_like_formula(f) {
            guarded = format!("'{f}");
            f = &guarded;
        }
        let needs_quotes = f.bytes().any(|b| b == sep || b == b'"' || b == b'\n' || b == b'\r') || f.starts_with(' ') || f.ends_with(' ');
        if needs_quotes {
            out.push(b'"');
            out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(f.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

/// The header record of `columns` in the dialect's language.
pub fn write_header(out: &mut Vec<u8>, dialect: Dialect, columns: &[Column]) {
    let names: Vec<&str> = columns.iter().map(|c| if dialect == Dialect::ExcelDa { c.name_da } else { c.name }).collect();
    write_record(out, dialect, &names);
}

/// Why a CSV file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("is not UTF-8 text")]
    NotUtf8,
    #[error("is empty; the first line must name the columns")]
    Empty,
    #[error("line {line}: a quoted field is not closed")]
    UnclosedQuote { line: usize },
}

/// A parsed CSV file: the header and the records, each with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub separator: u8,
    pub header: Vec<String>,
    /// (line number in the file, fields)
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// Reads either dialect: a BOM is skipped, and the separator is the one
    /// of `;` or `,` that occurs more often in the header line.
    pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
        let text = std::str::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let first_line = text.lines().next().unwrap_or("");
        let count = |c: char| first_line.chars().filter(|x| *x == c).count();
        let separator = if count(';') > count(',') { ';' } else { ',' };
        let mut records = parse(text, separator)?;
        if records.is_empty() {
            return Err(ReadError::Empty);
        }
        let (_, header) = records.remove(0);
        let header = header.into_iter().map(|h| h.trim().to_owned()).collect();
        // Blank lines (often at the end) are not records.
        records.retain(|(_, fields)| !(fields.len() == 1 && fields[0].trim().is_empty()));
        Ok(Table { separator: separator as u8, header, rows: records })
    }

    /// The position of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

fn parse(text: &str, sep: char) -> Result<Vec<(usize, Vec<String>)>, ReadError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        any = true;
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            c if c == sep => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut fields)));
                line += 1;
                record_line = line;
                any = false;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(ReadError::UnclosedQuote { line: record_line });
    }
    if any {
        fields.push(field);
        records.push((record_line, fields));
    }
    Ok(records)
}

/// An amount as a client wrote it in either dialect, normalised for
/// `Money::parse`: a decimal comma becomes a point. Thousands separators are
/// not guessed at: "1.234,50" is refused rather than misread.
pub fn normalise_amount(text: &str) -> String {
    let t = text.trim();
    if t.contains(',') && !t.contains('.') { t.replace(',', ".") } else { t.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_separators_quotes_and_newlines_survive_a_round_trip() {
        for dialect in [Dialect::Rfc4180, Dialect::ExcelDa] {
            let mut out = dialect.preamble().to_vec();
            write_record(&mut out, dialect, &["title", "purpose"]);
            write_record(&mut out, dialect, &["Ældre; \"skrøbelige\", i Thy", "linje 1\nlinje 2"]);
            let table = Table::read(&out).expect("reads");
            assert_eq!(table.separator, dialect.separator());
            assert_eq!(table.header, ["title", "purpose"]);
            assert_eq!(table.rows, vec![(2, vec!["Ældre; \"skrøbelige\", i Thy".to_owned(), "linje 1\nlinje 2".to_owned()])]);
        }
    }

    #[test]
    fn excel_never_sees_a_formula_but_negative_amounts_stay_numbers() {
        let mut out = Vec::new();
        write_record(&mut out, Dialect::ExcelDa, &["=HYPERLINK(\"http://example.org\")", "-123,45", "-x", "@SUM(A1)", "Tryg"]);
        let expected = r#""'=HYPERLINK(""http://example.org"")";-123,45;'-x;'@SUM(A1);Tryg"#;
        assert_eq!(String::from_utf8(out).expect("utf-8"), format!("{expected}\r\n"));
        let mut dde = Vec::new();
        write_record(&mut dde, Dialect::ExcelDa, &["-1+cmd|' /C calc'!A0", "-2", "-1.5", "-1,5,5", "-"]);
        assert_eq!(String::from_utf8(dde).expect("utf-8"), "'-1+cmd|' /C calc'!A0;-2;-1.5;'-1,5,5;'-\r\n");
        let mut plain = Vec::new();
        write_record(&mut plain, Dialect::Rfc4180, &["=1+1"]);
        assert_eq!(plain, b"=1+1\r\n", "RFC 4180 keeps the data as it is");
    }

    #[test]
    fn excel_amounts_use_a_decimal_comma_and_read_back_exactly() {
        assert_eq!(Dialect::ExcelDa.amount("871553.07"), "871553,07");
        assert_eq!(normalise_amount("871553,07"), "871553.07");
        assert_eq!(normalise_amount(" 12.5 "), "12.5");
        assert_eq!(normalise_amount("1.234,50"), "1.234,50", "ambiguous: left for Money::parse to refuse");
    }

    #[test]
    fn line_numbers_count_from_the_header_and_an_open_quote_is_named() {
        let table = Table::read(b"a,b\r\n1,2\r\n\r\n3,4\r\n").expect("reads");
        assert_eq!(table.rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(Table::read(b"a\n\"x"), Err(ReadError::UnclosedQuote { line: 2 }));
        assert_eq!(Table::read(b""), Err(ReadError::Empty));
    }
}
