//! Reports for finance staff and politicians: every pool's status, the model evaluation and simulation, CSV exports and imports.

pub mod danish;
pub mod evaluation;
pub mod exports;
pub mod import_applications;
pub mod imports;
pub mod political;
pub mod service;
pub mod simulation;
pub mod status;
