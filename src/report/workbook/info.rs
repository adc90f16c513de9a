//! Sheet 6, Thông tin: the run's metadata, and every input file with its hash and fate.

use super::*;

/// Sheet 6: run metadata and every input file with its hash and fate.
pub(crate) fn info_sheet(ws: &mut Worksheet, o: &Outcome, meta: &RunMeta, st: &Styles) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let mut row: RowNum = 0;
    ws.write_string_with_format(row, 0, lang.pick("Thông tin lần tổng hợp", "Run information"), &st.bold)?;
    row += 1;
    let pairs: [(&str, String); 4] = [
        (lang.pick("Phiên bản chương trình", "Program version"), meta.version.to_string()),
        (
            lang.pick("Kỳ báo cáo", "Period"),
            format!("{} – {}", o.period.code, lang.pick(&o.period.name, &o.period.name_en)),
        ),
        (lang.pick("Hạn nộp báo cáo", "Deadline"), date_text(o.period.deadline)),
        (lang.pick("Mã cấu hình (SHA-256)", "Configuration fingerprint (SHA-256)"), meta.config_fingerprint.clone()),
    ];
    ws.write_string_with_format(row, 0, lang.pick("Số liệu tính đến ngày", "Data as of"), &st.plain)?;
    ws.write_date_with_format(row, 1, meta.as_of, &st.date_plain)?;
    row += 1;
    for (k, v) in pairs {
        ws.write_string_with_format(row, 0, k, &st.plain)?;
        put_text(ws, row, 1, &v, &st.plain)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, lang.pick("Số tệp theo tình trạng", "Files by fate"), &st.bold)?;
    row += 1;
    for fate in Fate::ALL {
        ws.write_string_with_format(row, 0, fate.label(lang), &st.plain)?;
        ws.write_number_with_format(row, 1, o.count(fate) as f64, &st.count_plain)?;
        row += 1;
    }
    ws.write_string_with_format(row, 0, lang.pick("Tổng số tệp", "Files found"), &st.bold)?;
    ws.write_number_with_format(row, 1, o.files.len() as f64, &st.count_plain)?;
    row += 2;

    ws.write_string_with_format(
        row,
        0,
        lang.pick("Thay đổi so với lần tổng hợp trước", "Changes since the previous run"),
        &st.bold,
    )?;
    row += 1;
    let c = &meta.changes;
    if !c.previous_run {
        ws.write_string_with_format(
            row,
            0,
            lang.pick("Lần tổng hợp đầu tiên vào thư mục này", "First run into these outputs"),
            &st.plain,
        )?;
        row += 1;
    } else {
        for (label, units) in [
            (lang.pick("Đơn vị mới gửi báo cáo", "Units reporting for the first time"), &c.new),
            (lang.pick("Đơn vị gửi lại báo cáo khác", "Units whose report changed"), &c.changed),
            (lang.pick("Đơn vị rút báo cáo", "Units whose report was withdrawn"), &c.withdrawn),
        ] {
            ws.write_string_with_format(row, 0, label, &st.plain)?;
            let list =
                if units.is_empty() { lang.pick("(không có)", "(none)").to_string() } else { units.join(", ") };
            put_text(ws, row, 1, &list, &st.plain)?;
            row += 1;
        }
    }
    row += 1;

    let head = row;
    let headers = [
        lang.pick("Tệp", "File"),
        "SHA-256",
        lang.pick("Mã đơn vị", "Unit code"),
        lang.pick("Kỳ báo cáo", "Period"),
        lang.pick("Tình trạng", "Fate"),
        lang.pick("Số lỗi", "Errors"),
        lang.pick("Số cảnh báo", "Warnings"),
    ];
    write_headers(ws, head, &headers, &st.header)?;
    row += 1;
    for f in &o.files {
        put_text(ws, row, 0, &f.sub.path, &st.text)?;
        put_text(ws, row, 1, &f.sub.sha256, &st.text)?;
        put_text(ws, row, 2, f.sub.unit.as_deref().unwrap_or(""), &st.text)?;
        put_text(ws, row, 3, f.sub.period.as_deref().unwrap_or(""), &st.text)?;
        ws.write_string_with_format(row, 4, f.fate.label(lang), &st.text)?;
        ws.write_number_with_format(row, 5, f.sub.errors() as f64, &st.count)?;
        ws.write_number_with_format(row, 6, f.sub.warnings() as f64, &st.count)?;
        row += 1;
    }
    ws.autofilter(head, 0, (row - 1).max(head + 1), headers.len() as ColNum - 1)?;
    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_column_width(0, 40)?;
    ws.set_column_width(1, 66)?;
    for (c, w) in [(2, 12.0), (3, 12.0), (4, 22.0), (5, 9.0), (6, 11.0)] {
        ws.set_column_width(c, w)?;
    }
    print_setup(ws);
    Ok(())
}
