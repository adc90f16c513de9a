//! The ladder: wards report to their district, the district to the city, each level running
//! the program on its own. The district's consolidated workbook is its form at the city.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;

use crate::common::{Workdir, sheet_rows, stderr};

fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records().map(|rec| h.iter().cloned().zip(rec.unwrap().iter().map(str::to_string)).collect()).collect()
}

/// The activities a Hoạt động sheet counts for the unit `code` (its table by unit).
fn activities_of(workbook: &Path, code: &str) -> String {
    let rows = sheet_rows(workbook, "Hoạt động");
    rows.iter().find(|r| r.get(1).is_some_and(|c| c == code)).map(|r| r[3].clone()).unwrap_or_default()
}

#[test]
fn a_districts_report_is_its_form_at_the_city_with_the_same_totals_and_activities() {
    let w = Workdir::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ba-dinh/config");
    // The wards' forms, made for the district's configuration (14 wards, one missing).
    let out = w
        .cmd()
        .args(["sample", "--units", "14", "--seed", "9", "--activities", "6", "--missing", "1", "--magnitude", "8"])
        .args(["--styles", "real", "--outputs", "phuong", "--config"])
        .arg(&example)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // The district runs on its wards' forms.
    let out = w
        .cmd()
        .args(["run", "--inputs", "phuong/inputs", "--outputs", "quan", "--as-of", "2023-12-20", "--config"])
        .arg(&example)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("13/14 units reported"), "{}", stderr(&out));
    let district = w.path("quan/2023-THD/TongHop_2023-THD.xlsx");
    // The city: the district's workbook as unit 001's submission, beside another district's form.
    w.write("inputs/001_Ba_Dinh.xlsx", &std::fs::read(&district).unwrap());
    w.add_form("002.xlsx", &crate::common::Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = w.csv("files.csv");
    let ba_dinh = files.iter().find(|r| r["path"] == "001_Ba_Dinh.xlsx").unwrap();
    assert_eq!(
        (ba_dinh["unit_code"].as_str(), ba_dinh["fate"].as_str()),
        ("001", "accepted"),
        "{:?}",
        w.csv("issues.csv")
    );
    // The city's values for the district are the district's totals, every one of them.
    let city: HashMap<(String, String), String> = w
        .csv("values.csv")
        .into_iter()
        .filter(|r| r["unit_code"] == "001")
        .map(|r| ((r["indicator"].clone(), r["breakdown"].clone()), r["value"].clone()))
        .collect();
    let totals = csv_rows(&w.path("quan/2023-THD/totals.csv"));
    let reported: Vec<_> = totals.iter().filter(|r| !r["value"].is_empty()).collect();
    assert!(reported.len() > 20);
    for t in &reported {
        let key = (t["indicator"].clone(), t["breakdown"].clone());
        assert_eq!(city.get(&key), Some(&t["value"]), "{key:?}");
    }
    assert_eq!(city.len(), reported.len());
    // The city's activity timeline counts the wards' activities.
    let wards: u64 =
        csv_rows(&w.path("quan/2023-THD/files.csv")).iter().filter(|r| r["fate"].starts_with("accepted")).count()
            as u64;
    assert_eq!(wards, 13);
    let at_district: u64 = sheet_rows(&district, "Hoạt động")
        .iter()
        .filter(|r| r.first().is_some_and(|c| c.starts_with("Tuần") || c.starts_with("Trước")))
        .map(|r| r[r.len() - 2].parse::<u64>().unwrap_or(0))
        .sum();
    assert!(at_district > 0);
    assert_eq!(activities_of(&w.out("TongHop_2023-THD.xlsx"), "001"), at_district.to_string());
    // Tiến độ nộp shows the district's own completeness: 13 of its 14 wards.
    let progress = sheet_rows(&w.out("TongHop_2023-THD.xlsx"), "Tiến độ nộp");
    let row = progress.iter().find(|r| r.first().is_some_and(|c| c == "001")).unwrap();
    assert!(row[4].contains("13/14 đơn vị cấp dưới"), "{row:?}");
}

/// the district's own consolidated report, kept among its inputs (the copy sent up),
/// is its own workbook, never a ward's submission (SPEC §12: a report is a submission only
/// when its Mã đơn vị is a configured unit *other than this configuration's own issuer*).
/// `001` (issuer_code) is read as the number 1 and matches ward `00001`.
#[test]
fn the_districts_own_report_in_its_inputs_is_not_a_wards_submission() {
    let w = Workdir::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ba-dinh/config");
    let out = w
        .cmd()
        .args(["sample", "--units", "14", "--seed", "9", "--activities", "2", "--magnitude", "8"])
        .args(["--outputs", "phuong", "--config"])
        .arg(&example)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let run = || {
        w.cmd()
            .args(["run", "--inputs", "phuong/inputs", "--outputs", "quan", "--as-of", "2023-12-20", "--config"])
            .arg(&example)
            .output()
            .unwrap()
    };
    assert!(run().status.success());
    let before = csv_rows(&w.path("quan/2023-THD/totals.csv"));
    // The copy the district sent up to the city, saved beside the wards' forms.
    let district = std::fs::read(w.path("quan/2023-THD/TongHop_2023-THD.xlsx")).unwrap();
    w.write("phuong/inputs/da_gui/TongHop_2023-THD.xlsx", &district);
    let out = run();
    assert!(out.status.success(), "{}", stderr(&out));
    let files = csv_rows(&w.path("quan/2023-THD/files.csv"));
    let own = files.iter().find(|r| r["path"] == "da_gui/TongHop_2023-THD.xlsx").unwrap();
    assert_eq!(
        (own["unit_code"].as_str(), own["fate"].as_str()),
        ("", "ignored"),
        "the district's own report was taken as a ward's submission: {own:?}"
    );
    assert_eq!(csv_rows(&w.path("quan/2023-THD/totals.csv")), before, "the district's totals moved");
}

/// two wards' forms, each accepted by the district (a rule with `when_blank = "skip"`
/// does not apply to a form that leaves a term blank), sum to a district report that the
/// city's same rules reject: ward A handled 2 cases (CT21) and left CT20 blank, ward B
/// detected 1 and handled 1; the district's CT21 3 > CT20 1 is E101 at the city. Likewise
/// a ward's Nữ without its Tổng số (a warning) makes the district's Nữ exceed its Tổng số (E102).
#[test]
fn a_districts_faithful_sums_are_not_rejected_at_the_city() {
    use crate::common::{Form, V};
    let w = Workdir::new();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/ba-dinh/config");
    let ward_a = Form::district("00001", 1.0, 2.0, [20.0, 8.0, 12.0])
        .row("CT21", V::N(2.0))
        .row_sex("CT14", [V::Blank, V::N(3.0), V::N(20.0)]);
    let ward_b = Form::district("00004", 1.0, 2.0, [20.0, 8.0, 12.0])
        .row("CT20", V::N(1.0))
        .row("CT21", V::N(1.0))
        .row_sex("CT14", [V::N(10.0), V::N(5.0), V::N(5.0)]);
    w.write("phuong/00001.xlsx", &ward_a.bytes());
    w.write("phuong/00004.xlsx", &ward_b.bytes());
    let out = w
        .cmd()
        .args(["run", "--inputs", "phuong", "--outputs", "quan", "--as-of", "2023-12-20", "--config"])
        .arg(&example)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let wards = csv_rows(&w.path("quan/2023-THD/files.csv"));
    assert!(wards.iter().all(|r| r["fate"].starts_with("accepted")), "{wards:?}");
    // The district's own report tells it, under its totals, before it sends them up.
    let summary = sheet_rows(&w.path("quan/2023-THD/TongHop_2023-THD.xlsx"), "Tổng hợp");
    let notes: Vec<&String> = summary.iter().flatten().filter(|c| c.starts_with("Lưu ý (")).collect();
    assert!(notes.iter().any(|c| c.starts_with("Lưu ý (E101, CT21)") && c.contains("CT21 = 3")), "{notes:?}");
    w.write("inputs/001_Ba_Dinh.xlsx", &std::fs::read(w.path("quan/2023-THD/TongHop_2023-THD.xlsx")).unwrap());
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let files = w.csv("files.csv");
    let ba_dinh = files.iter().find(|r| r["path"] == "001_Ba_Dinh.xlsx").unwrap();
    let errors: Vec<String> = w
        .csv("issues.csv")
        .into_iter()
        .filter(|r| r["path"] == "001_Ba_Dinh.xlsx" && r["severity"] == "error")
        .map(|r| format!("{} {}", r["code"], r["message"]))
        .collect();
    assert!(ba_dinh["fate"].starts_with("accepted"), "the district's report is rejected at the city: {errors:#?}");
}
