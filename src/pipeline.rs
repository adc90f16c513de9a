//! The one place that wires the stages: discover → read (parallel) → identify → validate →
//! decide fates → aggregate → account. Writing is the report stage's; this returns an
//! [`Outcome`] that holds everything the outputs show.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::aggregate;
use crate::config::Config;
use crate::ingest::{self, Found, ReadContext};
use crate::model::issue;
use crate::model::{Fate, Lang, PeriodCode, Submission, UnitCode};
use crate::outcome::{FileRecord, Outcome, Timeliness, UnitStatus};
use crate::validate;

/// A run's resolved settings: nothing here is a raw flag.
#[derive(Debug, Clone)]
pub struct Settings {
    pub inputs: PathBuf,
    pub outputs: PathBuf,
    pub period: PeriodCode,
    pub as_of: NaiveDate,
    pub jobs: usize,
    pub lang: Lang,
}

/// Reads, checks and sums every file under `settings.inputs`.
pub fn consolidate(
    config: &Config,
    settings: &Settings,
    found: &[Found],
    tick: &(dyn Fn() + Sync),
) -> anyhow::Result<Outcome> {
    let period =
        config.period(&settings.period).ok_or_else(|| anyhow::anyhow!("unknown period {}", settings.period))?.clone();
    let started = Instant::now();
    let ctx = ReadContext { config, period: &period };
    let read_one = |f: &Found| {
        let mut sub = ingest::read(f, &ctx);
        if sub.period.as_deref() == Some(period.code.as_str()) {
            validate::validate(&mut sub, config, &period);
        }
        // The rows are checked: only their sums are kept.
        sub.activity_summary = aggregate::summarise_activities(&period, &sub);
        sub.activities = Vec::new();
        sub.rows.shrink_to_fit();
        tick();
        sub
    };
    let mut subs: Vec<Submission> = if settings.jobs <= 1 {
        found.iter().map(read_one).collect()
    } else {
        found.par_iter().map(read_one).collect()
    };
    let read_time = started.elapsed();
    tracing::info!("read and checked {} files in {:.2?}{}", subs.len(), read_time, crate::diag::peak_memory());

    // Fates before competition.
    let mut fates: Vec<Fate> = Vec::with_capacity(subs.len());
    for (f, sub) in found.iter().zip(subs.iter_mut()) {
        let fate = if f.ignored.is_some() || sub.own.is_some() {
            Fate::Ignored
        } else if sub.errors() > 0 || sub.unit.is_none() || sub.period.is_none() {
            Fate::Rejected
        } else if sub.period.as_deref() != Some(period.code.as_str()) {
            let other = sub.period.as_deref().unwrap_or_default().to_string();
            let i = issue::other_period(&other, &period.code);
            sub.issues.push(i.in_sheet(&sub.sheet).at(sub.header.period_cell).with_value(other));
            Fate::Ignored
        } else {
            Fate::Accepted
        };
        fates.push(fate);
    }

    // Competition: per unit, the latest report date wins, then the greater path.
    let mut winners: BTreeMap<UnitCode, usize> = BTreeMap::new();
    for (i, sub) in subs.iter().enumerate() {
        let Some(unit) = sub.unit.clone() else { continue };
        if sub.period.as_deref() != Some(period.code.as_str()) {
            continue;
        }
        let key = |s: &Submission| (s.header.report_date, s.path.clone().into_bytes());
        match winners.get(&unit) {
            Some(&w) if key(&subs[w]) >= key(sub) => fates[i] = Fate::Superseded,
            Some(&w) => {
                fates[w] = Fate::Superseded;
                winners.insert(unit, i);
            }
            None => {
                winners.insert(unit, i);
            }
        }
    }

    tracing::info!("fates decided at {:.2?}", started.elapsed());
    // Outliers among the accepted winners.
    let accepted_idx: Vec<usize> = winners.values().copied().filter(|&i| fates[i] == Fate::Accepted).collect();
    let found_outliers = {
        let refs: Vec<&Submission> = accepted_idx.iter().map(|&i| &subs[i]).collect();
        validate::outliers(config, &refs)
    };
    for (k, issue) in found_outliers {
        subs[accepted_idx[k]].issues.push(issue);
    }
    for &i in &accepted_idx {
        if subs[i].warnings() > 0 {
            fates[i] = Fate::AcceptedWithWarnings;
        }
    }
    for sub in &mut subs {
        sub.issues.sort_by(|a, b| (a.sheet.as_str(), a.cell, &a.code).cmp(&(b.sheet.as_str(), b.cell, &b.code)));
    }

    tracing::info!("outliers checked at {:.2?}", started.elapsed());
    let accepted: BTreeMap<UnitCode, usize> =
        accepted_idx.iter().filter_map(|&i| Some((subs[i].unit.clone()?, i))).collect();
    // The values move from the forms to the tables: a run holds every form at once, and
    // never both copies.
    let count = accepted.values().map(|&i| aggregate::ValuesBuilder::count(config, &subs[i])).sum();
    let mut values = aggregate::ValuesBuilder::with_capacity(count);
    for &i in accepted.values() {
        values.push(config, &subs[i]);
        subs[i].rows = Vec::new();
    }
    let values = values.finish(&config.units)?;
    for sub in &mut subs {
        sub.rows = Vec::new();
    }
    let tables = {
        let refs: Vec<&Submission> = accepted.values().map(|&i| &subs[i]).collect();
        aggregate::aggregate_values(config, &period, values, &refs)?
    };
    // The weekly activity sums live on in the tables too.
    for sub in &mut subs {
        sub.activity_summary.by_week_type = Vec::new();
    }
    tracing::info!("aggregated at {:.2?}{}", started.elapsed(), crate::diag::peak_memory());
    let units = config
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.expected && period.expected_unit_types.contains(&u.unit_type))
        .map(|(ui, u)| {
            let file = winners.get(&u.code).copied();
            let accepted = accepted.contains_key(&u.code);
            let timeliness = match file {
                Some(f) if accepted => match subs[f].header.report_date {
                    Some(d) if d > period.deadline => Timeliness::Late,
                    _ => Timeliness::OnTime,
                },
                _ => Timeliness::Missing,
            };
            UnitStatus { unit: ui, file, accepted, timeliness }
        })
        .collect();

    let files = subs.into_iter().zip(fates).map(|(sub, fate)| FileRecord { sub, fate }).collect();
    Ok(Outcome { period, as_of: settings.as_of, files, units, accepted, tables, read_time })
}
