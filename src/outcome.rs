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
