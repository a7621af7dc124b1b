//! Amendments of grants (issue #16): a new total, end date and/or budget
//! lines with a reason, decided like a grant; and budget against actuals per year.

pub mod budget;
pub mod dto;
pub mod http;
pub mod service;
