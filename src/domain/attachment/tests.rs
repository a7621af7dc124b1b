use super::*;

/// A zip's local file header for `name`, followed by `data` (stored).
fn entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = b"PK\x03\x04".to_vec();
    out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn a_pdf_png_and_jpeg_are_known_by_their_first_bytes() {
    assert_eq!(sniff(b"%PDF-1.7\n%\xe2\xe3", false), Sniffed::Is(Kind::Pdf));
    assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", false), Sniffed::Is(Kind::Png));
    assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF", false), Sniffed::Is(Kind::Jpeg));
}

#[test]
fn a_program_renamed_pdf_is_none_of_the_accepted_kinds() {
    let exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF";
    assert_eq!(sniff(exe, false), Sniffed::Unknown);
    assert!(!sniff(exe, false).agrees_with(Kind::Pdf));
}

#[test]
fn word_excel_and_opendocument_files_are_told_apart() {
    let docx = [entry("[Content_Types].xml", b"<Types/>"), entry("_rels/.rels", b"<r/>"), entry("word/document.xml", b"<w/>")].concat();
    let xlsx = [entry("[Content_Types].xml", b"<Types/>"), entry("xl/workbook.xml", b"<x/>")].concat();
    let odt = [entry("mimetype", b"application/vnd.oasis.opendocument.text"), entry("content.xml", b"<o/>")].concat();
    let ods = [entry("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"), entry("content.xml", b"<o/>")].concat();
    let odt_template = entry("mimetype", b"application/vnd.oasis.opendocument.text-template");
    let plain_zip = entry("notes.txt", b"hej");
    assert_eq!(sniff(&docx, false), Sniffed::Is(Kind::Docx));
    assert_eq!(sniff(&xlsx, false), Sniffed::Is(Kind::Xlsx));
    assert_eq!(sniff(&odt, false), Sniffed::Is(Kind::Odt));
    assert_eq!(sniff(&ods, false), Sniffed::Is(Kind::Ods));
    assert_eq!(sniff(&odt_template, false), Sniffed::Unknown);
    assert_eq!(sniff(&plain_zip, false), Sniffed::Unknown);
    let unseen = entry("[Content_Types].xml", b"<Types/>");
    assert_eq!(sniff(&unseen, false), Sniffed::OfficeOpenXml);
    assert!(Sniffed::OfficeOpenXml.agrees_with(Kind::Xlsx) && !Sniffed::OfficeOpenXml.agrees_with(Kind::Pdf));
    assert!(!sniff(&docx, false).agrees_with(Kind::Xlsx));
}

#[test]
fn text_is_utf8_without_nul_even_when_a_character_is_split_between_pieces() {
    assert_eq!(sniff("projekt;beløb\n".as_bytes(), true), Sniffed::Text);
    assert!(Sniffed::Text.agrees_with(Kind::Csv) && Sniffed::Text.agrees_with(Kind::Txt) && !Sniffed::Text.agrees_with(Kind::Pdf));
    assert_eq!(sniff(b"a\0b", true), Sniffed::Unknown);
    assert_eq!(sniff(b"\xC3(", true), Sniffed::Unknown);
    let mut check = TextCheck::default();
    let bytes = "Sundhedsklynge Nordjylland – æøå".as_bytes();
    let split = bytes.len() - 1; // inside 'å'
    assert!(check.feed(&bytes[..split]));
    assert!(!check.finish(), "a character is still open");
    assert!(check.feed(&bytes[split..]));
    assert!(check.finish());
    let mut broken = TextCheck::default();
    assert!(broken.feed(b"ok \xC3"));
    assert!(!broken.feed(b"\x28"));
    assert!(!broken.finish());
}

#[test]
fn the_declared_type_is_read_from_its_essence() {
    assert_eq!(Kind::from_media_type("Application/PDF"), Some(Kind::Pdf));
    assert_eq!(Kind::from_media_type("text/csv; charset=utf-8"), Some(Kind::Csv));
    assert_eq!(Kind::from_media_type("image/jpg"), Some(Kind::Jpeg));
    assert_eq!(Kind::from_media_type("application/octet-stream"), None);
    assert_eq!(Kind::from_media_type("application/x-msdownload"), None);
    for kind in Kind::ALL {
        assert_eq!(Kind::parse(kind.media_type()), Some(kind));
    }
}

#[test]
fn a_file_name_keeps_its_last_part_only_and_no_control_characters() {
    assert_eq!(FileName::parse("../../etc/passwd").map(|f| f.as_str().to_owned()), Ok("passwd".to_owned()));
    assert_eq!(FileName::parse("C:\\Users\\sekretariat\\Kommissorium.pdf").unwrap().as_str(), "Kommissorium.pdf");
    assert_eq!(FileName::parse("a\r\nb\u{202E}fdp.exe").unwrap().as_str(), "abfdp.exe");
    assert_eq!(FileName::parse(".htaccess").unwrap().as_str(), "htaccess");
    assert!(FileName::parse("  ").is_err());
    assert!(FileName::parse("dir/").is_err());
    let long = format!("{}.pdf", "x".repeat(500));
    let parsed = FileName::parse(&long).unwrap();
    assert_eq!(parsed.as_str().chars().count(), FileName::MAX_CHARS);
    assert!(parsed.as_str().ends_with(".pdf"));
}

#[test]
fn the_ascii_fallback_has_no_quotes_and_no_letters_outside_ascii() {
    let name = FileName::parse("Referat \"strategisk\" møde – 13.10.2022.pdf").unwrap();
    assert_eq!(name.ascii_fallback(), "Referat _strategisk_ moede _ 13.10.2022.pdf");
}
