//! Reference data: the kinds of party in a cluster.

/// The parties that make up a health cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartyKind {
    Municipality,
    Region,
    Hospital,
    Psychiatry,
    GeneralPractice,
    Other,
}

impl PartyKind {
    pub const ALL: [PartyKind; 6] = [
        PartyKind::Municipality,
        PartyKind::Region,
        PartyKind::Hospital,
        PartyKind::Psychiatry,
        PartyKind::GeneralPractice,
        PartyKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Municipality => "municipality",
            PartyKind::Region => "region",
            PartyKind::Hospital => "hospital",
            PartyKind::Psychiatry => "psychiatry",
            PartyKind::GeneralPractice => "general_practice",
            PartyKind::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<PartyKind> {
        PartyKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}
