//! Sheet 2, Theo đơn vị: the unit × indicator matrix by unit type with subtotals, written row
//! by row in low-memory mode.

use super::*;

/// Sheet 2: the unit × indicator matrix (Tổng số, then Nam/Nữ of the indicators broken
/// down by sex), grouped by unit type; subtotals and the grand total are formulas.
pub(crate) fn matrix_sheet(
    ws: &mut Worksheet,
    config: &Config,
    o: &Outcome,
    mx: &Matrix,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let fixed = [
        lang.pick("Mã đơn vị", "Unit code"),
        lang.pick("Tên đơn vị", "Unit name"),
        lang.pick("Loại", "Type"),
        lang.pick("Tình trạng", "Status"),
    ];
    write_headers(ws, 0, &fixed, &st.header)?;
    let columns = mx.columns();
    for &(k, b, c) in &columns {
        let ind = &config.indicators[k];
        let (head, note) = match b {
            Breakdown::Total => (ind.code.clone(), lang.pick(&ind.name, &ind.name_en).to_string()),
            Breakdown::Male | Breakdown::Female => {
                let sex = if b == Breakdown::Male { lang.pick("Nam", "Male") } else { lang.pick("Nữ", "Female") };
                (format!("{} {sex}", ind.code), format!("{} – {sex}", lang.pick(&ind.name, &ind.name_en)))
            }
        };
        ws.write_string_with_format(0, c, &head, &st.header)?;
        let text = format!("{note} ({})", ind.measure_unit);
        ws.insert_note(0, c, &Note::new(text).add_author_prefix(false).set_width(240))?;
        ws.set_column_width(c, 11)?;
    }
    for (c, w) in [10.0, 36.0, 16.0, 20.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }

    // A unit's values are one run of rows: each row of the sheet fills a slot per
    // (indicator, breakdown) from its unit's run, without hashing and without a table of
    // every unit × indicator.
    let unit_rows = o.tables.values.unit_rows(config.units.len());
    let slot = |indicator: usize, b: Breakdown| indicator * 3 + b as usize;
    let mut values: Vec<Option<Micros>> = vec![None; config.indicators.len() * 3];
    let (blocks, grand_row) = mx.blocks();
    let mut grand: Vec<Option<i64>> = vec![None; columns.len()];
    for ((t, units), &(first_row, sub_row)) in mx.groups.iter().zip(&blocks) {
        let mut sub: Vec<Option<i64>> = vec![None; columns.len()];
        for (i, &(ui, file)) in units.iter().enumerate() {
            let row = first_row + i as RowNum;
            let unit = &config.units[ui];
            ws.write_string_with_format(row, 0, unit.code.as_str(), &st.text)?;
            put_text(ws, row, 1, &unit.name, &st.text)?;
            ws.write_string_with_format(row, 2, config.unit_type(*t).label(lang), &st.text)?;
            ws.write_string_with_format(row, 3, status_label(o, file, lang), &st.text)?;
            values.fill(None);
            let (first, count) = unit_rows[ui];
            for r in first..first + count {
                let v = o.tables.values.get(r as usize);
                values[slot(v.indicator, v.breakdown)] = Some(v.value);
            }
            for (j, &(k, b, c)) in columns.iter().enumerate() {
                let v = values[slot(k, b)];
                if let Some(v) = v {
                    sub[j] = Some(sub[j].unwrap_or(0) + v.0);
                }
                put_number(ws, row, c, v.map(Micros::as_f64), st.value(config.indicators[k].value_type, false))?;
            }
        }
        for c in 0..MATRIX_FIXED {
            ws.write_blank(sub_row, c, &st.bold_text)?;
        }
        ws.write_string_with_format(
            sub_row,
            1,
            format!("{} {}", lang.pick("Cộng", "Subtotal"), config.unit_type(*t).label(lang)),
            &st.bold_text,
        )?;
        for (j, &(k, _, c)) in columns.iter().enumerate() {
            let f = st.value(config.indicators[k].value_type, true);
            match sub[j] {
                Some(v) => {
                    grand[j] = Some(grand[j].unwrap_or(0) + v);
                    let range = cell_range(first_row, c, sub_row - 1, c);
                    put_formula(ws, sub_row, c, &format!("=SUM({range})"), Micros(v).as_f64(), f)?;
                }
                None => {
                    ws.write_blank(sub_row, c, f)?;
                }
            }
        }
    }
    for c in 0..MATRIX_FIXED {
        ws.write_blank(grand_row, c, &st.bold_text)?;
    }
    ws.write_string_with_format(grand_row, 1, lang.pick("Tổng cộng", "Grand total"), &st.bold_text)?;
    for (j, &(k, _, c)) in columns.iter().enumerate() {
        let f = st.value(config.indicators[k].value_type, true);
        match grand[j] {
            Some(v) => {
                let subs: Vec<String> = blocks.iter().map(|&(_, sub_row)| row_col_to_cell(sub_row, c)).collect();
                put_formula(ws, grand_row, c, &format!("=SUM({})", subs.join(",")), Micros(v).as_f64(), f)?;
            }
            None => {
                ws.write_blank(grand_row, c, f)?;
            }
        }
    }
    // Totals by group (nội thành, ngoại thành, …), below the table and outside its filter.
    let groups: BTreeSet<&str> = o.tables.by_group.keys().map(|(g, _, _)| g.as_str()).collect();
    let mut row = grand_row + 2;
    if !groups.is_empty() {
        ws.write_string_with_format(row, 1, lang.pick("Cộng theo nhóm đơn vị", "Totals by group"), &st.bold_text)?;
        row += 1;
    }
    for g in groups {
        put_text(ws, row, 1, g, &st.bold_text)?;
        for &(k, b, c) in &columns {
            let v = o.tables.by_group.get(&(g.to_string(), k, b)).and_then(|t| t.value);
            put_number(ws, row, c, v.map(Micros::as_f64), st.value(config.indicators[k].value_type, true))?;
        }
        row += 1;
    }
    ws.autofilter(0, 0, grand_row, mx.width.max(MATRIX_FIXED + 1) - 1)?;
    ws.set_freeze_panes(1, 2)?;
    ws.set_repeat_rows(0, 0)?;
    // Too wide for one readable page: three pages across, the unit columns on each.
    ws.set_paper_size(9).set_landscape().set_print_fit_to_pages(3, 0);
    ws.set_repeat_columns(0, 1)?;
    Ok(())
}
