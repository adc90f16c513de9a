//! The one place that wires the stages: discover → read (parallel) → identify → validate →
//! decide fates → aggregate → account. Writing is the report stage's; this returns an
//! [`Outcome`] that holds everything the outputs show.

use std::path::PathBuf;
use std::time::Instant;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::aggregate;
use crate::config::Config;
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

    let ignored: Vec<bool> = found.iter().map(|f| f.ignored.is_some()).collect();
    let decided = decide::decide(config, &period, &ignored, &mut subs);
    tracing::info!("outliers checked at {:.2?}", started.elapsed());
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
    tracing::info!("aggregated at {:.2?}{}", started.elapsed(), crate::diag::peak_memory());
    let units = decide::unit_statuses(config, &period, &subs, &decided);

    let files = subs.into_iter().zip(decided.fates).map(|(sub, fate)| FileRecord { sub, fate }).collect();
    Ok(Outcome { period, as_of: settings.as_of, files, units, accepted, tables, read_time })
}
