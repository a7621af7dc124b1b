//! Pools: one cluster, one year. Creating and editing them, their status and ledger, the allocation model and approval policy as clients write them, and sharing an amount out to clusters.

pub mod breakdowns;
pub mod closing;
pub mod criteria;
pub mod decisions;
pub mod distributions;
pub mod http;
pub mod policy;
pub mod service;
pub mod status;
pub mod status_cache;
