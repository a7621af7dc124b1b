//! Reference data and who may use the service: clusters, parties and target populations, users and keys, the audit trail.

pub mod audit;
pub mod clusters;
pub mod service;
pub mod users;
