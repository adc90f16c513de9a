//! End-to-end runs of the real binary on forms built in code.

#![allow(clippy::unwrap_used)]

use crate::common::{Form, V, Workdir, sheet_names, sheet_rows, stderr};

fn basic(w: &Workdir) {
    w.add_form("001_BaDinh.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.add_form("quan/002.xlsx", &Form::district("002", 2.0, 5.0, [50.0, 20.0, 30.0]).row("CT18", V::T("125,5")));
    w.add_form("so/S01.xlsx", &Form::new("S01").row("CT01", V::N(1.0)).row("CT18", V::N(10.25)));
}

fn total<'a>(
    rows: &'a [std::collections::HashMap<String, String>],
    ind: &str,
    b: &str,
) -> &'a std::collections::HashMap<String, String> {
    rows.iter().find(|r| r["indicator"] == ind && r["breakdown"] == b).unwrap_or_else(|| panic!("no total {ind} {b}"))
}

#[test]
fn totals_equal_hand_computed_sums() {
    let w = Workdir::new();
    basic(&w);
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let totals = w.csv("totals.csv");
    assert_eq!(total(&totals, "CT01", "total")["value"], "6");
    assert_eq!(total(&totals, "CT01", "total")["units_reporting"], "3");
    assert_eq!(total(&totals, "CT06", "female")["value"], "90");
    assert_eq!(total(&totals, "CT06", "male")["value"], "60");
    // 125,5 typed as text plus 10.25: exact decimals, `.` as the point.
    assert_eq!(total(&totals, "CT18", "total")["value"], "135.75");
    // The workbook's Tổng hợp shows the same totals.
    let wb = w.out("TongHop_2023-THD.xlsx");
    let rows = sheet_rows(&wb, "Tổng hợp");
    let ct01 = rows.iter().find(|r| r.iter().any(|c| c == "CT01")).expect("a CT01 row on Tổng hợp");
    assert!(ct01.iter().any(|c| c == "6"), "{ct01:?}");
}

#[test]
fn blank_stays_blank() {
    let w = Workdir::new();
    basic(&w);
    assert!(w.run(&[]).status.success());
    let totals = w.csv("totals.csv");
    let ct02 = total(&totals, "CT02", "total");
    assert_eq!(ct02["value"], "");
    assert_eq!(ct02["units_reporting"], "0");
    assert!(!w.csv("values.csv").iter().any(|r| r["indicator"] == "CT02"));
    // 0 is a value, reported by one unit.
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).row("CT20", V::N(0.0)));
    assert!(w.run(&[]).status.success());
    let totals = w.csv("totals.csv");
    assert_eq!(total(&totals, "CT20", "total")["value"], "0");
    assert_eq!(total(&totals, "CT20", "total")["units_reporting"], "1");
}

#[test]
fn values_csv_follows_the_contract() {
    let w = Workdir::new();
    basic(&w);
    assert!(w.run(&[]).status.success());
    let text = w.read_out("values.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("period,unit_code,unit_type,indicator,breakdown,value"));
    assert_eq!(lines.next(), Some("2023-THD,001,quan,CT01,total,3"));
    assert!(text.contains("2023-THD,001,quan,CT06,female,60\n"));
    assert!(text.contains("2023-THD,002,quan,CT18,total,125.5\n"));
    assert!(text.ends_with("2023-THD,S01,so_nganh,CT18,total,10.25\n"));
    assert!(!text.contains('\r'));
}

#[test]
fn a_rejected_file_names_sheet_and_cell() {
    let w = Workdir::new();
    basic(&w);
    let mut bad = Form::district("003", 1.0, 0.0, [10.0, 5.0, 5.0]);
    bad.rows[2].2[0] = V::T("abc");
    w.add_form("003.xlsx", &bad);
    let out = w.run(&[]);
    assert!(out.status.success());
    let issues = w.csv("issues.csv");
    let e = issues.iter().find(|r| r["path"] == "003.xlsx" && r["code"] == "E020").expect("E020 for 003.xlsx");
    assert_eq!(e["sheet"], "BaoCao");
    assert_eq!(e["cell"], "E13");
    assert_eq!(e["indicator"], "CT05");
    assert_eq!(e["value"], "abc");
    assert!(e["message"].contains("không phải là số"), "{}", e["message"]);
    let files = w.csv("files.csv");
    assert_eq!(files.iter().find(|r| r["path"] == "003.xlsx").unwrap()["fate"], "rejected");
    // Rejected values are not counted, and the unit gets feedback.
    let totals = w.csv("totals.csv");
    assert_eq!(total(&totals, "CT01", "total")["value"], "6");
    assert!(w.out("phan_hoi/003.xlsx").exists());
    // --strict turns a rejection into exit 1, with the report still written.
    let out = w.run(&["--strict"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(w.out("run.json").exists());
}

#[test]
fn a_resubmission_supersedes_the_older_one() {
    let w = Workdir::new();
    w.add_form("004_lan2.xlsx", &Form::district("004", 4.0, 10.0, [100.0, 40.0, 60.0]).dated(2023, 12, 12));
    w.add_form("004_lan1.xlsx", &Form::district("004", 9.0, 10.0, [100.0, 40.0, 60.0]).dated(2023, 12, 10));
    assert!(w.run(&[]).status.success());
    let files = w.csv("files.csv");
    let fate = |p: &str| files.iter().find(|r| r["path"] == p).unwrap()["fate"].clone();
    assert_eq!(fate("004_lan1.xlsx"), "superseded");
    assert_eq!(fate("004_lan2.xlsx"), "accepted");
    assert_eq!(total(&w.csv("totals.csv"), "CT01", "total")["value"], "4");
}

#[test]
fn missing_and_late_units_are_listed() {
    let w = Workdir::new();
    basic(&w);
    w.add_form("005.xlsx", &Form::district("005", 1.0, 3.0, [30.0, 10.0, 20.0]).dated(2023, 12, 21));
    assert!(w.run(&[]).status.success());
    let j = w.run_json();
    let missing: Vec<&str> = j["missing_units"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(missing.len(), 51 - 4);
    assert!(missing.contains(&"268") && missing.contains(&"D06") && !missing.contains(&"001"));
    assert_eq!(j["late_units"], serde_json::json!(["005"]));
    let rows = sheet_rows(&w.out("TongHop_2023-THD.xlsx"), "Tiến độ nộp");
    let hd = rows.iter().find(|r| r.first().is_some_and(|c| c == "268")).expect("268 on Tiến độ nộp");
    assert!(hd.iter().any(|c| c == "Chưa nộp"), "{hd:?}");
}

#[test]
fn files_found_equal_the_sum_of_fates() {
    let w = Workdir::new();
    basic(&w);
    w.write("inputs/ghi_chu.txt", b"notes");
    w.write("inputs/~$001_BaDinh.xlsx", b"lock");
    w.write("inputs/hong.xlsx", b"this is not a workbook");
    w.write("inputs/rong.xls", b"");
    let mut other = Form::district("006", 1.0, 1.0, [1.0, 0.0, 1.0]);
    other.period = Some("2021-THD".into());
    w.add_form("006.xlsx", &other);
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = w.csv("files.csv");
    assert_eq!(files.len(), 8);
    let j = w.run_json();
    let by_fate = j["files"]["by_fate"].as_object().unwrap();
    let sum: u64 = by_fate.values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(sum, 8);
    assert_eq!(j["files"]["found"], 8);
    let fate = |p: &str| files.iter().find(|r| r["path"] == p).unwrap()["fate"].clone();
    assert_eq!(fate("ghi_chu.txt"), "ignored");
    assert_eq!(fate("~$001_BaDinh.xlsx"), "ignored");
    assert_eq!(fate("hong.xlsx"), "rejected");
    assert_eq!(fate("rong.xls"), "rejected");
    // A form naming a period that is not configured is rejected with the reason.
    assert_eq!(fate("006.xlsx"), "rejected");
    assert!(w.csv("issues.csv").iter().any(|r| r["path"] == "006.xlsx" && r["code"] == "E013"));
    assert!(files.iter().all(|r| r["sha256"].len() == 64));
}

#[test]
fn a_config_error_names_its_file_line_and_key() {
    let w = Workdir::new();
    w.write("cfg/units.csv", "code,name,type\n001,Quận Ba Đình,quan\n002,Quận Hoàn Kiếm,quanx\n".as_bytes());
    let out = w.cmd().args(["config", "check", "--config", "cfg"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("units.csv:3: key `type`: unknown unit type `quanx`"), "{err}");
    // The same error stops a run before it writes anything.
    let out = w.cmd().args(["run", "--config", "cfg"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!w.path("outputs/2023-THD").exists());
}

#[test]
fn a_config_dir_replaces_only_the_tables_it_has() {
    let w = Workdir::new();
    w.write(
        "cfg/units.csv",
        "code,name,type,group,expected\n001,Quận Ba Đình,quan,Nội thành,true\nX1,Đơn vị thử,so_nganh,Sở,true\n"
            .as_bytes(),
    );
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.add_form("x1.xlsx", &Form::new("X1").row("CT01", V::N(2.0)));
    let out = w.run(&["--config", "cfg"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j = w.run_json();
    assert_eq!(j["completeness"]["expected"], 2);
    assert_eq!(j["completeness"]["accepted"], 2);
    assert_eq!(total(&w.csv("totals.csv"), "CT01", "total")["value"], "5");
}

#[test]
fn the_workbook_has_every_sheet() {
    let w = Workdir::new();
    basic(&w);
    assert!(w.run(&[]).status.success());
    let names = sheet_names(&w.out("TongHop_2023-THD.xlsx"));
    for n in ["Tổng hợp", "Theo đơn vị", "Tiến độ nộp", "Lỗi dữ liệu", "Thông tin"] {
        assert!(names.iter().any(|s| s == n), "{n} missing from {names:?}");
    }
}

#[test]
fn two_runs_and_both_job_counts_give_identical_outputs() {
    let w = Workdir::new();
    basic(&w);
    let mut bad = Form::district("003", 1.0, 0.0, [10.0, 5.0, 5.0]);
    bad.rows[2].2[0] = V::T("abc");
    w.add_form("003.xlsx", &bad);
    let snapshot = |w: &Workdir| -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::new();
        let root = w.out("");
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.file_name().unwrap() != "run.json" {
                    out.push((p.strip_prefix(&root).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    };
    // The workbook lists changes since the previous run: compare runs that follow the same one.
    assert!(w.run(&[]).status.success());
    assert!(w.run(&["--jobs", "2"]).status.success());
    let first = snapshot(&w);
    assert!(w.run(&["--jobs", "1"]).status.success());
    let second = snapshot(&w);
    assert_eq!(first.len(), second.len());
    for ((n1, b1), (n2, b2)) in first.iter().zip(&second) {
        assert_eq!(n1, n2);
        assert!(b1 == b2, "{n1} differs between runs");
    }
    // More threads than can be started: read with what the machine can use, said in the log.
    let out = w.run(&["--jobs", "1000000"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("--jobs 1000000 is more than"), "{}", stderr(&out));
    assert!(snapshot(&w) == second, "outputs differ with --jobs 1000000");
    assert!(first.iter().any(|(n, _)| n.ends_with(".parquet")));
}

#[test]
fn exit_codes_for_usage_io_and_lock() {
    let w = Workdir::new();
    basic(&w);
    let out = w.cmd().args(["run", "--no-such-flag"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = w.cmd().args(["run", "--period", "1999"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = w.cmd().args(["run", "--as-of", "01/01/0001"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    // More faults than units is a usage error, not an I/O failure; nothing is written.
    let out = w.cmd().args(["sample", "--units", "3", "--missing", "5", "--outputs", "mau"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(!w.path("mau").exists());
    let out = w.cmd().args(["run", "--inputs", "khong_co"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    // A lock held by another process (here: this test) stops the run at once.
    std::fs::create_dir_all(w.path("outputs")).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.path("outputs/.tonghop.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    std::fs::write(w.path("outputs/.tonghop.lock"), "pid 1 since dawn").unwrap();
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("pid 1 since dawn"), "{}", stderr(&out));
    drop(lock);
    assert_eq!(w.run(&[]).status.code(), Some(0));
}

#[test]
fn the_summary_line_is_one_line_on_stderr() {
    let w = Workdir::new();
    basic(&w);
    let out = w.run(&["--quiet"]);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("2023-THD: 3/51 units reported, 3 accepted"), "{err}");
}

#[test]
fn run_json_lists_changes_since_the_previous_run() {
    let w = Workdir::new();
    basic(&w);
    assert!(w.run(&[]).status.success());
    assert_eq!(w.run_json()["changes"]["previous_run"], false);
    // 002 sends a corrected form, S01 withdraws its own, 005 reports for the first time.
    w.add_form("quan/002.xlsx", &Form::district("002", 2.0, 6.0, [50.0, 20.0, 30.0]));
    std::fs::remove_file(w.inputs().join("so/S01.xlsx")).unwrap();
    w.add_form("005.xlsx", &Form::district("005", 1.0, 3.0, [30.0, 10.0, 20.0]));
    assert!(w.run(&[]).status.success());
    let c = &w.run_json()["changes"];
    assert_eq!(c["previous_run"], true);
    assert_eq!(c["new"], serde_json::json!(["005"]));
    assert_eq!(c["changed"], serde_json::json!(["002"]));
    assert_eq!(c["withdrawn"], serde_json::json!(["S01"]));
}

#[test]
fn validate_prints_issues_and_writes_nothing() {
    let w = Workdir::new();
    let mut bad = Form::district("003", 1.0, 0.0, [10.0, 5.0, 5.0]);
    bad.rows[2].2[0] = V::T("abc");
    w.add_form("003.xlsx", &bad);
    let out = w.cmd().args(["validate", "--as-of", "2023-12-22", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let issues: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = issues.as_array().unwrap().iter().find(|i| i["code"] == "E020").expect("E020 on stdout");
    assert_eq!(e["cell"], "E13");
    assert!(!w.path("outputs").exists());
    let out = w.cmd().args(["validate", "--as-of", "2023-12-22", "--strict"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("003.xlsx"));
}

#[test]
fn a_run_killed_midway_or_failing_leaves_the_previous_report_intact() {
    let w = Workdir::new();
    basic(&w);
    assert!(w.run(&[]).status.success());
    let before = std::fs::read(w.out("totals.csv")).unwrap();
    let workbook = std::fs::read(w.out("TongHop_2023-THD.xlsx")).unwrap();
    // New inputs, and the process dies after writing three files of the new set.
    w.add_form("004.xlsx", &Form::district("004", 7.0, 10.0, [100.0, 40.0, 60.0]));
    let out =
        w.cmd().args(["run", "--as-of", "2023-12-22"]).env("TONGHOP_TEST_ABORT_AFTER_FILES", "3").output().unwrap();
    assert!(!out.status.success());
    assert_eq!(std::fs::read(w.out("totals.csv")).unwrap(), before);
    assert_eq!(std::fs::read(w.out("TongHop_2023-THD.xlsx")).unwrap(), workbook);
    assert!(!w.out("phan_hoi").exists() || w.out("phan_hoi").is_dir());
    // A write that fails (the staging place is taken by a file): exit 3, old set intact.
    std::fs::remove_dir_all(w.path("outputs/.2023-THD.staging")).unwrap();
    w.write("outputs/.2023-THD.staging", b"in the way");
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(std::fs::read(w.out("totals.csv")).unwrap(), before);
    // The next good run replaces the set and leaves nothing behind.
    std::fs::remove_file(w.path("outputs/.2023-THD.staging")).unwrap();
    assert!(w.run(&[]).status.success());
    assert_eq!(total(&w.csv("totals.csv"), "CT01", "total")["value"], "13");
    let mut left: Vec<String> = std::fs::read_dir(w.path("outputs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".tonghop.lock", "2023-THD"]);
}

#[test]
fn on_the_demo_set_totals_equal_the_sums_of_values_and_the_workbook_shows_them() {
    let w = Workdir::new();
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs");
    let out = w.cmd().args(["run", "--as-of", "2023-12-22", "--inputs"]).arg(&demo).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Sums of values.csv, exact, in micro-units.
    let micros = |s: &str| -> i64 {
        let (int, frac) = s.split_once('.').unwrap_or((s, ""));
        int.parse::<i64>().unwrap() * 1_000_000 + format!("{frac:0<6}").parse::<i64>().unwrap()
    };
    let mut sums: std::collections::BTreeMap<(String, String), (i64, u32)> = Default::default();
    for r in w.csv("values.csv") {
        let e = sums.entry((r["indicator"].clone(), r["breakdown"].clone())).or_default();
        e.0 += micros(&r["value"]);
        e.1 += 1;
    }
    let totals = w.csv("totals.csv");
    assert_eq!(totals.len(), 25 + 2 * 5, "a row for every indicator and breakdown");
    for t in &totals {
        let key = (t["indicator"].clone(), t["breakdown"].clone());
        match sums.get(&key) {
            Some(&(sum, n)) => {
                assert_eq!(micros(&t["value"]), sum, "{key:?}");
                assert_eq!(t["units_reporting"], n.to_string(), "{key:?}");
            }
            None => assert_eq!((t["value"].as_str(), t["units_reporting"].as_str()), ("", "0"), "{key:?}"),
        }
    }
    // Tổng hợp shows each total (its formulas' cached values) in the Tổng số column.
    let rows = sheet_rows(&w.out("TongHop_2023-THD.xlsx"), "Tổng hợp");
    let header = rows.iter().find(|r| r.iter().any(|c| c == "Tổng số")).expect("the table header");
    let col = header.iter().position(|c| c == "Tổng số").unwrap();
    let mut seen = 0;
    for t in totals.iter().filter(|t| t["breakdown"] == "total") {
        let row = rows.iter().find(|r| r.iter().any(|c| *c == t["indicator"])).expect("an indicator row");
        let shown = row[col].replace(',', "");
        if t["value"].is_empty() {
            assert_eq!(shown, "", "{}", t["indicator"]);
        } else {
            assert_eq!(micros(&shown), micros(&t["value"]), "{}", t["indicator"]);
        }
        seen += 1;
    }
    assert_eq!(seen, 25);
}

#[test]
fn every_period_in_the_inputs_gets_its_own_set_and_period_gives_one() {
    let w = Workdir::new();
    w.add_form("2023/001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let mut last_year = Form::district("001", 2.0, 7.0, [80.0, 30.0, 50.0]).dated(2022, 12, 18);
    // Typed in lower case with spaces: still the code.
    last_year.period = Some(" 2022 - thd ".into());
    w.add_form("2022/001.xlsx", &last_year);
    // No Kỳ báo cáo: counted for the period its date falls in, with a warning.
    let mut blank = Form::district("002", 1.0, 4.0, [10.0, 4.0, 6.0]).dated(2022, 12, 19);
    blank.period = None;
    w.add_form("2022/002.xlsx", &blank);
    let out = w.run(&["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // One summary line per period, oldest first; JSON Lines, one object per period.
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains("units reported")).collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("2022-THD: 2/51") && lines[1].starts_with("2023-THD: 1/51"), "{err}");
    let json: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(json.iter().map(|j| j["period"].as_str().unwrap()).collect::<Vec<_>>(), ["2022-THD", "2023-THD"]);
    let csv = |period: &str, name: &str| {
        let mut r = csv::Reader::from_path(w.path(&format!("outputs/{period}/{name}"))).unwrap();
        let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        r.records()
            .map(|rec| h.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect())
            .collect::<Vec<std::collections::HashMap<String, String>>>()
    };
    let value = |period: &str, unit: &str| {
        csv(period, "values.csv")
            .into_iter()
            .find(|r| r["unit_code"] == unit && r["indicator"] == "CT01" && r["breakdown"] == "total")
            .map(|r| r["value"].clone())
    };
    assert_eq!(value("2022-THD", "001").as_deref(), Some("2"));
    assert_eq!(value("2022-THD", "002").as_deref(), Some("1"));
    assert_eq!(value("2023-THD", "001").as_deref(), Some("3"));
    // Each set accounts for every file: the other year's forms are ignored with I002.
    let files23 = csv("2023-THD", "files.csv");
    assert_eq!(files23.len(), 3);
    assert_eq!(files23.iter().find(|r| r["path"] == "2022/001.xlsx").unwrap()["fate"], "ignored");
    assert!(csv("2023-THD", "issues.csv").iter().any(|r| r["path"] == "2022/001.xlsx" && r["code"] == "I002"));
    // Told at the blank period's label.
    let w003 = csv("2022-THD", "issues.csv").into_iter().find(|r| r["path"] == "2022/002.xlsx" && r["code"] == "W003");
    assert_eq!(w003.map(|r| r["cell"].clone()).as_deref(), Some("B4"));
    // --period gives one set, and leaves the other in place.
    let before = std::fs::read(w.path("outputs/2022-THD/values.csv")).unwrap();
    let out = w.run(&["--period", "2023-THD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().filter(|l| l.contains("units reported")).count(), 1);
    assert_eq!(std::fs::read(w.path("outputs/2022-THD/values.csv")).unwrap(), before);
    // With --period, a form that names no period counts for it.
    let other = Workdir::new();
    other.add_form("002.xlsx", &blank);
    assert!(other.run(&["--period", "2023-THD"]).status.success());
    assert!(other.path("outputs/2023-THD/run.json").exists());
    assert!(!other.path("outputs/2022-THD").exists());
}

#[test]
fn locked_outranks_usage_and_io_errors() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("outputs")).unwrap();
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.path("outputs/.tonghop.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    for args in [&["run", "--period", "XXX"][..], &["run", "--inputs", "khong_co"], &["run", "--config", "khong_co"]] {
        let out = w.cmd().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(4), "{args:?}: {}", stderr(&out));
    }
    drop(lock);
    // Without the lock, usage comes before I/O.
    let out = w.cmd().args(["run", "--period", "XXX", "--inputs", "khong_co"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_summary_closes_like_a_document_and_groups_are_totalled() {
    let w = Workdir::new();
    basic(&w);
    w.add_form("016.xlsx", &Form::district("016", 4.0, 10.0, [100.0, 40.0, 60.0]));
    assert!(w.run(&[]).status.success());
    let wb = w.out("TongHop_2023-THD.xlsx");
    let summary = sheet_rows(&wb, "Tổng hợp");
    let cells: Vec<&String> = summary.iter().flatten().collect();
    assert!(cells.iter().any(|c| c.as_str() == "Nơi nhận:"));
    assert!(cells.iter().any(|c| c.as_str() == "Hà Nội, ngày 22 tháng 12 năm 2023"));
    assert!(cells.iter().any(|c| c.as_str() == "GIÁM ĐỐC"));
    // Nội thành: 001 and 002 (3 + 2); Ngoại thành: 016 (4); CT01 is the first indicator column.
    let matrix = sheet_rows(&wb, "Theo đơn vị");
    let col = matrix[0].iter().position(|c| c == "CT01").unwrap();
    let group = |name: &str| matrix.iter().find(|r| r.get(1).is_some_and(|c| c == name)).map(|r| r[col].clone());
    assert_eq!(group("Nội thành").as_deref(), Some("5"));
    assert_eq!(group("Ngoại thành").as_deref(), Some("4"));
}

/// The parts of JSON Schema that docs/run.schema.json uses: type (one or a list), required, properties,
/// additionalProperties, items, enum, const, pattern (as a length check for hashes).
fn conforms(schema: &serde_json::Value, v: &serde_json::Value, at: &str) -> Result<(), String> {
    use serde_json::Value;
    let is = |t: &str| match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        _ => true,
    };
    // `type` is one name or a list of them (`["object", "null"]`).
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() && !types.iter().any(|t| is(t)) {
        return Err(format!("{at}: not {types:?}: {v}"));
    }
    if v.is_null() && types.contains(&"null") {
        return Ok(());
    }
    if let Some(c) = schema.get("const")
        && c != v
    {
        return Err(format!("{at}: {v} is not {c}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        return Err(format!("{at}: {v} not in {e:?}"));
    }
    for key in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        let key = key.as_str().unwrap();
        if v.get(key).is_none() {
            return Err(format!("{at}: `{key}` is missing"));
        }
    }
    if let Some(obj) = v.as_object() {
        for (k, sub) in obj {
            let s = schema.get("properties").and_then(|p| p.get(k)).or_else(|| schema.get("additionalProperties"));
            if let Some(s) = s.filter(|s| s.is_object()) {
                conforms(s, sub, &format!("{at}.{k}"))?;
            }
        }
    }
    if let (Some(items), Some(arr)) = (schema.get("items"), v.as_array()) {
        for (i, x) in arr.iter().enumerate() {
            conforms(items, x, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

#[test]
fn run_json_conforms_to_its_schema() {
    let w = Workdir::new();
    basic(&w);
    assert!(w.run(&[]).status.success());
    let schema: serde_json::Value = serde_json::from_str(include_str!("../../docs/run.schema.json")).unwrap();
    conforms(&schema, &w.run_json(), "run.json").unwrap();
    // And the check has teeth: a run.json without its exit code does not conform.
    let mut broken = w.run_json();
    broken.as_object_mut().unwrap().remove("exit_code");
    assert!(conforms(&schema, &broken, "run.json").is_err());
}

#[test]
fn templates_carry_the_unit_and_data_validation_and_read_back_blank() {
    use std::io::Read;
    let w = Workdir::new();
    let out = w.cmd().args(["template", "--units", "1,S01"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = w.path("outputs/2023-THD/bieu_mau");
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let path = dir.join(names.iter().find(|n| n.starts_with("001_")).unwrap());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut xml).unwrap();
    assert!(
        xml.contains(r#"type="whole""#) && xml.contains(r#"operator="greaterThanOrEqual""#),
        "count cells take whole numbers ≥ 0"
    );
    assert!(xml.contains(r#"type="decimal""#), "amount cells take decimals");
    assert_eq!(crate::common::sheet_names(&path), ["BaoCao", "HoatDong", "HuongDan"]);
    // A blank template read as a submission: the unit is known, nothing is reported, and the
    // required indicators are what is missing.
    std::fs::create_dir_all(w.inputs()).unwrap();
    std::fs::copy(&path, w.inputs().join("001.xlsx")).unwrap();
    assert!(w.run(&[]).status.success());
    let issues = w.csv("issues.csv");
    assert!(issues.iter().all(|r| r["code"] == "E030"), "{issues:?}");
    assert_eq!(issues.len(), 4, "CT01, CT03, CT05, CT06");
    assert_eq!(w.csv("values.csv").len(), 0);
}

#[test]
fn this_year_is_set_beside_last_year_from_the_run_or_the_outputs_in_place() {
    let w = Workdir::new();
    w.add_form("2023/001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.add_form("2023/002.xlsx", &Form::district("002", 5.0, 6.0, [50.0, 20.0, 30.0]));
    let mut last_year = Form::district("001", 2.0, 8.0, [80.0, 30.0, 50.0]).dated(2022, 12, 18);
    last_year.period = Some("2022-THD".into());
    w.add_form("2022/001.xlsx", &last_year);
    assert!(w.run(&[]).status.success());
    let rows = |period: &str| {
        let mut r = csv::Reader::from_path(w.path(&format!("outputs/{period}/comparison.csv"))).unwrap();
        let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        r.records()
            .map(|rec| h.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect())
            .collect::<Vec<std::collections::HashMap<String, String>>>()
    };
    let find = |rows: &[std::collections::HashMap<String, String>], ind: &str| {
        rows.iter().find(|r| r["indicator"] == ind && r["breakdown"] == "total").unwrap().clone()
    };
    // The seven columns of the contract in their places, then the units reporting last year.
    let text = w.read_out("comparison.csv");
    assert_eq!(
        text.lines().next(),
        Some("period,indicator,breakdown,value,previous_period,previous_value,ratio_percent,previous_units_reporting")
    );
    // CT01: 3 + 5 = 8 against 2: 400.0 %; CT05: 16 against 8: 200.0 %; CT06: 150 against 80.
    let ct01 = find(&rows("2023-THD"), "CT01");
    assert_eq!((ct01["value"].as_str(), ct01["previous_value"].as_str()), ("8", "2"));
    assert_eq!((ct01["ratio_percent"].as_str(), ct01["previous_units_reporting"].as_str()), ("400.0", "1"));
    assert_eq!(find(&rows("2023-THD"), "CT06")["ratio_percent"], "187.5");
    // Not reported last year: no previous value, no ratio.
    let ct02 = find(&rows("2023-THD"), "CT02");
    assert_eq!((ct02["previous_value"].as_str(), ct02["ratio_percent"].as_str()), ("", ""));
    assert_eq!(w.run_json()["comparison"], serde_json::json!({"with": "2022-THD", "source": "run"}));
    // The workbook: `Cùng kỳ 2022` and `So sánh (%)` after `Số đơn vị báo cáo`.
    let sheet = crate::common::sheet_rows(&w.out("TongHop_2023-THD.xlsx"), "Tổng hợp");
    let head = sheet.iter().position(|r| r.get(8).is_some_and(|c| c == "Cùng kỳ 2022")).expect("the heading");
    assert_eq!(sheet[head][9], "So sánh (%)");
    let ct01_row = sheet.iter().find(|r| r.get(1).is_some_and(|c| c == "CT01")).unwrap();
    assert_eq!((ct01_row[8].as_str(), ct01_row[9].as_str()), ("2", "400"));

    // Only this year's forms now, last year's set in place: the figures come from it.
    std::fs::remove_dir_all(w.path("inputs/2022")).unwrap();
    assert!(w.run(&[]).status.success());
    assert_eq!(find(&rows("2023-THD"), "CT01")["previous_value"], "2");
    assert_eq!(w.run_json()["comparison"]["source"], "outputs");

    // Last year's report frozen as signed, then corrected: the comparison keeps the signed figures.
    let out = w.cmd().args(["freeze", "--period", "2022-THD", "--as-of", "2022-12-20"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut corrected = Form::district("001", 7.0, 8.0, [80.0, 30.0, 50.0]).dated(2022, 12, 28);
    corrected.period = Some("2022-THD".into());
    w.add_form("2022/001_v2.xlsx", &corrected);
    assert!(w.run(&[]).status.success());
    assert_eq!(find(&rows("2022-THD"), "CT01")["value"], "7");
    assert_eq!(find(&rows("2023-THD"), "CT01")["previous_value"], "2");
    assert_eq!(w.run_json()["comparison"]["source"], "freeze");

    // Nowhere to be found: one line says so, and no columns.
    let alone = Workdir::new();
    alone.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    assert!(alone.run(&[]).status.success());
    assert_eq!(alone.run_json()["comparison"], serde_json::json!({"with": "2022-THD", "source": null}));
    let sheet = crate::common::sheet_rows(&alone.out("TongHop_2023-THD.xlsx"), "Tổng hợp");
    assert!(sheet.iter().any(|r| r.iter().any(|c| c.contains("Không có số liệu kỳ 2022-THD"))));
    assert!(!sheet.iter().any(|r| r.iter().any(|c| c.starts_with("Cùng kỳ"))));
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_frozen_report_stays_as_signed_and_later_changes_are_told() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.add_form("002.xlsx", &Form::district("002", 5.0, 6.0, [50.0, 20.0, 30.0]));
    assert!(w.run(&[]).status.success());
    let freeze = |extra: &[&str]| {
        w.cmd().args(["freeze", "--period", "2023-THD", "--as-of", "2023-12-20"]).args(extra).output().unwrap()
    };
    let out = freeze(&["--by", "Nguyễn Văn A", "--note", "Báo cáo số 12/BC-SLĐTBXH"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let frozen = w.path("outputs/chot/2023-THD/1");
    let record: serde_json::Value = serde_json::from_str(&w.read_out("../chot/2023-THD/1/freeze.json")).unwrap();
    assert_eq!((record["freeze"].as_u64(), record["by"].as_str()), (Some(1), Some("Nguyễn Văn A")));
    assert_eq!(record["inputs"].as_array().unwrap().len(), 2);
    assert!(std::fs::metadata(frozen.join("values.csv")).unwrap().permissions().readonly());
    // Readable by everyone who reads the outputs, not only by the account that froze it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(frozen.join("TongHop_2023-THD.xlsx")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o444);
    }
    let signed = tree(&frozen);
    // Nothing changed yet: the run says so, and --strict passes (before the deadline, when
    // missing units do not fail it).
    let strict = || w.cmd().args(["run", "--as-of", "2023-12-19", "--strict"]).output().unwrap();
    let out = strict();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("0 values changed since freeze 1 of 2023-12-20"), "{}", stderr(&out));

    // Unit 002 resubmits two days later: 6 sessions become 9, and unit 003 reports late.
    w.add_form("002_v2.xlsx", &Form::district("002", 5.0, 9.0, [50.0, 20.0, 30.0]).dated(2023, 12, 21));
    w.add_form("003.xlsx", &Form::district("003", 1.0, 2.0, [10.0, 4.0, 6.0]).dated(2023, 12, 21));
    let out = strict();
    assert_eq!(out.status.code(), Some(1), "--strict tells cron: {}", stderr(&out));
    assert!(stderr(&out).contains("values changed since freeze 1"), "{}", stderr(&out));
    // The freeze is the signed set, byte for byte.
    assert_eq!(tree(&frozen), signed);
    // run.json lists every moved value; the city total of CT05 moved from 16 to 21.
    let since = &w.run_json()["since_freeze"];
    assert_eq!(since["freeze"], 1);
    let changes = since["changes"].as_array().unwrap();
    assert!(
        changes
            .iter()
            .any(|c| c["unit"] == "002" && c["indicator"] == "CT05" && c["frozen"] == "6" && c["current"] == "9")
    );
    assert!(changes.iter().any(|c| c["unit"] == "003" && c["indicator"] == "CT01" && c["frozen"].is_null()));
    assert!(!changes.iter().any(|c| c["unit"] == "001"), "001 did not move");
    assert_eq!(since["units_appeared"], serde_json::json!(["003"]));
    let ct05 = since["totals_moved"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["indicator"] == "CT05" && c["breakdown"] == "total")
        .cloned();
    assert_eq!(
        ct05.map(|c| (c["frozen"].clone(), c["current"].clone())),
        Some((serde_json::json!("16"), serde_json::json!("21")))
    );
    // The workbook's Sau chốt số liệu sheet shows 002's CT05 going from 6 to 9.
    let sheet = crate::common::sheet_rows(&w.out("TongHop_2023-THD.xlsx"), "Sau chốt số liệu");
    assert!(
        sheet.iter().any(|r| r.first().is_some_and(|c| c == "002")
            && r[1].starts_with("CT05")
            && r[3] == "6"
            && r[4] == "9"
            && r[5] == "3"),
        "{sheet:?}"
    );
    // Units that appeared are named, and the freeze's date is written as dates are.
    assert!(sheet.iter().flatten().any(|c| c.contains("003 Quận Tây Hồ")), "{sheet:?}");
    assert!(sheet[0][0].contains("ngày 20/12/2023"), "{}", sheet[0][0]);
    // A second freeze is numbered 2; the first stays; --list shows both.
    assert!(freeze(&["--by", "Nguyễn Văn A"]).status.success());
    assert!(w.path("outputs/chot/2023-THD/2/values.csv").exists());
    assert_eq!(tree(&frozen), signed);
    let out = w.cmd().args(["freeze", "--list"]).output().unwrap();
    let listed = String::from_utf8_lossy(&out.stdout);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.contains("2023-THD freeze 1 of 2023-12-20, by Nguyễn Văn A: Báo cáo số 12/BC-SLĐTBXH"), "{listed}");
}

#[test]
fn a_freeze_is_refused_without_a_report_to_freeze_or_under_a_held_lock() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("outputs")).unwrap();
    let out = w.cmd().args(["freeze", "--period", "2023-THD"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no report of period 2023-THD"), "{}", stderr(&out));
    // A report with no accepted submission: nothing to freeze.
    w.write("inputs/hong.xlsx", b"not a workbook");
    w.run(&["--allow-shrink"]);
    let out = w.cmd().args(["freeze", "--period", "2023-THD"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no accepted submission"), "{}", stderr(&out));
    assert!(!w.path("outputs/chot/2023-THD/1").exists());
    // Another run holds the lock: 4.
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(w.path("outputs/.tonghop.lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let out = w.cmd().args(["freeze", "--period", "2023-THD"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
}

#[test]
fn units_and_indicators_valid_in_some_periods_only_are_expected_in_those() {
    let w = Workdir::new();
    let units = std::str::from_utf8(include_bytes!("../../src/config/default/units.csv")).unwrap();
    let mut lines: Vec<String> = units.lines().map(str::to_string).collect();
    lines[0].push_str(",valid_from,valid_to");
    for l in lines.iter_mut().skip(1) {
        // 001 and 002 merged into X01 at the start of 2023.
        if l.starts_with("001,") || l.starts_with("002,") {
            l.push_str(",,31/12/2022");
        } else {
            l.push_str(",,");
        }
    }
    lines.push("X01,Quận Trung Tâm,quan,Nội thành,true,,01/01/2023,".into());
    w.write("cfg/units.csv", format!("{}\n", lines.join("\n")).as_bytes());
    // CT03 is in the catalogue from 2023 only: a 2022 form need not report it.
    let inds = std::str::from_utf8(include_bytes!("../../src/config/default/indicators.csv")).unwrap();
    let inds: Vec<String> = inds
        .lines()
        .enumerate()
        .map(|(k, l)| match k {
            0 => format!("{l},valid_from"),
            _ if l.starts_with("CT03,") => format!("{l},01/01/2023"),
            _ => format!("{l},"),
        })
        .collect();
    w.write("cfg/indicators.csv", format!("{}\n", inds.join("\n")).as_bytes());
    w.add_form("2023/X01.xlsx", &Form::district("X01", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let mut old = Form::new("001").row("CT01", V::N(2.0)).row("CT05", V::N(4.0)).dated(2022, 12, 18);
    old.rows.push(("CT06".into(), String::new(), [V::N(10.0), V::N(4.0), V::N(6.0)]));
    old.period = Some("2022-THD".into());
    w.add_form("2022/001.xlsx", &old);
    let out = w.cmd().args(["run", "--config", "cfg", "--as-of", "2023-12-22"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let json = |period: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(w.path(&format!("outputs/{period}/run.json"))).unwrap()).unwrap()
    };
    let (y22, y23) = (json("2022-THD"), json("2023-THD"));
    assert_eq!(y23["completeness"]["expected"], 50, "51 units, 001 and 002 gone, X01 new");
    assert!(!y23["missing_units"].as_array().unwrap().iter().any(|u| u == "001" || u == "X01"));
    assert_eq!(y22["completeness"]["expected"], 51);
    assert!(!y22["missing_units"].as_array().unwrap().iter().any(|u| u == "X01"));
    // The 2022 form without CT03 is accepted: CT03 was not yet in the catalogue.
    let files = std::fs::read_to_string(w.path("outputs/2022-THD/files.csv")).unwrap();
    assert!(files.lines().any(|l| l.starts_with("2022/001.xlsx,") && l.contains(",accepted")), "{files}");
    // 001, merged away at the end of 2022, still sends a 2023 form: counted, with a warning
    // against counting it twice beside X01.
    w.add_form("2023/001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let out = w.cmd().args(["run", "--config", "cfg", "--as-of", "2023-12-22"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let issues = std::fs::read_to_string(w.path("outputs/2023-THD/issues.csv")).unwrap();
    assert!(issues.lines().any(|l| l.starts_with("2023/001.xlsx,") && l.contains(",W007,")), "{issues}");
    // A bad date names its file, line and key.
    w.write("cfg/indicators.csv", b"code,section,name,measure_unit,value_type,by_sex,required_for,valid_from\nCT01,I,A,x,count,false,,32/13/2023\n");
    let out = w.cmd().args(["config", "check", "--config", "cfg"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("indicators.csv:2") && stderr(&out).contains("valid_from"), "{}", stderr(&out));
}

/// the inputs keep every year's forms side by side (README). Re-running last year
/// alone with `--period 2022-THD` takes this year's forms that leave Kỳ báo cáo blank as
/// 2022's: dated December 2023, they beat the unit's real 2022 form and replace its figures.
#[test]
fn period_flag_does_not_pull_another_years_blank_period_forms_into_it() {
    let w = Workdir::new();
    let mut y22 = Form::district("001", 2.0, 7.0, [80.0, 30.0, 50.0]).dated(2022, 12, 18);
    y22.period = Some("2022-THD".into());
    w.add_form("2022/001.xlsx", &y22);
    // This year's form, Kỳ báo cáo left blank, dated in this year's period.
    let mut y23 = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).dated(2023, 12, 18);
    y23.period = None;
    w.add_form("2023/001.xlsx", &y23);
    assert!(w.run(&[]).status.success());
    let ct01 = |period: &str| {
        let text = std::fs::read_to_string(w.path(&format!("outputs/{period}/totals.csv"))).unwrap();
        text.lines().find(|l| l.contains(",CT01,total,")).unwrap().to_string()
    };
    assert_eq!(ct01("2022-THD"), "2022-THD,CT01,total,2,1");
    assert_eq!(ct01("2023-THD"), "2023-THD,CT01,total,3,1");
    // The operator re-runs last year only.
    let out = w.run(&["--period", "2022-THD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ct01("2022-THD"), "2022-THD,CT01,total,2,1", "2022's total now holds 2023's form");
}

/// `validate --json` over two periods prints two pretty-printed arrays one after the
/// other (neither one JSON document nor JSON Lines), and the older period's array repeats
/// every form of the newer one with an I002 "belongs to another period" (the text output
/// tells each file once).
#[test]
fn validate_json_over_several_periods_is_json_and_tells_each_file_once() {
    let w = Workdir::new();
    w.add_form("2023/001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let mut last_year = Form::district("001", 2.0, 7.0, [80.0, 30.0, 50.0]).dated(2022, 12, 18);
    last_year.period = Some("2022-THD".into());
    w.add_form("2022/001.xlsx", &last_year);
    let out = w.cmd().args(["validate", "--as-of", "2023-12-22", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let whole = serde_json::from_str::<serde_json::Value>(&text).is_ok();
    let lines = text.lines().all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok());
    assert!(whole || lines, "stdout is neither JSON nor JSON Lines:\n{text}");
    assert!(!text.contains("I002"), "another period's forms are told as I002:\n{text}");
}

#[test]
fn strict_judges_the_period_under_way_when_next_years_is_configured_ahead() {
    let w = Workdir::new();
    let default = std::str::from_utf8(include_bytes!("../../src/config/default/periods.toml")).unwrap().to_string();
    // Next year's Action Month, configured ahead of time.
    let next = default
        .split("[[period.target]]")
        .next()
        .unwrap()
        .replace("2023-THD", "2024-THD")
        .replace("compare_with = \"2022-THD\"", "")
        .replace("/2023", "/2024");
    w.write("cfg/periods.toml", format!("{default}\n{next}").as_bytes());
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]));
    w.write("inputs/hong.xlsx", b"not a workbook");
    // 22/12/2023: 2023-THD is the period under way, and it has a rejected file.
    let out = w.cmd().args(["run", "--config", "cfg", "--as-of", "2023-12-22", "--strict"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}
