//! The output set of a run: every file written into the staging folder, run.json last, and
//! the set swapped in at once; and run.json itself, the monitoring contract (schema in
//! `docs/run.schema.json`).

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use rayon::prelude::*;
use serde_json::json;

use crate::config::Config;
use crate::diag;
use crate::model::Fate;
use crate::outcome::{Outcome, Timeliness};
use crate::report::output::{self, Staging};
use crate::report::{self, RunMeta, tables};

/// Writes every output of the run into a staging folder beside `target` and swaps it in;
/// `exit_code` is recorded in run.json.
pub fn write_outputs(
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    target: &Path,
    exit_code: u8,
    started: Instant,
) -> anyhow::Result<()> {
    let staging = Staging::begin(target).with_context(|| format!("cannot prepare {}", target.display()))?;
    let t = Instant::now();
    // The workbooks on one core, the tables on the other: they share nothing but the outcome,
    // and each file goes to the staging folder as soon as it is made.
    let (workbooks, tables) = rayon::join(
        || -> anyhow::Result<()> {
            let t = Instant::now();
            let report = report::workbook::workbook_bytes(config, o, meta)?;
            staging.write(&format!("TongHop_{}.xlsx", o.period.code), &report)?;
            drop(report);
            tracing::debug!("report workbook written in {:.2?}{}", t.elapsed(), diag::peak_memory());
            // Each unit's feedback is its own file: made on whichever core is free.
            report::feedback::feedback_plan(o).par_iter().try_for_each(|(unit, files)| -> anyhow::Result<()> {
                let bytes = report::feedback::feedback_workbook(config, o, meta, unit, files)?;
                staging.write(&output::feedback_file(unit), &bytes)?;
                Ok(())
            })
        },
        || -> anyhow::Result<()> {
            for (name, table) in [
                ("values", tables::values(config, o)),
                ("totals", tables::totals(config, o)),
                ("files", tables::files(o)),
                ("issues", tables::issues(o, meta.lang)),
                ("comparison", tables::comparison(config, o)),
            ] {
                let t = Instant::now();
                staging.write_with(&format!("{name}.csv"), |w| table.write_csv(w))?;
                staging.write(&format!("{name}.parquet"), &table.to_parquet()?)?;
                tracing::debug!("{name} table written in {:.2?}{}", t.elapsed(), diag::peak_memory());
            }
            Ok(())
        },
    );
    workbooks?;
    tables?;
    tracing::info!("workbooks and tables written in {:.2?}{}", t.elapsed(), diag::peak_memory());
    let json = run_json(config, o, meta, exit_code, started, true);
    staging.write("run.json", format!("{}\n", serde_json::to_string_pretty(&json)?).as_bytes())?;
    staging.commit().with_context(|| format!("cannot replace {}", target.display()))?;
    tracing::info!("output set in place at {:.2?}", started.elapsed());
    Ok(())
}

/// The version of run.json's contract: raised when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 2;

/// run.json: the monitoring contract (schema in docs/run.schema.json).
pub fn run_json(
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    exit_code: u8,
    started: Instant,
    with_durations: bool,
) -> serde_json::Value {
    let fates: serde_json::Map<String, serde_json::Value> =
        Fate::ALL.iter().map(|f| (f.as_str().to_string(), json!(o.count(*f)))).collect();
    let by_type: serde_json::Map<String, serde_json::Value> = config
        .unit_type_ids()
        .filter_map(|t| {
            let of_type: Vec<_> = o.units.iter().filter(|u| config.units[u.unit].unit_type == t).collect();
            if of_type.is_empty() {
                return None;
            }
            let accepted = of_type.iter().filter(|u| u.accepted).count();
            Some((config.unit_type(t).code.clone(), json!({"expected": of_type.len(), "accepted": accepted})))
        })
        .collect();
    let codes = |t: Timeliness| -> Vec<&str> {
        o.units.iter().filter(|u| u.timeliness == t).map(|u| config.units[u.unit].code.as_str()).collect()
    };
    let expected = o.units.len();
    let accepted = o.units.iter().filter(|u| u.accepted).count();
    let on_time = codes(Timeliness::OnTime).len();
    let issues = tables::issue_counts(o);
    let mut v = json!({
        "program": "tonghop",
        "schema_version": SCHEMA_VERSION,
        "version": meta.version,
        "period": o.period.code,
        "as_of": o.as_of.format("%Y-%m-%d").to_string(),
        "deadline": o.period.deadline.format("%Y-%m-%d").to_string(),
        "config_fingerprint": meta.config_fingerprint,
        "files": { "found": o.files.len(), "by_fate": fates },
        "issues": { "errors": issues[0], "warnings": issues[1], "infos": issues[2] },
        "completeness": {
            "expected": expected,
            "received": o.units.iter().filter(|u| u.file.is_some()).count(),
            "accepted": accepted,
            "percent": percent(accepted, expected),
            "by_unit_type": by_type,
        },
        "timeliness": {
            "on_time": on_time,
            "late": codes(Timeliness::Late).len(),
            "missing": codes(Timeliness::Missing).len(),
            "percent_on_time": percent(on_time, expected),
        },
        "missing_units": codes(Timeliness::Missing),
        "late_units": codes(Timeliness::Late),
        "exit_code": exit_code,
        "changes": meta.changes,
        "since_freeze": meta.since_freeze.as_ref().map(|f| json!({
            "freeze": f.freeze,
            "frozen_at": f.frozen_at,
            "by": f.by,
            "changes": f.changes,
            "units_appeared": f.units_appeared,
            "units_gone": f.units_gone,
            "totals_moved": f.totals_moved,
        })),
        "comparison": o.period.compare_with.as_ref().map(|with| json!({
            "with": with,
            "source": o.previous.as_ref().map(|p| p.source),
        })),
    });
    if with_durations {
        v["durations_ms"] = json!({
            "read": o.read_time.as_millis() as u64,
            "total": started.elapsed().as_millis() as u64,
        });
    }
    v
}

fn percent(n: usize, d: usize) -> f64 {
    if d == 0 { 0.0 } else { (n as f64 * 1000.0 / d as f64).round() / 10.0 }
}
