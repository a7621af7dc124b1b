//! Attachments (a charter, a minutes extract, a report): which kinds of file
//! are accepted, what the first bytes say a file is, and a safe file name.
//! Pure: the bytes come in as slices, nothing is read or stored here.

/// What an attachment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parent {
    Application(i64),
    Grant(i64),
}

impl Parent {
    /// For the audit trail and messages: `application 7`, `grant 3`.
    pub fn describe(self) -> String {
        match self {
            Parent::Application(id) => format!("application {id}"),
            Parent::Grant(id) => format!("grant {id}"),
        }
    }
}

/// The kinds of file an attachment may be (the allow-list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Docx,
    Xlsx,
    Odt,
    Ods,
    Png,
    Jpeg,
    Txt,
    Csv,
}

impl Kind {
    pub const ALL: [Kind; 9] = [Kind::Pdf, Kind::Docx, Kind::Xlsx, Kind::Odt, Kind::Ods, Kind::Png, Kind::Jpeg, Kind::Txt, Kind::Csv];

    /// The media type it is stored, declared and served as.
    pub fn media_type(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Odt => "application/vnd.oasis.opendocument.text",
            Kind::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            Kind::Png => "image/png",
            Kind::Jpeg => "image/jpeg",
            Kind::Txt => "text/plain",
            Kind::Csv => "text/csv",
        }
    }

    /// What people call it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Pdf => "a PDF document",
            Kind::Docx => "a Word document (DOCX)",
            Kind::Xlsx => "an Excel workbook (XLSX)",
            Kind::Odt => "an OpenDocument text (ODT)",
            Kind::Ods => "an OpenDocument spreadsheet (ODS)",
            Kind::Png => "a PNG image",
            Kind::Jpeg => "a JPEG image",
            Kind::Txt => "a text file",
            Kind::Csv => "a CSV file",
        }
    }

    /// The declared `Content-Type` (its essence; parameters such as
    /// `charset` are ignored). `image/jpg` is a common misspelling, accepted.
    pub fn from_media_type(declared: &str) -> Option<Kind> {
        let essence = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        if essence == "image/jpg" {
            return Some(Kind::Jpeg);
        }
        Kind::ALL.into_iter().find(|k| k.media_type() == essence)
    }

    pub fn parse(stored: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.media_type() == stored)
    }

    /// Whether a text kind: such a file is checked as a whole (UTF-8, no NUL) while it streams in.
    pub fn is_text(self) -> bool {
        matches!(self, Kind::Txt | Kind::Csv)
    }

    /// The media types, listed for messages and the documentation.
    pub fn allowed() -> String {
        Kind::ALL.iter().map(|k| k.media_type()).collect::<Vec<_>>().join(", ")
    }
}

/// What the first bytes of a file show it to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// One kind for certain.
    Is(Kind),
    /// An Office Open XML package whose parts were not seen in the first bytes: DOCX or XLSX.
    OfficeOpenXml,
    /// Text so far (UTF-8 without NUL): TXT or CSV; the rest is checked as it comes.
    Text,
    /// Nothing on the allow-list.
    Unknown,
}

impl Sniffed {
    /// Whether a file declared as `declared` may be what the bytes show.
    pub fn agrees_with(self, declared: Kind) -> bool {
        match self {
            Sniffed::Is(k) => k == declared,
            Sniffed::OfficeOpenXml => matches!(declared, Kind::Docx | Kind::Xlsx),
            Sniffed::Text => declared.is_text(),
            Sniffed::Unknown => false,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Sniffed::Is(k) => k.describe(),
            Sniffed::OfficeOpenXml => "an Office document (DOCX or XLSX)",
            Sniffed::Text => "a text file",
            Sniffed::Unknown => "none of the accepted kinds of file",
        }
    }
}

/// How many first bytes [`sniff`] wants (it works with fewer when the file is shorter).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// What `head` (the first bytes of a file, up to [`SNIFF_BYTES`]) shows the file to be.
/// `whole` says whether `head` is the entire file (a text file cut in the
/// middle of a character is then not text).
pub fn sniff(head: &[u8], whole: bool) -> Sniffed {
    if head.starts_with(b"%PDF-") {
        return Sniffed::Is(Kind::Pdf);
    }
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Is(Kind::Png);
    }
    if head.starts_with(b"\xFF\xD8\xFF") {
        return Sniffed::Is(Kind::Jpeg);
    }
    if head.starts_with(b"PK\x03\x04") {
        return sniff_zip(head);
    }
    let mut text = TextCheck::default();
    if text.feed(head) && (!whole || text.finish()) { Sniffed::Text } else { Sniffed::Unknown }
}

/// A zip: OpenDocument names its type in a first, stored entry `mimetype`;
/// Office Open XML has a `[Content_Types].xml` part and its parts under `word/` or `xl/`.
fn sniff_zip(head: &[u8]) -> Sniffed {
    let names = local_entry_names(head);
    if let Some(first) = names.first() {
        if *first == b"mimetype" {
            let at = 30 + first.len() + usize::from(u16::from_le_bytes([head[28], head[29]]));
            let rest = head.get(at..).unwrap_or(&[]);
            if rest.starts_with(b"application/vnd.oasis.opendocument.text")
                && !rest.starts_with(b"application/vnd.oasis.opendocument.text-")
            {
                return Sniffed::Is(Kind::Odt);
            }
            if rest.starts_with(b"application/vnd.oasis.opendocument.spreadsheet")
                && !rest.starts_with(b"application/vnd.oasis.opendocument.spreadsheet-")
            {
                return Sniffed::Is(Kind::Ods);
            }
            return Sniffed::Unknown;
        }
    }
    if !names.iter().any(|n| *n == b"[Content_Types].xml") {
        return Sniffed::Unknown;
    }
    let word = names.iter().any(|n| n.starts_with(b"word/"));
    let excel = names.iter().any(|n| n.starts_with(b"xl/"));
    match (word, excel) {
        (true, false) => Sniffed::Is(Kind::Docx),
        (false, true) => Sniffed::Is(Kind::Xlsx),
        (false, false) => Sniffed::OfficeOpenXml,
        (true, true) => Sniffed::Unknown,
    }
}

/// The names of the zip's local file headers found in `head`, in order:
/// every `PK\x03\x04` whose name fits in `head` (entries may be compressed
/// with sizes only in a trailing descriptor, so headers are found by their
/// signature rather than by skipping sizes).
fn local_entry_names(head: &[u8]) -> Vec<&[u8]> {
    let mut names = Vec::new();
    let mut at = 0;
    while let Some(found) = head.get(at..).and_then(|rest| rest.windows(4).position(|w| w == b"PK\x03\x04")) {
        let start = at + found;
        let Some(fixed) = head.get(start..start + 30) else { break };
        let len = usize::from(u16::from_le_bytes([fixed[26], fixed[27]]));
        match head.get(start + 30..start + 30 + len) {
            Some(name) if len > 0 => names.push(name),
            _ => {}
        }
        at = start + 4;
    }
    names
}

/// Checks a text file as it streams: valid UTF-8 (a character may be split
/// between pieces) and no NUL.
#[derive(Debug, Default)]
pub struct TextCheck {
    /// The start of a character whose remaining bytes are still to come.
    carry: Vec<u8>,
    bad: bool,
}

impl TextCheck {
    /// Takes the next piece; `false` once the file is known not to be text.
    pub fn feed(&mut self, piece: &[u8]) -> bool {
        if self.bad {
            return false;
        }
        if piece.contains(&0) {
            self.bad = true;
            return false;
        }
        let mut joined;
        let bytes = if self.carry.is_empty() {
            piece
        } else {
            joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(piece);
            &joined[..]
        };
        match std::str::from_utf8(bytes) {
            Ok(_) => true,
            // Only an incomplete character at the very end may wait for the next piece.
            Err(e) if e.error_len().is_none() => {
                self.carry = bytes[e.valid_up_to()..].to_vec();
                true
            }
            Err(_) => {
                self.bad = true;
                false
            }
        }
    }

    /// At the end of the file: `true` when it was all text.
    pub fn finish(&self) -> bool {
        !self.bad && self.carry.is_empty()
    }
}

/// An attachment's file name, safe to store and to send back: the last part
/// of a path only, no control or bidirectional-override characters, at most
/// [`FileName::MAX_CHARS`] characters (the extension kept when shortened).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName(String);

impl FileName {
    pub const MAX_CHARS: usize = 200;

    pub fn parse(raw: &str) -> Result<FileName, &'static str> {
        if raw.len() > 4096 {
            return Err("the file name is too long");
        }
        let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
        let cleaned: String = last
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}'))
            .collect();
        let cleaned = cleaned.trim().trim_start_matches('.').trim();
        if cleaned.is_empty() {
            return Err("give the file a name, e.g. filename=\"kommissorium.pdf\"");
        }
        if cleaned.chars().count() <= FileName::MAX_CHARS {
            return Ok(FileName(cleaned.to_owned()));
        }
        let (stem, ext) = match cleaned.rsplit_once('.') {
            Some((s, e)) if e.chars().count() <= 10 => (s, format!(".{e}")),
            _ => (cleaned, String::new()),
        };
        let keep = FileName::MAX_CHARS - ext.chars().count();
        Ok(FileName(format!("{}{ext}", stem.chars().take(keep).collect::<String>().trim_end())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name in plain printable ASCII, for `filename=` beside `filename*=`:
    /// letters outside ASCII become their base letter or `_`; quotes and
    /// backslashes `_`.
    pub fn ascii_fallback(&self) -> String {
        self.0
            .chars()
            .map(|c| match c {
                'æ' => "ae".to_owned(),
                'Æ' => "AE".to_owned(),
                'ø' => "oe".to_owned(),
                'Ø' => "OE".to_owned(),
                'å' => "aa".to_owned(),
                'Å' => "AA".to_owned(),
                '"' | '\\' | ';' => "_".to_owned(),
                c if c.is_ascii_graphic() || c == ' ' => c.to_string(),
                _ => "_".to_owned(),
            })
            .collect()
    }
}

#[cfg(test)]
#[path = "attachment/tests.rs"]
mod tests;
