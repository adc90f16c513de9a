//! Sheet 7, Nhật ký hoạt động: the activity log of the level below, for the level above.
//!
//! Written only when the period names the issuer's own code (`issuer_code`): the workbook is
//! then a form for the level above, and this is its activity log, with the form's columns
//! plus `Số hoạt động` (how many activities a row stands for: the accepted forms' rows summed
//! by unit, day, type and channel). Low-memory mode: a row leaves memory once written.

use super::*;

/// The sheet's name; its header row, not its name, is what the form reader finds it by.
pub(crate) fn log_name(lang: Lang) -> &'static str {
    lang.pick("Nhật ký hoạt động", "Activity log")
}

pub(crate) fn log_sheet(
    ws: &mut Worksheet,
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let headers = [
        lang.pick("STT", "No."),
        lang.pick("Đơn vị", "Unit"),
        lang.pick("Ngày", "Date"),
        lang.pick("Mã loại hoạt động", "Activity type code"),
        lang.pick("Tên loại hoạt động", "Activity type"),
        lang.pick("Hình thức", "Channel"),
        lang.pick("Số người tham gia", "Participants"),
        lang.pick("Trong đó nữ", "Of whom female"),
        lang.pick("Kinh phí (triệu đồng)", "Cost (million VND)"),
        lang.pick("Số hoạt động", "Activities"),
    ];
    for (c, w) in [6.0, 10.0, 12.0, 10.0, 40.0, 12.0, 14.0, 12.0, 14.0, 12.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }
    write_headers(ws, 0, &headers, &st.header)?;
    let mut row: RowNum = 1;
    for (code, &file) in &o.accepted {
        for a in &o.files[file].sub.log {
            let kind = a.kind.map(|k| &config.activity_types[k]);
            ws.write_number_with_format(row, 0, row as f64, &st.count)?;
            ws.write_string_with_format(row, 1, code.as_str(), &st.text)?;
            put_date(ws, row, 2, a.date, &st.date)?;
            put_text(ws, row, 3, kind.map_or("", |k| k.code.as_str()), &st.text)?;
            put_text(ws, row, 4, kind.map_or("", |k| lang.pick(&k.name, &k.name_en)), &st.text)?;
            put_text(ws, row, 5, a.channel.map_or("", |c| lang.pick(c.label_vi(), c.label_en())), &st.text)?;
            put_number(ws, row, 6, a.participants.map(Micros::as_f64), &st.count)?;
            put_number(ws, row, 7, a.female.map(Micros::as_f64), &st.count)?;
            put_number(ws, row, 8, a.cost.map(Micros::as_f64), &st.amount)?;
            ws.write_number_with_format(row, 9, f64::from(a.count), &st.count)?;
            row += 1;
        }
    }
    Ok(())
}
