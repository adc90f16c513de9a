//! The domain: what a submission holds, what a finding says, what became of each file.
//!
//! These types cross every stage. They hold no I/O; the ingest stage fills them, the
//! validate stage adds issues, the aggregate and report stages read them.

use chrono::NaiveDate;
use serde::Serialize;

use crate::text;

mod code;
pub mod issue;
pub use code::{FROZEN_DIR, MAX_CODE_LEN, PeriodCode, UnitCode, check_code};
pub use issue::Code;

/// A workbook this program wrote, as its `tonghop:kind` document property says. Such a file
/// is never a submission, except a consolidated report sent up to the level above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnKind {
    Report,
    Feedback,
}

impl OwnKind {
    /// The custom document property that carries the kind.
    pub const PROPERTY: &'static str = "tonghop:kind";

    pub fn as_str(self) -> &'static str {
        match self {
            OwnKind::Report => "report",
            OwnKind::Feedback => "feedback",
        }
    }

    pub fn parse(s: &str) -> Option<OwnKind> {
        [OwnKind::Report, OwnKind::Feedback].into_iter().find(|k| k.as_str() == s)
    }
}

/// A cell address such as `E14`, zero-based inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellRef {
    pub row: u32,
    pub col: u16,
}

impl CellRef {
    pub fn new(row: u32, col: u16) -> Self {
        Self { row, col }
    }

    /// The column's letters: `A`, `AB`.
    pub fn column(&self) -> String {
        let mut col = u32::from(self.col) + 1;
        let mut letters = Vec::new();
        while col > 0 {
            let rem = (col - 1) % 26;
            letters.push(char::from(b'A' + rem as u8));
            col = (col - 1) / 26;
        }
        letters.into_iter().rev().collect()
    }
}

impl std::fmt::Display for CellRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.column(), self.row + 1)
    }
}

/// Tổng số, Nam, Nữ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Breakdown {
    Total,
    Male,
    Female,
}

impl Breakdown {
    pub const ALL: [Breakdown; 3] = [Breakdown::Total, Breakdown::Male, Breakdown::Female];

    pub fn as_str(self) -> &'static str {
        match self {
            Breakdown::Total => "total",
            Breakdown::Male => "male",
            Breakdown::Female => "female",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A value in micro-units (1e-6): counts and amounts add up exactly, whatever the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Micros(pub i64);

impl Micros {
    pub fn from_units(n: i64) -> Self {
        Micros(n * text::MICROS)
    }
    pub fn is_whole(self) -> bool {
        self.0 % text::MICROS == 0
    }
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / text::MICROS as f64
    }
}

impl std::fmt::Display for Micros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&text::format_micros(self.0))
    }
}

/// The three value cells of one indicator row (total, male, female: [`Breakdown::index`]);
/// a blank cell is *not reported*, never zero.
///
/// A run holds one for every indicator row of every form it reads, so it is kept to 40
/// bytes: the cells share the row, and which values and columns are there is a bit each.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReportedRow {
    indicator: u32,
    /// The row of the sheet, from 0.
    pub row: u32,
    values: [i64; 3],
    cols: [u16; 3],
    /// Bit `b`: value `b` reported; bit `3 + b`: the column of value `b` found.
    present: u8,
}

impl ReportedRow {
    pub fn new(indicator: usize, row: u32) -> Self {
        ReportedRow { indicator: indicator as u32, row, ..Default::default() }
    }

    /// A row of these values, at no cell: for building forms by hand.
    pub fn with_values(indicator: usize, values: [Option<Micros>; 3]) -> Self {
        let mut r = ReportedRow::new(indicator, 0);
        for (b, v) in values.into_iter().enumerate() {
            r.set_value(b, v);
        }
        r
    }

    /// Index of the indicator in the catalogue.
    pub fn indicator(&self) -> usize {
        self.indicator as usize
    }

    /// Value `b` (a [`Breakdown::index`]), `None` where blank.
    pub fn value(&self, b: usize) -> Option<Micros> {
        (self.present & (1 << b) != 0).then(|| Micros(self.values[b]))
    }

    pub fn values(&self) -> [Option<Micros>; 3] {
        [0, 1, 2].map(|b| self.value(b))
    }

    pub fn set_value(&mut self, b: usize, v: Option<Micros>) {
        match v {
            Some(v) => {
                self.values[b] = v.0;
                self.present |= 1 << b;
            }
            None => {
                self.values[b] = 0;
                self.present &= !(1 << b);
            }
        }
    }

    /// Where value `b` is read from: column `col` of this row.
    pub fn locate(&mut self, b: usize, col: u16) {
        self.cols[b] = col;
        self.present |= 1 << (3 + b);
    }

    /// The cell of value `b`; A1 where the form has no such column.
    pub fn cell(&self, b: usize) -> CellRef {
        if self.present & (1 << (3 + b)) != 0 { CellRef::new(self.row, self.cols[b]) } else { CellRef::default() }
    }
}

impl Default for CellRef {
    fn default() -> Self {
        CellRef::new(0, 0)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivitySums {
    pub activities: u64,
    pub participants: Micros,
    pub female: Micros,
    pub cost: Micros,
    pub online: u64,
}

impl ActivitySums {
    /// Adds `count` activities with their totals.
    pub fn add(&mut self, a: &Activity, online: bool) {
        let (participants, female, cost, count) = (a.participants, a.female, a.cost, u64::from(a.count));
        self.activities += count;
        self.participants.0 = self.participants.0.saturating_add(participants.map_or(0, |m| m.0));
        self.female.0 = self.female.0.saturating_add(female.map_or(0, |m| m.0));
        self.cost.0 = self.cost.0.saturating_add(cost.map_or(0, |m| m.0));
        self.online += if online { count } else { 0 };
    }
}

impl ActivitySums {
    pub fn merge(&mut self, other: &ActivitySums) {
        self.activities += other.activities;
        self.participants.0 = self.participants.0.saturating_add(other.participants.0);
        self.female.0 = self.female.0.saturating_add(other.female.0);
        self.cost.0 = self.cost.0.saturating_add(other.cost.0);
        self.online += other.online;
    }
}

/// A form's activity log summed, as the activity tables need it (see
/// `aggregate::summarise_activities`). Rows outside the action month or without a date or
/// a type are left out, as in the tables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivitySummary {
    /// (week bucket, activity type, activities, participants), sorted; kept for every form of
    /// a run, so compact.
    pub by_week_type: Vec<(u16, u16, u32, Micros)>,
    /// In [`Channel::ALL`] order.
    pub by_channel: [ActivitySums; 3],
    pub total: ActivitySums,
}

/// Hình thức of an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Channel {
    InPerson,
    Online,
    Mixed,
}

impl Channel {
    pub const ALL: [Channel; 3] = [Channel::InPerson, Channel::Online, Channel::Mixed];

    pub fn label_vi(self) -> &'static str {
        match self {
            Channel::InPerson => "Trực tiếp",
            Channel::Online => "Trực tuyến",
            Channel::Mixed => "Kết hợp",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            Channel::InPerson => "In person",
            Channel::Online => "Online",
            Channel::Mixed => "Mixed",
        }
    }
}

/// One row of the HoatDong sheet, as far as it could be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub row: u32,
    pub date: Option<NaiveDate>,
    /// Index of the activity type in the catalogue.
    pub kind: Option<usize>,
    pub channel: Option<Channel>,
    pub participants: Option<Micros>,
    pub female: Option<Micros>,
    pub cost: Option<Micros>,
    /// How many activities the row stands for: 1, or its `Số hoạt động` (a consolidated
    /// report's log sums the activities of one unit, day, type and channel in a row).
    pub count: u32,
}

/// The labelled values above the indicator table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub unit_code: Option<String>,
    pub unit_code_cell: Option<CellRef>,
    pub unit_name: Option<String>,
    pub unit_name_cell: Option<CellRef>,
    pub period: Option<String>,
    pub period_cell: Option<CellRef>,
    pub report_date: Option<NaiveDate>,
    /// The time of day of the report date, when it was written as a date-time.
    pub report_time: Option<chrono::NaiveTime>,
    pub report_date_cell: Option<CellRef>,
    pub preparer: Option<String>,
    pub phone: Option<String>,
    /// On a consolidated report of the level below: its units reported, `13/14`.
    pub reported_units: Option<String>,
    /// The issuing body's title line (`UBND QUẬN CẦU GIẤY`) that names a configured unit,
    /// kept when the form has neither a unit code nor a unit name.
    pub title: Option<String>,
    pub title_cell: Option<CellRef>,
}

/// One received file that claims to be a unit's form, as read.
#[derive(Debug, Clone, Default)]
pub struct Submission {
    /// Relative to the inputs directory, `/`-separated, NFC.
    pub path: String,
    pub sha256: String,
    /// The sheet holding the indicator table, as named in the file.
    pub sheet: String,
    pub activity_sheet: Option<String>,
    /// The column of the activity log's dates.
    pub activity_date_col: Option<u16>,
    pub header: Header,
    /// Resolved unit code (header, else file name or unit name).
    pub unit: Option<UnitCode>,
    /// Resolved period code.
    pub period: Option<PeriodCode>,
    /// Set when the file is one this program wrote (a report or a feedback workbook) and so
    /// is never a submission.
    pub own: Option<OwnKind>,
    /// A consolidated report of a level below, sent up as its submission.
    pub consolidated: bool,
    pub rows: Vec<ReportedRow>,
    /// The activity rows as read; summed into `activity_summary` once checked, then dropped.
    pub activities: Vec<Activity>,
    pub activity_summary: ActivitySummary,
    /// The activity rows summed by day, type and channel (each `count` the activities it
    /// stands for): kept only where the report goes up a level and carries them.
    pub log: Vec<Activity>,
    pub issues: Vec<Issue>,
}

impl Submission {
    pub fn errors(&self) -> usize {
        self.issues.iter().filter(|i| i.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.issues.iter().filter(|i| i.severity == Severity::Warning).count()
    }
    pub fn value(&self, indicator: usize, breakdown: Breakdown) -> Option<Micros> {
        self.rows.iter().find(|r| r.indicator() == indicator).and_then(|r| r.value(breakdown.index()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One finding of validation, located down to the cell, with its message in both languages.
///
/// Raised from the catalogue in [`issue`], e.g. `issue::unknown_unit(typed).in_sheet(name).at(cell)`.
// `#[non_exhaustive]` would not stop a struct literal inside this crate; the private field does.
#[allow(clippy::manual_non_exhaustive)]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Issue {
    pub code: String,
    pub severity: Severity,
    pub sheet: String,
    pub cell: Option<CellRef>,
    pub indicator: Option<String>,
    /// The value as read, as text.
    pub value: String,
    pub message_vi: String,
    pub message_en: String,
    /// Private, so that an issue is made only by the catalogue in [`issue`] (or, for a rule of the
    /// configuration, by [`Issue::from_rule`]): its code and severity cannot disagree.
    _sealed: (),
}

/// The language of labels and messages in the outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn pick<'a>(self, vi: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Vi => vi,
            Lang::En => en,
        }
    }
}

impl Issue {
    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.message_vi, &self.message_en)
    }
    pub fn cell_text(&self) -> String {
        self.cell.map(|c| c.to_string()).unwrap_or_default()
    }
}

/// What became of a file found under the inputs directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    Accepted,
    AcceptedWithWarnings,
    Rejected,
    Superseded,
    Ignored,
}

impl Fate {
    pub const ALL: [Fate; 5] =
        [Fate::Accepted, Fate::AcceptedWithWarnings, Fate::Rejected, Fate::Superseded, Fate::Ignored];

    pub fn as_str(self) -> &'static str {
        match self {
            Fate::Accepted => "accepted",
            Fate::AcceptedWithWarnings => "accepted_with_warnings",
            Fate::Rejected => "rejected",
            Fate::Superseded => "superseded",
            Fate::Ignored => "ignored",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Fate::Accepted, Lang::Vi) => "Hợp lệ",
            (Fate::AcceptedWithWarnings, Lang::Vi) => "Hợp lệ, có cảnh báo",
            (Fate::Rejected, Lang::Vi) => "Bị từ chối",
            (Fate::Superseded, Lang::Vi) => "Đã được thay thế",
            (Fate::Ignored, Lang::Vi) => "Bỏ qua",
            (Fate::Accepted, Lang::En) => "Accepted",
            (Fate::AcceptedWithWarnings, Lang::En) => "Accepted with warnings",
            (Fate::Rejected, Lang::En) => "Rejected",
            (Fate::Superseded, Lang::En) => "Superseded",
            (Fate::Ignored, Lang::En) => "Ignored",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_refs_print_like_excel() {
        assert_eq!(CellRef::new(13, 4).to_string(), "E14");
        assert_eq!(CellRef::new(0, 25).to_string(), "Z1");
        assert_eq!(CellRef::new(0, 26).to_string(), "AA1");
        assert_eq!(CellRef::new(9, 701).to_string(), "ZZ10");
    }

    #[test]
    fn a_reported_row_is_compact_and_keeps_blank_apart_from_zero() {
        // A run holds one per indicator row of every form it reads.
        assert_eq!(std::mem::size_of::<ReportedRow>(), 40);
        let mut r = ReportedRow::new(4, 12);
        r.locate(0, 4);
        r.locate(2, 6);
        r.set_value(0, Some(Micros(0)));
        r.set_value(2, Some(Micros(-7)));
        assert_eq!(r.values(), [Some(Micros(0)), None, Some(Micros(-7))]);
        assert_eq!((r.cell(0).to_string(), r.cell(2).to_string()), ("E13".to_string(), "G13".to_string()));
        r.set_value(0, None);
        assert_eq!(r.value(0), None);
        assert_eq!(r.indicator(), 4);
    }
}
