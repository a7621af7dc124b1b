//! Danish words for the codes in the `excel-da` dialect, both ways: what an
//! export writes for a code, and the code an import reads back from the word
//! (the code itself is read too). A code without a word here (one added
//! later, a memo someone else wrote) is written as it is.

use std::borrow::Cow;

use crate::domain::allocation::{AllocationModel, Bucket};
use crate::domain::application::{ExpenseKind, Origin};
use crate::domain::money::Money;
use crate::domain::pool::PoolState;
use crate::domain::share::Share;
use crate::pools::policy::AllocationModelDto;

/// A code and its Danish word.
type Words = &'static [(&'static str, &'static str)];

const BUCKETS: Words = &[("upfront", "Fordelt ved årets start"), ("ad_hoc", "Ad hoc"), ("rolling", "Løbende")];

const POOL_STATES: Words = &[("draft", "Kladde"), ("open", "Åben"), ("closed", "Lukket")];

const APPLICATION_STATES: Words = &[
    ("draft", "Kladde"),
    ("submitted", "Indsendt"),
    ("recommended", "Indstillet"),
    ("reserved", "Reserveret"),
    ("approved", "Bevilget"),
    ("rejected", "Afvist"),
    ("withdrawn", "Trukket tilbage"),
];

const ORIGINS: Words = &[("cluster", "Klyngen"), ("ssu", "SSU")];

const EXPENSE_KINDS: Words = &[("development", "Udvikling"), ("operations", "Drift"), ("secretariat", "Sekretariatsbetjening")];

/// Ledger accounts.
const ACCOUNTS: Words = &[
    ("funding", "Finansiering"),
    ("carried_in", "Overført ind"),
    ("available", "Disponibelt"),
    ("pending", "Reserveret"),
    ("committed", "Bevilget"),
    ("disbursed", "Udbetalt"),
    ("carried_out", "Overført ud"),
];

/// Why money moved (ledger entry kinds).
const ENTRY_KINDS: Words = &[
    ("funding", "Finansiering"),
    ("funding_revision", "Ændret finansiering"),
    ("reallocation", "Omfordeling"),
    ("reservation", "Reservation"),
    ("reservation_release", "Reservation frigivet"),
    ("commitment", "Bevilling"),
    ("disbursement", "Udbetaling"),
    ("release", "Frigivelse"),
    ("carry_over_hold", "Holdt til overførsel"),
    ("carry_over_release", "Overførsel afvist"),
    ("carry_over", "Overførsel"),
    ("amendment_reservation", "Reservation til ændring"),
    ("amendment_reservation_release", "Ændring afvist, reservation frigivet"),
    ("amendment_commitment", "Forhøjelse bevilget"),
    ("amendment_decrease", "Bevilling nedsat"),
];

const AUDIT_ACTIONS: Words = &[
    ("meeting.created", "Møde oprettet"),
    ("meeting.item_added", "Punkt sat på dagsordenen"),
    ("meeting.item_edited", "Punkt redigeret"),
    ("meeting.held", "Møde afholdt, beslutninger registreret"),
    ("api_key.created", "API-nøgle oprettet"),
    ("api_key.revoked", "API-nøgle tilbagekaldt"),
    ("application.created", "Ansøgning oprettet"),
    ("application.decided", "Ansøgning afgjort"),
    ("application.generated", "Ansøgning dannet"),
    ("application.political_approved", "Godkendt af det politiske niveau"),
    ("application.political_rejected", "Afvist af det politiske niveau"),
    ("application.recommended", "Indstillet af driftsforum"),
    ("application.strategic_approved", "Godkendt af det strategiske niveau"),
    ("application.strategic_rejected", "Afvist af det strategiske niveau"),
    ("application.submitted", "Ansøgning indsendt"),
    ("application.updated", "Ansøgning ændret"),
    ("application.withdrawn", "Ansøgning trukket tilbage"),
    ("approval.level_decided", "Niveauet har besluttet pr. e-mail"),
    ("approval.link_approved", "Godkendt via e-mail-link"),
    ("approval.link_rejected", "Afvist via e-mail-link"),
    ("approval.links_sent", "Godkendelseslinks sendt"),
    ("amendment.approved", "Ændring af bevilling godkendt"),
    ("amendment.proposed", "Ændring af bevilling foreslået"),
    ("amendment.rejected", "Ændring af bevilling afvist"),
    ("amendment.strategic_approved", "Ændring godkendt af det strategiske niveau"),
    ("approval.requested", "Godkendelse anmodet pr. e-mail"),
    ("approval.resent", "Godkendelseslinks sendt igen"),
    ("approval.revoked", "Anmodning om godkendelse tilbagekaldt"),
    ("approvers.replaced", "Godkendere ændret"),
    ("carry_over.executed", "Overførsel gennemført"),
    ("carry_over.proposed", "Overførsel foreslået"),
    ("carry_over.rejected", "Overførsel afvist"),
    ("cluster.created", "Klynge oprettet"),
    ("cluster.updated", "Klynge ændret"),
    ("distribution.made", "Midler fordelt"),
    ("grant.disbursed", "Udbetaling"),
    ("grant.released", "Bevilling frigivet"),
    ("party.created", "Part oprettet"),
    ("pool.closed", "Pulje lukket"),
    ("pool.created", "Pulje oprettet"),
    ("pool.criteria_decided", "Kriterier for puljen besluttet"),
    ("pool.opened", "Pulje åbnet"),
    ("pool.reallocated", "Pulje omfordelt"),
    ("pool.updated", "Pulje ændret"),
    ("population_counts.replaced", "Befolkningstal erstattet"),
    ("user.created", "Bruger oprettet"),
    ("user.updated", "Bruger ændret"),
];

/// What an audit event is about: `application:12` is `ansøgning 12`.
const SUBJECTS: Words = &[
    ("amendment", "ændring"),
    ("api_key", "API-nøgle"),
    ("application", "ansøgning"),
    ("approval", "godkendelse"),
    ("carry_over", "overførsel"),
    ("cluster", "klynge"),
    ("distribution", "fordeling"),
    ("grant", "bevilling"),
    ("pool", "pulje"),
    ("user", "bruger"),
];

/// Model kinds inside ledger memos ("Funding of pool vest-2022 (split)").
const MODEL_KINDS: Words = &[("upfront", "fordelt ved årets start"), ("split", "delt"), ("rolling", "løbende")];

fn word(words: Words, code: &str) -> Option<&'static str> {
    words.iter().find(|(c, _)| *c == code).map(|(_, w)| *w)
}

/// The Danish word for `code`, or the code itself when there is none.
fn or_code<'a>(words: Words, code: &'a str) -> Cow<'a, str> {
    word(words, code).map_or(Cow::Borrowed(code), Cow::Borrowed)
}

/// The code a cell names, by its Danish word (any case) or by the code itself.
fn code_of(words: Words, text: &str) -> Option<&'static str> {
    let t = text.trim();
    words.iter().find(|(c, w)| *c == t || w.to_lowercase() == t.to_lowercase()).map(|(c, _)| *c)
}

/// The Danish words a cell may hold, for an error message.
fn listed(words: Words) -> String {
    words.iter().map(|(_, w)| *w).collect::<Vec<_>>().join(", ")
}

pub fn bucket(b: Bucket) -> &'static str {
    word(BUCKETS, b.as_str()).unwrap_or(b.as_str())
}

/// A bucket written as the export writes it (or by its code): `Ad hoc` → `ad_hoc`.
pub fn bucket_code(text: &str) -> Option<&'static str> {
    code_of(BUCKETS, text)
}

pub fn buckets_listed() -> String {
    listed(BUCKETS)
}

/// A bucket name as the status report writes it: a bucket, or `all` (`I alt`).
pub fn bucket_name(name: &str) -> Cow<'_, str> {
    if name == "all" { Cow::Borrowed("I alt") } else { or_code(BUCKETS, name) }
}

pub fn pool_state(s: PoolState) -> &'static str {
    word(POOL_STATES, s.as_str()).unwrap_or(s.as_str())
}

/// An application's state by its name (`approved` → `Bevilget`).
pub fn application_state(name: &str) -> Cow<'_, str> {
    or_code(APPLICATION_STATES, name)
}

pub fn origin(o: Origin) -> &'static str {
    word(ORIGINS, o.as_str()).unwrap_or(o.as_str())
}

pub fn origin_code(text: &str) -> Option<&'static str> {
    code_of(ORIGINS, text)
}

pub fn origins_listed() -> String {
    listed(ORIGINS)
}

pub fn expense_kind(e: ExpenseKind) -> &'static str {
    word(EXPENSE_KINDS, e.as_str()).unwrap_or(e.as_str())
}

pub fn expense_kind_code(text: &str) -> Option<&'static str> {
    code_of(EXPENSE_KINDS, text)
}

pub fn expense_kinds_listed() -> String {
    listed(EXPENSE_KINDS)
}

pub fn account(code: &str) -> Cow<'_, str> {
    or_code(ACCOUNTS, code)
}

pub fn entry_kind(code: &str) -> Cow<'_, str> {
    or_code(ENTRY_KINDS, code)
}

pub fn audit_action(code: &str) -> Cow<'_, str> {
    or_code(AUDIT_ACTIONS, code)
}

/// `application:12` → `ansøgning 12`; a subject of another kind stays as it is.
pub fn subject(text: &str) -> Cow<'_, str> {
    match text.split_once(':').and_then(|(kind, id)| word(SUBJECTS, kind).map(|w| (w, id))) {
        Some((w, id)) => Cow::Owned(format!("{w} {id}")),
        None => Cow::Borrowed(text),
    }
}

/// Who acted: `Økonomimedarbejder (key 3)` → `Økonomimedarbejder (nøgle 3)`.
pub fn actor(text: &str) -> Cow<'_, str> {
    if text == "command line" {
        return Cow::Borrowed("kommandolinjen");
    }
    match text.strip_suffix(')').and_then(|t| t.rsplit_once(" (key ")) {
        Some((name, id)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => Cow::Owned(format!("{name} (nøgle {id})")),
        _ => Cow::Borrowed(text),
    }
}

/// A model as finance staff name it: `Fordelt ved årets start`, `70/30`, `Løbende`.
pub fn model(m: AllocationModel) -> String {
    match m {
        AllocationModel::Upfront => "Fordelt ved årets start".to_owned(),
        AllocationModel::Split { upfront_share } => split(upfront_share),
        AllocationModel::Rolling => "Løbende".to_owned(),
    }
}

/// The same for a model as the API writes it.
pub fn model_dto(m: &AllocationModelDto) -> String {
    match m {
        AllocationModelDto::Upfront => model(AllocationModel::Upfront),
        AllocationModelDto::Rolling => model(AllocationModel::Rolling),
        AllocationModelDto::Split { upfront_share } => Share::parse(upfront_share).map_or_else(|_| upfront_share.clone(), split),
    }
}

/// A split by its percentages: 0.70 is `70/30`, 0.3333 is `33,33/66,67`.
fn split(share: Share) -> String {
    let pct = |s: Share| s.percent().to_string().replace('.', ",");
    format!("{}/{}", pct(share), pct(share.complement()))
}

/// An amount as Danish text: `871.553,00 kr.`.
pub use crate::domain::money::kroner;

/// A piece of a memo the service writes.
#[derive(Clone, Copy)]
enum Piece {
    Text(&'static str),
    /// An amount, `871553.00`, written `871.553,00 kr.`.
    Amount,
    /// A year or a pool key, kept as it is.
    Key,
    Bucket,
    ModelKind,
    /// The rest of the memo (a reason or reference someone wrote), kept as it is.
    Rest,
}

use Piece::{Amount, Bucket as B, Key, ModelKind, Rest, Text as T};

/// The memos the service writes on ledger entries (see `domain`), English and Danish.
const MEMOS: &[(&[Piece], &[Piece])] = &[
    (&[T("Funding of pool "), Key, T(" ("), ModelKind, T(")")], &[T("Finansiering af pulje "), Key, T(" ("), ModelKind, T(")")]),
    (
        &[T("Revised funding of pool "), Key, T(": "), Amount, T(" ("), ModelKind, T(") to "), Amount, T(" ("), ModelKind, T(")")],
        &[T("Ændret finansiering af pulje "), Key, T(": "), Amount, T(" ("), ModelKind, T(") til "), Amount, T(" ("), ModelKind, T(")")],
    ),
    (&[T("Reallocated "), Amount, T(" from "), B, T(" to "), B, Rest], &[T("Omfordelt "), Amount, T(" fra "), B, T(" til "), B, Rest]),
    (&[T("Held for carry-over of "), Amount, T(" to "), Key], &[T("Holdt til overførsel af "), Amount, T(" til "), Key]),
    (
        &[T("Carry-over rejected by the political level; held amount available again")],
        &[T("Overførsel afvist af det politiske niveau; det holdte beløb er disponibelt igen")],
    ),
    (&[T("Carried over to "), Key], &[T("Overført til "), Key]),
    (&[T("Carried in from the year before")], &[T("Overført fra året før")]),
    (&[T("Reserved pending political sign-off: "), Amount], &[T("Reserveret til politisk godkendelse: "), Amount]),
    (&[T("Granted by the strategic level: "), Amount], &[T("Bevilget af det strategiske niveau: "), Amount]),
    (&[T("Reserved while the co-chairs decide by e-mail: "), Amount], &[T("Reserveret mens formandskabet beslutter pr. e-mail: "), Amount]),
    (
        &[T("Reservation given back: application withdrawn: "), Amount],
        &[T("Reservation frigivet, ansøgningen er trukket tilbage: "), Amount],
    ),
    (
        &[T("Reservation given back: e-mail request revoked: "), Amount],
        &[T("Reservation frigivet, anmodningen pr. e-mail er tilbagekaldt: "), Amount],
    ),
    (
        &[T("Reservation given back: rejected by the strategic level: "), Amount],
        &[T("Reservation frigivet, afvist af det strategiske niveau: "), Amount],
    ),
    (
        &[T("Reservation given back: rejected by the political level: "), Amount],
        &[T("Reservation frigivet, afvist af det politiske niveau: "), Amount],
    ),
    (
        &[T("Reservation partly given back: the co-chairs approved less: "), Amount],
        &[T("Reservation delvis frigivet, formandskabet godkendte mindre: "), Amount],
    ),
    (&[T("Granted by the co-chairs: "), Amount], &[T("Bevilget af formandskabet: "), Amount]),
    (&[T("Granted with political sign-off: "), Amount], &[T("Bevilget med politisk godkendelse: "), Amount]),
    (&[T("Disbursement: "), Amount], &[T("Udbetaling: "), Amount]),
    (&[T("Released: "), Amount, Rest], &[T("Frigivet: "), Amount, Rest]),
    (&[T("Amendment reserved: "), Amount], &[T("Reserveret til ændring af bevilling: "), Amount]),
    (&[T("Amendment rejected: "), Amount], &[T("Ændring afvist, reservation frigivet: "), Amount]),
    (&[T("Amendment granted: "), Amount], &[T("Forhøjelse af bevilling: "), Amount]),
    (&[T("Amendment gave back: "), Amount], &[T("Bevilling nedsat, frigivet: "), Amount]),
];

/// A ledger memo in Danish when it is one the service writes; any other memo as it is.
pub fn memo(text: &str) -> Cow<'_, str> {
    for (english, danish) in MEMOS {
        if let Some(values) = read_memo(english, text) {
            let mut out = String::new();
            let mut values = values.into_iter();
            for piece in *danish {
                match piece {
                    T(t) => out.push_str(t),
                    Amount => out.push_str(&values.next().and_then(|v| Money::parse(v).ok()).map(kroner).unwrap_or_default()),
                    B => out.push_str(values.next().and_then(Bucket::parse).map(bucket).unwrap_or_default()),
                    ModelKind => out.push_str(values.next().and_then(|k| word(MODEL_KINDS, k)).unwrap_or_default()),
                    Key | Rest => out.push_str(values.next().unwrap_or_default()),
                }
            }
            return Cow::Owned(out);
        }
    }
    Cow::Borrowed(text)
}

/// The values in `text` if it has the shape `pieces`, in their order.
fn read_memo<'a>(pieces: &[Piece], text: &'a str) -> Option<Vec<&'a str>> {
    let mut rest = text;
    let mut values = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        let taken = match piece {
            T(t) => {
                rest = rest.strip_prefix(t)?;
                continue;
            }
            Amount => rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len()),
            B => Bucket::ALL.iter().map(|b| b.as_str()).find(|code| rest.starts_with(code)).map(str::len)?,
            ModelKind => MODEL_KINDS.iter().map(|(k, _)| *k).find(|k| rest.starts_with(k)).map(str::len)?,
            Rest => rest.len(),
            // A key runs to the next fixed text (or to the end).
            Key => match pieces.get(i + 1) {
                Some(T(next)) => rest.find(next)?,
                _ => rest.len(),
            },
        };
        if taken == 0 && !matches!(piece, Rest) {
            return None;
        }
        values.push(&rest[..taken]);
        rest = &rest[taken..];
    }
    rest.is_empty().then_some(values)
}

#[cfg(test)]
mod tests;
