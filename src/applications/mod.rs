//! Applications: the project charter, its steps through the operations forum, the strategic and the political level.

pub mod answers;
pub mod charter_rules;
pub mod charters;
pub mod decisions;
pub mod http;
pub mod meetings;
pub mod pools_of;
pub mod service;
