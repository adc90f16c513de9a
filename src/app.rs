//! The commands: resolve what the user typed into settings, run, and say how it went.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{ExitCode, Termination};
use std::time::Instant;

use chrono::NaiveDate;
use serde_json::json;

use crate::cli::{Cli, Command, ConfigAction, FreezeArgs, RunArgs, SampleArgs, TemplateArgs};
use crate::config::{Config, ConfigErrors};
use crate::ingest;
use crate::model::{Fate, Lang, PeriodCode};
use crate::outcome::Outcome;
use crate::pipeline::{self, Settings};
use crate::report::output::{self, LockError, RunLock};
use crate::report::{self, RunMeta, tables};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// The report was written (rejections and missing units are in it).
    Success = 0,
    /// With `--strict`: written, but submissions were rejected or units are missing past the deadline.
    Incomplete = 1,
    /// Bad usage or configuration.
    Usage = 2,
    /// I/O failure on the inputs root or the outputs.
    Io = 3,
    /// Another run holds the lock.
    Locked = 4,
}

impl Termination for Exit {
    fn report(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}

/// A failure that ends a command, with the exit code it maps to.
#[derive(Debug)]
pub struct Failure {
    pub exit: Exit,
    pub error: anyhow::Error,
}

impl Failure {
    fn usage(e: impl Into<anyhow::Error>) -> Failure {
        Failure { exit: Exit::Usage, error: e.into() }
    }
    fn io(e: impl Into<anyhow::Error>) -> Failure {
        Failure { exit: Exit::Io, error: e.into() }
    }
}

impl From<ConfigErrors> for Failure {
    fn from(e: ConfigErrors) -> Failure {
        Failure::usage(e)
    }
}

pub fn run(cli: Cli) -> Result<Exit, Failure> {
    let global = cli.global.clone();
    // The outputs a writing run locks. "Locked" outranks every other code, so each earlier
    // failure first asks whether another run holds the lock.
    let writes = match &cli.command {
        None => Some(cli.run.outputs.clone()),
        Some(Command::Run(args)) => Some(args.outputs.clone()),
        Some(Command::Freeze(args)) => Some(args.outputs.clone()),
        _ => None,
    };
    let locked_or = |f: Failure| -> Failure {
        match writes.as_deref().and_then(RunLock::holder) {
            Some(who) => locked(writes.as_deref().unwrap_or(Path::new(".")), &who),
            None => f,
        }
    };
    let config = Config::load(global.config.as_deref()).map_err(|e| locked_or(e.into()))?;
    match cli.command {
        None => run_report(&config, &cli.run, global.lang, global.quiet, true).map_err(locked_or),
        Some(Command::Run(args)) => run_report(&config, &args, global.lang, global.quiet, true).map_err(locked_or),
        Some(Command::Validate(args)) => run_report(&config, &args, global.lang, global.quiet, false),
        Some(Command::Template(args)) => template(&config, &args),
        Some(Command::Sample(args)) => sample(&config, &args),
        Some(Command::Freeze(args)) => freeze(&config, &args).map_err(locked_or),
        Some(Command::Config { action: ConfigAction::Check }) => {
            let s = crate::config::summary(&config);
            let parts: Vec<String> = s.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            crate::outln!("configuration OK: {} (fingerprint {})", parts.join(", "), &config.fingerprint[..12]);
            for (name, _, origin) in &config.sources {
                crate::outln!("  {name}: {origin}");
            }
            Ok(Exit::Success)
        }
        Some(Command::Config { action: ConfigAction::Show { write } }) => {
            match write {
                Some(dir) => config.write_to(&dir).map_err(Failure::io)?,
                None => {
                    for (name, text, origin) in &config.sources {
                        crate::outln!("# ==> {name} ({origin}) <==");
                        crate::out!("{text}");
                        if !text.ends_with('\n') {
                            crate::outln!();
                        }
                        crate::outln!();
                    }
                }
            }
            Ok(Exit::Success)
        }
    }
}

/// Today in Vietnam (UTC+7, no daylight saving).
pub fn today_in_vietnam() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

fn parse_as_of(s: &str) -> Result<NaiveDate, Failure> {
    use chrono::Datelike;
    // Excel dates (and so the workbooks' document dates) run from 1900 to 9999.
    crate::text::parse_date_text(s).filter(|d| (1900..=9999).contains(&d.year())).ok_or_else(|| {
        Failure::usage(anyhow::anyhow!("--as-of `{s}` is not a date between 1900 and 9999 (dd/mm/yyyy or yyyy-mm-dd)"))
    })
}

/// Which period a run covers: the flag, else the only one, else the one under way.
/// `--period` checked against the configuration.
pub fn resolve_period(config: &Config, flag: Option<&str>) -> Result<Option<PeriodCode>, Failure> {
    let Some(code) = flag else { return Ok(None) };
    config.period(code).map(|p| Some(p.code.clone())).ok_or_else(|| {
        let known: Vec<&str> = config.periods.iter().map(|p| p.code.as_str()).collect();
        Failure::usage(anyhow::anyhow!("unknown period `{code}`; configured: {}", known.join(", ")))
    })
}

/// The period `template` and `sample` write for: `--period`, else the latest configured.
fn period_or_latest<'c>(config: &'c Config, flag: Option<&str>) -> Result<&'c crate::config::Period, Failure> {
    Ok(match resolve_period(config, flag)? {
        Some(code) => config.period(&code).unwrap_or_else(|| config.latest_period()),
        None => config.latest_period(),
    })
}

fn settings(config: &Config, args: &RunArgs, lang: Lang) -> Result<Settings, Failure> {
    let as_of = match &args.as_of {
        Some(s) => parse_as_of(s)?,
        None => today_in_vietnam(),
    };
    let period = resolve_period(config, args.period.as_deref())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = match args.jobs {
        Some(0) => return Err(Failure::usage(anyhow::anyhow!("--jobs must be at least 1"))),
        // Reading is work for the cores (and a slow share's waits): past four threads a core,
        // more only holds more forms in memory at once, and thousands cannot be started.
        Some(n) if n > 4 * cores => {
            tracing::warn!("--jobs {n} is more than {cores} cores can use; reading with {}", 4 * cores);
            4 * cores
        }
        Some(n) => n,
        None => cores,
    };
    Ok(Settings { inputs: args.inputs.clone(), outputs: args.outputs.clone(), period, as_of, jobs, lang })
}

fn locked(outputs: &Path, who: &str) -> Failure {
    Failure {
        exit: Exit::Locked,
        error: anyhow::anyhow!("another run is writing to {} ({who}); try again when it ends", outputs.display()),
    }
}

/// Takes the run lock on an outputs directory, creating the directory.
fn lock_outputs(outputs: &Path) -> Result<RunLock, Failure> {
    let holder = format!("pid {} since {}", std::process::id(), chrono::Local::now().format("%Y-%m-%d %H:%M:%S %z"));
    match RunLock::acquire(outputs, &holder) {
        Ok(l) => Ok(l),
        Err(LockError::Held(who)) => Err(locked(outputs, &who)),
        Err(LockError::Io(e)) => {
            Err(Failure::io(anyhow::Error::new(e).context(format!("cannot lock {}", outputs.display()))))
        }
    }
}

/// Refuses outputs that would replace, or lie where, the inputs are: nothing a user types
/// may delete or move an input file. The period folders a run may replace are those of the
/// configured periods (`--period`'s only, when given). Run before the lock (to refuse
/// without creating anything) and again under it, when the outputs folder exists and every
/// path resolves for real.
fn check_outputs_spare_inputs(config: &Config, s: &Settings) -> Result<(), Failure> {
    let inputs = resolve(&s.inputs);
    let outputs = resolve(&s.outputs);
    if inputs == outputs {
        return Err(Failure::usage(anyhow::anyhow!(
            "--outputs {} is the inputs folder: a run replaces its period folders, so the submitted \
             forms would be deleted; give an outputs folder of its own",
            s.outputs.display()
        )));
    }
    let periods = config.periods.iter().map(|p| output::period_dir(&outputs, &p.code));
    let owned = periods.flat_map(|dir| {
        let [staging, old] = output::work_dirs(&dir);
        [dir, staging, old]
    });
    for folder in owned.chain([outputs.join(crate::model::FROZEN_DIR)]) {
        if inputs.starts_with(&folder) {
            return Err(Failure::usage(anyhow::anyhow!(
                "the inputs {} lie inside {}, a folder that runs with --outputs {} replace: \
                 the submitted forms would be deleted; give an outputs folder elsewhere",
                s.inputs.display(),
                folder.display(),
                s.outputs.display()
            )));
        }
    }
    let replaced = config.periods.iter().filter(|p| s.period.as_ref().is_none_or(|code| *code == p.code));
    for target in replaced.map(|p| output::period_dir(&s.outputs, &p.code)) {
        if let Some(foreign) = foreign_content(&target) {
            return Err(Failure::usage(anyhow::anyhow!(
                "{} holds {} but no run.json: it is not a report this program wrote, and a run would \
                 replace it; move it elsewhere or give another --outputs",
                target.display(),
                foreign
            )));
        }
    }
    Ok(())
}

/// What shows that an existing period folder is not an output set of this program (which
/// always holds run.json), if it is not: its first other entry, or that it cannot be read.
fn foreign_content(target: &Path) -> Option<String> {
    // Something other than a folder is refused, untouched, when the set is staged.
    if !std::fs::symlink_metadata(target).is_ok_and(|m| m.is_dir()) {
        return None;
    }
    let entries = match std::fs::read_dir(target) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => return Some(format!("something that cannot be read ({e})")),
    };
    if target.join("run.json").exists() {
        return None;
    }
    entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !output::KEPT_SUBDIRS.contains(&n.as_str()))
        .min()
        .map(|name| format!("`{name}`"))
}

/// A path made absolute with its existing part resolved (links, `..`) and the rest
/// normalised, so that two spellings of one folder compare equal even before it exists.
fn resolve(path: &Path) -> PathBuf {
    use std::path::Component;
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    for base in abs.ancestors() {
        if let Ok(mut real) = base.canonicalize() {
            for part in abs.strip_prefix(base).unwrap_or(Path::new("")).components() {
                match part {
                    Component::ParentDir => {
                        real.pop();
                    }
                    Component::Normal(name) => real.push(name),
                    _ => {}
                }
            }
            return real;
        }
    }
    abs
}

fn run_report(config: &Config, args: &RunArgs, lang: Lang, quiet: bool, write: bool) -> Result<Exit, Failure> {
    let started = Instant::now();
    let s = settings(config, args, lang)?;
    if write {
        check_outputs_spare_inputs(config, &s)?;
    }
    // polars and rayon read their thread counts once: set them before either starts.
    // SAFETY: no other thread exists yet that could read the environment concurrently.
    unsafe { std::env::set_var("POLARS_MAX_THREADS", s.jobs.to_string()) };
    let _ = rayon::ThreadPoolBuilder::new().num_threads(s.jobs).build_global();

    if !s.inputs.is_dir() {
        return Err(Failure::io(anyhow::anyhow!(
            "the inputs directory {} does not exist or is not a directory",
            s.inputs.display()
        )));
    }
    // Only now is the outputs folder created: a mistyped --inputs leaves no trace.
    let lock = if write { Some(lock_outputs(&s.outputs)?) } else { None };
    if write {
        // Now that the outputs exist, every spelling of them resolves for real.
        check_outputs_spare_inputs(config, &s)?;
        // An interrupted swap is repaired first, so that the set in place is the one compared.
        for p in &config.periods {
            let target = output::period_dir(&s.outputs, &p.code);
            output::recover(&target).map_err(|e| {
                Failure::io(anyhow::Error::new(e).context(format!("cannot prepare {}", target.display())))
            })?;
        }
    }

    // The outputs folder, where it lies inside the inputs, is never read as submissions.
    let skip: Vec<PathBuf> = s.outputs.canonicalize().into_iter().collect();
    let found = ingest::discover(&s.inputs, &skip)
        .map_err(|e| Failure::io(anyhow::Error::new(e).context(format!("cannot list {}", s.inputs.display()))))?;
    tracing::info!("found {} files under {} at {:.2?}", found.len(), s.inputs.display(), started.elapsed());
    let progress = progress_bar(found.len() as u64, quiet);
    let read = pipeline::read_all(config, &s, &found, &|| progress.inc(1));
    progress.finish_and_clear();

    // Each period on its own, oldest first; the exit code is the most severe of them.
    let periods = pipeline::periods_to_run(config, &s, &read.subs);
    let mut worst = Exit::Success;
    let mut subs = Some(read.subs);
    // Each period's city totals, for the periods compared with it later in the run.
    let mut done: BTreeMap<PeriodCode, Totals> = BTreeMap::new();
    for (k, period) in periods.iter().enumerate() {
        // The last period takes the forms; the others decide on a copy.
        let mine =
            if k + 1 == periods.len() { subs.take().unwrap_or_default() } else { subs.clone().unwrap_or_default() };
        let read_k = (mine, read.ignored.as_slice(), read.read_time);
        let previous = previous_totals(config, &s.outputs, period, &done);
        let exit = match run_period(config, &s, args, period, read_k, previous, (write, periods.len() > 1), started) {
            Ok((exit, totals)) => {
                done.insert(period.code.clone(), totals);
                exit
            }
            Err(f) if periods.len() > 1 => {
                // One period refused does not stop the others: said here, counted at the end.
                crate::errln!("tonghop: error: {:#}", f.error);
                f.exit
            }
            Err(f) => return Err(f),
        };
        worst = more_severe(worst, exit);
    }
    drop(lock);
    Ok(worst)
}

/// A period's city totals by indicator and breakdown.
type Totals = BTreeMap<(usize, crate::model::Breakdown), crate::aggregate::Total>;

/// The totals `period` is compared with, if it names a period to compare with and its
/// figures are found: its latest freeze, else consolidated earlier in this run, else its
/// `totals.csv` in the outputs folder.
fn previous_totals(
    config: &Config,
    outputs: &Path,
    period: &crate::config::Period,
    done: &BTreeMap<PeriodCode, Totals>,
) -> Option<crate::outcome::Previous> {
    use chrono::Datelike;
    let code = period.compare_with.as_ref()?;
    let other = config.period(code)?;
    // The signed figures first: a freeze is what was forwarded.
    let frozen = report::freeze::list(outputs, code).pop().map(|(_, dir)| dir.join("totals.csv"));
    let from_file = |path: PathBuf| tables::read_totals(config, &std::fs::read_to_string(path).ok()?);
    let (source, totals) = match (frozen.and_then(from_file), done.get(code)) {
        (Some(totals), _) => ("freeze", totals),
        (None, Some(totals)) => ("run", totals.clone()),
        (None, None) => ("outputs", from_file(output::period_dir(outputs, code).join("totals.csv"))?),
    };
    Some(crate::outcome::Previous { period: code.clone(), year: other.start.year(), source, totals })
}

/// The more severe of two exit codes, in the README's order: 4, then 2, then 3, then 1.
fn more_severe(a: Exit, b: Exit) -> Exit {
    let rank = |e: Exit| match e {
        Exit::Locked => 4,
        Exit::Usage => 3,
        Exit::Io => 2,
        Exit::Incomplete => 1,
        Exit::Success => 0,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// Consolidates one period from the forms read, writes its output set (or, for `validate`,
/// prints its issues), and prints its summary line; returns its exit code and city totals.
#[allow(clippy::too_many_arguments)]
fn run_period(
    config: &Config,
    s: &Settings,
    args: &RunArgs,
    period: &crate::config::Period,
    (subs, ignored, read_time): (Vec<crate::model::Submission>, &[bool], std::time::Duration),
    previous: Option<crate::outcome::Previous>,
    (write, several): (bool, bool),
    started: Instant,
) -> Result<(Exit, Totals), Failure> {
    let target = output::period_dir(&s.outputs, &period.code);
    let files = subs.len();
    let mut outcome = pipeline::consolidate(config, period, s.as_of, subs, ignored, read_time).map_err(Failure::io)?;
    outcome.previous = previous;
    if write && !args.allow_shrink {
        refuse_to_shrink(s, &outcome, files, &target)?;
    }
    let rejected = outcome.count(Fate::Rejected);
    let missing_past_deadline = s.as_of > outcome.period.deadline && outcome.missing().next().is_some();
    // --strict judges the period asked for, else the latest that has begun by the as-of
    // date: last year's missing units do not fail every night, and a period configured
    // ahead of time does not stop this one from being judged.
    let judged = s.period.is_some() || period.code == config.period_for_date(Some(s.as_of)).code;
    let incomplete = rejected > 0 || missing_past_deadline;
    // A frozen (signed) report whose figures have moved since is news whatever the period.
    let since_freeze = report::freeze::since_latest(config, &s.outputs, &outcome).map_err(Failure::io)?;
    let moved = since_freeze.as_ref().is_some_and(|f| !f.changes.is_empty());
    let exit = if args.strict && ((judged && incomplete) || moved) { Exit::Incomplete } else { Exit::Success };
    let previous = if write { std::fs::read_to_string(target.join("files.csv")).ok() } else { None };
    let changes = report::changes::since(previous.as_deref(), &outcome);
    let meta = RunMeta {
        version: VERSION,
        config_fingerprint: config.fingerprint.clone(),
        as_of: s.as_of,
        lang: s.lang,
        changes,
        since_freeze,
    };
    if write {
        report::run::write_outputs(config, &outcome, &meta, &target, exit as u8, started).map_err(Failure::io)?;
    } else {
        print_issues(&outcome, s.lang, args.json, several);
    }
    if args.json && write {
        // One period prints its run.json as it stands; several print JSON Lines, one each.
        let json = report::run::run_json(config, &outcome, &meta, exit as u8, started, false);
        let text = if several { serde_json::to_string(&json) } else { serde_json::to_string_pretty(&json) };
        crate::outln!("{}", text.unwrap_or_default());
    }
    let mut line = summary_line(&outcome, write.then_some(target.as_path()));
    if let Some(f) = &meta.since_freeze {
        line.push_str(&format!("; {}", report::freeze::summary(f)));
    }
    crate::errln!("{line}");
    let totals = outcome.tables.totals.iter().map(|(i, b, t)| ((*i, *b), *t)).collect();
    Ok((exit, totals))
}

/// Keeps the report in place when this run looks like it read the wrong folder: no file at
/// all (a share not mounted), or fewer than half the units with a submission that the report
/// in place counted. `--allow-shrink` replaces it anyway.
fn refuse_to_shrink(s: &Settings, o: &Outcome, files: usize, target: &Path) -> Result<(), Failure> {
    let keep = if target.join("run.json").exists() {
        "the report in place is kept; run with --allow-shrink to replace it anyway"
    } else {
        "nothing was written; run with --allow-shrink to write it anyway"
    };
    let received = o.units.iter().filter(|u| u.file.is_some()).count();
    let before = std::fs::read_to_string(target.join("run.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["completeness"]["received"].as_u64())
        .unwrap_or(0) as usize;
    if files == 0 {
        let in_place =
            if before > 0 { format!(", against {before} units in the report in place") } else { String::new() };
        return Err(Failure::io(anyhow::anyhow!(
            "refusing to write a report: no file at all was found under {} (is the share mounted?){in_place}; {keep}",
            s.inputs.display()
        )));
    }
    if received * 2 < before {
        return Err(Failure::io(anyhow::anyhow!(
            "refusing to replace {}: this run found submissions from {received} units under {}, \
             against {before} in the report in place (the inputs may be incomplete or not mounted); {keep}",
            target.display(),
            s.inputs.display()
        )));
    }
    Ok(())
}

fn progress_bar(len: u64, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() || len < 200 {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} files, {per_sec}, {eta} left") {
        bar.set_style(style);
    }
    bar
}

/// `2023-THD: 47/51 units reported, 44 accepted, 3 rejected, 4 missing, 2 late → outputs/2023-THD`
pub fn summary_line(o: &Outcome, target: Option<&Path>) -> String {
    let expected = o.units.len();
    let reported = o.units.iter().filter(|u| u.file.is_some()).count();
    let accepted = o.units.iter().filter(|u| u.accepted).count();
    let rejected = o.count(Fate::Rejected);
    let missing = o.missing().count();
    let late = o.late().count();
    let mut line = format!(
        "{}: {reported}/{expected} units reported, {accepted} accepted, {rejected} rejected files, {missing} missing, {late} late",
        o.period.code
    );
    if let Some(t) = target {
        line.push_str(&format!(" → {}", t.display()));
    }
    line
}

/// The issues of a period's files; with `several` periods, only the files of this one (or of
/// none), so that each file is told once.
fn print_issues(o: &Outcome, lang: Lang, json: bool, several: bool) {
    let table = tables::issues(o, lang);
    if json {
        let code = table.header.iter().position(|h| *h == "code");
        let rows: Vec<serde_json::Value> = (0..table.len())
            .map(|r| table.row(r))
            // Another period's forms are told in their own period's array.
            .filter(|row| !several || code.is_none_or(|c| row[c] != crate::model::issue::Code::I002.as_str()))
            .map(|row| {
                serde_json::Value::Object(
                    table.header.iter().zip(row).map(|(h, v)| (h.to_string(), json!(v))).collect(),
                )
            })
            .collect();
        // One period: its array as it stands; several: one array per line (JSON Lines).
        let text = if several { serde_json::to_string(&rows) } else { serde_json::to_string_pretty(&rows) };
        crate::outln!("{}", text.unwrap_or_default());
        return;
    }
    for f in &o.files {
        let elsewhere = several && f.sub.period.as_ref().is_some_and(|p| *p != o.period.code);
        if f.sub.issues.is_empty() || elsewhere {
            continue;
        }
        crate::outln!("{} [{}]", f.sub.path, f.fate.label(lang));
        for i in &f.sub.issues {
            let at = [i.sheet.as_str(), &i.cell_text()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("!");
            crate::outln!("  {:<5} {:<8} {:<14} {}", i.code, i.severity.as_str(), at, i.message(lang));
        }
    }
}

fn template(config: &Config, args: &TemplateArgs) -> Result<Exit, Failure> {
    let period = period_or_latest(config, args.period.as_deref())?;
    let dir: PathBuf = args.dir.clone().unwrap_or_else(|| args.outputs.join(&period.code).join("bieu_mau"));
    if let Some(bad) = args.units.iter().flatten().find(|u| ingest::match_unit_code(u, config).is_none()) {
        return Err(Failure::usage(anyhow::anyhow!("unknown unit code `{bad}`")));
    }
    std::fs::create_dir_all(&dir).map_err(Failure::io)?;
    let written = crate::forms::write_templates(config, period, &dir, args.units.as_deref()).map_err(Failure::io)?;
    crate::errln!("{}: {} blank forms → {}", period.code, written.len(), dir.display());
    Ok(Exit::Success)
}

/// `tonghop freeze`: freezes a period's current report under the run lock, or lists the
/// freezes of every period.
fn freeze(config: &Config, args: &FreezeArgs) -> Result<Exit, Failure> {
    use report::freeze::{self, FreezeError};
    if args.list {
        for p in &config.periods {
            for (n, dir) in freeze::list(&args.outputs, &p.code) {
                let rec = freeze::record(&dir).map_err(Failure::io)?;
                let by = if rec.by.is_empty() { String::new() } else { format!(", by {}", rec.by) };
                let note = if rec.note.is_empty() { String::new() } else { format!(": {}", rec.note) };
                crate::outln!("{} freeze {n} of {}{by}{note} → {}", p.code, rec.frozen_at, dir.display());
            }
        }
        return Ok(Exit::Success);
    }
    let code = resolve_period(config, args.period.as_deref())?
        .ok_or_else(|| Failure::usage(anyhow::anyhow!("give --period, or --list")))?;
    let frozen_at = match &args.as_of {
        Some(s) => parse_as_of(s)?,
        None => today_in_vietnam(),
    };
    if !args.outputs.is_dir() {
        return Err(Failure::usage(anyhow::anyhow!("there is no outputs folder {}", args.outputs.display())));
    }
    let _lock = lock_outputs(&args.outputs)?;
    match freeze::freeze(&args.outputs, &code, frozen_at, &args.by, &args.note) {
        Ok(dir) => {
            crate::errln!("{code}: the report is frozen → {}", dir.display());
            Ok(Exit::Success)
        }
        Err(FreezeError::Nothing(why)) => Err(Failure::usage(anyhow::anyhow!(why))),
        Err(FreezeError::Io(e)) => Err(Failure::io(e)),
    }
}

fn sample(config: &Config, args: &SampleArgs) -> Result<Exit, Failure> {
    let period = period_or_latest(config, args.period.as_deref())?;
    let opts = crate::forms::SampleOptions {
        units: args.units,
        seed: args.seed,
        activities: args.activities,
        missing: args.missing,
        rejected: args.rejected,
        resubmitted: args.resubmitted,
        late: args.late,
        warned: args.warned,
        real_styles: args.styles == crate::cli::FormStyles::Real,
        magnitude: args.magnitude,
    };
    opts.check().map_err(Failure::usage)?;
    let s = crate::forms::write_sample(config, period, &opts, &args.outputs).map_err(Failure::io)?;
    let cfg = s.config_dir.as_ref().map(|d| format!(", configuration → {}", d.display())).unwrap_or_default();
    crate::errln!("{}: {} forms of {} units → {}{cfg}", period.code, s.files, s.units, s.inputs_dir.display());
    Ok(Exit::Success)
}
