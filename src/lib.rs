//! Klyngemidler: cluster funds for Danish health clusters.
//!
//! See ARCHITECTURE.md for the map. In short: `domain` is pure, `db` stores,
//! `api` speaks HTTP, `startup` wires them, `cli` is the command line.

pub mod api;
pub mod approval;
pub mod carry_over;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod keys;
pub mod mail;
pub mod secrets;
pub mod startup;
pub mod tabular;
pub mod telemetry;
pub mod web;
