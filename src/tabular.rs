//! CSV in the two dialects finance staff use: RFC 4180 (`,` and `.`) and
//! Danish Excel (`;`, decimal comma, a UTF-8 BOM so Excel reads æøå, Danish
//! headers, dates and times as Danish Excel reads them). The `csv` crate
//! reads and writes the records; what is ours is this thin layer: the
//! dialect, the header names, the formula guard and the way a cell's text is
//! read back (Danish amounts, dates and whole numbers).

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// How a CSV file is written (and, for decimals, read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 4180: `,` between fields, `.` before the øre, English headers and codes.
    Rfc4180,
    /// What Danish Excel opens with a double click: `;`, `,` before the øre,
    /// a UTF-8 byte order mark, Danish headers and Danish words for codes.
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

    /// A column's name in the dialect's language.
    pub fn header(self, column: &Column) -> &'static str {
        match self {
            Dialect::Rfc4180 => column.name,
            Dialect::ExcelDa => column.name_da,
        }
    }

    /// A date: `2026-12-01` in both. Danish Excel and LibreOffice Calc (locale
    /// 1030) read it as a date, and Calc writes it back unchanged.
    pub fn date(self, d: NaiveDate) -> String {
        d.format("%Y-%m-%d").to_string()
    }

    /// A moment: RFC 3339 in UTC (`2026-12-01T07:50:31.618737Z`), or for
    /// Danish Excel the wall-clock time in Copenhagen to the second
    /// (`2026-12-01 08:50:31`), which it reads as a date and time.
    pub fn time(self, t: DateTime<Utc>) -> String {
        match self {
            Dialect::Rfc4180 => t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            Dialect::ExcelDa => t.with_timezone(&chrono_tz::Europe::Copenhagen).format("%Y-%m-%d %H:%M:%S").to_string(),
        }
    }
}

/// A column: its English name (the JSON field) and its Danish header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// A cell as the dialect writes it: in the Excel dialect a cell that would
/// start a formula gets a leading `'`.
fn guard(dialect: Dialect, field: &str) -> Cow<'_, str> {
    if dialect == Dialect::ExcelDa && looks_like_formula(field) { Cow::Owned(format!("'{field}")) } else { Cow::Borrowed(field) }
}

/// A cell read back from a file in the Excel dialect: the `'` that [`guard`]
/// put before a would-be formula is taken off again, so an exported title
/// comes back as it was. Any other cell is left as it is.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if looks_like_formula(rest) => rest,
        _ => cell,
    }
}

/// Writes records into a buffer in one dialect (CRLF after each record,
/// fields quoted only when they must be). One writer serves a whole page of
/// a streamed export; the records are in `out` once it is dropped.
pub struct Writer<'a> {
    dialect: Dialect,
    csv: csv::Writer<&'a mut Vec<u8>>,
}

impl<'a> Writer<'a> {
    pub fn new(dialect: Dialect, out: &'a mut Vec<u8>) -> Writer<'a> {
        let csv = csv::WriterBuilder::new()
            .delimiter(dialect.separator())
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .flexible(true)
            .from_writer(out);
        Writer { dialect, csv }
    }

    pub fn record<S: AsRef<str>>(&mut self, fields: &[S]) {
        let d = self.dialect;
        // Writing into a Vec cannot fail, and records may differ in length (flexible).
        if let Err(e) = self.csv.write_record(fields.iter().map(|f| guard(d, f.as_ref()).into_owned())) {
            tracing::error!(error = %e, "writing a CSV record");
        }
    }

    /// The header record of `columns` in the dialect's language.
    pub fn header(&mut self, columns: &[Column]) {
        let names: Vec<&str> = columns.iter().map(|c| self.dialect.header(c)).collect();
        self.record(&names);
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.csv.flush() {
            tracing::error!(error = %e, "flushing CSV records");
        }
    }
}

/// Appends one record to `out`.
pub fn write_record<S: AsRef<str>>(out: &mut Vec<u8>, dialect: Dialect, fields: &[S]) {
    Writer::new(dialect, out).record(fields);
}

/// Appends the header record of `columns` in the dialect's language.
pub fn write_header(out: &mut Vec<u8>, dialect: Dialect, columns: &[Column]) {
    Writer::new(dialect, out).header(columns);
}

/// Why a CSV file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error("is empty; the first line must name the columns")]
    Empty,
    #[error("line {line}: a quoted field is not closed")]
    UnclosedQuote { line: usize },
    #[error("could not be read as CSV: {0}")]
    Malformed(String),
}

/// A parsed CSV file: the header and the records, each with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub separator: u8,
    pub header: Vec<String>,
    /// (line number in the file, fields)
    pub rows: Vec<(usize, Vec<String>)>,
}

/// The text of a file as Excel may have saved it: UTF-8 (with or without a
/// BOM), UTF-16 with a BOM ("Unicode text"), or else the 8-bit encoding of
/// the Excel that saved it: Mac Roman when the lines end with CR alone ("CSV
/// (Macintosh)"), Windows-1252 otherwise ("CSV (semikolonsepareret)").
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        return encoding.decode_without_bom_handling(&bytes[bom..]).0;
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let cr_only = bytes.contains(&b'\r') && !bytes.contains(&b'\n');
    let encoding = if cr_only { encoding_rs::MACINTOSH } else { encoding_rs::WINDOWS_1252 };
    encoding.decode_without_bom_handling(bytes).0
}

/// How many line breaks `text` has from byte `from` to byte `to`, counting
/// CRLF, LF and a lone CR as one each (a CRLF split at `to` counts after it).
fn line_breaks(text: &str, from: usize, to: usize) -> usize {
    let bytes = text.as_bytes();
    let to = to.min(bytes.len());
    (from.min(to)..to).filter(|&i| bytes[i] == b'\n' || (bytes[i] == b'\r' && bytes.get(i + 1) != Some(&b'\n'))).count()
}

impl Table {
    /// Reads either dialect: a BOM is skipped, and the separator is the one
    /// of `;` or `,` that occurs more often in the header line. Lines may end
    /// with CRLF, LF or CR alone (Excel's "CSV (Macintosh)").
    pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
        let text = decode(bytes);
        let text: &str = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let first_line = text.split(['\r', '\n']).next().unwrap_or("");
        let count = |c: char| first_line.chars().filter(|x| *x == c).count();
        let separator = if count(';') > count(',') { b';' } else { b',' };
        let mut records = Vec::new();
        let mut last_start = 0;
        for record in reader(text, separator).into_records() {
            let record = record.map_err(|e| ReadError::Malformed(e.to_string()))?;
            let mut start = record.position().map_or(0, |p| p.byte() as usize);
            // The csv crate counts a record from the end of the one before (the LF of a
            // CRLF, blank lines): a record itself never starts with a line break.
            while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
                start += 1;
            }
            last_start = start;
            records.push((start, record.iter().map(str::to_owned).collect::<Vec<String>>()));
        }
        if let Some((_, last)) = records.last()
            && ends_in_open_quote(&text[last_start..], separator, last)
        {
            return Err(ReadError::UnclosedQuote { line: line_breaks(text, 0, last_start) + 1 });
        }
        // Blank lines (often at the end) are not records.
        records.retain(|(_, fields)| !(fields.len() == 1 && fields[0].trim().is_empty()));
        if records.is_empty() {
            return Err(ReadError::Empty);
        }
        let (_, header) = records.remove(0);
        let header = header.into_iter().map(|h| h.trim().to_owned()).collect();
        // Line numbers, counted once through the file from record to record.
        let (mut line, mut at) = (1, 0);
        let rows = records
            .into_iter()
            .map(|(start, fields)| {
                let start = start.clamp(at, text.len());
                line += line_breaks(text, at, start);
                at = start;
                (line, fields)
            })
            .collect();
        Ok(Table { separator, header, rows })
    }

    /// The position of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

fn reader(text: &str, separator: u8) -> csv::Reader<&[u8]> {
    // The default terminator reads CRLF, LF and a lone CR as the end of a record.
    csv::ReaderBuilder::new().delimiter(separator).has_headers(false).flexible(true).from_reader(text.as_bytes())
}

/// The csv crate reads an unclosed quote to the end of the file without
/// complaint. It was unclosed if one more line break would have become part
/// of the last record's last field.
fn ends_in_open_quote(last_record: &str, separator: u8, fields: &[String]) -> bool {
    let extended = format!("{last_record}\n");
    let again = reader(&extended, separator).into_records().next().and_then(Result::ok);
    again.is_some_and(|r| r.iter().next_back() != fields.last().map(String::as_str))
}

/// An amount as a client wrote it, normalised for `Money::parse` (which
/// gives the errors). RFC 4180 and English headers: a decimal comma becomes
/// a point, and thousands separators are not guessed at ("1.234,50" is
/// refused rather than misread). Danish Excel: `,` before the øre, `.`
/// between groups of three digits, optionally ` kr.` after it, read as a
/// decimal ("150.000,00 kr." is 150000.00).
pub fn normalise_amount(text: &str, dialect: Dialect) -> String {
    let t = text.trim();
    match dialect {
        Dialect::Rfc4180 if t.contains(',') && !t.contains('.') => t.replace(',', "."),
        Dialect::Rfc4180 => t.to_owned(),
        Dialect::ExcelDa => danish_decimal(t).map_or_else(|| t.to_owned(), |d| d.to_string()),
    }
}

/// A number written the Danish way, exactly: `-1.234,5` is −1234.5.
pub fn danish_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let t = t.strip_suffix("kr.").or_else(|| t.strip_suffix("kr")).map_or(t, str::trim_end);
    let (sign, t) = t.strip_prefix('-').map_or(("", t), |rest| ("-", rest));
    let (whole, fraction) = t.split_once(',').map_or((t, None), |(w, f)| (w, Some(f)));
    let whole = grouped_digits(whole)?;
    let exact = match fraction {
        Some(f) if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) => return None,
        Some(f) if whole.len() + f.len() > 28 => return None,
        Some(f) => format!("{sign}{whole}.{f}"),
        None if whole.len() > 28 => return None,
        None => format!("{sign}{whole}"),
    };
    Decimal::from_str_exact(&exact).ok()
}

/// Digits, optionally in groups of three separated by `.` (`150.000`): the digits alone.
fn grouped_digits(text: &str) -> Option<String> {
    let groups: Vec<&str> = text.split('.').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let grouped = groups.len() == 1 || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    (grouped && groups.iter().all(|g| digits(g))).then(|| groups.concat())
}

/// A whole number as the dialect writes it: `10412`, or in Danish also `10.412`.
pub fn whole_number(text: &str, dialect: Dialect) -> Option<i64> {
    let t = text.trim();
    match dialect {
        Dialect::Rfc4180 => t.parse().ok(),
        Dialect::ExcelDa => grouped_digits(t).and_then(|d| d.parse().ok()),
    }
}

/// A date as Danish Excel or Calc may have saved it: `2026-12-01`,
/// `01-12-2026` (also with `.` or `/`, and `01-12-26`).
pub fn danish_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim();
    if t.len() == 10 && t.as_bytes()[4] == b'-' {
        return NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
    }
    let parts: Vec<&str> = t.split(['-', '.', '/']).collect();
    let [day, month, year] = parts.as_slice() else { return None };
    let number = |s: &str, max_len: usize| {
        (!s.is_empty() && s.len() <= max_len && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u32>().ok()).flatten()
    };
    let year = match year.len() {
        2 => 2000 + number(year, 2)?,
        4 => number(year, 4)?,
        _ => return None,
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, number(month, 2)?, number(day, 2)?)
}

#[cfg(test)]
mod tests;
