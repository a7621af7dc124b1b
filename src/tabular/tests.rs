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
    assert_eq!(Table::read(b"a\n12\" screen\n").map(|t| t.rows), Ok(vec![(2, vec!["12\" screen".to_owned()])]), "a quote inside a field");
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
