//! The catalogue a run works against: units, indicators, sections, activity types, rules,
//! periods and reading limits.
//!
//! The embedded default (Hanoi's 2023 action month) is the same set of files a user can put
//! in a `--config` directory, read by the same parser: each file given there replaces the
//! default table it names. Every problem is collected and named by file, line and key.

pub mod rules;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::issue::Named;
use crate::model::{Breakdown, PeriodCode, Severity, UnitCode};
use crate::text;
use rules::{Check, Cmp, Term};

/// The tables a configuration is made of, in the order they load and print.
pub const TABLES: [(&str, &str); 7] = [
    ("units.csv", include_str!("default/units.csv")),
    ("sections.csv", include_str!("default/sections.csv")),
    ("indicators.csv", include_str!("default/indicators.csv")),
    ("activity_types.csv", include_str!("default/activity_types.csv")),
    ("rules.toml", include_str!("default/rules.toml")),
    ("periods.toml", include_str!("default/periods.toml")),
    ("limits.toml", DEFAULT_LIMITS),
];

const DEFAULT_LIMITS: &str = "# Bounds on what one input file may cost to read. A filled form is far below them:\n\
# ~30 KB on disk, ~200 KB uncompressed, a few hundred cells.\n\
# Largest file accepted, in bytes (20 MiB).\n\
max_file_bytes = 20971520\n\
# Largest total of a workbook's uncompressed parts, in bytes (100 MiB).\n\
max_uncompressed_bytes = 104857600\n\
# Largest compression ratio of one part over 1 MiB: beyond it the file is a decompression bomb.\n\
max_compression_ratio = 100\n\
# Most cells read from one sheet; for .ods, the sheet's used area (rows x columns).\n\
max_cells_per_sheet = 1000000\n";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    Quan,
    Huyen,
    ThiXa,
    SoNganh,
    DoanThe,
}

impl UnitType {
    pub const ALL: [UnitType; 5] =
        [UnitType::Quan, UnitType::Huyen, UnitType::ThiXa, UnitType::SoNganh, UnitType::DoanThe];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitType::Quan => "quan",
            UnitType::Huyen => "huyen",
            UnitType::ThiXa => "thi_xa",
            UnitType::SoNganh => "so_nganh",
            UnitType::DoanThe => "doan_the",
        }
    }

    pub fn parse(s: &str) -> Option<UnitType> {
        UnitType::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }

    pub fn label(self, lang: crate::model::Lang) -> &'static str {
        match self {
            UnitType::Quan => lang.pick("Quận", "Urban districts"),
            UnitType::Huyen => lang.pick("Huyện", "Rural districts"),
            UnitType::ThiXa => lang.pick("Thị xã", "Town"),
            UnitType::SoNganh => lang.pick("Sở, ngành", "Departments"),
            UnitType::DoanThe => lang.pick("Đoàn thể", "Mass organisations"),
        }
    }

    /// Peers for outlier checks: district-level units compare with each other.
    pub fn family(self) -> u8 {
        match self {
            UnitType::Quan | UnitType::Huyen | UnitType::ThiXa => 0,
            UnitType::SoNganh => 1,
            UnitType::DoanThe => 2,
        }
    }

    pub fn is_district_level(self) -> bool {
        self.family() == 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub code: UnitCode,
    pub name: String,
    pub unit_type: UnitType,
    pub group: String,
    pub expected: bool,
    pub contact: String,
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
    unit_index: HashMap<UnitCode, usize>,
    /// Unit codes in upper case, for codes typed in another case.
    unit_index_upper: HashMap<String, usize>,
    /// All-digit codes by their number (`001` → 1); `None` where two codes share a number.
    unit_index_numeric: HashMap<u64, Option<usize>>,
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

/// One configuration problem: where, which key, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<u64>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found in a configuration.
#[derive(Debug, Clone)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration has {} error(s):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

struct Errors {
    file: String,
    list: Vec<ConfigError>,
}

impl Errors {
    fn push(&mut self, line: Option<u64>, key: Option<&str>, message: impl Into<String>) {
        self.list.push(ConfigError {
            file: self.file.clone(),
            line,
            key: key.map(str::to_string),
            message: message.into(),
        });
    }
}

impl Config {
    /// The embedded default configuration.
    pub fn embedded() -> Result<Config, ConfigErrors> {
        Config::load(None)
    }

    /// Loads the defaults, with each table found in `dir` replacing its default.
    pub fn load(dir: Option<&Path>) -> Result<Config, ConfigErrors> {
        let mut sources = Vec::new();
        let mut errors = Vec::new();
        if let Some(dir) = dir {
            match std::fs::read_dir(dir) {
                Ok(entries) => {
                    let known: HashSet<&str> = TABLES.iter().map(|(n, _)| *n).collect();
                    let mut names: Vec<String> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .filter(|n| n.ends_with(".csv") || n.ends_with(".toml"))
                        .collect();
                    names.sort();
                    for name in names.iter().filter(|n| !known.contains(n.as_str())) {
                        errors.push(ConfigError {
                            file: dir.join(name).display().to_string(),
                            line: None,
                            key: None,
                            message: format!(
                                "unknown configuration file; expected one of: {}",
                                TABLES.map(|(n, _)| n).join(", ")
                            ),
                        });
                    }
                }
                Err(e) => errors.push(ConfigError {
                    file: dir.display().to_string(),
                    line: None,
                    key: None,
                    message: format!("cannot read the configuration directory: {e}"),
                }),
            }
        }
        for (name, default) in TABLES {
            let path = dir.map(|d| d.join(name));
            match path.as_ref().filter(|p| p.exists()) {
                Some(p) => match std::fs::read(p).map(String::from_utf8) {
                    Ok(Ok(s)) => sources.push((name.to_string(), s, Origin::File(p.display().to_string()))),
                    Ok(Err(e)) => {
                        let bytes = e.as_bytes();
                        let at = e.utf8_error().valid_up_to();
                        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
                        errors.push(ConfigError {
                            file: p.display().to_string(),
                            line: Some(line),
                            key: None,
                            message: "not valid UTF-8 text (save the file as UTF-8)".into(),
                        });
                    }
                    Err(e) => errors.push(ConfigError {
                        file: p.display().to_string(),
                        line: None,
                        key: None,
                        message: format!("cannot read: {e}"),
                    }),
                },
                None => sources.push((name.to_string(), default.to_string(), Origin::Embedded)),
            }
        }
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Config::from_sources(sources)
    }

    /// Builds a configuration from table texts (name, text, origin), in [`TABLES`] order.
    pub fn from_sources(sources: Vec<(String, String, Origin)>) -> Result<Config, ConfigErrors> {
        let missing: Vec<ConfigError> = TABLES
            .iter()
            .filter(|(name, _)| !sources.iter().any(|(n, _, _)| n == name))
            .map(|(name, _)| ConfigError {
                file: (*name).to_string(),
                line: None,
                key: None,
                message: "the table is missing".into(),
            })
            .collect();
        if !missing.is_empty() {
            return Err(ConfigErrors(missing));
        }
        let mut all = Vec::new();
        let text_of = |name: &str| -> (&str, String) {
            let (_, text, origin) =
                sources.iter().find(|(n, _, _)| n == name).expect("checked above: every table has a source");
            let shown = match origin {
                Origin::Embedded => format!("{name} (embedded default)"),
                Origin::File(p) => p.clone(),
            };
            (text.as_str(), shown)
        };

        let (t, f) = text_of("units.csv");
        let mut e = Errors { file: f, list: vec![] };
        let units = parse_units(t, &mut e);
        all.append(&mut e.list);

        let (t, f) = text_of("sections.csv");
        let mut e = Errors { file: f, list: vec![] };
        let sections = parse_simple(t, &mut e, "section")
            .into_iter()
            .map(|(code, name, name_en)| Section { code, name, name_en })
            .collect::<Vec<_>>();
        all.append(&mut e.list);

        let (t, f) = text_of("indicators.csv");
        let mut e = Errors { file: f, list: vec![] };
        let indicators = parse_indicators(t, &sections, &mut e);
        all.append(&mut e.list);

        let (t, f) = text_of("activity_types.csv");
        let mut e = Errors { file: f, list: vec![] };
        let activity_types = parse_activity_types(t, &indicators, &mut e);
        all.append(&mut e.list);

        let (t, f) = text_of("rules.toml");
        let mut e = Errors { file: f, list: vec![] };
        let rules = parse_rules(t, &indicators, &mut e);
        all.append(&mut e.list);

        let (t, f) = text_of("periods.toml");
        let mut e = Errors { file: f, list: vec![] };
        let periods = parse_periods(t, &indicators, &mut e);
        all.append(&mut e.list);

        let (t, f) = text_of("limits.toml");
        let mut e = Errors { file: f, list: vec![] };
        let limits = match toml::from_str::<Limits>(t) {
            Ok(l) => Some(l),
            Err(err) => {
                let key = toml_key(t, &err);
                e.push(toml_line(t, &err), key.as_deref(), err.message().trim().to_string());
                None
            }
        };
        all.append(&mut e.list);

        if !all.is_empty() {
            return Err(ConfigErrors(all));
        }
        let Some(limits) = limits else { unreachable!("limits parse errors are reported above") };
        let mut hasher = Sha256::new();
        for (name, text, _) in &sources {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
        }
        let fingerprint = hex(&hasher.finalize());
        let unit_index = units.iter().enumerate().map(|(i, u)| (u.code.clone(), i)).collect();
        let unit_index_upper = units.iter().enumerate().map(|(i, u)| (u.code.to_ascii_uppercase(), i)).collect();
        let mut unit_index_numeric: HashMap<u64, Option<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if let (true, Ok(n)) = (u.code.chars().all(|c| c.is_ascii_digit()), u.code.parse::<u64>()) {
                unit_index_numeric.entry(n).and_modify(|e| *e = None).or_insert(Some(i));
            }
        }
        let indicator_index =
            indicators.iter().enumerate().map(|(i, ind)| (ind.code.to_ascii_uppercase(), i)).collect();
        let folded_indicator_names = indicators.iter().map(|i| text::fold(&i.name)).collect();
        Ok(Config {
            folded_indicator_names,
            units,
            sections,
            indicators,
            activity_types,
            rules,
            periods,
            limits,
            sources,
            fingerprint,
            unit_index,
            unit_index_upper,
            unit_index_numeric,
            indicator_index,
        })
    }

    pub fn unit(&self, code: &str) -> Option<&Unit> {
        self.unit_index.get(code).map(|&i| &self.units[i])
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

    /// The units a period expects a report from, in catalogue order.
    pub fn expected_units<'a>(&'a self, period: &'a Period) -> impl Iterator<Item = &'a Unit> + 'a {
        self.units.iter().filter(|u| u.expected && period.expected_unit_types.contains(&u.unit_type))
    }

    /// Writes the effective configuration as files in `dir`, in the format it reads.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text, _) in &self.sources {
            crate::report::atomic::write_file(&dir.join(name), text.as_bytes())?;
        }
        Ok(())
    }
}

/// Writes a units table in the format [`Config::load`] reads.
pub fn units_csv(units: &[Unit]) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(vec![]);
    let _ = w.write_record(["code", "name", "type", "group", "expected", "contact"]);
    for u in units {
        let _ = w.write_record([
            u.code.as_str(),
            &u.name,
            u.unit_type.as_str(),
            &u.group,
            if u.expected { "true" } else { "false" },
            &u.contact,
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn toml_line(text: &str, err: &toml::de::Error) -> Option<u64> {
    err.span().map(|s| line_of(text, s.start))
}

/// The key a TOML error points at, read off its line (`max_file_bytes = -5`).
fn toml_key(text: &str, err: &toml::de::Error) -> Option<String> {
    let line = text.lines().nth(usize::try_from(toml_line(text, err)?).ok()?.checked_sub(1)?)?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

/// The line of `key = …` in the table entry that starts at byte `from` (a `[[period]]` or
/// `[[rule]]`), so that an error names the line of the key, not of the entry.
fn key_line(text: &str, from: usize, key: &str) -> Option<u64> {
    let key = key.rsplit('.').next().unwrap_or(key);
    let mut offset = from;
    for (i, l) in text[from.min(text.len())..].split('\n').enumerate() {
        let t = l.trim_start();
        if i > 0 && (t == "[[period]]" || t == "[[rule]]") {
            break;
        }
        if let Some(rest) = t.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(line_of(text, offset));
        }
        offset += l.len() + 1;
    }
    None
}

fn line_of(text: &str, offset: usize) -> u64 {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() as u64 + 1
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" | "x" | "có" => Some(true),
        "false" | "no" | "0" | "" | "không" => Some(false),
        _ => None,
    }
}

/// Reads a CSV table as header-keyed records with their line numbers.
fn csv_records(text: &str, e: &mut Errors, required: &[&str]) -> Vec<(u64, HashMap<String, String>)> {
    let mut rdr = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = match rdr.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(err) => {
            e.push(Some(1), None, format!("cannot read the header row: {err}"));
            return vec![];
        }
    };
    let missing: Vec<&&str> = required.iter().filter(|col| !headers.iter().any(|h| h == **col)).collect();
    for col in &missing {
        e.push(Some(1), Some(col), "required column is missing");
    }
    if !missing.is_empty() {
        // Every row would repeat the same complaint.
        return vec![];
    }
    let mut out = Vec::new();
    for rec in rdr.records() {
        match rec {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line());
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                let map = headers.iter().cloned().zip(r.iter().map(|f| f.trim().to_string())).collect();
                out.push((line, map));
            }
            Err(err) => {
                let line = err.position().map(|p| p.line());
                e.push(line, None, format!("malformed CSV row: {err}"));
            }
        }
    }
    out
}

fn field<'a>(rec: &'a HashMap<String, String>, key: &str) -> &'a str {
    rec.get(key).map_or("", String::as_str)
}

fn check_code(code: &str, line: u64, seen: &mut HashSet<String>, e: &mut Errors, what: &str) -> bool {
    if code.is_empty() {
        e.push(Some(line), Some("code"), format!("{what} code is empty"));
        return false;
    }
    if !code.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        e.push(Some(line), Some("code"), format!("{what} code `{code}` may hold only letters, digits, _ - ."));
        return false;
    }
    if !seen.insert(code.to_ascii_uppercase()) {
        e.push(Some(line), Some("code"), format!("{what} code `{code}` appears twice"));
        return false;
    }
    true
}

fn parse_units(text: &str, e: &mut Errors) -> Vec<Unit> {
    let mut seen = HashSet::new();
    let mut units = Vec::new();
    for (line, rec) in csv_records(text, e, &["code", "name", "type"]) {
        let code = field(&rec, "code");
        let code = match UnitCode::parse(code) {
            Ok(c) if seen.insert(c.to_ascii_uppercase()) => Some(c),
            Ok(_) => {
                e.push(Some(line), Some("code"), format!("unit code `{code}` appears twice"));
                None
            }
            Err(why) => {
                e.push(Some(line), Some("code"), format!("unit code `{code}` {why}"));
                None
            }
        };
        let Some(unit_type) = UnitType::parse(field(&rec, "type")) else {
            e.push(
                Some(line),
                Some("type"),
                format!(
                    "unknown unit type `{}`; expected one of: {}",
                    field(&rec, "type"),
                    UnitType::ALL.map(UnitType::as_str).join(", ")
                ),
            );
            continue;
        };
        let expected = match rec.get("expected") {
            None => true,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    e.push(Some(line), Some("expected"), format!("`{v}` is not true or false"));
                    continue;
                }
            },
        };
        let name = text::tidy(field(&rec, "name"));
        if name.is_empty() {
            e.push(Some(line), Some("name"), "unit name is empty");
        }
        if let Some(code) = code {
            units.push(Unit {
                code,
                name,
                unit_type,
                group: text::tidy(field(&rec, "group")),
                expected,
                contact: text::tidy(field(&rec, "contact")),
            });
        }
    }
    if units.is_empty() && e.list.is_empty() {
        e.push(None, None, "no units are configured");
    }
    units
}

fn parse_simple(text: &str, e: &mut Errors, what: &str) -> Vec<(String, String, String)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line, rec) in csv_records(text, e, &["code", "name"]) {
        let code = field(&rec, "code").to_string();
        if !check_code(&code, line, &mut seen, e, what) {
            continue;
        }
        let name = text::tidy(field(&rec, "name"));
        if name.is_empty() {
            e.push(Some(line), Some("name"), format!("{what} name is empty"));
        }
        let name_en = match text::tidy(field(&rec, "name_en")) {
            s if s.is_empty() => name.clone(),
            s => s,
        };
        out.push((code, name, name_en));
    }
    out
}

fn parse_activity_types(text: &str, indicators: &[Indicator], e: &mut Errors) -> Vec<ActivityType> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line, rec) in csv_records(text, e, &["code", "name"]) {
        let code = field(&rec, "code").to_string();
        if !check_code(&code, line, &mut seen, e, "activity type") {
            continue;
        }
        let name = text::tidy(field(&rec, "name"));
        if name.is_empty() {
            e.push(Some(line), Some("name"), "activity type name is empty");
        }
        let name_en = match text::tidy(field(&rec, "name_en")) {
            s if s.is_empty() => name.clone(),
            s => s,
        };
        let mut indicator = |key: &str| -> Option<usize> {
            let v = field(&rec, key);
            if v.is_empty() {
                return None;
            }
            let found = indicators.iter().position(|i| i.code.eq_ignore_ascii_case(v));
            if found.is_none() {
                e.push(Some(line), Some(key), format!("unknown indicator `{v}`"));
            }
            found
        };
        let count_indicator = indicator("count_indicator");
        let participants_indicator = indicator("participants_indicator");
        let cost_indicator = indicator("cost_indicator");
        out.push(ActivityType { code, name, name_en, count_indicator, participants_indicator, cost_indicator });
    }
    out
}

fn parse_indicators(text: &str, sections: &[Section], e: &mut Errors) -> Vec<Indicator> {
    let mut seen = HashSet::new();
    let mut names = HashSet::new();
    let mut out = Vec::new();
    for (line, rec) in csv_records(text, e, &["code", "section", "name", "measure_unit", "value_type"]) {
        let code = field(&rec, "code").to_string();
        if !check_code(&code, line, &mut seen, e, "indicator") {
            continue;
        }
        let section = field(&rec, "section").to_string();
        if !sections.iter().any(|s| s.code == section) {
            e.push(Some(line), Some("section"), format!("section `{section}` is not in sections.csv"));
        }
        let value_type = match field(&rec, "value_type") {
            "count" => ValueType::Count,
            "amount" => ValueType::Amount,
            other => {
                e.push(Some(line), Some("value_type"), format!("`{other}` is not count or amount"));
                continue;
            }
        };
        let by_sex = match parse_bool(field(&rec, "by_sex")) {
            Some(b) => b,
            None => {
                e.push(Some(line), Some("by_sex"), format!("`{}` is not true or false", field(&rec, "by_sex")));
                continue;
            }
        };
        let mut required_for = Vec::new();
        for t in field(&rec, "required_for").split(';').map(str::trim).filter(|t| !t.is_empty()) {
            if t == "*" {
                required_for.extend(UnitType::ALL);
            } else if let Some(ut) = UnitType::parse(t) {
                required_for.push(ut);
            } else {
                e.push(Some(line), Some("required_for"), format!("unknown unit type `{t}`"));
            }
        }
        let name = text::tidy(field(&rec, "name"));
        if name.is_empty() {
            e.push(Some(line), Some("name"), "indicator name is empty");
        } else if !names.insert(text::fold(&name)) {
            e.push(Some(line), Some("name"), format!("indicator name `{name}` appears twice"));
        }
        let name_en = match text::tidy(field(&rec, "name_en")) {
            s if s.is_empty() => name.clone(),
            s => s,
        };
        out.push(Indicator {
            code,
            section,
            name,
            name_en,
            measure_unit: text::tidy(field(&rec, "measure_unit")),
            value_type,
            by_sex,
            required_for,
        });
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RuleDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    code: String,
    check: String,
    #[serde(default)]
    each: Option<String>,
    #[serde(default = "default_when_blank")]
    when_blank: String,
    message: String,
    #[serde(default)]
    message_en: Option<String>,
    #[serde(default)]
    hint: String,
}

fn default_when_blank() -> String {
    "skip".into()
}

fn parse_rules(text: &str, indicators: &[Indicator], e: &mut Errors) -> Vec<Rule> {
    let file: RulesFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(err) => {
            let key = toml_key(text, &err);
            e.push(toml_line(text, &err), key.as_deref(), err.message().trim().to_string());
            return vec![];
        }
    };
    let index: HashMap<String, usize> =
        indicators.iter().enumerate().map(|(i, ind)| (ind.code.to_ascii_uppercase(), i)).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for spanned in file.rule {
        let start = spanned.span().start;
        let line = Some(line_of(text, start));
        let at = |key: &str| key_line(text, start, key).or(line);
        let def = spanned.into_inner();
        let severity = match def.code.chars().next() {
            Some('E') => Severity::Error,
            Some('W') => Severity::Warning,
            _ => {
                e.push(
                    at("code"),
                    Some("code"),
                    format!("rule code `{}` must start with E (error) or W (warning)", def.code),
                );
                continue;
            }
        };
        if !seen.insert(def.code.clone()) {
            e.push(at("code"), Some("code"), format!("rule code `{}` appears twice", def.code));
        }
        let when_blank = match def.when_blank.as_str() {
            "skip" => WhenBlank::Skip,
            "zero" => WhenBlank::Zero,
            other => {
                e.push(at("when_blank"), Some("when_blank"), format!("`{other}` is not skip or zero"));
                continue;
            }
        };
        let check: Check = match rules::parse_check(&def.check) {
            Ok(c) => c,
            Err(msg) => {
                e.push(at("check"), Some("check"), format!("rule {}: {msg}", def.code));
                continue;
            }
        };
        let anchors: Vec<Option<usize>> = match def.each.as_deref() {
            None => vec![None],
            Some("by_sex") => indicators.iter().enumerate().filter(|(_, i)| i.by_sex).map(|(i, _)| Some(i)).collect(),
            Some(other) => {
                e.push(at("each"), Some("each"), format!("`{other}` is not by_sex"));
                continue;
            }
        };
        let mut instances = Vec::new();
        let mut bad = false;
        for anchor in anchors {
            let mut bind = |terms: &[Term]| -> Vec<(usize, Breakdown)> {
                let mut out = Vec::new();
                for t in terms {
                    match (t, anchor) {
                        (Term::Indicator { code, breakdown }, _) => match index.get(&code.to_ascii_uppercase()) {
                            Some(&i) => out.push((i, *breakdown)),
                            None => {
                                if !bad {
                                    e.push(
                                        at("check"),
                                        Some("check"),
                                        format!("rule {}: unknown indicator `{code}`", def.code),
                                    );
                                }
                                bad = true;
                            }
                        },
                        (Term::Own(b), Some(a)) => out.push((a, *b)),
                        (Term::Own(b), None) => {
                            if !bad {
                                e.push(
                                    at("check"),
                                    Some("check"),
                                    format!("rule {}: `{}` needs each = \"by_sex\"", def.code, b.as_str()),
                                );
                            }
                            bad = true;
                        }
                    }
                }
                out
            };
            let left = bind(&check.left);
            let right = bind(&check.right);
            let anchor = anchor.or_else(|| left.first().map(|&(i, _)| i)).unwrap_or(0);
            instances.push(RuleInstance { anchor, left, cmp: check.cmp, right });
        }
        if bad {
            continue;
        }
        out.push(Rule {
            code: def.code,
            severity,
            source: def.check,
            instances,
            when_blank,
            message_en: def.message_en.unwrap_or_else(|| def.message.clone()),
            message: def.message,
            hint: def.hint,
        });
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodsFile {
    #[serde(default)]
    period: Vec<toml::Spanned<PeriodDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodDef {
    code: String,
    name: String,
    #[serde(default)]
    name_en: Option<String>,
    start: String,
    end: String,
    #[serde(default)]
    cutoff: Option<String>,
    deadline: String,
    #[serde(default)]
    activity_start: Option<String>,
    expected_unit_types: Vec<String>,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    agency: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    signer: String,
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    target: Vec<TargetDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetDef {
    kind: String,
    #[serde(default)]
    indicator: Option<String>,
    percent: f64,
    label: String,
    #[serde(default)]
    label_en: Option<String>,
}

fn parse_periods(text: &str, indicators: &[Indicator], e: &mut Errors) -> Vec<Period> {
    let file: PeriodsFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(err) => {
            let key = toml_key(text, &err);
            e.push(toml_line(text, &err), key.as_deref(), err.message().trim().to_string());
            return vec![];
        }
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for spanned in file.period {
        let start = spanned.span().start;
        let line = Some(line_of(text, start));
        let at = |key: &str| key_line(text, start, key).or(line);
        let def = spanned.into_inner();
        let before = e.list.len();
        let code = match PeriodCode::parse(&def.code) {
            Ok(c) => Some(c),
            Err(why) => {
                e.push(at("code"), Some("code"), format!("period code `{}` {why}", def.code.escape_debug()));
                None
            }
        };
        // Case-insensitively: on a share that ignores case, two such codes are one folder.
        if !seen.insert(def.code.to_ascii_uppercase()) {
            e.push(at("code"), Some("code"), format!("period `{}` appears twice", def.code));
        }
        let mut date = |key: &str, s: &str| -> Option<NaiveDate> {
            let d = text::parse_date_text(s);
            if d.is_none() {
                e.push(at(key), Some(key), format!("period {}: `{s}` is not a date dd/mm/yyyy", def.code));
            }
            d
        };
        let start = date("start", &def.start);
        let end = date("end", &def.end);
        let deadline = date("deadline", &def.deadline);
        let cutoff = def.cutoff.as_deref().map(|s| date("cutoff", s));
        let activity_start = def.activity_start.as_deref().map(|s| date("activity_start", s));
        let (Some(start), Some(end), Some(deadline)) = (start, end, deadline) else { continue };
        if end < start {
            e.push(at("end"), Some("end"), format!("period {}: ends before it starts", def.code));
        }
        if deadline < start {
            e.push(at("deadline"), Some("deadline"), format!("period {}: deadline before the start", def.code));
        }
        let mut types = Vec::new();
        for t in &def.expected_unit_types {
            match UnitType::parse(t) {
                Some(ut) => types.push(ut),
                None => {
                    e.push(at("expected_unit_types"), Some("expected_unit_types"), format!("unknown unit type `{t}`"))
                }
            }
        }
        let mut targets = Vec::new();
        for t in def.target {
            let kind = match t.kind.as_str() {
                "indicator_reported" => TargetKind::IndicatorReported,
                "completeness" => TargetKind::Completeness,
                "timeliness" => TargetKind::Timeliness,
                other => {
                    e.push(
                        at("target.kind"),
                        Some("target.kind"),
                        format!("`{other}` is not indicator_reported, completeness or timeliness"),
                    );
                    continue;
                }
            };
            let indicator = match (&kind, &t.indicator) {
                (TargetKind::IndicatorReported, Some(code)) => {
                    let found = indicators.iter().position(|i| i.code.eq_ignore_ascii_case(code));
                    if found.is_none() {
                        e.push(at("target.indicator"), Some("target.indicator"), format!("unknown indicator `{code}`"));
                    }
                    found
                }
                (TargetKind::IndicatorReported, None) => {
                    e.push(at("target.indicator"), Some("target.indicator"), "indicator_reported needs an indicator");
                    None
                }
                _ => None,
            };
            targets.push(Target {
                kind,
                indicator,
                percent: t.percent,
                label_en: t.label_en.unwrap_or_else(|| t.label.clone()),
                label: t.label,
            });
        }
        let Some(code) = code.filter(|_| e.list.len() == before) else { continue };
        out.push(Period {
            name_en: def.name_en.unwrap_or_else(|| def.name.clone()),
            code,
            name: def.name,
            start,
            end,
            cutoff: cutoff.flatten().unwrap_or(end),
            deadline,
            activity_start: activity_start.flatten().unwrap_or(start),
            expected_unit_types: types,
            issuer: def.issuer,
            agency: def.agency,
            plan: def.plan,
            place: def.place,
            signer: def.signer,
            recipients: def.recipients,
            targets,
        });
    }
    if out.is_empty() && e.list.is_empty() {
        e.push(None, None, "no periods are configured");
    }
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_default_is_hanoi_2023() {
        let c = Config::embedded().unwrap();
        assert_eq!(c.units.len(), 51);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == UnitType::Quan).count(), 12);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == UnitType::Huyen).count(), 17);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == UnitType::ThiXa).count(), 1);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == UnitType::SoNganh).count(), 15);
        assert_eq!(c.units.iter().filter(|u| u.unit_type == UnitType::DoanThe).count(), 6);
        assert_eq!(c.unit("268").unwrap().name, "Quận Hà Đông");
        assert_eq!(c.indicators.len(), 25);
        let ct06 = &c.indicators[c.indicator_index("ct06").unwrap()];
        assert!(ct06.by_sex);
        assert_eq!(ct06.required_for, vec![UnitType::Quan, UnitType::Huyen, UnitType::ThiXa]);
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
        let again = with_table("units.csv", &units_csv(&c.units)).unwrap();
        assert_eq!(again.units, c.units);
    }
}
