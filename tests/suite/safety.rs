//! Nothing an operator or a unit types can delete, hide or replace a good report: codes that
//! would become paths, outputs over the inputs, our own files fed back, an empty share, CSV
//! formulas, a file where a folder goes, folders that cannot be listed, links out of the
//! inputs, a stop signal, a config file that is not UTF-8.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use std::path::Component;

use tonghop::config::{Config, Origin, TABLES};
use tonghop::report::output;

use crate::common::{Form, V, Workdir, stderr};

const PERIODS: &str = include_str!("../../src/config/default/periods.toml");
const UNITS: &str = include_str!("../../src/config/default/units.csv");

/// Every file under `dir` with its bytes, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(p.strip_prefix(root).unwrap().to_path_buf(), std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The committed demo forms, laid out as the README shows: `inputs/2023-THD/*.xlsx`.
fn demo(w: &Workdir) -> usize {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs/2023-THD");
    let mut n = 0;
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        w.write(&format!("inputs/2023-THD/{}", e.file_name().to_string_lossy()), &std::fs::read(e.path()).unwrap());
        n += 1;
    }
    n
}

fn toml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.starts_with(needle)).unwrap() + 1
}

#[test]
fn config_check_refuses_every_unsafe_code_with_file_line_and_key() {
    let w = Workdir::new();
    let line = line_of(PERIODS, "code = ");
    for bad in ["../precious", "", "/abs/path", ".", "..", "chot", "2023.THD", "a b", &"x".repeat(33)] {
        let text = PERIODS.replacen("code = \"2023-THD\"", &format!("code = {}", toml_string(bad)), 1);
        w.write("cfg/periods.toml", text.as_bytes());
        let out = w.cmd().args(["config", "check", "--config", "cfg"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        let want = format!("periods.toml:{line}: key `code`");
        assert!(stderr(&out).contains(&want), "{bad:?}: expected {want} in {}", stderr(&out));
    }
    std::fs::remove_file(w.path("cfg/periods.toml")).unwrap();
    for bad in ["../x", "a/b", ".", "chot"] {
        let text = UNITS.replacen("\n002,", &format!("\n{bad},"), 1);
        w.write("cfg/units.csv", text.as_bytes());
        let out = w.cmd().args(["config", "check", "--config", "cfg"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("units.csv:3: key `code`"), "{bad:?}: {}", stderr(&out));
    }
}

#[test]
fn a_run_with_an_unsafe_period_code_touches_nothing() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.write("precious/keep.txt", b"keep me");
    w.write("outputs/other/keep.txt", b"keep me too");
    for bad in ["../precious", "", "."] {
        let text = PERIODS.replacen("code = \"2023-THD\"", &format!("code = {}", toml_string(bad)), 1);
        w.write("cfg/periods.toml", text.as_bytes());
        let out = w.run(&["--config", "cfg"]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
        assert_eq!(std::fs::read(w.path("precious/keep.txt")).unwrap(), b"keep me");
        assert_eq!(std::fs::read(w.path("outputs/other/keep.txt")).unwrap(), b"keep me too");
    }
}

#[test]
fn outputs_equal_to_or_around_the_inputs_are_refused_and_every_form_stays() {
    let w = Workdir::new();
    let n = demo(&w);
    let before = snapshot(&w.inputs());
    assert_eq!(before.len(), n);
    for args in [
        &["--inputs", "inputs", "--outputs", "inputs"][..],
        &["--inputs", "inputs/", "--outputs", "./inputs"],
        // The inputs are the period folder a run with these outputs replaces.
        &["--inputs", "inputs/2023-THD", "--outputs", "inputs"],
    ] {
        let out = w.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("submitted forms would be deleted"), "{args:?}: {}", stderr(&out));
        assert_eq!(snapshot(&w.inputs()), before, "{args:?} changed the inputs");
    }
    // Forms of another run's inputs where this run's period folder would go are not replaced.
    w.add_form("../elsewhere/001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let out = w.run(&["--inputs", "elsewhere", "--outputs", "inputs"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("not a report this program wrote"), "{}", stderr(&out));
    assert_eq!(snapshot(&w.inputs()), before);
    // The same layout with outputs of their own runs, and leaves the forms as they were.
    let out = w.run(&["--inputs", "inputs", "--outputs", "outputs"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(snapshot(&w.inputs()), before);
}

#[test]
fn our_own_report_and_feedback_are_never_submissions() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    // 002 is rejected (Nữ > Tổng số), so it gets a feedback workbook.
    w.add_form("002.xlsx", &Form::district("002", 2.0, 5.0, [50.0, 20.0, 90.0]));
    assert_eq!(w.run(&[]).status.code(), Some(0));
    // An operator copies the outputs back into a flat inputs folder, and 002's own form is gone.
    std::fs::copy(w.out("TongHop_2023-THD.xlsx"), w.path("inputs/TongHop_2023-THD.xlsx")).unwrap();
    std::fs::copy(w.out("phan_hoi/002.xlsx"), w.path("inputs/002.xlsx")).unwrap();
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("never a submission"), "the log says so: {}", stderr(&out));
    let files = w.csv("files.csv");
    let fate = |p: &str| files.iter().find(|r| r["path"] == p).unwrap()["fate"].clone();
    assert_eq!(fate("TongHop_2023-THD.xlsx"), "ignored");
    assert_eq!(fate("002.xlsx"), "ignored");
    let issues = w.csv("issues.csv");
    for p in ["TongHop_2023-THD.xlsx", "002.xlsx"] {
        let i = issues.iter().find(|r| r["path"] == p).unwrap();
        assert_eq!((i["code"].as_str(), i["severity"].as_str()), ("I005", "info"), "{p}");
    }
    let run = w.run_json();
    assert!(run["missing_units"].as_array().unwrap().iter().any(|u| u == "002"), "{run}");
    // The same holds for validate, with the outputs inside the inputs.
    let out = w.cmd().args(["run", "--as-of", "2023-12-22", "--outputs", "inputs/out"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = w.cmd().args(["validate", "--as-of", "2023-12-22", "--outputs", "inputs/out"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("002.xlsx"), "validate lists the feedback file it ignored: {printed}");
    assert!(!printed.contains("out/2023-THD"), "validate read the outputs: {printed}");
    assert!(stderr(&out).contains("not reading"), "the log says the outputs were skipped: {}", stderr(&out));
}

#[test]
fn an_empty_or_shrunken_inputs_folder_keeps_the_report_in_place() {
    let w = Workdir::new();
    demo(&w);
    assert_eq!(w.run(&[]).status.code(), Some(0));
    let good = snapshot(&w.path("outputs/2023-THD"));
    // The share is not mounted: an empty folder.
    std::fs::rename(w.inputs(), w.path("inputs.away")).unwrap();
    std::fs::create_dir(w.inputs()).unwrap();
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("no file at all"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-shrink"), "{}", stderr(&out));
    assert_eq!(snapshot(&w.path("outputs/2023-THD")), good);
    // Part of the share: 10 of the 48 units.
    for e in std::fs::read_dir(w.path("inputs.away/2023-THD")).unwrap().take(10) {
        let e = e.unwrap();
        std::fs::copy(e.path(), w.inputs().join(e.file_name())).unwrap();
    }
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let msg = stderr(&out);
    assert!(msg.contains("against 48 in the report in place"), "{msg}");
    assert_eq!(snapshot(&w.path("outputs/2023-THD")), good);
    // On purpose.
    let out = w.run(&["--allow-shrink"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(w.run_json()["completeness"]["received"].as_u64().unwrap() <= 10);
}

#[test]
fn csv_fields_a_spreadsheet_would_run_are_neutralised_and_the_workbook_keeps_them_as_text() {
    let w = Workdir::new();
    let payloads = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+1+1", "@SUM(1)"];
    let mut form = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]);
    for (code, p) in ["CT07", "CT08", "CT09", "CT11"].iter().zip(payloads) {
        form = form.row(code, V::T(p));
    }
    // Vietnamese Excel splits a CSV line at `;`: a field holding one is quoted.
    form = form.row("CT12", V::T("5;=1+1"));
    w.add_form("001.xlsx", &form);
    w.add_form("=HYPERLINK(1).xlsx", &Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.add_form("@SUM(1).xlsx", &Form::district("003", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in ["issues.csv", "files.csv", "values.csv", "totals.csv"] {
        for row in w.csv(name) {
            for (k, v) in &row {
                let risky =
                    v.starts_with(['=', '+', '@', '\t', '\r']) || (v.starts_with('-') && v.parse::<f64>().is_err());
                assert!(!risky, "{name}: {k} = {v:?}");
            }
        }
    }
    let issues = w.csv("issues.csv");
    for p in payloads {
        assert!(issues.iter().any(|r| r["value"] == format!("'{p}")), "{p} is kept, neutralised");
    }
    assert!(w.csv("files.csv").iter().any(|r| r["path"] == "'=HYPERLINK(1).xlsx"));
    assert!(w.read_out("issues.csv").contains(",\"5;=1+1\","), "{}", w.read_out("issues.csv"));
    // The workbook holds them as text cells, never as formulas.
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(w.out("TongHop_2023-THD.xlsx")).unwrap();
    let formulas = wb.worksheet_formula("Lỗi dữ liệu").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no formula on Lỗi dữ liệu");
    let cells = wb.worksheet_range("Lỗi dữ liệu").unwrap();
    for p in payloads {
        assert!(cells.used_cells().any(|(_, _, c)| *c == calamine::Data::String(p.to_string())), "{p} shown as typed");
    }
}

#[test]
fn a_file_where_the_period_folder_goes_changes_nothing_and_says_what_to_do() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.write("outputs/2023-THD", b"someone's notes");
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not a folder; nothing was changed"), "{}", stderr(&out));
    assert_eq!(std::fs::read(w.path("outputs/2023-THD")).unwrap(), b"someone's notes");
    let left: Vec<String> = std::fs::read_dir(w.path("outputs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".tonghop.lock")
        .collect();
    assert_eq!(left, ["2023-THD"], "no staging or hidden set left behind");
    // Once it is moved away, the next run writes the report.
    std::fs::rename(w.path("outputs/2023-THD"), w.path("notes.txt")).unwrap();
    assert_eq!(w.run(&[]).status.code(), Some(0));
    // A leftover of an interrupted swap that is not a folder is reported, not removed.
    w.write("outputs/.2023-THD.old", b"?");
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(".2023-THD.old is where a run sets the previous outputs aside"), "{}", stderr(&out));
    assert!(w.out("run.json").exists());
}

#[cfg(unix)]
#[test]
fn a_folder_that_cannot_be_listed_is_a_finding_and_the_batch_goes_on() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    // A folder nested past the system's path length limit: unlistable even for root.
    let name = "d".repeat(250);
    nest(&w.inputs(), &name, 20);
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot list"), "the log names the folder: {}", stderr(&out));
    let files = w.csv("files.csv");
    assert_eq!(files.iter().find(|r| r["path"] == "001.xlsx").unwrap()["fate"], "accepted");
    let deep = files.iter().find(|r| r["path"].starts_with(&name)).expect("the folder is listed in files.csv");
    assert_eq!(deep["fate"], "ignored");
    let issue = w.csv("issues.csv").into_iter().find(|r| r["path"] == deep["path"]).unwrap();
    assert_eq!(issue["code"], "I003");
    // A folder without read permission, where permissions bind (not for root).
    // SAFETY: a plain query of this process's user.
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        w.add_form("khoa/003.xlsx", &Form::district("003", 3.0, 10.0, [100.0, 40.0, 60.0]));
        std::fs::set_permissions(w.path("inputs/khoa"), std::fs::Permissions::from_mode(0o000)).unwrap();
        let out = w.run(&[]);
        std::fs::set_permissions(w.path("inputs/khoa"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let files = w.csv("files.csv");
        assert_eq!(files.iter().find(|r| r["path"] == "khoa").unwrap()["fate"], "ignored");
    }
}

/// `depth` folders named `name`, one in the other, under `root`, with a file at the bottom;
/// made relative to each other (openat), since their whole path is longer than the system
/// takes.
fn nest(root: &Path, name: &str, depth: usize) {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |s: &[u8]| CString::new(s).unwrap();
    let name = c(name.as_bytes());
    // SAFETY: plain libc calls on descriptors opened and closed here.
    unsafe {
        let mut fd = libc::open(c(root.as_os_str().as_bytes()).as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
        assert!(fd >= 0);
        for _ in 0..depth {
            assert_eq!(libc::mkdirat(fd, name.as_ptr(), 0o755), 0);
            let next = libc::openat(fd, name.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let f = libc::openat(fd, c(b"002.xlsx").as_ptr(), libc::O_CREAT | libc::O_WRONLY, 0o644);
        assert!(f >= 0);
        libc::close(f);
        libc::close(fd);
    }
}

#[cfg(unix)]
#[test]
fn a_link_out_of_the_inputs_is_not_followed() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.add_form("../outside/002.xlsx", &Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]));
    std::os::unix::fs::symlink(w.path("outside/002.xlsx"), w.path("inputs/002.xlsx")).unwrap();
    std::os::unix::fs::symlink(w.path("inputs/001.xlsx"), w.path("inputs/001_link.xlsx")).unwrap();
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let files = w.csv("files.csv");
    let fate = |p: &str| files.iter().find(|r| r["path"] == p).unwrap()["fate"].clone();
    assert_eq!(fate("002.xlsx"), "ignored");
    // A link inside the inputs is read: the same form twice, the greater path wins.
    assert_eq!((fate("001.xlsx").as_str(), fate("001_link.xlsx").as_str()), ("superseded", "accepted"));
    let issue = w.csv("issues.csv").into_iter().find(|r| r["path"] == "002.xlsx").unwrap();
    assert_eq!(issue["code"], "I004");
    assert!(w.run_json()["missing_units"].as_array().unwrap().iter().any(|u| u == "002"));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_with_one_line_and_the_previous_report_intact() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    assert_eq!(w.run(&[]).status.code(), Some(0));
    let good = snapshot(&w.path("outputs/2023-THD"));
    w.add_form("002.xlsx", &Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let bin = assert_cmd::cargo::cargo_bin("tonghop");
    let child = std::process::Command::new(bin)
        .args(["run", "--as-of", "2023-12-22"])
        .current_dir(w.dir.path())
        .env("TONGHOP_TEST_PAUSE_AFTER_FILE_MS", "400")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let staging = w.path("outputs/.2023-THD.staging");
    let t = std::time::Instant::now();
    while !staging.join("TongHop_2023-THD.xlsx").exists() {
        assert!(t.elapsed().as_secs() < 60, "the run never started writing");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(128 + libc::SIGTERM), "{}", stderr(&out));
    let log = stderr(&out);
    assert_eq!(log.lines().filter(|l| l.contains("stopped by SIGTERM")).count(), 1, "{log}");
    assert!(log.contains("the previous report is intact"), "{log}");
    assert!(!staging.exists(), "the staging folder is removed");
    assert_eq!(snapshot(&w.path("outputs/2023-THD")), good);
}

#[test]
fn a_full_disk_names_the_file_and_leaves_no_staging_folder() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    assert_eq!(w.run(&[]).status.code(), Some(0));
    let good = snapshot(&w.path("outputs/2023-THD"));
    w.add_form("002.xlsx", &Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let out =
        w.cmd().args(["run", "--as-of", "2023-12-22"]).env("TONGHOP_TEST_DISK_FULL_AFTER_FILES", "2").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let log = stderr(&out);
    assert!(log.contains("No space left on device"), "{log}");
    assert!(log.contains("outputs/.2023-THD.staging/"), "the message names the file: {log}");
    assert!(!w.path("outputs/.2023-THD.staging").exists(), "the failing run removed its staging folder");
    assert_eq!(snapshot(&w.path("outputs/2023-THD")), good);
}

#[test]
fn a_config_file_that_is_not_utf8_names_the_line() {
    let w = Workdir::new();
    let mut bytes = UNITS.as_bytes().to_vec();
    let third = bytes.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(1).unwrap().0 + 1;
    bytes.insert(third + 4, 0xFF);
    w.write("cfg/units.csv", &bytes);
    let out = w.cmd().args(["config", "check", "--config", "cfg"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("units.csv:3: not valid UTF-8"), "{}", stderr(&out));
}

#[test]
fn a_missing_inputs_folder_leaves_no_outputs_folder() {
    let w = Workdir::new();
    let out = w.cmd().args(["run", "--inputs", "khong_co", "--outputs", "ket_qua"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(!w.path("ket_qua").exists());
}

/// The configuration with one period's and one unit's code replaced, if it loads.
fn with_codes(period: &str, unit: &str) -> Option<Config> {
    let periods = PERIODS.replacen("code = \"2023-THD\"", &format!("code = {}", toml_string(period)), 1);
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(vec![]);
    w.write_record([unit, "Đơn vị thử", "quan", "Nội thành", "true", ""]).unwrap();
    let row = String::from_utf8(w.into_inner().unwrap()).unwrap();
    let units = UNITS.replacen("001,Quận Ba Đình,quan,Nội thành,true,\n", &row, 1);
    let sources = TABLES
        .iter()
        .map(|(n, t)| {
            let text = match *n {
                "periods.toml" => periods.clone(),
                "units.csv" => units.clone(),
                _ => t.to_string(),
            };
            (n.to_string(), text, Origin::File(format!("cfg/{n}")))
        })
        .collect();
    Config::from_sources(sources).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever string a configuration gives as a code, every path a run makes of a code that
    /// loads is one plain component below the outputs folder.
    #[test]
    fn no_configured_code_leads_out_of_the_outputs_folder(
        period in prop_oneof![".{0,40}", "[./\\\\A-Za-z0-9_-]{0,12}", Just("..".to_string()), Just("chot".to_string())],
        unit in prop_oneof![".{0,40}", "[./\\\\A-Za-z0-9_-]{0,12}"],
    ) {
        prop_assert!(with_codes("2024-THD", "X01").is_some(), "the harness loads a good configuration");
        let Some(config) = with_codes(&period, &unit) else { return Ok(()) };
        let outputs = Path::new("/srv/tong_hop");
        for p in &config.periods {
            // The paths the program itself makes of the codes.
            let target = output::period_dir(outputs, &p.code);
            let rest: Vec<_> = target.strip_prefix(outputs).unwrap().components().collect();
            prop_assert_eq!(rest.len(), 1, "{:?}", target);
            prop_assert!(matches!(rest[0], Component::Normal(_)), "{:?}", target);
            prop_assert!(!p.code.eq_ignore_ascii_case("chot"));
            for dir in output::work_dirs(&target) {
                prop_assert_eq!(dir.parent(), Some(outputs));
            }
            for u in &config.units {
                let feedback = target.join(output::feedback_file(&u.code));
                let rest: Vec<_> = feedback.strip_prefix(&target).unwrap().components().collect();
                prop_assert_eq!(rest.len(), 2, "{:?}", feedback);
                prop_assert!(rest.iter().all(|c| matches!(c, Component::Normal(_))), "{:?}", feedback);
            }
        }
    }
}

/// `tonghop run -v --json 2>&1 | head -c 10`: the reader of the standard output and error
/// goes away early. The run goes on, writes every period's outputs and exits as it would
/// have, without a crash.
#[test]
fn a_closed_standard_output_or_error_ends_the_printing_not_the_run() {
    let w = Workdir::new();
    w.add_form("2023/001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let mut last_year = Form::district("001", 2.0, 8.0, [80.0, 30.0, 50.0]).dated(2022, 12, 18);
    last_year.period = Some("2022-THD".into());
    w.add_form("2022/001.xlsx", &last_year);
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tonghop"))
        .current_dir(w.dir.path())
        .env_remove("TONGHOP_LOG")
        .args(["run", "--as-of", "2023-12-22", "--json", "-v"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Both closed before anything is printed.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(w.path("outputs/2022-THD/values.csv").is_file());
    assert!(w.out("values.csv").is_file());
}
