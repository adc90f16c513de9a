//! Forms as units really fill them: shifted tables, names instead of codes, text numbers,
//! codes that lost their zeros, a unit known only by its file name.

#![allow(clippy::unwrap_used)]

use crate::common::{Form, V, Workdir, stderr};

fn value(w: &Workdir, unit: &str, ind: &str, b: &str) -> Option<String> {
    w.csv("values.csv")
        .into_iter()
        .find(|r| r["unit_code"] == unit && r["indicator"] == ind && r["breakdown"] == b)
        .map(|r| r["value"].clone())
}

fn fate(w: &Workdir, path: &str) -> String {
    w.csv("files.csv").into_iter().find(|r| r["path"] == path).map(|r| r["fate"].clone()).unwrap_or_default()
}

fn codes(w: &Workdir, path: &str) -> Vec<String> {
    w.csv("issues.csv").into_iter().filter(|r| r["path"] == path).map(|r| r["code"].clone()).collect()
}

#[test]
fn a_table_shifted_down_and_right_is_found() {
    let w = Workdir::new();
    let mut f = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]);
    f.offset = (7, 3);
    f.sheet = "Báo cáo tháng".into();
    w.add_form("001.xlsx", &f);
    assert!(w.run(&[]).status.success());
    assert_eq!(fate(&w, "001.xlsx"), "accepted");
    assert_eq!(value(&w, "001", "CT06", "female").as_deref(), Some("60"));
    // The issue cells follow the shift: CT05 sits at H20 (row 7+10+2, column 3+4).
    let mut bad = Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]);
    bad.offset = (7, 3);
    bad.rows[2].2[0] = V::N(-4.0);
    w.add_form("002.xlsx", &bad);
    assert!(w.run(&[]).status.success());
    let issues = w.csv("issues.csv");
    let e = issues.iter().find(|r| r["path"] == "002.xlsx" && r["code"] == "E021").expect("E021");
    assert_eq!(e["cell"], "H20");
}

#[test]
fn rows_are_matched_by_name_without_diacritics_or_in_nfd() {
    let w = Workdir::new();
    let mut f = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]);
    for r in &mut f.rows {
        r.0 = String::new();
    }
    f.rows[0].1 = "So van ban chi dao, ke hoach trien khai duoc ban hanh".into();
    f.rows[1].1 = "1. SỐ LỄ PHÁT ĐỘNG, MÍT TINH HƯỞNG ỨNG".into();
    f.rows[2].1 = unicode_nfd("Số buổi truyền thông trực tiếp,  nói chuyện\nchuyên đề");
    f.rows[3].1 = "Số người tham gia truyền thông trực tiếp".into();
    w.add_form("001.xlsx", &f);
    let out = w.run(&[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fate(&w, "001.xlsx"), "accepted", "{:?}", codes(&w, "001.xlsx"));
    assert_eq!(value(&w, "001", "CT01", "total").as_deref(), Some("3"));
    assert_eq!(value(&w, "001", "CT05", "total").as_deref(), Some("10"));
}

fn unicode_nfd(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    s.nfd().collect()
}

#[test]
fn a_row_with_values_that_matches_nothing_names_the_closest_indicator() {
    let w = Workdir::new();
    let mut f = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]);
    f.rows.push((String::new(), "Số buổi truyền thông trực tiếp nói chuyện".into(), [V::N(2.0), V::Blank, V::Blank]));
    f.rows.push((String::new(), "II. Truyền thông".into(), [V::Blank, V::Blank, V::Blank]));
    w.add_form("001.xlsx", &f);
    assert!(w.run(&[]).status.success());
    let issues = w.csv("issues.csv");
    let e = issues.iter().find(|r| r["code"] == "E015").expect("E015");
    assert!(e["message"].contains("CT05"), "{}", e["message"]);
    assert_eq!(issues.iter().filter(|r| r["code"] == "E015").count(), 1, "a heading row is not an error");
}

#[test]
fn text_numbers_and_separators_are_read_with_an_info() {
    let w = Workdir::new();
    let f = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0])
        .row("CT12", V::T("1.234"))
        .row("CT08", V::T("12 lượt"))
        .row("CT09", V::T("-"))
        .row("CT25", V::T("1.234,5"));
    w.add_form("001.xlsx", &f);
    assert!(w.run(&[]).status.success());
    assert_eq!(fate(&w, "001.xlsx"), "accepted");
    assert_eq!(value(&w, "001", "CT12", "total").as_deref(), Some("1234"));
    assert_eq!(value(&w, "001", "CT08", "total").as_deref(), Some("12"));
    assert_eq!(value(&w, "001", "CT09", "total").as_deref(), Some("0"));
    assert_eq!(value(&w, "001", "CT25", "total").as_deref(), Some("1234.5"));
    assert_eq!(codes(&w, "001.xlsx").iter().filter(|c| *c == "I001").count(), 4);
}

/// A number with digits below the micro-unit (a formula's `=B5/3`, a mistyped amount) is
/// rounded to six decimals, and the clerk is told; float noise (`0.1 + 0.2`) is not told.
#[test]
fn a_number_rounded_to_six_decimals_is_read_with_an_info() {
    let w = Workdir::new();
    let f =
        Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).row("CT18", V::N(0.1234567)).row("CT25", V::N(0.1 + 0.2));
    w.add_form("001.xlsx", &f);
    assert!(w.run(&[]).status.success());
    assert_eq!(fate(&w, "001.xlsx"), "accepted");
    assert_eq!(value(&w, "001", "CT18", "total").as_deref(), Some("0.123457"));
    assert_eq!(value(&w, "001", "CT25", "total").as_deref(), Some("0.3"));
    let infos: Vec<_> = w.csv("issues.csv").into_iter().filter(|r| r["code"] == "I001").collect();
    assert_eq!(infos.len(), 1, "{infos:?}");
    assert_eq!(infos[0]["indicator"], "CT18");
    assert!(infos[0]["message"].contains("0.123457"), "{}", infos[0]["message"]);
}

#[test]
fn a_count_with_decimals_and_an_ambiguous_number_are_errors() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).row("CT12", V::T("1,5")));
    w.add_form("002.xlsx", &Form::district("002", 3.0, 10.0, [100.0, 40.0, 60.0]).row("CT12", V::T("12.5")));
    assert!(w.run(&[]).status.success());
    assert!(codes(&w, "001.xlsx").contains(&"E022".to_string()));
    assert!(codes(&w, "002.xlsx").contains(&"E025".to_string()));
    assert_eq!(fate(&w, "002.xlsx"), "rejected");
}

#[test]
fn a_numeric_unit_code_regains_its_zeros_and_a_file_name_identifies_a_unit() {
    let w = Workdir::new();
    w.add_form("a.xlsx", &Form::district("1", 3.0, 10.0, [100.0, 40.0, 60.0]));
    let mut nameless = Form::district("", 2.0, 10.0, [100.0, 40.0, 60.0]);
    nameless.unit = None;
    w.add_form("005_CauGiay.xlsx", &nameless);
    assert!(w.run(&[]).status.success());
    assert_eq!(value(&w, "001", "CT01", "total").as_deref(), Some("3"));
    assert_eq!(fate(&w, "005_CauGiay.xlsx"), "accepted_with_warnings");
    assert!(codes(&w, "005_CauGiay.xlsx").contains(&"W001".to_string()));
}

#[test]
fn required_indicator_deleted_is_an_error() {
    let w = Workdir::new();
    let mut f = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]);
    f.rows.remove(2); // CT05 deleted
    w.add_form("001.xlsx", &f);
    assert!(w.run(&[]).status.success());
    assert_eq!(fate(&w, "001.xlsx"), "rejected");
    assert!(w.csv("issues.csv").iter().any(|r| r["code"] == "E030" && r["indicator"] == "CT05"));
}

/// The form's bytes with its first sheet's XML passed through `edit`.
fn patch_sheet(form: &Form, edit: impl Fn(String) -> String) -> Vec<u8> {
    crate::common::edit_part(form.bytes(), "xl/worksheets/sheet1.xml", edit)
}

#[test]
fn an_excel_error_cell_is_an_error_naming_the_cell() {
    let w = Workdir::new();
    // CT05's Tổng số (E13) holds the cached error of a formula, as Excel stores `=1/0`.
    let f = Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]);
    let bytes = patch_sheet(&f, |xml| {
        let at = xml.find(r#"<c r="E13""#).expect("E13 in the sheet");
        let end = at + xml[at..].find("</c>").unwrap() + 4;
        format!(r#"{}<c r="E13" t="e"><f>1/0</f><v>#DIV/0!</v></c>{}"#, &xml[..at], &xml[end..])
    });
    w.write("inputs/001.xlsx", &bytes);
    assert!(w.run(&[]).status.success());
    let issues = w.csv("issues.csv");
    let e = issues.iter().find(|r| r["code"] == "E023").unwrap_or_else(|| panic!("{issues:?}"));
    assert_eq!(e["cell"], "E13");
    assert_eq!(e["value"], "#DIV/0!");
    assert_eq!(fate(&w, "001.xlsx"), "rejected");
}

#[test]
fn a_report_date_typed_as_a_serial_number_or_text_decides_lateness() {
    let w = Workdir::new();
    let with_c5 = |unit: &str, cell: &'static str| {
        patch_sheet(&Form::district(unit, 3.0, 10.0, [100.0, 40.0, 60.0]), move |xml| {
            let at = xml.find(r#"<c r="C5""#).expect("C5 in the sheet");
            let end = at + xml[at..].find("</c>").unwrap() + 4;
            format!("{}{cell}{}", &xml[..at], &xml[end..])
        })
    };
    // 45281 is 21/12/2023 in the 1900 date system: a day after the deadline.
    w.write("inputs/001.xlsx", &with_c5("001", r#"<c r="C5"><v>45281</v></c>"#));
    // The deadline day itself, typed as text, is on time; so is a text date before it.
    w.write("inputs/002.xlsx", &with_c5("002", r#"<c r="C5" t="inlineStr"><is><t>20/12/2023</t></is></c>"#));
    w.write("inputs/003.xlsx", &with_c5("003", r#"<c r="C5" t="inlineStr"><is><t>5/12/2023</t></is></c>"#));
    assert!(w.run(&[]).status.success());
    assert_eq!(w.run_json()["late_units"], serde_json::json!(["001"]));
    assert_eq!(w.run_json()["timeliness"]["on_time"], 2);
}
