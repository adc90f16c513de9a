//! Sheet 7, Sau chốt số liệu: what moved since the period's latest freeze, when it has one.

use super::*;
use crate::report::freeze::{Change, SinceFreeze, micros};

/// The sheet's name.
pub(crate) fn since_freeze_name(lang: Lang) -> &'static str {
    lang.pick("Sau chốt số liệu", "Since the freeze")
}

/// Sheet 7: the freeze it compares with; the city totals that moved; the units that
/// appeared or are gone; every value that moved, by unit, catalogue order and breakdown.
pub(crate) fn since_freeze_sheet(
    ws: &mut Worksheet,
    config: &Config,
    f: &SinceFreeze,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    for (c, w) in [12.0, 50.0, 10.0, 16.0, 16.0, 14.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }
    let by = if f.by.is_empty() { String::new() } else { format!(", {}", f.by) };
    let on = chrono::NaiveDate::parse_from_str(&f.frozen_at, "%Y-%m-%d").map_or(f.frozen_at.clone(), date_text);
    let title = match lang {
        Lang::Vi => format!("Thay đổi so với số liệu chốt lần {} ngày {on}{by}", f.freeze),
        Lang::En => format!("Changes since freeze {} of {on}{by}", f.freeze),
    };
    ws.write_string_with_format(0, 0, &title, &st.bold)?;
    if f.changes.is_empty() {
        let none = lang.pick("Không có số liệu nào thay đổi sau khi chốt.", "No value has changed since the freeze.");
        ws.write_string(2, 0, none)?;
        return Ok(());
    }
    let mut row: RowNum = 2;
    for (label_vi, label_en, units) in [
        ("Đơn vị có số liệu mới sau khi chốt", "Units with figures since the freeze", &f.units_appeared),
        ("Đơn vị không còn số liệu so với khi chốt", "Units whose figures are gone since the freeze", &f.units_gone),
    ] {
        if !units.is_empty() {
            let named: Vec<String> = units
                .iter()
                .map(|code| config.unit(code).map_or_else(|| code.clone(), |u| format!("{code} {}", u.name)))
                .collect();
            ws.write_string(row, 0, format!("{}: {}", lang.pick(label_vi, label_en), named.join(", ")))?;
            row += 1;
        }
    }
    row += 1;
    ws.write_string_with_format(
        row,
        0,
        lang.pick("Số liệu toàn thành phố đã thay đổi", "City totals that moved"),
        &st.bold,
    )?;
    row += 1;
    row = changes_table(ws, row, config, &f.totals_moved, false, lang, st)?;
    row += 1;
    ws.write_string_with_format(
        row,
        0,
        lang.pick("Số liệu từng đơn vị đã thay đổi", "Unit values that moved"),
        &st.bold,
    )?;
    row += 1;
    changes_table(ws, row, config, &f.changes, true, lang, st)?;
    Ok(())
}

/// A table of changes from `row`: the unit (when `by_unit`), the indicator, the breakdown,
/// the frozen and current values and their difference; returns the next row.
fn changes_table(
    ws: &mut Worksheet,
    mut row: RowNum,
    config: &Config,
    changes: &[Change],
    by_unit: bool,
    lang: Lang,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    let first = if by_unit { lang.pick("Mã đơn vị", "Unit code") } else { "" };
    let headers = [
        first,
        lang.pick("Chỉ tiêu (mã, tên)", "Indicator"),
        lang.pick("Phân tổ", "Breakdown"),
        lang.pick("Khi chốt", "Frozen"),
        lang.pick("Hiện tại", "Current"),
        lang.pick("Chênh lệch", "Difference"),
    ];
    write_headers(ws, row, &headers, &st.header)?;
    row += 1;
    for c in changes {
        let Some(k) = config.indicator_index(&c.indicator) else { continue };
        let ind = &config.indicators[k];
        let f = st.value(ind.value_type, false);
        put_text(ws, row, 0, &c.unit, &st.text)?;
        put_text(ws, row, 1, &format!("{} {}", ind.code, lang.pick(&ind.name, &ind.name_en)), &st.wrap)?;
        // Words no form reader takes for a heading (not `Tổng số`, `Nam`, `Nữ`): this
        // workbook goes up a level as a form.
        let breakdown = match c.breakdown {
            "male" => lang.pick("Nam giới", "Male"),
            "female" => lang.pick("Nữ giới", "Female"),
            _ if ind.by_sex => lang.pick("Cả nam và nữ", "Total"),
            _ => "",
        };
        put_text(ws, row, 2, breakdown, &st.text)?;
        let (was, now) = (micros(&c.frozen), micros(&c.current));
        put_number(ws, row, 3, was.map(Micros::as_f64), f)?;
        put_number(ws, row, 4, now.map(Micros::as_f64), f)?;
        let diff = was.zip(now).map(|(a, b)| Micros(b.0 - a.0).as_f64());
        put_number(ws, row, 5, diff, f)?;
        row += 1;
    }
    Ok(row)
}
