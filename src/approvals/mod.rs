//! Approval by e-mail link: who approves, requests and their links, the outbox.

pub mod approvers;
pub mod http;
pub mod service;
