//! The CSV tables of a configuration: units, sections, indicators and activity types.
//!
//! Each row is checked where it is read; every problem names its line and column.

use std::collections::{HashMap, HashSet};

use crate::model::UnitCode;
use crate::text;

use super::error::Errors;
use super::{ActivityType, Indicator, Section, Unit, UnitType, UnitTypeDef, Validity, ValueType};
use chrono::NaiveDate;

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

/// The optional `valid_from` and `valid_to` columns of a row (dd/mm/yyyy).
fn validity(rec: &HashMap<String, String>, line: u64, e: &mut Errors) -> Validity {
    let mut date = |key: &str| -> Option<NaiveDate> {
        let v = rec.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())?;
        let d = text::parse_date_text(v);
        if d.is_none() {
            e.push(Some(line), Some(key), format!("`{v}` is not a date dd/mm/yyyy"));
        }
        d
    };
    let (from, to) = (date("valid_from"), date("valid_to"));
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        e.push(Some(line), Some("valid_to"), "valid_to is before valid_from");
    }
    Validity { from, to }
}

/// `unit_types.csv`: the kinds of reporting units, at least one.
pub(super) fn parse_unit_types(text: &str, e: &mut Errors) -> Vec<UnitTypeDef> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (line, rec) in csv_records(text, e, &["code", "name", "family"]) {
        let code = field(&rec, "code").trim().to_string();
        if !check_code(&code, line, &mut seen, e, "unit type") {
            continue;
        }
        let name = text::tidy(field(&rec, "name"));
        if name.is_empty() {
            e.push(Some(line), Some("name"), "unit type name is empty");
        }
        let family = field(&rec, "family").trim().to_string();
        if family.is_empty() {
            e.push(Some(line), Some("family"), "unit type family is empty");
        }
        let territorial = match rec.get("territorial").map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => false,
            Some(v) => parse_bool(v).unwrap_or_else(|| {
                e.push(Some(line), Some("territorial"), format!("`{v}` is not true or false"));
                false
            }),
        };
        let or_name = |key: &str| Some(text::tidy(field(&rec, key))).filter(|v| !v.is_empty());
        out.push(UnitTypeDef {
            name_en: or_name("name_en").unwrap_or_else(|| name.clone()),
            family_name: or_name("family_name").unwrap_or_else(|| family.clone()),
            code,
            name,
            family,
            territorial,
        });
    }
    if out.is_empty() && e.list.is_empty() {
        e.push(None, None, "no unit types are configured");
    }
    out
}

/// A unit type by its code, as `units.csv`, `indicators.csv` and `periods.toml` name it.
pub(super) fn unit_type_of(types: &[UnitTypeDef], code: &str) -> Option<UnitType> {
    types.iter().position(|t| t.code == code.trim()).map(|i| UnitType(i as u16))
}

pub(super) fn parse_units(text: &str, types: &[UnitTypeDef], e: &mut Errors) -> Vec<Unit> {
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
        let Some(unit_type) = unit_type_of(types, field(&rec, "type")) else {
            let known: Vec<&str> = types.iter().map(|t| t.code.as_str()).collect();
            let why = format!("unknown unit type `{}`; unit_types.csv has: {}", field(&rec, "type"), known.join(", "));
            e.push(Some(line), Some("type"), why);
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
                valid: validity(&rec, line, e),
            });
        }
    }
    if units.is_empty() && e.list.is_empty() {
        e.push(None, None, "no units are configured");
    }
    units
}

pub(super) fn parse_sections(text: &str, e: &mut Errors) -> Vec<Section> {
    parse_simple(text, e, "section").into_iter().map(|(code, name, name_en)| Section { code, name, name_en }).collect()
}

/// Rows of `code,name[,name_en]`; a blank English name is the Vietnamese one.
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

pub(super) fn parse_activity_types(text: &str, indicators: &[Indicator], e: &mut Errors) -> Vec<ActivityType> {
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

pub(super) fn parse_indicators(
    text: &str,
    sections: &[Section],
    types: &[UnitTypeDef],
    e: &mut Errors,
) -> Vec<Indicator> {
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
                required_for.extend((0..types.len()).map(|i| UnitType(i as u16)));
            } else if let Some(ut) = unit_type_of(types, t) {
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
            valid: validity(&rec, line, e),
        });
    }
    out
}

/// Writes a units table in the format [`super::Config::load`] reads.
///
/// Writing into memory has no I/O to fail and every record has the same six fields, so an
/// error here is a bug; it is returned rather than hidden all the same.
pub fn units_csv(units: &[Unit], types: &[UnitTypeDef]) -> std::io::Result<String> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(vec![]);
    w.write_record(["code", "name", "type", "group", "expected", "contact"])?;
    for u in units {
        w.write_record([
            u.code.as_str(),
            &u.name,
            types[usize::from(u.unit_type.0)].code.as_str(),
            &u.group,
            if u.expected { "true" } else { "false" },
            &u.contact,
        ])?;
    }
    let bytes = w.into_inner().map_err(csv::IntoInnerError::into_error)?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}
