//! The one place that wires the stages: discover → read (parallel) → identify → validate →
//! decide fates → aggregate → account. Writing is the report stage's; this returns an
//! [`Outcome`] that holds everything the outputs show.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::aggregate;
use crate::config::{Config, Period};
use crate::decide;
use crate::ingest::{self, Found, ReadContext};
use crate::model::{Lang, PeriodCode, Submission};
use crate::outcome::{FileRecord, Outcome};
use crate::validate;

/// A run's resolved settings: nothing here is a raw flag.
#[derive(Debug, Clone)]
pub struct Settings {
    pub inputs: PathBuf,
    pub outputs: PathBuf,
    /// `--period`: the one period to consolidate; `None` consolidates every period the
    /// inputs hold.
    pub period: Option<PeriodCode>,
    pub as_of: NaiveDate,
    pub jobs: usize,
    pub lang: Lang,
}

/// Every file found, read and checked against its own period.
pub struct Read {
    pub subs: Vec<Submission>,
    /// Which files were never opened as forms (not spreadsheets, editor locks, …).
    pub ignored: Vec<bool>,
    pub read_time: Duration,
}

/// Reads and checks every file, in parallel: each form is validated against the period it
/// names (or, naming none, the forced period or the one its date falls in).
pub fn read_all(config: &Config, settings: &Settings, found: &[Found], tick: &(dyn Fn() + Sync)) -> Read {
    let started = Instant::now();
    let forced = settings.period.as_deref().and_then(|code| config.period(code));
    let ctx = match forced {
        Some(period) => ReadContext::for_period(config, period),
        None => ReadContext::for_all(config),
    };
    let read_one = |f: &Found| {
        let mut sub = ingest::read(f, &ctx);
        let own = sub.period.as_deref().and_then(|code| config.period(code));
        if let Some(period) = own {
            validate::validate(&mut sub, config, period);
        }
        // The rows are checked: only their sums are kept.
        sub.activity_summary = aggregate::summarise_activities(own.unwrap_or(ctx.period), &sub);
        if let Some(period) = own.filter(|p| p.issuer_code.is_some()) {
            sub.log = aggregate::activity_log(period, &sub);
        }
        sub.activities = Vec::new();
        sub.rows.shrink_to_fit();
        tick();
        sub
    };
    let subs: Vec<Submission> = if settings.jobs <= 1 {
        found.iter().map(read_one).collect()
    } else {
        found.par_iter().map(read_one).collect()
    };
    let read_time = started.elapsed();
    tracing::info!("read and checked {} files in {:.2?}{}", subs.len(), read_time, crate::diag::peak_memory());
    Read { subs, ignored: found.iter().map(|f| f.ignored.is_some()).collect(), read_time }
}

/// The periods a run consolidates, oldest first: `--period`'s, else every configured period
/// with at least one identified submission (unit and period known), else the latest one
/// (so that a folder of unreadable files still gets a report saying so).
pub fn periods_to_run<'c>(config: &'c Config, settings: &Settings, subs: &[Submission]) -> Vec<&'c Period> {
    if let Some(p) = settings.period.as_deref().and_then(|code| config.period(code)) {
        return vec![p];
    }
    let mut periods: Vec<&Period> = config
        .periods
        .iter()
        .filter(|p| subs.iter().any(|s| s.unit.is_some() && s.period.as_deref() == Some(p.code.as_str())))
        .collect();
    if periods.is_empty() {
        periods.push(config.latest_period());
    }
    periods.sort_by_key(|p| p.start);
    periods
}

/// Decides and sums one period's submissions: `subs` are every file read (those of other
/// periods are `ignored` in this period's accounts).
pub fn consolidate(
    config: &Config,
    period: &Period,
    as_of: NaiveDate,
    mut subs: Vec<Submission>,
    ignored: &[bool],
    read_time: Duration,
) -> anyhow::Result<Outcome> {
    let started = Instant::now();
    let period = period.clone();
    let decided = decide::decide(config, &period, ignored, &mut subs);
    tracing::info!("{}: outliers checked at {:.2?}", period.code, started.elapsed());
    let accepted = decided.accepted.clone();
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
    tracing::info!("{}: aggregated at {:.2?}{}", period.code, started.elapsed(), crate::diag::peak_memory());
    let units = decide::unit_statuses(config, &period, &subs, &decided);

    let files = subs.into_iter().zip(decided.fates).map(|(sub, fate)| FileRecord { sub, fate }).collect();
    Ok(Outcome { period, as_of, files, units, accepted, tables, read_time, previous: None })
}
