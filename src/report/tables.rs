//! The machine-readable contract: values, totals, files and issues as CSV and Parquet.
//!
//! CSV is RFC 4180, UTF-8 without BOM, LF line ends; values use `.` as decimal point, no
//! grouping, no exponent. The Parquet twins hold the same rows with the same columns.

use std::borrow::Cow;

use polars::prelude::*;

use crate::config::Config;
use crate::model::{Lang, Severity};
use crate::pipeline::Outcome;
use crate::text;

/// A table of text cells with its header: the one shape both CSV and Parquet are written from.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'a> {
    pub header: Vec<&'static str>,
    /// Cells borrow from the configuration and the outcome where they can: at national scale
    /// a table has millions of cells.
    pub rows: Vec<Vec<Cow<'a, str>>>,
    /// Columns that Parquet stores as integers (counts), by name.
    pub integer_columns: Vec<&'static str>,
}

impl Table<'_> {
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
        let _ = w.write_record(&self.header);
        for r in &self.rows {
            let _ = w.write_record(r.iter().map(|c| c.as_bytes()));
        }
        w.into_inner().unwrap_or_default()
    }

    /// The same rows as Parquet. Text columns stay text (values keep their exact decimal
    /// form); count columns become Int64; empty cells are nulls.
    pub fn to_parquet(&self) -> PolarsResult<Vec<u8>> {
        let mut columns = Vec::with_capacity(self.header.len());
        for (i, name) in self.header.iter().enumerate() {
            if self.integer_columns.contains(name) {
                let v: Vec<Option<i64>> = self.rows.iter().map(|r| r[i].parse().ok()).collect();
                columns.push(Column::new((*name).into(), v));
            } else {
                let v: Vec<Option<&str>> =
                    self.rows.iter().map(|r| if r[i].is_empty() { None } else { Some(r[i].as_ref()) }).collect();
                columns.push(Column::new((*name).into(), v));
            }
        }
        let mut df = DataFrame::new(self.rows.len(), columns)?;
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).with_compression(ParquetCompression::Uncompressed).finish(&mut df)?;
        Ok(buf)
    }
}

pub fn values<'a>(config: &'a Config, o: &'a Outcome) -> Table<'a> {
    let rows = o
        .tables
        .values
        .iter()
        .map(|v| {
            let unit = &config.units[v.unit];
            vec![
                Cow::Borrowed(o.period.code.as_str()),
                Cow::Borrowed(unit.code.as_str()),
                Cow::Borrowed(unit.unit_type.as_str()),
                Cow::Borrowed(config.indicators[v.indicator].code.as_str()),
                Cow::Borrowed(v.breakdown.as_str()),
                Cow::Owned(text::format_micros(v.value.0)),
            ]
        })
        .collect();
    Table {
        header: vec!["period", "unit_code", "unit_type", "indicator", "breakdown", "value"],
        rows,
        integer_columns: vec![],
    }
}

pub fn totals<'a>(config: &'a Config, o: &'a Outcome) -> Table<'a> {
    let rows = o
        .tables
        .totals
        .iter()
        .map(|(i, b, t)| {
            vec![
                Cow::Borrowed(o.period.code.as_str()),
                Cow::Borrowed(config.indicators[*i].code.as_str()),
                Cow::Borrowed(b.as_str()),
                Cow::Owned(t.value.map(|v| text::format_micros(v.0)).unwrap_or_default()),
                Cow::Owned(t.units_reporting.to_string()),
            ]
        })
        .collect();
    Table {
        header: vec!["period", "indicator", "breakdown", "value", "units_reporting"],
        rows,
        integer_columns: vec!["units_reporting"],
    }
}

pub fn files(o: &Outcome) -> Table<'_> {
    let rows = o
        .files
        .iter()
        .map(|f| {
            vec![
                Cow::Borrowed(f.sub.path.as_str()),
                Cow::Borrowed(f.sub.sha256.as_str()),
                Cow::Borrowed(f.sub.unit.as_deref().unwrap_or_default()),
                Cow::Borrowed(f.sub.period.as_deref().unwrap_or_default()),
                Cow::Borrowed(f.fate.as_str()),
                Cow::Owned(f.sub.errors().to_string()),
                Cow::Owned(f.sub.warnings().to_string()),
            ]
        })
        .collect();
    Table {
        header: vec!["path", "sha256", "unit_code", "period", "fate", "errors", "warnings"],
        rows,
        integer_columns: vec!["errors", "warnings"],
    }
}

pub fn issues(o: &Outcome, lang: Lang) -> Table<'_> {
    let mut rows = Vec::new();
    for f in &o.files {
        for i in &f.sub.issues {
            rows.push(vec![
                Cow::Borrowed(f.sub.path.as_str()),
                Cow::Borrowed(f.sub.unit.as_deref().unwrap_or_default()),
                Cow::Borrowed(i.sheet.as_str()),
                Cow::Owned(i.cell_text()),
                Cow::Borrowed(i.code.as_str()),
                Cow::Borrowed(i.severity.as_str()),
                Cow::Borrowed(i.indicator.as_deref().unwrap_or_default()),
                Cow::Borrowed(i.value.as_str()),
                Cow::Borrowed(i.message(lang)),
            ]);
        }
    }
    Table {
        header: vec!["path", "unit_code", "sheet", "cell", "code", "severity", "indicator", "value", "message"],
        rows,
        integer_columns: vec![],
    }
}

/// Counts of issues by severity, for summaries.
pub fn issue_counts(o: &Outcome) -> [usize; 3] {
    let mut c = [0; 3];
    for f in &o.files {
        for i in &f.sub.issues {
            c[match i.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_line_ends() {
        let t = Table {
            header: vec!["a", "b"],
            rows: vec![vec!["x, y".into(), "say \"hi\"".into()], vec!["Hà Nội".into(), "".into()]],
            integer_columns: vec![],
        };
        assert_eq!(String::from_utf8(t.to_csv()).unwrap(), "a,b\n\"x, y\",\"say \"\"hi\"\"\"\nHà Nội,\n");
    }

    #[test]
    fn parquet_is_deterministic() {
        let t = Table {
            header: vec!["a", "n"],
            rows: vec![vec!["1.5".into(), "2".into()], vec!["".into(), "0".into()]],
            integer_columns: vec!["n"],
        };
        let a = t.to_parquet().unwrap();
        assert_eq!(a, t.to_parquet().unwrap());
        assert_eq!(&a[..4], b"PAR1");
    }
}
