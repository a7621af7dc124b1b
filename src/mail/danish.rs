//! How mails say amounts and times to people: the Danish formats of
//! `domain::danish`, under the names the mail code uses.

pub use crate::domain::danish::{kroner_nbsp, time_da as danish_time};
