//! Freezing the signed report (chốt số liệu), and what has changed since.
//!
//! On the deadline the department signs the consolidated report and forwards it. `tonghop
//! freeze --period P` copies P's complete output set into `outputs/chot/P/<n>/` (n = 1, 2, …
//! for each freeze, never overwritten, files read-only), with `freeze.json` saying when, by
//! whom, why, and the SHA-256 of every input the set was built from. Nightly runs go on
//! updating `outputs/P/`; each compares its values with the latest freeze, value by value,
//! and says what moved: a sheet of the workbook, run.json's `since_freeze`, the summary line.
//!
//! A value *changed* when its unit's value for an indicator and breakdown differs between
//! the frozen `values.csv` and the current one, or is in only one of them (a unit that
//! reported it or stopped reporting it). Changes are listed by unit code, then catalogue
//! order, then total, male, female.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;

use crate::config::Config;
use crate::model::{Breakdown, FROZEN_DIR, Micros, PeriodCode};
use crate::outcome::Outcome;
use crate::report::output;
use crate::text;

/// The folder of a period's freezes: `outputs/chot/<period>/`.
pub fn period_freezes(outputs: &Path, period: &PeriodCode) -> PathBuf {
    outputs.join(FROZEN_DIR).join(period.as_str())
}

/// One freeze of a period, as `freeze.json` records it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FreezeRecord {
    pub period: String,
    pub freeze: u32,
    /// The date it was frozen (`--as-of`, by default today in Vietnam).
    pub frozen_at: String,
    /// Who signed, and why (`--by`, `--note`); empty when not given.
    pub by: String,
    pub note: String,
    /// The as-of date of the run that wrote the frozen set.
    pub report_as_of: String,
    /// Every input file the set was built from: its path and SHA-256.
    pub inputs: Vec<FrozenInput>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrozenInput {
    pub path: String,
    pub sha256: String,
}

/// The freezes of a period, by number, oldest first.
pub fn list(outputs: &Path, period: &PeriodCode) -> Vec<(u32, PathBuf)> {
    let dir = period_freezes(outputs, period);
    let mut out: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let n: u32 = e.file_name().to_str()?.parse().ok()?;
            e.path().join("freeze.json").is_file().then(|| (n, e.path()))
        })
        .collect();
    out.sort();
    out
}

/// The record of a freeze folder.
pub fn record(dir: &Path) -> anyhow::Result<FreezeRecord> {
    let text =
        std::fs::read_to_string(dir.join("freeze.json")).with_context(|| format!("cannot read {}", dir.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not a freeze record", dir.join("freeze.json").display()))
}

/// Why a freeze was not made.
#[derive(Debug, thiserror::Error)]
pub enum FreezeError {
    /// Nothing to freeze: no report of the period, or one with no accepted submission.
    #[error("{0}")]
    Nothing(String),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

/// Freezes the current set of `period` under `outputs` (the caller holds the run lock):
/// copies it into the next numbered folder, read-only, with its record. Returns the folder.
pub fn freeze(
    outputs: &Path,
    period: &PeriodCode,
    frozen_at: NaiveDate,
    by: &str,
    note: &str,
) -> Result<PathBuf, FreezeError> {
    let set = output::period_dir(outputs, period);
    let run: serde_json::Value = match std::fs::read_to_string(set.join("run.json")) {
        Ok(text) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not readable", set.join("run.json").display()))?,
        Err(_) => {
            let why = format!("there is no report of period {period} in {} to freeze: run it first", outputs.display());
            return Err(FreezeError::Nothing(why));
        }
    };
    if run["completeness"]["accepted"].as_u64().unwrap_or(0) == 0 {
        let why = format!("the report of period {period} has no accepted submission: there is nothing to freeze");
        return Err(FreezeError::Nothing(why));
    }
    Ok(copy_frozen(outputs, period, &set, &run, (frozen_at, by, note))?)
}

/// The copy of a freeze, and its record.
fn copy_frozen(
    outputs: &Path,
    period: &PeriodCode,
    set: &Path,
    run: &serde_json::Value,
    (frozen_at, by, note): (NaiveDate, &str, &str),
) -> anyhow::Result<PathBuf> {
    let inputs = frozen_inputs(&set.join("files.csv"))?;
    let dir = period_freezes(outputs, period);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let n = list(outputs, period).last().map_or(1, |(n, _)| n + 1);
    let target = dir.join(n.to_string());
    if target.exists() {
        bail!("{} exists but is not a complete freeze; move it aside and freeze again", target.display());
    }
    // Copied beside its place, then renamed in one step: a freeze is whole or absent.
    let staging = dir.join(format!(".{n}.tmp"));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot remove {}", staging.display()))?;
    }
    copy_tree(set, &staging)?;
    let rec = FreezeRecord {
        period: period.to_string(),
        freeze: n,
        frozen_at: frozen_at.format("%Y-%m-%d").to_string(),
        by: by.to_string(),
        note: note.to_string(),
        report_as_of: run["as_of"].as_str().unwrap_or_default().to_string(),
        inputs,
    };
    let json = format!("{}\n", serde_json::to_string_pretty(&rec)?);
    crate::write::write_file(&staging.join("freeze.json"), json.as_bytes())
        .with_context(|| format!("cannot write {}", staging.join("freeze.json").display()))?;
    read_only(&staging)?;
    std::fs::rename(&staging, &target).with_context(|| format!("cannot create {}", target.display()))?;
    // The rename itself reaches the disk with its folder.
    std::fs::File::open(&dir).and_then(|d| d.sync_all()).with_context(|| format!("cannot flush {}", dir.display()))?;
    Ok(target)
}

/// The path and SHA-256 of every file a set's files.csv lists.
fn frozen_inputs(files_csv: &Path) -> anyhow::Result<Vec<FrozenInput>> {
    let mut reader =
        csv::Reader::from_path(files_csv).with_context(|| format!("cannot read {}", files_csv.display()))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let (Some(p), Some(h)) = (header.iter().position(|c| c == "path"), header.iter().position(|c| c == "sha256"))
    else {
        bail!("{} has no path and sha256 columns", files_csv.display());
    };
    let mut out = Vec::new();
    for rec in reader.records() {
        let rec = rec?;
        out.push(FrozenInput {
            path: rec.get(p).unwrap_or_default().to_string(),
            sha256: rec.get(h).unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("cannot list {}", from.display()))? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            // Flushed to disk before the freeze is renamed into place: a power cut leaves
            // no freeze, or a whole one.
            let bytes = std::fs::read(&src).with_context(|| format!("cannot read {}", src.display()))?;
            crate::write::write_file(&dst, &bytes).with_context(|| format!("cannot write {}", dst.display()))?;
        }
    }
    Ok(())
}

/// Every file under `dir` made read-only.
fn read_only(dir: &Path) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            read_only(&entry.path())?;
        } else {
            // Readable by everyone who reads the outputs (0444 where modes exist), writable
            // by none.
            #[cfg(unix)]
            let perms = {
                use std::os::unix::fs::PermissionsExt;
                std::fs::Permissions::from_mode(0o444)
            };
            #[cfg(not(unix))]
            let perms = {
                let mut p = entry.metadata()?.permissions();
                p.set_readonly(true);
                p
            };
            std::fs::set_permissions(entry.path(), perms)?;
        }
    }
    Ok(())
}

/// One value that moved since the freeze; `None` is not reported.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Change {
    pub unit: String,
    pub indicator: String,
    pub breakdown: &'static str,
    pub frozen: Option<String>,
    pub current: Option<String>,
}

/// What moved since a period's latest freeze.
#[derive(Debug, Clone, PartialEq)]
pub struct SinceFreeze {
    pub freeze: u32,
    pub frozen_at: String,
    pub by: String,
    /// Values that differ, by unit, catalogue order, breakdown.
    pub changes: Vec<Change>,
    /// Units with values now and none in the freeze, and the other way round.
    pub units_appeared: Vec<String>,
    pub units_gone: Vec<String>,
    /// City totals that moved: (indicator, breakdown, frozen, current).
    pub totals_moved: Vec<Change>,
}

type Keyed = BTreeMap<(String, usize, usize), i64>;

/// Compares the outcome's values with the latest freeze of its period, if there is one.
pub fn since_latest(config: &Config, outputs: &Path, o: &Outcome) -> anyhow::Result<Option<SinceFreeze>> {
    let Some((_, dir)) = list(outputs, &o.period.code).pop() else { return Ok(None) };
    let rec = record(&dir)?;
    let text =
        std::fs::read_to_string(dir.join("values.csv")).with_context(|| format!("cannot read {}", dir.display()))?;
    let frozen = read_values(config, &text)
        .with_context(|| format!("{} is not a values table", dir.join("values.csv").display()))?;
    let mut current: Keyed = BTreeMap::new();
    for r in 0..o.tables.values.len() {
        let v = o.tables.values.get(r);
        current.insert((config.units[v.unit].code.to_string(), v.indicator, v.breakdown.index()), v.value.0);
    }
    let keys: BTreeSet<&(String, usize, usize)> = frozen.keys().chain(current.keys()).collect();
    let change = |unit: &str, (i, b): (usize, usize), was: Option<i64>, now: Option<i64>| Change {
        unit: unit.to_string(),
        indicator: config.indicators[i].code.clone(),
        breakdown: Breakdown::ALL[b].as_str(),
        frozen: was.map(text::format_micros),
        current: now.map(text::format_micros),
    };
    let changes: Vec<Change> = keys
        .into_iter()
        .filter_map(|k| {
            let (was, now) = (frozen.get(k).copied(), current.get(k).copied());
            (was != now).then(|| change(&k.0, (k.1, k.2), was, now))
        })
        .collect();
    let units = |m: &Keyed| m.keys().map(|k| k.0.clone()).collect::<BTreeSet<String>>();
    let (was, now) = (units(&frozen), units(&current));
    // The city totals of each side, in one pass over its values.
    let sums = |m: &Keyed| {
        let mut out: BTreeMap<(usize, usize), i64> = BTreeMap::new();
        for (k, v) in m {
            let sum = out.entry((k.1, k.2)).or_insert(0);
            *sum = sum.saturating_add(*v);
        }
        out
    };
    let (frozen_sums, current_sums) = (sums(&frozen), sums(&current));
    let keys: BTreeSet<&(usize, usize)> = frozen_sums.keys().chain(current_sums.keys()).collect();
    let totals_moved: Vec<Change> = keys
        .into_iter()
        .filter_map(|&k| {
            let (a, c) = (frozen_sums.get(&k).copied(), current_sums.get(&k).copied());
            (a != c).then(|| change("", k, a, c))
        })
        .collect();
    Ok(Some(SinceFreeze {
        freeze: rec.freeze,
        frozen_at: rec.frozen_at,
        by: rec.by,
        changes,
        units_appeared: now.difference(&was).cloned().collect(),
        units_gone: was.difference(&now).cloned().collect(),
        totals_moved,
    }))
}

/// A values.csv as (unit code, indicator index, breakdown index) → micro-units, for the
/// indicators of `config` (matched by code).
fn read_values(config: &Config, csv_text: &str) -> Option<Keyed> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().ok()?.iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (u, ind, brk, val) = (col("unit_code")?, col("indicator")?, col("breakdown")?, col("value")?);
    let mut out = BTreeMap::new();
    for record in reader.records() {
        let record = record.ok()?;
        let Some(i) = config.indicator_index(record.get(ind)?) else { continue };
        let b = Breakdown::ALL.iter().position(|b| b.as_str() == record.get(brk).unwrap_or_default())?;
        let value = crate::report::tables::micros_of(record.get(val)?)?;
        out.insert((record.get(u)?.to_string(), i, b), value);
    }
    Some(out)
}

/// The summary line's words for what moved since the freeze.
pub fn summary(s: &SinceFreeze) -> String {
    format!("{} values changed since freeze {} of {}", s.changes.len(), s.freeze, s.frozen_at)
}

/// `Micros` of a frozen value, for the sheet.
pub fn micros(text: &Option<String>) -> Option<Micros> {
    text.as_deref().and_then(crate::report::tables::micros_of).map(Micros)
}
