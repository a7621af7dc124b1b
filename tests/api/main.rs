//! All API tests in one binary (one link instead of many).

mod helpers;

mod hardening;

mod amendments;
mod applications;
mod architecture;
mod attachment_memory;
mod attachments;
mod auth;
mod backends;
mod binary;
mod browser;
mod carry_overs;
mod conformance;
mod conventions;
mod dashboard;
mod dashboard_session;
mod decision_rights;
mod demo;
mod distributions;
mod eligibility;
mod email_approval;
mod evaluation;
mod export_memory;
mod follow_up;
mod hostile;
mod http_standard;
mod libreoffice;
mod meetings;
mod metrics;
mod nodes;
mod openapi;
mod pools;
mod race;
mod reference;
mod reports;
mod schema;
mod smtp;
mod spreadsheets;
mod trust;
mod validation;
mod wal;
mod word;
