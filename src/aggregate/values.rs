//! The accepted values as one typed polars frame, a row per reported value: every table of
//! the outputs is derived from it, and the values table of the outputs is written from it.
//!
//! Keys are integers: `unit` (catalogue index), `unit_type` (index in `unit_types.csv`),
//! `group` (index in the sorted groups), `indicator` (catalogue index), `breakdown` (index in
//! [`Breakdown::ALL`]); `value` is in micro-units. Rows are sorted by unit code, then
//! catalogue order, then total, male, female: the order of `values.csv`.

use polars::prelude::*;

use crate::config::Config;
use crate::model::{Breakdown, Micros, Submission};

/// One reported value of an accepted submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValueRow {
    /// Catalogue index of the unit.
    pub unit: usize,
    pub indicator: usize,
    pub breakdown: Breakdown,
    pub value: Micros,
}

/// The values frame, with typed access to its rows.
#[derive(Debug, Clone)]
pub struct Values {
    frame: DataFrame,
    unit: UInt32Chunked,
    indicator: UInt32Chunked,
    breakdown: UInt32Chunked,
    value: Int64Chunked,
}

impl Default for Values {
    fn default() -> Self {
        ValuesBuilder::default().finish(&[]).unwrap_or_else(|_| unreachable!("an empty frame always builds"))
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Values {
    /// The values of `accepted` (one submission per unit, in any order).
    pub fn of(config: &Config, accepted: &[&Submission]) -> PolarsResult<Values> {
        let mut sorted = accepted.to_vec();
        sorted.sort_by(|a, b| a.unit.cmp(&b.unit));
        let mut builder = ValuesBuilder::default();
        for sub in sorted {
            builder.push(config, sub);
        }
        builder.finish(&config.units)
    }

    pub fn len(&self) -> usize {
        self.frame.height()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The frame itself, for grouping and joining.
    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// Row `r`.
    pub fn get(&self, r: usize) -> ValueRow {
        let key = |c: &UInt32Chunked| c.get(r).unwrap_or(0) as usize;
        ValueRow {
            unit: key(&self.unit),
            indicator: key(&self.indicator),
            breakdown: Breakdown::ALL[key(&self.breakdown).min(2)],
            value: Micros(self.value.get(r).unwrap_or(0)),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = ValueRow> + '_ {
        (0..self.len()).map(|r| self.get(r))
    }

    /// Where each unit's rows are, by catalogue index: (first row, count). A unit's rows
    /// are contiguous, since rows are sorted by unit.
    pub fn unit_rows(&self, units: usize) -> Vec<(u32, u32)> {
        let mut out = vec![(0, 0); units];
        for r in 0..self.len() {
            let u = self.unit.get(r).unwrap_or(0) as usize;
            if let Some(slot) = out.get_mut(u) {
                if slot.1 == 0 {
                    slot.0 = r as u32;
                }
                slot.1 += 1;
            }
        }
        out
    }

    /// The frame with its keys named as in `values.parquet` (`unit_code`, `unit_type`,
    /// `indicator`, `breakdown` as codes, `value` as DECIMAL(18,6)): another period's file
    /// read with polars joins it on those columns.
    pub fn as_parquet_table(&self, config: &Config) -> PolarsResult<DataFrame> {
        fn named<'a>(keys: &UInt32Chunked, column: &str, name: impl Fn(usize) -> &'a str) -> Column {
            let names = (0..keys.len()).map(|i| keys.get(i).map(|k| name(k as usize)));
            StringChunked::from_iter_options(column.into(), names).into_column()
        }
        let unit_type = self.frame.column("unit_type")?.u32()?;
        let value = self.frame.column("value")?.cast(&DataType::Int128)?;
        DataFrame::new(
            self.len(),
            vec![
                named(&self.unit, "unit_code", |u| config.units[u].code.as_str()),
                named(unit_type, "unit_type", |t| config.unit_types[t].code.as_str()),
                named(&self.indicator, "indicator", |i| config.indicators[i].code.as_str()),
                named(&self.breakdown, "breakdown", |b| Breakdown::ALL[b].as_str()),
                value.i128()?.clone().into_decimal(18, 6)?.into_column().with_name("value".into()),
            ],
        )
    }
}

/// Builds the values frame a submission at a time, so that a run can drop each form's rows
/// as soon as they are taken.
#[derive(Debug, Default)]
pub struct ValuesBuilder {
    unit: Vec<u32>,
    indicator: Vec<u32>,
    breakdown: Vec<u32>,
    value: Vec<i64>,
    row: Vec<(u32, u32, i64)>,
}

impl ValuesBuilder {
    pub fn with_capacity(values: usize) -> Self {
        ValuesBuilder {
            unit: Vec::with_capacity(values),
            indicator: Vec::with_capacity(values),
            breakdown: Vec::with_capacity(values),
            value: Vec::with_capacity(values),
            row: Vec::new(),
        }
    }

    /// How many values `sub` reports (breakdowns an indicator does not have are left out).
    pub fn count(config: &Config, sub: &Submission) -> usize {
        sub.rows
            .iter()
            .map(|row| {
                config.indicators[row.indicator()].breakdowns().iter().filter(|b| row.value(b.index()).is_some())
            })
            .map(Iterator::count)
            .sum()
    }

    /// Adds the values of an accepted submission; submissions come in unit code order.
    pub fn push(&mut self, config: &Config, sub: &Submission) {
        let Some(unit) = sub.unit.as_deref().and_then(|c| config.unit_position(c)) else {
            return;
        };
        self.row.clear();
        for row in &sub.rows {
            for &b in config.indicators[row.indicator()].breakdowns() {
                if let Some(v) = row.value(b.index()) {
                    self.row.push((row.indicator() as u32, b.index() as u32, v.0));
                }
            }
        }
        // Catalogue order, then total, male, female; each pair is reported once.
        self.row.sort_unstable();
        for &(indicator, breakdown, value) in &self.row {
            self.unit.push(unit as u32);
            self.indicator.push(indicator);
            self.breakdown.push(breakdown);
            self.value.push(value);
        }
    }

    pub fn finish(self, units: &[crate::config::Unit]) -> PolarsResult<Values> {
        let mut groups: Vec<&str> = units.iter().map(|u| u.group.as_str()).collect();
        groups.sort_unstable();
        groups.dedup();
        let unit_of = |u: &u32| &units[*u as usize];
        let unit_type: Vec<u32> = self.unit.iter().map(|u| u32::from(unit_of(u).unit_type.0)).collect();
        let group: Vec<u32> =
            self.unit.iter().map(|u| groups.binary_search(&unit_of(u).group.as_str()).unwrap_or(0) as u32).collect();
        let n = self.unit.len();
        let unit = UInt32Chunked::from_vec("unit".into(), self.unit);
        let indicator = UInt32Chunked::from_vec("indicator".into(), self.indicator);
        let breakdown = UInt32Chunked::from_vec("breakdown".into(), self.breakdown);
        let value = Int64Chunked::from_vec("value".into(), self.value);
        let frame = DataFrame::new(
            n,
            vec![
                unit.clone().into_column(),
                Column::new("unit_type".into(), unit_type),
                Column::new("group".into(), group),
                indicator.clone().into_column(),
                breakdown.clone().into_column(),
                value.clone().into_column(),
            ],
        )?;
        Ok(Values { frame, unit, indicator, breakdown, value })
    }
}

/// The distinct unit groups of the catalogue, sorted: the `group` column holds indices into it.
pub fn group_names(config: &Config) -> Vec<String> {
    let mut groups: Vec<String> = config.units.iter().map(|u| u.group.clone()).collect();
    groups.sort();
    groups.dedup();
    groups
}
