//! Outputs: the consolidated workbook, feedback workbooks, CSV, Parquet and run.json.
//!
//! The only module that touches rust_xlsxwriter, the CSV writer and the Parquet writer.

pub mod atomic;
