//! Sheet 3, Tiến độ nộp: every expected unit's standing.

use super::*;

/// Sheet 3: every expected unit's standing.
pub(crate) fn submissions_sheet(
    ws: &mut Worksheet,
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    st: &Styles,
    fit: Fit,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let headers = [
        lang.pick("Mã", "Code"),
        lang.pick("Tên đơn vị", "Unit name"),
        lang.pick("Loại", "Type"),
        lang.pick("Nhóm", "Group"),
        lang.pick("Tình trạng", "Status"),
        lang.pick("Tệp", "File"),
        lang.pick("Ngày báo cáo", "Report date"),
        lang.pick("Thời hạn", "Timeliness"),
        lang.pick("Số lỗi", "Errors"),
        lang.pick("Số cảnh báo", "Warnings"),
        lang.pick("Liên hệ", "Contact"),
    ];
    write_headers(ws, 0, &headers, &st.header)?;
    let mut row: RowNum = 1;
    for u in &o.units {
        let unit = &config.units[u.unit];
        let file = u.file.and_then(|f| o.files.get(f));
        ws.write_string_with_format(row, 0, unit.code.as_str(), &st.text)?;
        put_text(ws, row, 1, &unit.name, &st.text)?;
        ws.write_string_with_format(row, 2, config.unit_type(unit.unit_type).label(lang), &st.text)?;
        put_text(ws, row, 3, &unit.group, &st.text)?;
        // A consolidated report of the level below shows that level's own completeness.
        let status = status_label(o, u.file, lang);
        match file.and_then(|f| f.sub.header.reported_units.as_deref()) {
            Some(r) => {
                let below = lang.pick("đơn vị cấp dưới đã báo cáo", "units below reported");
                ws.write_string_with_format(row, 4, format!("{status} ({r} {below})"), &st.text)?
            }
            None => ws.write_string_with_format(row, 4, status, &st.text)?,
        };
        put_text(ws, row, 5, file.map_or("", |f| f.sub.path.as_str()), &st.text)?;
        put_date(ws, row, 6, file.and_then(|f| f.sub.header.report_date), &st.date)?;
        // A unit whose only report was rejected has sent something: say so.
        let standing = match (u.timeliness, u.file) {
            (Timeliness::Missing, Some(_)) => lang.pick("Chưa có báo cáo hợp lệ", "No valid report"),
            (t, _) => t.label(lang),
        };
        ws.write_string_with_format(row, 7, standing, &st.text)?;
        put_number(ws, row, 8, file.map(|f| f.sub.errors() as f64), &st.count)?;
        put_number(ws, row, 9, file.map(|f| f.sub.warnings() as f64), &st.count)?;
        put_text(ws, row, 10, &unit.contact, &st.text)?;
        row += 1;
    }
    ws.autofilter(0, 0, row - 1, headers.len() as ColNum - 1)?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_repeat_rows(0, 0)?;
    match fit {
        Fit::Auto => {
            ws.set_autofit_max_width(360).set_autofit_max_row(AUTOFIT_ROWS).autofit();
        }
        Fit::Measured => {
            // Low-memory mode keeps one row at a time, so autofit cannot see the column:
            // measure its text on the rows autofit would have read.
            let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 3).collect();
            for u in o.units.iter().take(AUTOFIT_ROWS as usize) {
                let unit = &config.units[u.unit];
                let file = u.file.and_then(|f| o.files.get(f)).map_or("", |f| f.sub.path.as_str());
                let texts = [
                    unit.code.as_str(),
                    &unit.name,
                    config.unit_type(unit.unit_type).label(lang),
                    &unit.group,
                    file,
                    &unit.contact,
                ];
                for (c, t) in [0, 1, 2, 3, 5, 10].into_iter().zip(texts) {
                    widths[c] = widths[c].max(t.chars().count());
                }
            }
            for (c, w) in widths.into_iter().enumerate() {
                ws.set_column_width_pixels(c as ColNum, (w as u32 * 7 + 7).min(360))?;
            }
        }
    }
    ws.set_column_width(6, 13)?;
    print_setup(ws);
    Ok(())
}

/// How a sheet's columns are sized: autofit over the cells in memory, or measured from the
/// data for a sheet written in low-memory mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    Auto,
    Measured,
}

/// The rows autofit reads, and past which a sheet with a row per unit or per file is
/// written in low-memory mode.
pub(crate) const AUTOFIT_ROWS: RowNum = 20_000;
pub(crate) const LOW_MEMORY_ROWS: usize = AUTOFIT_ROWS as usize;
