//! The periods table (`periods.toml`): each reporting period's dates, the unit types it
//! expects, the letterhead and signature of its report, and its targets.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::model::PeriodCode;
use crate::text;

use super::error::{Entry, Errors};
use super::{Indicator, Period, Target, TargetKind, UnitTypeDef};

/// The periods table as written.
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
    /// The period this one is compared with ("cùng kỳ năm trước").
    #[serde(default)]
    compare_with: Option<String>,
    /// The issuer's own unit code at the level above (a district's, e.g. `001`).
    #[serde(default)]
    issuer_code: Option<String>,
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

/// Reads `periods.toml`; at least one period must be configured.
pub(super) fn parse_periods(
    text: &str,
    indicators: &[Indicator],
    types: &[UnitTypeDef],
    e: &mut Errors,
) -> Vec<Period> {
    let file: PeriodsFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(err) => {
            e.push_toml(text, &err);
            return vec![];
        }
    };
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut starts = Vec::new();
    for spanned in file.period {
        let entry = Entry { text, start: spanned.span().start };
        let def = spanned.into_inner();
        if let Some(period) = parse_period(def, &entry, (indicators, types), &mut seen, e) {
            out.push(period);
            starts.push(entry.start);
        }
    }
    // A comparison names another configured period.
    for (p, &start) in out.iter().zip(&starts) {
        let Some(other) = &p.compare_with else { continue };
        if *other == p.code || !out.iter().any(|q| q.code == *other) {
            let entry = Entry { text, start };
            let why = if *other == p.code { "itself" } else { "a period that is not configured" };
            e.push(
                entry.at("compare_with"),
                Some("compare_with"),
                format!("period {}: compare_with names {why}", p.code),
            );
        }
    }
    if out.is_empty() && e.list.is_empty() {
        e.push(None, None, "no periods are configured");
    }
    out
}

/// One `[[period]]`; `None` when it has any error.
fn parse_period(
    def: PeriodDef,
    entry: &Entry<'_>,
    (indicators, unit_types): (&[Indicator], &[UnitTypeDef]),
    seen: &mut HashSet<String>,
    e: &mut Errors,
) -> Option<Period> {
    let before = e.list.len();
    let code = match PeriodCode::parse(&def.code) {
        Ok(c) => Some(c),
        Err(why) => {
            e.push(entry.at("code"), Some("code"), format!("period code `{}` {why}", def.code.escape_debug()));
            None
        }
    };
    // Case-insensitively: on a share that ignores case, two such codes are one folder.
    if !seen.insert(def.code.to_ascii_uppercase()) {
        e.push(entry.at("code"), Some("code"), format!("period `{}` appears twice", def.code));
    }
    let mut date = |key: &str, s: &str| -> Option<NaiveDate> {
        let d = text::parse_date_text(s);
        if d.is_none() {
            e.push(entry.at(key), Some(key), format!("period {}: `{s}` is not a date dd/mm/yyyy", def.code));
        }
        d
    };
    let start = date("start", &def.start);
    let end = date("end", &def.end);
    let deadline = date("deadline", &def.deadline);
    let cutoff = def.cutoff.as_deref().map(|s| date("cutoff", s));
    let activity_start = def.activity_start.as_deref().map(|s| date("activity_start", s));
    let (Some(start), Some(end), Some(deadline)) = (start, end, deadline) else { return None };
    if end < start {
        e.push(entry.at("end"), Some("end"), format!("period {}: ends before it starts", def.code));
    }
    if deadline < start {
        e.push(entry.at("deadline"), Some("deadline"), format!("period {}: deadline before the start", def.code));
    }
    let mut types = Vec::new();
    for t in &def.expected_unit_types {
        match super::tables::unit_type_of(unit_types, t) {
            Some(ut) => types.push(ut),
            None => {
                e.push(entry.at("expected_unit_types"), Some("expected_unit_types"), format!("unknown unit type `{t}`"))
            }
        }
    }
    let targets = parse_targets(def.target, entry, indicators, e);
    let compare_with = match def.compare_with.as_deref().map(PeriodCode::parse) {
        None => None,
        Some(Ok(c)) => Some(c),
        Some(Err(why)) => {
            e.push(entry.at("compare_with"), Some("compare_with"), format!("compare_with {why}"));
            None
        }
    };
    let issuer_code = match def.issuer_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => match crate::model::UnitCode::parse(c) {
            Ok(code) => Some(code),
            Err(why) => {
                e.push(entry.at("issuer_code"), Some("issuer_code"), format!("issuer_code `{c}` {why}"));
                None
            }
        },
    };
    let code = code.filter(|_| e.list.len() == before)?;
    Some(Period {
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
        compare_with,
        issuer_code,
    })
}

/// A period's `[[period.target]]` entries; one with an unknown kind is left out.
fn parse_targets(defs: Vec<TargetDef>, entry: &Entry<'_>, indicators: &[Indicator], e: &mut Errors) -> Vec<Target> {
    let mut targets = Vec::new();
    for t in defs {
        let kind = match t.kind.as_str() {
            "indicator_reported" => TargetKind::IndicatorReported,
            "completeness" => TargetKind::Completeness,
            "timeliness" => TargetKind::Timeliness,
            other => {
                e.push(
                    entry.at("target.kind"),
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
                    e.push(
                        entry.at("target.indicator"),
                        Some("target.indicator"),
                        format!("unknown indicator `{code}`"),
                    );
                }
                found
            }
            (TargetKind::IndicatorReported, None) => {
                e.push(entry.at("target.indicator"), Some("target.indicator"), "indicator_reported needs an indicator");
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
    targets
}
