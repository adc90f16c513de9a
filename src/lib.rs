//! tonghop consolidates the Excel reports of a city's reporting units into one city report.
//!
//! Data comes in ([`ingest`]), is checked ([`validate`]), is summed ([`aggregate`]) and goes
//! out ([`report`]); [`pipeline`] wires the stages together.

pub mod aggregate;
pub mod app;
pub mod cli;
pub mod config;
pub mod decide;
pub mod diag;
pub mod forms;
pub mod ingest;
pub mod model;
pub mod outcome;
pub mod pipeline;
pub mod report;
pub mod text;
pub mod validate;
pub mod write;
