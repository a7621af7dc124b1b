//! Meetings: a forum's sittings with a numbered agenda, a drafted indstilling
//! per item, every outcome of a sitting recorded in one step, and the agenda
//! and decision minutes as JSON, printable HTML and Word.

pub mod document;
pub mod document_dto;
pub mod documents;
pub mod dto;
pub mod html;
pub mod http;
#[doc(hidden)]
pub mod sample;
pub mod service;
pub mod word;

#[cfg(test)]
mod render_tests;
