//! Attachments on applications and grants (a charter, a minutes extract, a
//! report): uploaded and downloaded as streams, stored in the database in
//! chunks, the type sniffed from the bytes, removal recorded rather than deleted.

pub mod download;
pub mod dto;
pub mod http;
pub mod service;
pub mod upload;
