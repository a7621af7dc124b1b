//! The pure core: money, allocation models, pools, the ledger and access
//! rules. No HTTP, SQL, OpenAPI or clock here; time comes in as a parameter.

pub mod access;
pub mod allocation;
pub mod amendment;
pub mod application;
pub mod approval;
pub mod attachment;
pub mod breakdown;
pub mod budget;
pub mod carry_over;
pub mod danish;
pub mod dates;
pub mod eligibility;
pub mod evaluation;
pub mod follow_up;
pub mod grant;
pub mod ledger;
pub mod meeting;
pub mod money;
pub mod pool;
pub mod population;
pub mod reference;
pub mod share;
pub mod simulation;
pub mod step;
pub mod values;
pub mod workflow;

#[cfg(test)]
mod money_flow_tests;
