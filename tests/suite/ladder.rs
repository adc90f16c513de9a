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
