//! Grants: what was decided, paid out and released.

pub mod http;
pub mod service;
