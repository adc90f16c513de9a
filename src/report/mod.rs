//! Outputs: the consolidated workbook, feedback workbooks, CSV, Parquet and run.json.
//!
//! The only module that touches rust_xlsxwriter (for reports), the CSV writer and the
//! Parquet writer. Every function here returns bytes or writes into a staging directory;
//! [`output`] makes the set appear at once.

pub mod cells;
pub mod feedback;
pub mod run;
pub mod workbook;

use chrono::NaiveDate;

/// Facts about the run that the outputs record, besides the outcome itself.
#[derive(Debug, Clone)]
pub struct RunMeta {
    pub version: &'static str,
    /// SHA-256 of the effective configuration.
    pub config_fingerprint: String,
    pub as_of: NaiveDate,
    pub lang: crate::model::Lang,
    /// Units whose submissions are new, changed or withdrawn since the previous run.
    pub changes: changes::Changes,
    /// What moved since the period's latest freeze, when it has been frozen.
    pub since_freeze: Option<freeze::SinceFreeze>,
}

pub mod changes;
pub mod freeze;
pub mod output;
pub mod tables;
