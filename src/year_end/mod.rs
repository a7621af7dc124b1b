//! Year end: carrying what is left over to a later year, with political sign-off.

pub mod http;
pub mod service;
