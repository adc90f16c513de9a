//! Sheet 4, Lỗi dữ liệu: every issue of every file.

use super::*;

/// Sheet 4: every issue of every file, by file path then as stored.
pub(crate) fn issues_sheet(ws: &mut Worksheet, o: &Outcome, meta: &RunMeta, st: &Styles) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let headers = [
        lang.pick("Tệp", "File"),
        lang.pick("Mã đơn vị", "Unit code"),
        lang.pick("Trang tính", "Sheet"),
        lang.pick("Ô", "Cell"),
        lang.pick("Mã lỗi", "Code"),
        lang.pick("Mức độ", "Severity"),
        lang.pick("Chỉ tiêu", "Indicator"),
        lang.pick("Giá trị", "Value"),
        lang.pick("Nội dung", "Message"),
    ];
    write_headers(ws, 0, &headers, &st.header)?;
    let mut order: Vec<usize> = (0..o.files.len()).collect();
    order.sort_by(|&a, &b| o.files[a].sub.path.as_bytes().cmp(o.files[b].sub.path.as_bytes()));
    let total: usize = o.files.iter().map(|f| f.sub.issues.len()).sum();
    let mut row: RowNum = 1;
    'files: for &fi in &order {
        let f = &o.files[fi];
        for i in &f.sub.issues {
            if row >= MAX_ROW {
                let rest = total - (row as usize - 1);
                let text = match lang {
                    Lang::Vi => format!("… còn {rest} vấn đề khác, xem issues.csv"),
                    Lang::En => format!("… {rest} more issues, see issues.csv"),
                };
                ws.write_string_with_format(row, 0, text, &st.bold_text)?;
                break 'files;
            }
            put_text(ws, row, 0, &f.sub.path, &st.text)?;
            put_text(ws, row, 1, f.sub.unit.as_deref().unwrap_or(""), &st.text)?;
            put_text(ws, row, 2, &i.sheet, &st.text)?;
            put_text(ws, row, 3, &i.cell_text(), &st.text)?;
            put_text(ws, row, 4, &i.code, &st.text)?;
            ws.write_string_with_format(row, 5, severity_label(i.severity, lang), &st.text)?;
            put_text(ws, row, 6, i.indicator.as_deref().unwrap_or(""), &st.text)?;
            put_text(ws, row, 7, &i.value, &st.text)?;
            put_text(ws, row, 8, i.message(lang), &st.wrap)?;
            ws.set_row_height(row, wrapped_height(i.message(lang).chars().count(), 80.0))?;
            row += 1;
        }
    }
    let last = if row > 1 { row - 1 } else { 1 };
    ws.autofilter(0, 0, last, headers.len() as ColNum - 1)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    ws.set_autofit_max_width(300).set_autofit_max_row(20_000).autofit();
    ws.set_column_width(8, 80)?;
    print_setup(ws);
    Ok(())
}
