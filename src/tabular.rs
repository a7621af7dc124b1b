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
    fn one_writer_writes_a_page_of_records() {
        let mut out = Vec::new();
        {
            let mut w = Writer::new(Dialect::ExcelDa, &mut out);
            w.header(&[col("amount", "beløb"), col("title", "titel")]);
            w.record(&["1,00", "a;b"]);
            w.record(&["-2,00", "=1"]);
        }
        assert_eq!(String::from_utf8(out).expect("utf-8"), "beløb;titel\r\n1,00;\"a;b\"\r\n-2,00;'=1\r\n");
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
        let mut tab = Vec::new();
        write_record(&mut tab, Dialect::ExcelDa, &["\tx", "\r"]);
        assert_eq!(tab, b"'\tx;\"'\r\"\r\n");
    }

    #[test]
    fn the_guard_comes_off_again_on_the_way_back() {
        for cell in ["=HYPERLINK(1)", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "-x"] {
            let mut out = Vec::new();
            write_record(&mut out, Dialect::ExcelDa, &[cell]);
            let table = Table::read(&[b"t\r\n".as_slice(), &out].concat()).expect("reads");
            assert_eq!(unguard(&table.rows[0].1[0]), cell);
        }
        assert_eq!(unguard("'Tryg"), "'Tryg", "an apostrophe the guard did not write stays");
        assert_eq!(unguard("-12,50"), "-12,50");
    }

    #[test]
    fn excel_amounts_use_a_decimal_comma_and_read_back_exactly() {
        assert_eq!(Dialect::ExcelDa.amount("871553.07"), "871553,07");
        assert_eq!(normalise_amount("871553,07", Dialect::Rfc4180), "871553.07");
        assert_eq!(normalise_amount(" 12.5 ", Dialect::Rfc4180), "12.5");
        assert_eq!(normalise_amount("1.234,50", Dialect::Rfc4180), "1.234,50", "ambiguous: left for Money::parse to refuse");
        assert_eq!(normalise_amount("871553,07", Dialect::ExcelDa), "871553.07");
        assert_eq!(normalise_amount("1.234,50", Dialect::ExcelDa), "1234.50", "Danish: the point groups thousands");
        assert_eq!(normalise_amount("150.000,00 kr.", Dialect::ExcelDa), "150000.00");
        assert_eq!(normalise_amount("1.234", Dialect::ExcelDa), "1234");
        assert_eq!(normalise_amount("0,01", Dialect::ExcelDa), "0.01");
        assert_eq!(normalise_amount("-5,00", Dialect::ExcelDa), "-5.00", "Money::parse refuses the sign in its words");
        assert_eq!(normalise_amount("1,234", Dialect::ExcelDa), "1.234", "three decimals: Money::parse refuses them");
        for bad in ["12x", "1.23,00", "12.3456,00", "1,2,3", ",50", "1,", "1e5"] {
            assert_eq!(normalise_amount(bad, Dialect::ExcelDa), bad, "{bad}");
        }
        assert_eq!(danish_decimal("999999999999,99"), Decimal::from_str_exact("999999999999.99").ok());
    }

    #[test]
    fn danish_dates_and_counts_read_back() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1);
        for text in ["2026-12-01", "01-12-2026", "1-12-2026", "01.12.2026", "01/12/2026", "01-12-26", " 01-12-2026 "] {
            assert_eq!(danish_date(text), d, "{text}");
        }
        for bad in ["2026-13-01", "32-12-2026", "12-2026", "01-12-226", "i dag", ""] {
            assert_eq!(danish_date(bad), None, "{bad}");
        }
        assert_eq!(whole_number("10.412", Dialect::ExcelDa), Some(10412));
        assert_eq!(whole_number("10412", Dialect::ExcelDa), Some(10412));
        assert_eq!(whole_number("10.41", Dialect::ExcelDa), None);
        assert_eq!(whole_number("10.412", Dialect::Rfc4180), None);
    }

    #[test]
    fn danish_times_are_copenhagen_wall_clock_times() {
        let winter = DateTime::parse_from_rfc3339("2026-12-01T07:50:31.618737Z").expect("time").with_timezone(&Utc);
        assert_eq!(Dialect::ExcelDa.time(winter), "2026-12-01 08:50:31");
        assert_eq!(Dialect::Rfc4180.time(winter), "2026-12-01T07:50:31.618737Z");
        let summer = DateTime::parse_from_rfc3339("2026-07-01T22:30:00Z").expect("time").with_timezone(&Utc);
        assert_eq!(Dialect::ExcelDa.time(summer), "2026-07-02 00:30:00", "summer time is two hours ahead");
    }

    #[test]
    fn line_numbers_count_from_the_header_and_an_open_quote_is_named() {
        let table = Table::read(b"a,b\r\n1,2\r\n\r\n3,4\r\n").expect("reads");
        assert_eq!(table.rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(Table::read(b"a\n\"x"), Err(ReadError::UnclosedQuote { line: 2 }));
        assert_eq!(Table::read(b"a\n\"x\"\"\n"), Err(ReadError::UnclosedQuote { line: 2 }));
        assert_eq!(Table::read(b"a\n\"x\"\n").map(|t| t.rows), Ok(vec![(2, vec!["x".to_owned()])]));
        assert_eq!(
            Table::read(b"a\n12\" screen\n").map(|t| t.rows),
            Ok(vec![(2, vec!["12\" screen".to_owned()])]),
            "a quote inside a field"
        );
        assert_eq!(Table::read(b""), Err(ReadError::Empty));
        assert_eq!(Table::read(b"\r\n\r\n"), Err(ReadError::Empty));
    }

    #[test]
    fn cr_only_lf_and_crlf_files_read_alike() {
        let expected = vec![(2, vec!["Tryg".to_owned(), "1,5".to_owned()]), (3, vec!["Ældre".to_owned(), "2".to_owned()])];
        for text in ["titel;beløb\rTryg;1,5\rÆldre;2\r", "titel;beløb\nTryg;1,5\nÆldre;2\n", "titel;beløb\r\nTryg;1,5\r\nÆldre;2"] {
            let table = Table::read(text.as_bytes()).expect("reads");
            assert_eq!((table.separator, table.header.clone()), (b';', vec!["titel".to_owned(), "beløb".to_owned()]), "{text:?}");
            assert_eq!(table.rows, expected, "{text:?}");
        }
        let quoted = Table::read(b"a;b\r\"linje 1\rlinje 2\";x\ry;z\r").expect("reads");
        assert_eq!(quoted.rows, vec![(2, vec!["linje 1\rlinje 2".to_owned(), "x".to_owned()]), (4, vec!["y".to_owned(), "z".to_owned()])]);
    }

    #[test]
    fn files_excel_saved_in_its_8_bit_encodings_read_too() {
        // "målgruppe;kommune" in Windows-1252 (CRLF) and Mac Roman (CR only).
        let windows = b"m\xe5lgruppe;kommune\r\nde s\xe5rbare \xe6ldre;Mors\xf8\r\n";
        let mac = b"m\x8clgruppe;kommune\rde s\x8crbare \xbeldre;Mors\xbf\r";
        for bytes in [windows.as_slice(), mac.as_slice()] {
            let table = Table::read(bytes).expect("reads");
            assert_eq!(table.header, ["målgruppe", "kommune"]);
            assert_eq!(table.rows[0].1, ["de sårbare ældre", "Morsø"]);
        }
        let utf16: Vec<u8> = [0xff, 0xfe].into_iter().chain("a;b\r\nø;1\r\n".encode_utf16().flat_map(u16::to_le_bytes)).collect();
        assert_eq!(Table::read(&utf16).map(|t| t.rows), Ok(vec![(2, vec!["ø".to_owned(), "1".to_owned()])]));
    }
}
