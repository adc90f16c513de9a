//! Forms made by other programs (openpyxl, LibreOffice) in every format units send:
//! .xlsx, .xlsm, .xlsb, .xls (BIFF8), .ods, the 1904 date system, an encrypted file. The fixtures and the
//! script that made them are in tests/fixtures/.

#![allow(clippy::unwrap_used)]

use crate::common::{Workdir, stderr};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap()
}

fn values(w: &Workdir) -> Vec<(String, String, String)> {
    w.csv("values.csv")
        .into_iter()
        .map(|r| (r["indicator"].clone(), r["breakdown"].clone(), r["value"].clone()))
        .collect()
}

fn expect_the_form(w: &Workdir, path: &str) {
    let files = w.csv("files.csv");
    let f = files.iter().find(|r| r["path"] == path).unwrap();
    let issues: Vec<String> =
        w.csv("issues.csv").iter().map(|r| format!("{} {} {}", r["code"], r["cell"], r["message"])).collect();
    // The activity log's costs (5.5 million) against a CT25 left blank: the one warning.
    assert_eq!(f["fate"], "accepted_with_warnings", "{path}: {issues:#?}");
    let warnings: Vec<(String, String)> = w
        .csv("issues.csv")
        .iter()
        .filter(|r| r["severity"] != "info")
        .map(|r| (r["code"].clone(), r["indicator"].clone()))
        .collect();
    assert_eq!(warnings, [("W021".to_string(), "CT25".to_string())], "{issues:#?}");
    assert_eq!(f["unit_code"], "005");
    let v = values(w);
    let get = |i: &str, b: &str| v.iter().find(|(a, bb, _)| a == i && bb == b).map(|(_, _, x)| x.as_str());
    assert_eq!(get("CT01", "total"), Some("4"), "a hidden row is read");
    assert_eq!(get("CT03", "total"), Some("2"));
    assert_eq!(get("CT05", "total"), Some("1234"), "`1.234` is one thousand two hundred thirty-four");
    assert_eq!(get("CT06", "total"), Some("7500"), "a formula's cached value counts");
    assert_eq!(get("CT06", "female"), Some("4500"));
    assert_eq!(get("CT18", "total"), Some("125.5"), "`125,5` is a decimal");
    // The plan column and the note below the signature footer are not data.
    assert_eq!(v.len(), 7, "{v:?}");
    // Activities dated inside the window: no W020 (a misread date system would move them years away).
    assert!(!w.csv("issues.csv").iter().any(|r| r["code"] == "W020"));
}

fn run_one(name: &str, as_name: &str) -> Workdir {
    let w = Workdir::new();
    w.write(&format!("inputs/{as_name}"), &fixture(name));
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    w
}

#[test]
fn an_xlsx_saved_by_libreoffice_with_a_two_row_header_and_merged_cells() {
    let w = run_one("005_libreoffice.xlsx", "005.xlsx");
    expect_the_form(&w, "005.xlsx");
}

#[test]
fn an_xlsm_file_and_an_upper_case_extension() {
    let w = run_one("005_libreoffice.xlsx", "005.XLSM");
    expect_the_form(&w, "005.XLSM");
}

#[test]
fn an_xlsb_file_built_record_by_record() {
    // tests/fixtures/make_xlsb.py writes it (nothing here can save .xlsb): shared and
    // inline strings, RK and floating-point numbers.
    let w = run_one("005_form.xlsb", "005.xlsb");
    let files = w.csv("files.csv");
    assert_eq!(
        (files[0]["fate"].as_str(), files[0]["unit_code"].as_str()),
        ("accepted", "005"),
        "{:?}",
        w.csv("issues.csv")
    );
    let v = values(&w);
    let get = |i: &str, b: &str| v.iter().find(|(a, bb, _)| a == i && bb == b).map(|(_, _, x)| x.as_str());
    assert_eq!(get("CT05", "total"), Some("20"));
    assert_eq!(get("CT06", "female"), Some("4500"));
    assert_eq!(get("CT18", "total"), Some("125.5"));
    assert_eq!(v.len(), 7);
}

#[test]
fn an_xls_biff8_file() {
    let w = run_one("005_biff8.xls", "005.XLS");
    expect_the_form(&w, "005.XLS");
}

#[test]
fn an_ods_file() {
    let w = run_one("005_libreoffice.ods", "005.ods");
    expect_the_form(&w, "005.ods");
}

#[test]
fn the_1904_date_system() {
    // openpyxl stores no formula results, so this file's CT06 total is an E024; the dates
    // are what is checked here.
    let w = run_one("005_1904.xlsx", "005.xlsx");
    let issues = w.csv("issues.csv");
    assert!(!issues.iter().any(|r| r["code"] == "W020" || r["code"] == "E040"), "{issues:?}");
    assert!(issues.iter().any(|r| r["code"] == "E024"));
}

#[test]
fn a_formula_without_a_cached_value_is_an_error_naming_the_cell() {
    let w = run_one("005_no_cached_value.xlsx", "005.xlsx");
    let issues = w.csv("issues.csv");
    let e = issues.iter().find(|r| r["code"] == "E024").expect("E024");
    assert_eq!(e["cell"], "G17");
    assert_eq!(e["sheet"], "Bao cao thang");
    assert_eq!(w.csv("files.csv")[0]["fate"], "rejected");
}

#[test]
fn an_encrypted_xlsx_is_rejected_as_encrypted() {
    let w = run_one("005_encrypted.xlsx", "005.xlsx");
    let issues = w.csv("issues.csv");
    assert_eq!(issues[0]["code"], "E002");
    assert!(issues[0]["message"].contains("mã hóa"));
}
