//! Klyngemidler: cluster funds for Danish health clusters.
//!
//! See ARCHITECTURE.md for the map. In short: `domain` is pure, `db` stores,
//! each capability folder (`pools`, `applications`, `grants`, `year_end`,
//! `approvals`, `meetings`, `follow_up`, `reports`, `admin`) has its HTTP part and its service,
//! `http` holds the shared HTTP machinery, `startup` wires them, `cli` is the
//! command line.

pub mod admin;
pub mod amendments;
pub mod applications;
pub mod approvals;
pub mod attachments;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod follow_up;
pub mod grants;
pub mod http;
pub mod mail;
pub mod meetings;
pub mod memory;
pub mod pools;
pub mod reports;
pub mod secrets;
pub mod startup;
pub mod tabular;
pub mod telemetry;
pub mod web;
pub mod year_end;
