//! The political report (issue #17): one cluster's year for the political
//! level, in the seeds' language. `load` reads it (one snapshot), `report`
//! is the data (the JSON answer), `view` puts it in Danish words, `html` and
//! `word` lay the same view out; `http` negotiates which.

pub mod html;
pub mod http;
pub mod load;
pub mod report;
pub mod view;
pub mod word;

#[cfg(test)]
mod render_tests;
