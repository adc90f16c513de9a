//! A unit's feedback workbook: what is wrong in the files it sent for this period, cell by
//! cell, in Vietnamese, ready to send back to the unit's clerk as it is.

use std::collections::BTreeMap;

use rust_xlsxwriter::{ColNum, DocProperties, Format, FormatAlign, RowNum, Workbook, Worksheet, XlsxError};

use super::RunMeta;
use super::cells::{Styles, clip, date_text, print_setup, put_text, severity_label, wrapped_height, write_headers};
use crate::config::Config;
use crate::model::{Lang, OwnKind, Severity, Submission, UnitCode};
use crate::outcome::Outcome;

const LANG: Lang = Lang::Vi;

/// Whether a file counts as the unit's for this run: identified as the unit, and either of
/// the run's period or of no recognised period (rejected for it). Files of another
/// configured period are not this run's business.
fn is_units_file(sub: &Submission, unit_code: &str, period: &str) -> bool {
    sub.unit.as_deref() == Some(unit_code) && sub.period.as_deref().is_none_or(|p| p == period)
}

fn actionable(sub: &Submission) -> bool {
    sub.issues.iter().any(|i| matches!(i.severity, Severity::Error | Severity::Warning))
}

/// The unit's files among `files` (all identified as the unit's): its winning file first,
/// then the others by path.
fn winner_first(outcome: &Outcome, unit_code: &str, mut files: Vec<usize>) -> Vec<usize> {
    let period = outcome.period.code.as_str();
    let winner = outcome.accepted.get(unit_code).copied().or_else(|| {
        files.iter().copied().find(|&i| {
            let f = &outcome.files[i];
            f.sub.period.as_deref() == Some(period) && f.fate != crate::model::Fate::Superseded
        })
    });
    files.sort_by(|&a, &b| {
        (Some(a) != winner, outcome.files[a].sub.path.as_bytes())
            .cmp(&(Some(b) != winner, outcome.files[b].sub.path.as_bytes()))
    });
    files
}

/// The units that get a feedback file (at least one error or warning in a file identified
/// as theirs for this period), sorted, each with its files, winner first. One pass over
/// the files, whatever the number of units.
pub fn feedback_plan(outcome: &Outcome) -> Vec<(UnitCode, Vec<usize>)> {
    let period = outcome.period.code.as_str();
    let mut by_unit: BTreeMap<&UnitCode, Vec<usize>> = BTreeMap::new();
    for (i, f) in outcome.files.iter().enumerate() {
        if let Some(unit) = f.sub.unit.as_ref().filter(|u| is_units_file(&f.sub, u, period)) {
            by_unit.entry(unit).or_default().push(i);
        }
    }
    by_unit
        .into_iter()
        .filter(|(_, files)| files.iter().any(|&i| actionable(&outcome.files[i].sub)))
        .map(|(unit, files)| (unit.clone(), winner_first(outcome, unit, files)))
        .collect()
}

/// The unit codes that get a feedback file, sorted.
pub fn units_with_feedback(outcome: &Outcome) -> Vec<UnitCode> {
    feedback_plan(outcome).into_iter().map(|(unit, _)| unit).collect()
}

/// The feedback workbook for one unit (code), if it gets one: see [`feedback_workbook`].
pub fn feedback_bytes(
    config: &Config,
    outcome: &Outcome,
    meta: &RunMeta,
    unit_code: &str,
) -> anyhow::Result<Option<Vec<u8>>> {
    let plan = feedback_plan(outcome);
    let Some((_, files)) = plan.iter().find(|(unit, _)| unit.as_str() == unit_code) else { return Ok(None) };
    Ok(Some(feedback_workbook(config, outcome, meta, unit_code, files)?))
}

/// The feedback workbook for one unit, listing the issues of its `files` (its winning file
/// first, then superseded ones), in Vietnamese always (it goes to the unit's clerk).
pub fn feedback_workbook(
    config: &Config,
    outcome: &Outcome,
    meta: &RunMeta,
    unit_code: &str,
    files: &[usize],
) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&crate::write::document_time(meta.as_of))
            .set_custom_property(OwnKind::PROPERTY, OwnKind::Feedback.as_str()),
    );
    let mut ws = Worksheet::new();
    ws.set_name("Phản hồi")?;
    write_sheet(&mut ws, config, outcome, meta, unit_code, files)?;
    wb.push_worksheet(ws);
    Ok(wb.save_to_buffer()?)
}

const LAST_COL: ColNum = 8;

fn write_sheet(
    ws: &mut Worksheet,
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    unit_code: &str,
    files: &[usize],
) -> Result<(), XlsxError> {
    let st = Styles::new();
    let p = &o.period;
    let label = Format::new().set_bold().set_align(FormatAlign::Top);
    let line = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    for (c, w) in [6.0, 30.0, 12.0, 8.0, 9.0, 10.0, 10.0, 16.0, 70.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }
    let kv = |ws: &mut Worksheet, row: RowNum, k: &str, v: &str| -> Result<(), XlsxError> {
        ws.merge_range(row, 0, row, 1, k, &label)?;
        ws.merge_range(row, 2, row, LAST_COL, clip(v), &line)?;
        Ok(())
    };

    ws.merge_range(0, 0, 0, LAST_COL, "PHẢN HỒI KẾT QUẢ KIỂM TRA BÁO CÁO", &st.title)?;
    ws.set_row_height(0, 24)?;
    let mut row: RowNum = 2;
    if !p.agency.is_empty() {
        kv(ws, row, "Cơ quan tổng hợp:", &p.agency)?;
        row += 1;
    }
    let unit_name = config.unit(unit_code).map(|u| u.name.as_str()).unwrap_or("");
    kv(ws, row, "Mã đơn vị:", unit_code)?;
    row += 1;
    kv(ws, row, "Tên đơn vị:", unit_name)?;
    row += 1;
    kv(ws, row, "Kỳ báo cáo:", &format!("{} – {}", p.code, p.name))?;
    row += 1;
    kv(ws, row, "Số liệu tính đến:", &date_text(meta.as_of))?;
    row += 1;
    for (n, &fi) in files.iter().enumerate() {
        let f = &o.files[fi];
        let text =
            format!("{} — {} ({} lỗi, {} cảnh báo)", f.sub.path, f.fate.label(LANG), f.sub.errors(), f.sub.warnings());
        kv(ws, row, if n == 0 { "Tệp báo cáo:" } else { "" }, &text)?;
        row += 1;
    }

    let errors: usize = files.iter().map(|&i| o.files[i].sub.errors()).sum();
    let when = if meta.as_of > p.deadline {
        format!("sớm nhất có thể (hạn nộp {} đã qua)", date_text(p.deadline))
    } else {
        format!("trước ngày {}", date_text(p.deadline))
    };
    let warnings: usize = files.iter().map(|&i| o.files[i].sub.warnings()).sum();
    let instruction = if errors > 0 {
        let mut text =
            format!("Báo cáo chưa được tiếp nhận. Đơn vị vui lòng sửa các lỗi dưới đây và gửi lại báo cáo {when}.");
        if warnings > 0 {
            text.push_str(" Các cảnh báo cần được kiểm tra lại; nếu số liệu đúng, đơn vị giữ nguyên.");
        }
        text
    } else {
        format!(
            "Báo cáo đã được tiếp nhận nhưng có cảnh báo. Đơn vị vui lòng kiểm tra các cảnh báo dưới đây; \
             nếu số liệu chưa đúng, sửa và gửi lại báo cáo {when}."
        )
    };
    row += 1;
    ws.merge_range(
        row,
        0,
        row,
        LAST_COL,
        &instruction,
        &Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Top),
    )?;
    ws.set_row_height(row, 32)?;
    row += 2;

    let head = row;
    let headers =
        ["STT", "Tệp", "Trang tính", "Ô", "Mã lỗi", "Mức độ", "Chỉ tiêu", "Giá trị đã đọc", "Nội dung cần sửa"];
    write_headers(ws, head, &headers, &st.header)?;
    row += 1;
    let mut stt = 0u32;
    for &fi in files {
        let f = &o.files[fi];
        let mut issues: Vec<_> = f.sub.issues.iter().filter(|i| i.severity != Severity::Info).collect();
        issues.sort_by_key(|i| i.severity);
        for i in issues {
            stt += 1;
            ws.write_number_with_format(row, 0, stt, &st.count)?;
            put_text(ws, row, 1, &f.sub.path, &st.wrap)?;
            put_text(ws, row, 2, &i.sheet, &st.text)?;
            put_text(ws, row, 3, &i.cell_text(), &st.text)?;
            put_text(ws, row, 4, &i.code, &st.text)?;
            ws.write_string_with_format(row, 5, severity_label(i.severity, LANG), &st.text)?;
            put_text(ws, row, 6, i.indicator.as_deref().unwrap_or(""), &st.text)?;
            put_text(ws, row, 7, &i.value, &st.wrap)?;
            put_text(ws, row, 8, &i.message_vi, &st.wrap)?;
            let chars = i.message_vi.chars().count().max(f.sub.path.chars().count() * 70 / 30);
            ws.set_row_height(row, wrapped_height(chars, 70.0))?;
            row += 1;
        }
    }
    ws.autofilter(head, 0, (row - 1).max(head + 1), LAST_COL)?;
    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_repeat_rows(head, head)?;
    print_setup(ws);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use calamine::{Data, Reader};

    use super::*;
    use crate::report::workbook::testing::*;

    #[test]
    fn feedback_goes_to_units_with_errors_or_warnings() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        assert_eq!(units_with_feedback(&o), ["001", "003"]);
        let m = meta(&config, Lang::En);
        assert!(feedback_bytes(&config, &o, &m, "002").unwrap().is_none(), "a clean unit gets none");
        assert!(feedback_bytes(&config, &o, &m, "999").unwrap().is_none());

        let bytes = feedback_bytes(&config, &o, &m, "003").unwrap().unwrap();
        let (_dir, mut wb) = open(&bytes);
        assert_eq!(wb.sheet_names(), ["Phản hồi"]);
        let r = wb.worksheet_range("Phản hồi").unwrap();
        let e = find_row(&r, 4, "E101").unwrap();
        assert_eq!(r.get_value((e, 3)), Some(&Data::String("E20".into())));
        assert_eq!(r.get_value((e, 5)), Some(&Data::String("Lỗi".into())), "Vietnamese whatever --lang");
        assert_eq!(r.get_value((e, 7)), Some(&Data::String("=1+1".into())));
        assert!(r.used_cells().any(|(_, _, v)| matches!(v, Data::String(s) if s.contains("sớm nhất có thể"))));
        assert_eq!(feedback_bytes(&config, &o, &m, "003").unwrap().unwrap(), bytes);
    }

    #[test]
    fn winning_file_first_and_no_info() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let plan = feedback_plan(&o);
        let (_, files) = plan.iter().find(|(unit, _)| unit.as_str() == "001").unwrap();
        assert_eq!(
            files.iter().map(|&i| o.files[i].sub.path.as_str()).collect::<Vec<_>>(),
            ["quan/001_BaDinh.xlsx", "quan/001_cu.xlsx"]
        );
        let bytes = feedback_bytes(&config, &o, &meta(&config, Lang::Vi), "001").unwrap().unwrap();
        let (_dir, mut wb) = open(&bytes);
        let r = wb.worksheet_range("Phản hồi").unwrap();
        let first = find_row(&r, 4, "W103").unwrap();
        let second = find_row(&r, 4, "W105").unwrap();
        assert!(first < second);
        assert!(find_row(&r, 4, "I001").is_none(), "info issues are not sent");
        assert_eq!(r.get_value((first, 3)), Some(&Data::String("E14".into())));
    }
}
