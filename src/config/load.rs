//! Loading a configuration: the embedded defaults, each replaced by the file of the same
//! name in a `--config` directory, parsed table by table with every problem collected.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::text;

use super::error::{ConfigError, ConfigErrors, Errors};
use super::periods::parse_periods;
use super::rules::parse_rules;
use super::tables::{parse_activity_types, parse_indicators, parse_sections, parse_unit_types, parse_units};
use super::{ActivityType, Config, Indicator, Limits, Origin, Period, Rule, Section, TABLES, Unit, UnitTypeDef, hex};

/// The tables of a configuration, each parsed and checked against those before it.
struct Parsed {
    unit_types: Vec<UnitTypeDef>,
    units: Vec<Unit>,
    sections: Vec<Section>,
    indicators: Vec<Indicator>,
    activity_types: Vec<ActivityType>,
    rules: Vec<Rule>,
    periods: Vec<Period>,
    limits: Limits,
}

impl Config {
    /// The embedded default configuration.
    pub fn embedded() -> Result<Config, ConfigErrors> {
        Config::load(None)
    }

    /// Loads the defaults, with each table found in `dir` replacing its default.
    pub fn load(dir: Option<&Path>) -> Result<Config, ConfigErrors> {
        let mut errors = Vec::new();
        if let Some(dir) = dir {
            unknown_files(dir, &mut errors);
        }
        let mut sources = Vec::new();
        for (name, default) in TABLES {
            let path = dir.map(|d| d.join(name));
            match path.as_ref().filter(|p| p.exists()) {
                Some(p) => match read_table(p) {
                    Ok(s) => sources.push((name.to_string(), s, Origin::File(p.display().to_string()))),
                    Err(e) => errors.push(e),
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
        let parsed = parse_all(&sources)?;
        Ok(Config::assemble(parsed, sources))
    }

    /// The configuration with its lookup indices and fingerprint.
    fn assemble(p: Parsed, sources: Vec<(String, String, Origin)>) -> Config {
        let fingerprint = fingerprint(&sources);
        let units = p.units;
        let unit_index = units.iter().enumerate().map(|(i, u)| (u.code.clone(), i)).collect();
        let unit_index_upper = units.iter().enumerate().map(|(i, u)| (u.code.to_ascii_uppercase(), i)).collect();
        let mut unit_index_numeric: HashMap<u64, Option<usize>> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            if let (true, Ok(n)) = (u.code.chars().all(|c| c.is_ascii_digit()), u.code.parse::<u64>()) {
                unit_index_numeric.entry(n).and_modify(|e| *e = None).or_insert(Some(i));
            }
        }
        // Names, and the same without the unit-type word (`quan cau giay`, `cau giay`): an
        // earlier unit keeps a name two units share.
        let mut unit_names: HashMap<String, usize> = HashMap::new();
        let mut bare_unit_names: HashMap<String, usize> = HashMap::new();
        for (i, u) in units.iter().enumerate() {
            let name = super::name_key(&u.name);
            let type_word = super::name_key(&p.unit_types[usize::from(u.unit_type.0)].name);
            if let Some(bare) = name.strip_prefix(&type_word).and_then(|b| b.strip_prefix(' ')) {
                bare_unit_names.entry(bare.to_string()).or_insert(i);
            }
            unit_names.entry(name).or_insert(i);
        }
        let indicators = p.indicators;
        let indicator_index =
            indicators.iter().enumerate().map(|(i, ind)| (ind.code.to_ascii_uppercase(), i)).collect();
        let folded_indicator_names = indicators.iter().map(|i| text::fold(&i.name)).collect();
        let folded_activity_type_names = p.activity_types.iter().map(|t| text::fold(&t.name)).collect();
        let period_keys = p.periods.iter().map(|p| (super::period_key(&p.code), super::period_key(&p.name))).collect();
        Config {
            folded_indicator_names,
            folded_activity_type_names,
            period_keys,
            unit_types: p.unit_types,
            units,
            sections: p.sections,
            indicators,
            activity_types: p.activity_types,
            rules: p.rules,
            periods: p.periods,
            limits: p.limits,
            sources,
            fingerprint,
            unit_index,
            unit_index_upper,
            unit_index_numeric,
            unit_names,
            bare_unit_names,
            indicator_index,
        }
    }
}

/// Every `.csv` or `.toml` file in `dir` that names no table is an error: a misspelt name
/// would otherwise be ignored in silence.
fn unknown_files(dir: &Path, errors: &mut Vec<ConfigError>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(ConfigError {
                file: dir.display().to_string(),
                line: None,
                key: None,
                message: format!("cannot read the configuration directory: {e}"),
            });
            return;
        }
    };
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
            message: format!("unknown configuration file; expected one of: {}", TABLES.map(|(n, _)| n).join(", ")),
        });
    }
}

/// A table file's text; it must be UTF-8.
fn read_table(p: &Path) -> Result<String, ConfigError> {
    let error = |line, message| ConfigError { file: p.display().to_string(), line, key: None, message };
    match std::fs::read(p).map(String::from_utf8) {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
            Err(error(Some(line), "not valid UTF-8 text (save the file as UTF-8)".into()))
        }
        Err(e) => Err(error(None, format!("cannot read: {e}"))),
    }
}

/// Parses every table in [`TABLES`] order, collecting the problems of all of them.
fn parse_all(sources: &[(String, String, Origin)]) -> Result<Parsed, ConfigErrors> {
    let mut all = Vec::new();
    // Runs `parse` over a table's text, moving its problems into `all`.
    let mut table = |name: &str, parse: &mut dyn FnMut(&str, &mut Errors)| {
        let Some((_, text, origin)) = sources.iter().find(|(n, _, _)| n == name) else { return };
        let shown = match origin {
            Origin::Embedded => format!("{name} (embedded default)"),
            Origin::File(p) => p.clone(),
        };
        let mut e = Errors::new(shown);
        parse(text, &mut e);
        all.append(&mut e.list);
    };
    let mut unit_types = Vec::new();
    table("unit_types.csv", &mut |t, e| unit_types = parse_unit_types(t, e));
    let mut units = Vec::new();
    table("units.csv", &mut |t, e| units = parse_units(t, &unit_types, e));
    let mut sections = Vec::new();
    table("sections.csv", &mut |t, e| sections = parse_sections(t, e));
    let mut indicators = Vec::new();
    table("indicators.csv", &mut |t, e| indicators = parse_indicators(t, &sections, &unit_types, e));
    let mut activity_types = Vec::new();
    table("activity_types.csv", &mut |t, e| activity_types = parse_activity_types(t, &indicators, e));
    let mut rules = Vec::new();
    table("rules.toml", &mut |t, e| rules = parse_rules(t, &indicators, e));
    let mut periods = Vec::new();
    table("periods.toml", &mut |t, e| periods = parse_periods(t, &indicators, &unit_types, e));
    let mut limits = None;
    table("limits.toml", &mut |t, e| match toml::from_str::<Limits>(t) {
        Ok(l) => limits = Some(l),
        Err(err) => e.push_toml(t, &err),
    });
    match limits {
        Some(limits) if all.is_empty() => {
            Ok(Parsed { unit_types, units, sections, indicators, activity_types, rules, periods, limits })
        }
        _ => Err(ConfigErrors(all)),
    }
}

/// SHA-256 over every table's name and text: two runs with the same fingerprint used the
/// same rules.
fn fingerprint(sources: &[(String, String, Origin)]) -> String {
    let mut hasher = Sha256::new();
    for (name, text, _) in sources {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hex(&hasher.finalize())
}
