//! The forms units fill in: blank templates (`tonghop template`) and a seeded synthetic
//! corpus of filled ones (`tonghop sample`).
//!
//! The layout keeps to what [`crate::ingest::form`] looks for (SPEC §3); both commands share
//! one writer, [`template::form_bytes`].

pub mod layout;
pub mod sample;
pub mod template;

pub use sample::{SampleOptions, SampleSummary, write_sample};
pub use template::write_templates;
