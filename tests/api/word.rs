//! The Word agenda and minutes as Word processors see them: LibreOffice
//! Writer, headless, opens the .docx and lays it out as a PDF (a file it
//! cannot read would give no PDF), and the text runs of
//! `word/document.xml` read back as text.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use klyngemidler::meetings::sample::sample_document;
use klyngemidler::meetings::word::render_docx;

use crate::libreoffice::{Scratch, soffice};

/// The PDF that LibreOffice Writer makes of `bytes`, or `None` when
/// LibreOffice (or its Writer) is not installed and not required
/// (`KLYNGEMIDLER_REQUIRE_LIBREOFFICE=1` makes that a failure). A file that
/// Writer cannot open fails the test.
pub fn docx_opens_in_libreoffice(bytes: &[u8]) -> Option<Vec<u8>> {
    let soffice = soffice()?;
    // Calc alone opens no Word file: say so, as for a missing LibreOffice.
    if !writer_installed() {
        if std::env::var("KLYNGEMIDLER_REQUIRE_LIBREOFFICE").as_deref() == Ok("1") {
            panic!("KLYNGEMIDLER_REQUIRE_LIBREOFFICE=1 but LibreOffice Writer is not installed (apt-get install libreoffice-writer-nogui)");
        }
        eprintln!(
            "\n!!!!!!!! SKIPPING the Word test: LibreOffice Writer is not installed (apt-get install libreoffice-writer-nogui) !!!!!!!!\n"
        );
        return None;
    }
    let scratch = Scratch::new();
    let input = scratch.0.join("dokument.docx");
    std::fs::write(&input, bytes).expect("write the .docx");
    let out = scratch.0.join("pdf");
    // Its own profile, so tests (and people) running LibreOffice meanwhile do not lock it.
    let profile = format!("file://{}", scratch.0.join("profile").display());
    let mut child = Command::new(&soffice)
        .arg(format!("-env:UserInstallation={profile}"))
        .args(["--headless", "--norestore", "--nolockcheck", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .arg(&input)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start soffice");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for soffice") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("soffice took more than 180 s to convert the .docx");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut said = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut said);
    }
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut said);
    }
    assert!(status.success(), "soffice failed ({status}): {said}");
    match std::fs::read(out.join("dokument.pdf")) {
        Ok(pdf) => Some(pdf),
        Err(e) => panic!("LibreOffice made no PDF of the .docx ({e}): {said}"),
    }
}

/// Whether Debian's Writer component is there (`soffice` alone may be Calc only).
fn writer_installed() -> bool {
    std::fs::read_dir("/usr/lib/libreoffice/program")
        .map(|dir| dir.flatten().any(|e| e.file_name().to_string_lossy().starts_with("libswlo")))
        .unwrap_or(true)
}

/// The text of `word/document.xml`: each paragraph's runs joined, one line
/// per paragraph, tabs as tabs.
pub fn docx_text(bytes: &[u8]) -> String {
    use quick_xml::events::Event;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a .docx is a zip");
    let mut xml = String::new();
    archive.by_name("word/document.xml").expect("word/document.xml").read_to_string(&mut xml).expect("UTF-8");
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut text, mut in_run_text) = (String::new(), false);
    loop {
        match reader.read_event().expect("well-formed word/document.xml") {
            Event::Start(e) if e.name().as_ref() == b"w:t" => in_run_text = true,
            Event::End(e) if e.name().as_ref() == b"w:t" => in_run_text = false,
            Event::End(e) if e.name().as_ref() == b"w:p" => text.push('\n'),
            Event::Empty(e) if e.name().as_ref() == b"w:tab" => text.push('\t'),
            Event::Text(t) if in_run_text => text.push_str(&t.decode().expect("text")),
            Event::GeneralRef(r) if in_run_text => {
                if let Some(c) = r.resolve_char_ref().expect("a character reference") {
                    text.push(c);
                } else {
                    let name = r.decode().expect("a reference");
                    text.push_str(quick_xml::escape::resolve_predefined_entity(&name).expect("a predefined entity"));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    text
}

/// How many pages a PDF has: its page objects (`/Type /Page`, not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    ["/Type/Page", "/Type /Page"]
        .iter()
        .map(|needle| text.match_indices(needle).filter(|(at, m)| !text[at + m.len()..].starts_with('s')).count())
        .sum()
}

#[test]
fn the_word_minutes_read_as_text_and_open_in_libreoffice_writer() {
    let doc = sample_document();
    let docx = render_docx(&doc).expect("a Word file");

    let text = docx_text(&docx);
    assert!(text.starts_with("Beslutningsreferat\n"), "{text}");
    for item in &doc.items {
        let heading = format!("{}. {}\n", item.number, item.title);
        assert!(text.contains(&heading), "{heading} in {text}");
    }
    assert!(text.contains("Ansøgt beløb: 187.553,50 kr.\n"), "{text}");

    let Some(pdf) = docx_opens_in_libreoffice(&docx) else { return };
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    assert!(pdf_pages(&pdf) >= 1, "at least one page");
    // To look at: the Word file and LibreOffice's PDF of it.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::write(dir.join("meeting-minutes.docx"), &docx).expect("save the .docx");
    std::fs::write(dir.join("meeting-minutes.pdf"), &pdf).expect("save the PDF");
    eprintln!("minutes as Word and PDF: {}", dir.join("meeting-minutes.{docx,pdf}").display());
}
