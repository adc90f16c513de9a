//! The catalogue a run works against: units, indicators, sections, activity types, rules,
//! periods and reading limits.
//!
//! The embedded default (Hanoi's 2023 action month) is the same set of files a user can put
//! in a `--config` directory, read by the same parser: each file given there replaces the
//! default table it names. Every problem is collected and named by file, line and key.
//!
//! This file holds the types and the lookups. `load` reads the tables and builds a
//! [`Config`]; each table has its parser (`tables` for the CSV ones, [`rules`], `periods`);
//! `error` names the problems.

mod error;
mod load;
mod periods;
pub mod rules;
mod tables;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::issue::Named;
use crate::model::{Breakdown, PeriodCode, Severity, UnitCode};
use crate::text;
use rules::Cmp;

pub use error::{ConfigError, ConfigErrors};
pub use tables::units_csv;

/// The tables a configuration is made of, in the order they load and print.
pub const TABLES: [(&str, &str); 8] = [
    ("unit_types.csv", include_str!("default/unit_types.csv")),
    ("units.csv", include_str!("default/units.csv")),
    ("sections.csv", include_str!("default/sections.csv")),
    ("indicators.csv", include_str!("default/indicators.csv")),
    ("activity_types.csv", include_str!("default/activity_types.csv")),
    ("rules.toml", include_str!("default/rules.toml")),
    ("periods.toml", include_str!("default/periods.toml")),
    ("limits.toml", include_str!("default/limits.toml")),
];

/// A unit type, by its place in `unit_types.csv` (the configuration's [`UnitTypeDef`]s).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct UnitType(pub u16);

/// A row of `unit_types.csv`: a kind of reporting unit (`quan`, `so_nganh`; a district's
/// `phuong`, `xa`, `thi_tran`).
#[derive(Debug, Clone, PartialEq)]
pub struct UnitTypeDef {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// The peers of the outlier check: units of one family compare with each other.
    pub family: String,
    pub family_name: String,
    /// A territory with its People's Committee (quận, huyện, phường, xã), not an
    /// organisation: its forms are titled `UBND …`, and the Hoạt động sheet charts its units
    /// one by one.
    pub territorial: bool,
}

impl UnitTypeDef {
    pub fn label(&self, lang: crate::model::Lang) -> &str {
        lang.pick(&self.name, &self.name_en)
    }
}

/// The key unit names and titles are compared by: [`text::fold`], hyphens as spaces
/// (`LAO ĐỘNG-THƯƠNG BINH`), `TP.` as `thành phố`.
pub fn name_key(s: &str) -> String {
    let folded = text::fold(s).replace(['-', '–', '—'], " ");
    let words = folded.split_whitespace().map(|w| match w {
        "tp." | "tp" => "thanh pho",
        w => w,
    });
    words.collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub unit_type: UnitType,
    pub group: String,
    pub expected: bool,
    pub contact: String,
    /// When the unit exists (a merger ends one and starts another).
    pub valid: Validity,
}

/// When a unit or an indicator exists: from `valid_from` to `valid_to` (dd/mm/yyyy, both
/// days included), either end open. Units and indicators change between periods (mergers,
/// the 2025 reform that removed the district tier).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Validity {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Validity {
    /// Whether it exists at some time during the period.
    pub fn covers(&self, period: &Period) -> bool {
        self.from.is_none_or(|f| f <= period.end) && self.to.is_none_or(|t| t >= period.start)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// A whole number ≥ 0.
    Count,
    /// A decimal ≥ 0, in million VND.
    Amount,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    pub code: String,
    pub section: String,
    pub name: String,
    pub name_en: String,
    pub measure_unit: String,
    pub value_type: ValueType,
    pub by_sex: bool,
    /// Unit types that must report it.
    pub required_for: Vec<UnitType>,
    /// When the indicator is in the catalogue.
    pub valid: Validity,
}

impl Indicator {
    pub fn breakdowns(&self) -> &'static [Breakdown] {
        if self.by_sex { &Breakdown::ALL } else { &[Breakdown::Total] }
    }

    /// The indicator as issue messages name it.
    pub fn named(&self) -> Named<'_> {
        Named { code: &self.code, name: &self.name, name_en: &self.name_en }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub code: String,
    pub name: String,
    pub name_en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityType {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// The indicator whose Tổng số counts activities of this type (HD01 → CT03): the log
    /// should not list more of them than the table reports.
    pub count_indicator: Option<usize>,
    /// The indicator whose Tổng số counts their participants (HD02 → CT06).
    pub participants_indicator: Option<usize>,
    /// The indicator their cost is part of (→ CT25).
    pub cost_indicator: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenBlank {
    Skip,
    Zero,
}

/// A rule bound to the catalogue: terms are indicator indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub code: String,
    pub severity: Severity,
    pub source: String,
    /// One instance per indicator for `each = "by_sex"`, else one.
    pub instances: Vec<RuleInstance>,
    pub when_blank: WhenBlank,
    pub message: String,
    pub message_en: String,
    pub hint: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RuleInstance {
    /// The indicator the finding is reported on.
    pub anchor: usize,
    pub left: Vec<(usize, Breakdown)>,
    pub cmp: Cmp,
    pub right: Vec<(usize, Breakdown)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    IndicatorReported,
    Completeness,
    Timeliness,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub kind: TargetKind,
    pub indicator: Option<usize>,
    pub percent: f64,
    pub label: String,
    pub label_en: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Period {
    pub code: PeriodCode,
    pub name: String,
    pub name_en: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub cutoff: NaiveDate,
    pub deadline: NaiveDate,
    pub activity_start: NaiveDate,
    pub expected_unit_types: Vec<UnitType>,
    pub issuer: String,
    pub agency: String,
    pub plan: String,
    /// Signature block: place of issue, the signer's title, the recipients.
    pub place: String,
    pub signer: String,
    pub recipients: Vec<String>,
    pub targets: Vec<Target>,
    /// The period this one is compared with in its report ("cùng kỳ năm trước").
    pub compare_with: Option<PeriodCode>,
    /// The issuer's own unit code at the level above (a district's `001`); `None` at the top.
    /// The consolidated report carries it as its `Mã đơn vị`, and then also the activity log
    /// of the level below, so that the report is a form for the level above.
    pub issuer_code: Option<UnitCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_uncompressed_bytes: u64,
    pub max_compression_ratio: u64,
    pub max_cells_per_sheet: u64,
}

/// The effective configuration of a run.
#[derive(Debug, Clone)]
pub struct Config {
    pub unit_types: Vec<UnitTypeDef>,
    pub units: Vec<Unit>,
    pub sections: Vec<Section>,
    pub indicators: Vec<Indicator>,
    pub activity_types: Vec<ActivityType>,
    pub rules: Vec<Rule>,
    pub periods: Vec<Period>,
    pub limits: Limits,
    /// Each table's file name and its text, in [`TABLES`] order.
    pub sources: Vec<(String, String, Origin)>,
    /// SHA-256 over every table's text: two runs with the same fingerprint used the same rules.
    pub fingerprint: String,
    /// Indicator names after [`text::fold`], in catalogue order: rows are matched on these.
    pub folded_indicator_names: Vec<String>,
    /// Activity type names after [`text::fold`], in catalogue order: activity rows name
    /// their type by these.
    pub folded_activity_type_names: Vec<String>,
    /// Each period's code and name as [`Config::period_typed`] compares them.
    period_keys: Vec<(String, String)>,
    unit_index: HashMap<UnitCode, usize>,
    /// Unit codes in upper case, for codes typed in another case.
    unit_index_upper: HashMap<String, usize>,
    /// All-digit codes by their number (`001` → 1); `None` where two codes share a number.
    unit_index_numeric: HashMap<u64, Option<usize>>,
    /// Units by [`name_key`] of their name, and of their name without the unit-type word.
    unit_names: HashMap<String, usize>,
    bare_unit_names: HashMap<String, usize>,
    indicator_index: HashMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    File(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Embedded => f.write_str("embedded default"),
            Origin::File(p) => f.write_str(p),
        }
    }
}

impl Config {
    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.unit_index.get(code).map(|&i| &self.units[i])
    }

    /// The unit a unit name names (`Quận Cầu Giấy`, `Cầu Giấy`, `UBND quận Cầu Giấy`, `Sở Y
    /// tế Hà Nội` with a place after the name): see [`Config::unit_by_title`].
    pub fn unit_by_name(&self, written: &str) -> Option<&Unit> {
        self.unit_named(written, false)
    }

    /// The unit an issuing body's title names: `UBND QUẬN CẦU GIẤY`, `Ủy ban nhân dân huyện
    /// Đông Anh`, `SỞ Y TẾ HÀ NỘI` (a place after the name), `CÔNG AN TP. HÀ NỘI`. A name
    /// without its unit-type word (`CẦU GIẤY`) names a unit in a title only after `UBND`:
    /// alone it may be a person's name (`Hoàng Mai Anh`).
    pub fn unit_by_title(&self, written: &str) -> Option<&Unit> {
        self.unit_named(written, true)
    }

    fn unit_named(&self, written: &str, title: bool) -> Option<&Unit> {
        let key = name_key(written);
        let stripped = ["ubnd ", "uy ban nhan dan "].iter().find_map(|p| key.strip_prefix(p));
        let body = stripped.unwrap_or(&key).trim();
        if body.is_empty() {
            return None;
        }
        if let Some(&i) = self.unit_names.get(body) {
            return Some(&self.units[i]);
        }
        if (stripped.is_some() || !title)
            && let Some(&i) = self.bare_unit_names.get(body)
        {
            return Some(&self.units[i]);
        }
        // The longest full name the text starts with, a place after it.
        let ends: Vec<usize> = body.match_indices(' ').map(|(i, _)| i).collect();
        ends.iter().rev().find_map(|&end| self.unit_names.get(&body[..end])).map(|&i| &self.units[i])
    }

    /// Matches a unit code as typed: exactly, ignoring case, or as a number whose leading
    /// zeros Excel dropped (`1` → `001`) when exactly one code fits.
    pub fn find_unit(&self, typed: &str) -> Option<&Unit> {
        let t = typed.trim();
        let t = t.strip_suffix(".0").unwrap_or(t);
        if t.is_empty() {
            return None;
        }
        let i = self
            .unit_index
            .get(t)
            .or_else(|| self.unit_index_upper.get(&t.to_ascii_uppercase()))
            .copied()
            .or_else(|| t.parse::<u64>().ok().and_then(|n| self.unit_index_numeric.get(&n).copied().flatten()))?;
        Some(&self.units[i])
    }

    /// The catalogue index of a unit code.
    pub fn unit_position(&self, code: &str) -> Option<usize> {
        self.unit_index.get(code).copied()
    }

    pub fn indicator_index(&self, code: &str) -> Option<usize> {
        self.indicator_index.get(&code.trim().to_ascii_uppercase()).copied()
    }

    pub fn period(&self, code: &str) -> Option<&Period> {
        self.periods.iter().find(|p| p.code == code)
    }

    /// The period a form's `Kỳ báo cáo` names: its code or its name, folded, spaces not
    /// counting (` 2023 - thd ` is `2023-THD`).
    pub fn period_typed(&self, typed: &str) -> Option<&Period> {
        let key = period_key(typed);
        self.period_keys.iter().position(|(code, name)| *code == key || *name == key).map(|i| &self.periods[i])
    }

    /// A unit type's row of `unit_types.csv`.
    pub fn unit_type(&self, t: UnitType) -> &UnitTypeDef {
        &self.unit_types[usize::from(t.0)]
    }

    /// Every unit type, in table order.
    pub fn unit_type_ids(&self) -> impl Iterator<Item = UnitType> + '_ {
        (0..self.unit_types.len()).map(|i| UnitType(i as u16))
    }

    /// The unit type of a code (`quan`).
    pub fn unit_type_by_code(&self, code: &str) -> Option<UnitType> {
        self.unit_types.iter().position(|t| t.code == code.trim()).map(|i| UnitType(i as u16))
    }

    /// The family of a unit type, by its first appearance in the table (0, 1, …).
    pub fn family(&self, t: UnitType) -> usize {
        let family = &self.unit_type(t).family;
        let mut seen: Vec<&str> = Vec::new();
        for def in &self.unit_types {
            if !seen.contains(&def.family.as_str()) {
                seen.push(&def.family);
            }
        }
        seen.iter().position(|f| *f == family).unwrap_or(0)
    }

    /// The configured period that starts last (the first configured of those that tie).
    pub fn latest_period(&self) -> &Period {
        let mut latest = &self.periods[0];
        for p in &self.periods[1..] {
            if p.start > latest.start {
                latest = p;
            }
        }
        latest
    }

    /// The period a form dated `date` belongs to when it names none: the latest configured
    /// period that has started by then; without a date, or before every period, the latest.
    pub fn period_for_date(&self, date: Option<NaiveDate>) -> &Period {
        let started = |p: &&Period| date.is_some_and(|d| p.start <= d);
        let mut best: Option<&Period> = None;
        for p in self.periods.iter().filter(started) {
            if best.is_none_or(|b| p.start > b.start) {
                best = Some(p);
            }
        }
        best.unwrap_or_else(|| self.latest_period())
    }

    /// The units a period expects a report from, in catalogue order.
    pub fn expected_units<'a>(&'a self, period: &'a Period) -> impl Iterator<Item = &'a Unit> + 'a {
        self.units
            .iter()
            .filter(|u| u.expected && u.valid.covers(period) && period.expected_unit_types.contains(&u.unit_type))
    }

    /// Writes the effective configuration as files in `dir`, in the format it reads.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text, _) in &self.sources {
            crate::write::write_file(&dir.join(name), text.as_bytes())?;
        }
        Ok(())
    }
}

/// Bytes as lowercase hexadecimal (digests in run.json and the fingerprint).
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        // Writing into a String cannot fail.
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A summary of the configuration for `config check`.
pub fn summary(c: &Config) -> BTreeMap<&'static str, usize> {
    BTreeMap::from([
        ("units", c.units.len()),
        ("indicators", c.indicators.len()),
        ("activity types", c.activity_types.len()),
        ("rules", c.rules.len()),
        ("periods", c.periods.len()),
    ])
}

/// A period's code or name as typed, for comparing: folded, without spaces.
fn period_key(s: &str) -> String {
    crate::text::fold(s).replace(' ', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_hanoi_2023() {
        let c = Config::embedded().unwrap();
        let t = |code: &str| c.unit_type_by_code(code).unwrap();
        assert_eq!(c.units.len(), 51);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == t("quan")).count(), 12);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == t("huyen")).count(), 17);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == t("thi_xa")).count(), 1);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == t("so_nganh")).count(), 15);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == t("doan_the")).count(), 6);
        assert_eq!(c.unit("268").unwrap().name, "Quận Hà Đông");
        assert_eq!(c.indicators.len(), 25);
        let ct06 = &c.indicators[c.indicator_index("ct06").unwrap()];
        assert!(ct06.by_sex);
        assert_eq!(ct06.required_for, vec![t("quan"), t("huyen"), t("thi_xa")]);
        assert_eq!(c.indicators[0].required_for.len(), 5);
        assert_eq!(c.indicators[24].value_type, ValueType::Amount);
        let p = c.period("2023-THD").unwrap();
        assert_eq!(p.deadline, NaiveDate::from_ymd_opt(2023, 12, 20).unwrap());
        assert_eq!(p.activity_start, NaiveDate::from_ymd_opt(2023, 11, 1).unwrap());
        assert_eq!(c.activity_types.len(), 7);
        // One instance of each by-sex rule per by-sex indicator (CT04, CT06, CT14, CT16, CT22).
        assert_eq!(c.rules.iter().find(|r| r.code == "E102").unwrap().instances.len(), 5);
    }

    fn with_table(name: &str, text: &str) -> Result<Config, ConfigErrors> {
        let sources = TABLES
            .iter()
            .map(|(n, t)| {
                if *n == name {
                    (n.to_string(), text.to_string(), Origin::File(format!("cfg/{n}")))
                } else {
                    (n.to_string(), t.to_string(), Origin::Embedded)
                }
            })
            .collect();
        Config::from_sources(sources)
    }

    #[test]
    fn unit_errors_name_file_line_and_key() {
        let err = with_table("units.csv", "code,name,type\n001,Quận A,quan\n002,Quận B,quanx\n").unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].to_string().split(':').take(2).collect::<Vec<_>>(), ["cfg/units.csv", "3"]);
        assert_eq!(err.0[0].key.as_deref(), Some("type"));
    }

    #[test]
    fn the_unit_types_table_is_checked_and_replaces_the_five_city_types() {
        // A type named twice, one without its family: both named with file, line and key.
        let text =
            "code,name,name_en,family\nquan,Quận,Urban,district\nquan,Quận 2,Urban,district\nhuyen,Huyện,Rural,\n";
        let err = with_table("unit_types.csv", text).unwrap_err();
        let found: Vec<(String, Option<u64>, Option<String>)> =
            err.0.iter().map(|e| (e.file.clone(), e.line, e.key.clone())).collect();
        assert!(found.contains(&("cfg/unit_types.csv".into(), Some(3), Some("code".into()))), "{found:?}");
        assert!(found.contains(&("cfg/unit_types.csv".into(), Some(4), Some("family".into()))), "{found:?}");
        // The city's units then name types the table no longer has: each is an error too.
        let wards = "code,name,name_en,family,family_name,territorial\nphuong,Phường,Wards,ward,Phường,true\n";
        let err = with_table("unit_types.csv", wards).unwrap_err();
        assert!(err.0.iter().any(|e| e.file.starts_with("units.csv") && e.key.as_deref() == Some("type")), "{err:?}");
    }

    #[test]
    fn rule_errors_name_line_and_key() {
        let text = "[[rule]]\ncode = \"E1\"\ncheck = \"CT21 <= CT20\"\nmessage = \"a\"\n\n[[rule]]\ncode = \"E2\"\ncheck = \"CT99 <= CT20\"\nmessage = \"b\"\n";
        let err = with_table("rules.toml", text).unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].line, Some(8), "the line of `check`");
        assert_eq!(err.0[0].key.as_deref(), Some("check"));
        assert!(err.0[0].message.contains("CT99"));
    }

    #[test]
    fn period_date_errors_name_the_key() {
        let text = include_str!("default/periods.toml").replace("20/12/2023", "2023-20-12x");
        let err = with_table("periods.toml", &text).unwrap_err();
        assert_eq!(err.0[0].key.as_deref(), Some("deadline"));
        // The line of the key itself, not of its [[period]].
        let want = text.lines().position(|l| l.starts_with("deadline")).unwrap() as u64 + 1;
        assert_eq!(err.0[0].line, Some(want));
    }

    #[test]
    fn a_bad_value_names_its_key_and_a_missing_column_is_said_once() {
        let err = with_table(
            "limits.toml",
            "max_file_bytes = -5\nmax_uncompressed_bytes = 1\nmax_compression_ratio = 1\nmax_cells_per_sheet = 1\n",
        )
        .unwrap_err();
        assert_eq!((err.0[0].line, err.0[0].key.as_deref()), (Some(1), Some("max_file_bytes")));
        let err = with_table("units.csv", "code,ten,type\n001,A,quan\n002,B,quan\n003,C,quan\n").unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
        assert_eq!(err.0[0].key.as_deref(), Some("name"));
    }

    #[test]
    fn units_round_trip_through_csv() {
        let c = Config::embedded().unwrap();
        let again = with_table("units.csv", &units_csv(&c.units, &c.unit_types).unwrap()).unwrap();
        assert_eq!(again.units, c.units);
    }
}
