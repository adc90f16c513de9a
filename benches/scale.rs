//! National-scale benchmark: how close `tonghop run` stands to the floor of merely opening
//! and parsing the same workbooks.
//!
//! `cargo bench --bench scale` (or `just bench`) makes a corpus with `tonghop sample` once
//! (cached under target/bench-corpus/, outside git), then measures, each in its own child
//! process so peak RSS is its own:
//!   (a) the floor: calamine's `open_workbook_auto`, `worksheet_range` of BaoCao and HoatDong,
//!       every cell touched, in parallel with rayon, nothing else;
//!   (b) `tonghop run` end to end on the same corpus;
//!   (c) the 51-form demo run.
//! and prints wall time, files per second, peak RSS and the ratio (b)/(a). (a) and (b)
//! alternate BENCH_REPEAT times (default 3) and each is taken at its fastest.
//!
//! Environment: BENCH_UNITS (default 10000), BENCH_ACTIVITIES (default 100), BENCH_JOBS,
//! BENCH_REPEAT, BENCH_STYLES: the corpora measured, by default `template,real`: the
//! template's own forms, then forms as offices make them (numbering rows, prose dates,
//! titles, legacy fonts and chart sheets mixed in), each with its own floor.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use calamine::{Data, Reader, open_workbook_auto};
use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("floor") {
        floor(Path::new(&args[2]));
        return;
    }
    let exe = PathBuf::from(env!("CARGO_BIN_EXE_tonghop"));
    let units: usize = env_or("BENCH_UNITS", 10_000);
    let activities: usize = env_or("BENCH_ACTIVITIES", 100);
    let all_styles = std::env::var("BENCH_STYLES").unwrap_or_else(|_| "template,real".into());
    let repeat = env_or("BENCH_REPEAT", 3).max(1);
    let rows: Vec<(String, Corpus)> = all_styles
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|styles| (styles.to_string(), measure_corpus(&exe, units, activities, styles, repeat)))
        .collect();

    let demo_inputs = Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs");
    let demo_out = tempfile::tempdir().expect("temp dir");
    let demo = measure(
        Command::new(&exe)
            .args(["run", "--quiet", "--as-of", "2023-12-22"])
            .arg("--inputs")
            .arg(&demo_inputs)
            .arg("--outputs")
            .arg(demo_out.path()),
    );
    let demo_files = count_files(&demo_inputs);

    let line = |name: &str, m: &Measured, n: usize| {
        println!("{:<34} {:>9.3} {:>11.0} {:>7.0} MiB", name, m.secs, n as f64 / m.secs, m.max_rss_kib as f64 / 1024.0);
    };
    for (styles, c) in &rows {
        println!();
        println!(
            "corpus: {} forms × {activities} activity rows, {styles} styles, {} cores",
            c.files,
            rayon::current_num_threads()
        );
        println!("{:<34} {:>9} {:>11} {:>10}", "", "wall (s)", "files/s", "peak RSS");
        line("(a) floor: calamine, read only", &c.floor, c.files);
        line("(b) tonghop run, end to end", &c.full, c.files);
        println!("ratio (b)/(a): {:.2} (best of {repeat} each)", c.full.secs / c.floor.secs);
    }
    println!();
    line("(c) tonghop run, 51-form demo", &demo, demo_files);
}

/// The floor and the run on one corpus, each at its best.
struct Corpus {
    files: usize,
    floor: Measured,
    full: Measured,
}

fn measure_corpus(exe: &Path, units: usize, activities: usize, styles: &str, repeat: usize) -> Corpus {
    let suffix = if styles == "template" { String::new() } else { format!("-{styles}") };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-corpus")
        .join(format!("u{units}-a{activities}{suffix}"));
    if !root.join("inputs").is_dir() {
        eprintln!("making the corpus: {units} forms × {activities} activity rows → {}", root.display());
        let t = Instant::now();
        let ok = Command::new(exe)
            .args(["sample", "--units", &units.to_string(), "--activities", &activities.to_string(), "--seed", "7"])
            .args(["--styles", styles])
            .arg("--outputs")
            .arg(&root)
            .status()
            .expect("tonghop sample runs");
        assert!(ok.success(), "tonghop sample failed");
        eprintln!("corpus made in {:.1} s", t.elapsed().as_secs_f64());
    }
    let inputs = root.join("inputs");
    let jobs = std::env::var("BENCH_JOBS").ok();
    let self_exe = std::env::current_exe().expect("own path");

    // The floor and the run alternate, `repeat` times each: on a shared machine one pass of
    // either can be slowed by a neighbour, so each is taken at its best.
    let out = tempfile::tempdir().expect("temp dir");
    let mut floors = Vec::new();
    let mut fulls = Vec::new();
    for _ in 0..repeat {
        floors.push(measure(Command::new(&self_exe).arg("floor").arg(&inputs)));
        let mut run = Command::new(exe);
        run.args(["run", "--quiet", "--as-of", "2023-12-22"])
            .arg("--inputs")
            .arg(&inputs)
            .arg("--outputs")
            .arg(out.path());
        if root.join("config").is_dir() {
            run.arg("--config").arg(root.join("config"));
        }
        if let Some(j) = &jobs {
            run.args(["--jobs", j]);
        }
        fulls.push(measure(&mut run));
    }
    let samples = |ms: &[Measured]| ms.iter().map(|m| format!("{:.3}", m.secs)).collect::<Vec<_>>().join(" / ");
    eprintln!("{styles}: floor runs (s): {}; tonghop runs (s): {}", samples(&floors), samples(&fulls));
    Corpus { files: count_files(&inputs), floor: best(floors), full: best(fulls) }
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn count_files(dir: &Path) -> usize {
    walk(dir).len()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The fastest of several runs, with the largest peak RSS among them.
fn best(ms: Vec<Measured>) -> Measured {
    let max_rss_kib = ms.iter().map(|m| m.max_rss_kib).max().unwrap_or(0);
    let secs = ms.iter().map(|m| m.secs).fold(f64::INFINITY, f64::min);
    Measured { secs, max_rss_kib }
}

struct Measured {
    secs: f64,
    max_rss_kib: i64,
}

/// Runs a child and returns its wall time and its own peak RSS (wait4's rusage).
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives its rusage
fn measure(cmd: &mut Command) -> Measured {
    let t = Instant::now();
    let child = cmd.spawn().expect("the child starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(rc, pid, "wait4 failed");
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1, "child failed: {status}");
    Measured { secs, max_rss_kib: usage.ru_maxrss }
}

/// The floor: open, read both sheets, touch every cell; in parallel; nothing else.
fn floor(inputs: &Path) {
    let files = walk(inputs);
    let cells: usize = files
        .par_iter()
        .map(|p| {
            let Ok(mut wb) = open_workbook_auto(p) else { return 0 };
            let mut n = 0;
            for sheet in ["BaoCao", "HoatDong"] {
                if let Ok(range) = wb.worksheet_range(sheet) {
                    for c in range.used_cells() {
                        n += usize::from(!matches!(c.2, Data::Empty));
                    }
                }
            }
            n
        })
        .sum();
    eprintln!("floor: {} files, {cells} cells", files.len());
}
