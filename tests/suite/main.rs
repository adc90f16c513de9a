//! The integration tests, as one binary (each test binary links every dependency again,
//! polars included): the real program run on forms built in code and on checked-in fixtures.

#![allow(clippy::unwrap_used)]

mod common;
mod direct;
mod formats;
mod fuzz;
mod hostile;
mod ladder;
mod libreoffice;
mod parquet;
mod reading;
mod real;
mod run;
mod safety;
