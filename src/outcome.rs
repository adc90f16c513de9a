//! What a run produces: every file found and its fate, each expected unit's standing, and
//! the tables. The pipeline makes an [`Outcome`]; the report stage writes it out. It sits
//! above the stages that fill it and below the report, so that no stage imports the wiring.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::NaiveDate;

use crate::aggregate::Tables;
use crate::config::Period;
use crate::model::{Fate, Lang, Submission, UnitCode};

/// One file found and what became of it.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub sub: Submission,
    pub fate: Fate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timeliness {
    OnTime,
    Late,
    Missing,
}

impl Timeliness {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Timeliness::OnTime => lang.pick("Đúng hạn", "On time"),
            Timeliness::Late => lang.pick("Muộn", "Late"),
            Timeliness::Missing => lang.pick("Chưa nộp", "Missing"),
        }
    }
}

/// An expected unit's standing for the period.
#[derive(Debug, Clone)]
pub struct UnitStatus {
    /// Catalogue index.
    pub unit: usize,
    /// The winning file (index into [`Outcome::files`]), accepted or not.
    pub file: Option<usize>,
    pub accepted: bool,
    pub timeliness: Timeliness,
}

/// Everything a run found, decided and summed.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub period: Period,
    pub as_of: NaiveDate,
    /// Sorted by relative path.
    pub files: Vec<FileRecord>,
    /// Every expected unit, in catalogue order.
    pub units: Vec<UnitStatus>,
    /// Accepted winning files, by unit code (index into `files`).
    pub accepted: BTreeMap<UnitCode, usize>,
    pub tables: Tables,
    pub read_time: Duration,
    /// The city totals of the period this one is compared with, when the period names one
    /// and its figures were found.
    pub previous: Option<Previous>,
}

/// Another period's city totals, set beside this period's ("cùng kỳ năm trước").
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    pub period: crate::model::PeriodCode,
    /// The year of the period's start, for the report's `Cùng kỳ <year>` heading.
    pub year: i32,
    /// Where the figures came from: `freeze` (its latest freeze), `run` (this run
    /// consolidated it too) or `outputs` (its `totals.csv` in the outputs folder).
    pub source: &'static str,
    /// (indicator, breakdown) → that period's total, for the indicators of this
    /// configuration, matched by code.
    pub totals: BTreeMap<(usize, crate::model::Breakdown), crate::aggregate::Total>,
}

impl Previous {
    pub fn total(&self, indicator: usize, breakdown: crate::model::Breakdown) -> Option<crate::aggregate::Total> {
        self.totals.get(&(indicator, breakdown)).copied()
    }
}

/// `current` as a percentage of `previous`, exact, rounded half up to one decimal, in
/// tenths of a percent (`1234` is 123.4 %); `None` when either is blank or `previous` is 0.
pub fn ratio_tenths(current: Option<crate::model::Micros>, previous: Option<crate::model::Micros>) -> Option<i128> {
    let (c, p) = (i128::from(current?.0), i128::from(previous?.0));
    if p == 0 {
        return None;
    }
    // c / p × 1000 tenths, rounded half away from zero.
    let (q, r) = ((c * 1000) / p, (c * 1000) % p);
    let away = if r.abs() * 2 >= p.abs() { 1 } else { 0 };
    Some(if (c < 0) != (p < 0) { q - away } else { q + away })
}

/// Tenths of a percent as written: `123.4`, `-5.0`.
pub fn format_tenths(t: i128) -> String {
    let sign = if t < 0 { "-" } else { "" };
    format!("{sign}{}.{}", t.abs() / 10, t.abs() % 10)
}

impl Outcome {
    pub fn count(&self, fate: Fate) -> usize {
        self.files.iter().filter(|f| f.fate == fate).count()
    }
    pub fn missing(&self) -> impl Iterator<Item = &UnitStatus> {
        self.units.iter().filter(|u| u.timeliness == Timeliness::Missing)
    }
    pub fn late(&self) -> impl Iterator<Item = &UnitStatus> {
        self.units.iter().filter(|u| u.timeliness == Timeliness::Late)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Micros;

    #[test]
    fn ratios_are_exact_and_rounded_half_up() {
        let m = |units: i64| Some(Micros(units * crate::text::MICROS));
        assert_eq!(ratio_tenths(m(3), m(2)), Some(1500));
        assert_eq!(ratio_tenths(m(1), m(3)), Some(333));
        assert_eq!(ratio_tenths(m(2), m(3)), Some(667));
        // 1/16 = 6.25 % → 6.3 (half up), not 6.2.
        assert_eq!(ratio_tenths(m(1), m(16)), Some(63));
        assert_eq!(ratio_tenths(m(0), m(5)), Some(0));
        assert_eq!(ratio_tenths(m(5), m(0)), None);
        assert_eq!(ratio_tenths(None, m(5)), None);
        assert_eq!(ratio_tenths(m(5), None), None);
        assert_eq!(format_tenths(1500), "150.0");
        assert_eq!(format_tenths(63), "6.3");
    }
}
