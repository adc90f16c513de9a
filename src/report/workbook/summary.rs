//! Sheet 1, Tổng hợp: the title block, the city totals by section (formulas over sheet 2
//! with their cached values), progress against the plan's targets, the signature block.

use super::*;

/// Sheet 1: title block, city totals by section (formulas over sheet 2 with their cached
/// values), progress against the plan's targets with a chart of completeness by unit type.
pub(crate) fn summary_sheet(
    ws: &mut Worksheet,
    names: [&str; 6],
    config: &Config,
    o: &Outcome,
    mx: &Matrix,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    for (c, w) in [6.0, 8.0, 62.0, 12.0, 14.0, 12.0, 12.0, 13.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }
    title_block(ws, &o.period, meta, st)?;
    comparison_line(ws, o, meta.lang, st)?;
    header_block(ws, o, meta, st)?;
    let head: RowNum = 13;
    let mut row = totals_table(ws, head, (names, config, o, mx), meta.lang, st)?;
    let last_col = if o.previous.is_some() { 9 } else { 7 };
    ws.autofilter(head, 0, (row - 1).max(head), last_col)?;
    row = totals_findings(ws, row, config, o, meta.lang, st)?;
    ws.set_freeze_panes(head + 1, 0)?;
    ws.set_repeat_rows(head, head)?;
    print_setup(ws);

    // Progress against the plan, on a page of its own when printed: its heading is never
    // left alone at the foot of the table's last page.
    row += 1;
    ws.set_page_breaks(&[row])?;
    ws.write_string_with_format(row, 0, meta.lang.pick("Tiến độ thực hiện", "Progress"), &st.bold)?;
    row += 1;
    let (next, types) = completeness_tables(ws, row, config, o, meta.lang, st)?;
    row = targets_table(ws, next, o, meta.lang, st)?;
    // Completeness by unit type, below the progress tables it is drawn from.
    if let Some((first, last)) = types {
        ws.insert_chart(row, 0, &completeness_chart(names[0], (first, last), config, o, meta.lang))?;
        row += 17;
    }
    signature_block(ws, row, &o.period, meta, st)
}

/// The issuer and the national motto side by side, the report's title, its period and the
/// date the data stand at (rows 0–6).
fn title_block(ws: &mut Worksheet, p: &crate::config::Period, meta: &RunMeta, st: &Styles) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let center = Format::new().set_align(FormatAlign::Center).set_text_wrap();
    ws.merge_range(0, 0, 0, 2, &p.issuer, &center)?;
    ws.merge_range(1, 0, 1, 2, &p.agency, &st.subtitle)?;
    let motto = lang.pick("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIET NAM");
    ws.merge_range(0, 3, 0, 7, motto, &st.subtitle)?;
    let motto = lang.pick("Độc lập - Tự do - Hạnh phúc", "Independence - Freedom - Happiness");
    ws.merge_range(1, 3, 1, 7, motto, &st.subtitle)?;
    ws.merge_range(3, 0, 3, 7, lang.pick("BÁO CÁO TỔNG HỢP KẾT QUẢ", "CONSOLIDATED REPORT OF RESULTS"), &st.title)?;
    ws.merge_range(4, 0, 4, 7, lang.pick(&p.name, &p.name_en), &st.subtitle)?;
    ws.set_row_height(4, 30)?;
    let plan = if p.plan.is_empty() { String::new() } else { format!("{}; ", p.plan) };
    let line = match lang {
        Lang::Vi => format!("({plan}kỳ báo cáo từ ngày {} đến ngày {})", date_text(p.start), date_text(p.end)),
        Lang::En => format!("({plan}reporting period {} to {})", date_text(p.start), date_text(p.end)),
    };
    ws.merge_range(5, 0, 5, 7, &line, &st.note_line)?;
    let as_of = match lang {
        Lang::Vi => format!("Số liệu tính đến ngày {}", date_text(meta.as_of)),
        Lang::En => format!("Data as of {}", date_text(meta.as_of)),
    };
    ws.merge_range(6, 0, 6, 7, &as_of, &st.note_line)?;
    Ok(())
}

/// Rows 8–12: the labels a form carries above its table (`Mã đơn vị`, `Tên đơn vị`, `Kỳ báo
/// cáo`, `Ngày báo cáo`), filled with the issuer's, so that the workbook, with its table
/// below, is the issuer's form for the level above; and `Đơn vị đã báo cáo` (accepted of
/// expected units), the completeness the level above shows for it.
fn header_block(ws: &mut Worksheet, o: &Outcome, meta: &RunMeta, st: &Styles) -> Result<(), XlsxError> {
    let (lang, p) = (meta.lang, &o.period);
    let accepted = o.units.iter().filter(|u| u.accepted).count();
    // `Label: value` in one cell, as forms write them: the line reads whole on the page.
    let lines = [
        (lang.pick("Mã đơn vị", "Unit code"), p.issuer_code.as_ref().map_or(String::new(), |c| c.to_string())),
        (lang.pick("Tên đơn vị", "Unit"), p.issuer.clone()),
        (lang.pick("Kỳ báo cáo", "Period"), p.code.to_string()),
        (lang.pick("Ngày báo cáo", "Report date"), date_text(meta.as_of)),
        // The level's own completeness, which the level above shows beside this report.
        (lang.pick("Đơn vị đã báo cáo", "Units reported"), format!("{accepted}/{}", o.units.len())),
    ];
    // A level with no code of its own (the top) has no `Mã đơn vị` line.
    let lines = lines
        .into_iter()
        .filter(|(label, value)| !value.is_empty() || !label.starts_with(lang.pick("Mã", "Unit code")));
    for (row, (label, value)) in (8..).zip(lines) {
        ws.write_string_with_format(row, 0, format!("{label}: {value}"), &st.plain)?;
    }
    Ok(())
}

/// Under the totals, a line for each rule the totals break: sums of forms each checked can
/// still break one (units that filled CT21 but left CT20 blank), and the level above sees it
/// when this report goes up. Returns the next row.
fn totals_findings(
    ws: &mut Worksheet,
    mut row: RowNum,
    config: &Config,
    o: &Outcome,
    lang: Lang,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    let value = |i: usize, b: Breakdown| o.tables.total(i, b).and_then(|t| t.value);
    for (code, vi, en) in crate::validate::totals_findings(config, value) {
        let line = match lang {
            Lang::Vi => format!("Lưu ý ({code}): số liệu tổng hợp chưa thỏa quy tắc: {vi}"),
            Lang::En => format!("Note ({code}): the totals break a rule: {en}"),
        };
        ws.merge_range(row, 0, row, 7, &line, &st.note_line)?;
        row += 1;
    }
    Ok(row)
}

/// Row 7, when the period is compared with another: which one, or that its figures were not
/// found (the comparison columns are then left out).
fn comparison_line(ws: &mut Worksheet, o: &Outcome, lang: Lang, st: &Styles) -> Result<(), XlsxError> {
    let Some(with) = &o.period.compare_with else { return Ok(()) };
    let line = match (&o.previous, lang) {
        (Some(p), Lang::Vi) => format!("So sánh với cùng kỳ năm {} (kỳ {with})", p.year),
        (Some(p), Lang::En) => format!("Compared with the same period of {} (period {with})", p.year),
        (None, Lang::Vi) => format!("Không có số liệu kỳ {with} để so sánh cùng kỳ"),
        (None, Lang::En) => format!("No figures of period {with} were found to compare with"),
    };
    ws.merge_range(7, 0, 7, 7, &line, &st.note_line)?;
    Ok(())
}

/// The compared period's Tổng số and the ratio (current ÷ previous × 100, one decimal) in
/// columns I and J of the totals row `row`: a live formula over column E with the exact
/// ratio cached, blank when either is blank or the previous is 0.
fn comparison_cells(
    ws: &mut Worksheet,
    row: RowNum,
    (k, ind): (usize, &crate::config::Indicator),
    o: &Outcome,
    st: &Styles,
) -> Result<(), XlsxError> {
    let Some(previous) = &o.previous else { return Ok(()) };
    let before = previous.total(k, Breakdown::Total).and_then(|t| t.value);
    put_number(ws, row, 8, before.map(Micros::as_f64), st.value(ind.value_type, false))?;
    let now = o.tables.total(k, Breakdown::Total).and_then(|t| t.value);
    let (e, i) = (format!("E{}", row + 1), format!("I{}", row + 1));
    let formula = format!("=IF(AND(ISNUMBER({e}),ISNUMBER({i})),IF({i}=0,\"\",ROUND({e}/{i}*100,1)),\"\")");
    let ratio_format = st.count.clone().set_num_format("0.0");
    match crate::outcome::ratio_tenths(now, before) {
        Some(t) => put_formula(ws, row, 9, &formula, t as f64 / 10.0, &ratio_format)?,
        None => {
            let blank = rust_xlsxwriter::Formula::new(&formula).set_result("");
            ws.write_formula_with_format(row, 9, blank, &ratio_format)?;
        }
    }
    Ok(())
}

/// The indicators grouped by section, in catalogue order; indicators of no section last.
fn section_groups(config: &Config, lang: Lang) -> Vec<(Option<String>, Vec<usize>)> {
    let mut listed = vec![false; config.indicators.len()];
    let mut groups: Vec<(Option<String>, Vec<usize>)> = config
        .sections
        .iter()
        .map(|s| {
            let members: Vec<usize> =
                config.indicators.iter().enumerate().filter(|(_, i)| i.section == s.code).map(|(k, _)| k).collect();
            (Some(format!("{}. {}", s.code, lang.pick(&s.name, &s.name_en))), members)
        })
        .collect();
    for (_, members) in &groups {
        for &k in members {
            listed[k] = true;
        }
    }
    let rest: Vec<usize> = (0..config.indicators.len()).filter(|&k| !listed[k]).collect();
    if !rest.is_empty() {
        groups.push((None, rest));
    }
    groups
}

/// The city totals under their header row `head`, section by section; returns the row
/// after the table.
fn totals_table(
    ws: &mut Worksheet,
    head: RowNum,
    (names, config, o, mx): ([&str; 6], &Config, &Outcome, &Matrix),
    lang: Lang,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    let headers = [
        lang.pick("STT", "No."),
        lang.pick("Mã", "Code"),
        lang.pick("Chỉ tiêu", "Indicator"),
        lang.pick("Đơn vị tính", "Unit"),
        lang.pick("Tổng số", "Total"),
        lang.pick("Nam", "Male"),
        lang.pick("Nữ", "Female"),
        lang.pick("Số đơn vị báo cáo", "Units reporting"),
    ];
    write_headers(ws, head, &headers, &st.header)?;
    if let Some(p) = &o.previous {
        // Headings no form reader takes for a column of its own (not `Tổng số`, `Nam`, `Nữ`).
        let same = match lang {
            Lang::Vi => format!("Cùng kỳ {}", p.year),
            Lang::En => format!("Same period {}", p.year),
        };
        ws.write_string_with_format(head, 8, &same, &st.header)?;
        ws.write_string_with_format(head, 9, lang.pick("So sánh (%)", "Against it (%)"), &st.header)?;
        ws.set_column_width(8, 13)?;
        ws.set_column_width(9, 11)?;
    }
    ws.set_row_height(head, 32)?;
    let mut row = head + 1;
    let mut stt = 0;
    for (label, members) in section_groups(config, lang) {
        if members.is_empty() {
            continue;
        }
        if let Some(label) = label {
            let last = if o.previous.is_some() { 9 } else { 7 };
            for c in 0..=last {
                ws.write_blank(row, c, &st.bold_text)?;
            }
            ws.write_string_with_format(row, 2, &label, &st.bold_text)?;
            row += 1;
        }
        for k in members {
            let ind = &config.indicators[k];
            stt += 1;
            ws.write_number_with_format(row, 0, stt, &st.count)?;
            ws.write_string_with_format(row, 1, &ind.code, &st.text)?;
            ws.write_string_with_format(row, 2, lang.pick(&ind.name, &ind.name_en), &st.wrap)?;
            ws.write_string_with_format(row, 3, &ind.measure_unit, &st.text)?;
            // Each total is a formula over the unit rows of "Theo đơn vị", with the exact
            // city total as its cached value; a total nobody reported stays empty.
            let f = st.value(ind.value_type, false);
            for (c, b) in [(4, Breakdown::Total), (5, Breakdown::Male), (6, Breakdown::Female)] {
                let v = o.tables.total(k, b).and_then(|t| t.value).filter(|_| ind.by_sex || b == Breakdown::Total);
                let ranges = mx.col(k, b).and_then(|col| mx.unit_ranges(names[1], col));
                match (v, ranges) {
                    (Some(v), Some(r)) => put_formula(ws, row, c, &format!("=SUM({r})"), v.as_f64(), f)?,
                    (v, _) => put_number(ws, row, c, v.map(Micros::as_f64), f)?,
                }
            }
            let reporting = o.tables.total(k, Breakdown::Total).map_or(0, |t| t.units_reporting);
            match mx.col(k, Breakdown::Total).and_then(|col| mx.unit_ranges(names[1], col)) {
                Some(r) => put_formula(ws, row, 7, &format!("=COUNT({r})"), f64::from(reporting), &st.count)?,
                None => {
                    ws.write_number_with_format(row, 7, reporting, &st.count)?;
                }
            }
            comparison_cells(ws, row, (k, ind), o, st)?;
            row += 1;
        }
    }
    Ok(row)
}

/// A merged label over columns A–C and headings from D on.
fn sub_header(ws: &mut Worksheet, row: RowNum, first: &str, rest: &[&str], st: &Styles) -> Result<(), XlsxError> {
    ws.merge_range(row, 0, row, 2, first, &st.header)?;
    for (c, h) in rest.iter().enumerate() {
        ws.write_string_with_format(row, 3 + c as ColNum, *h, &st.header)?;
    }
    Ok(())
}

/// Units expected and reported by unit type, then by timeliness; returns the next row and
/// the rows of the unit types (for the chart), if any.
fn completeness_tables(
    ws: &mut Worksheet,
    mut row: RowNum,
    config: &Config,
    o: &Outcome,
    lang: Lang,
    st: &Styles,
) -> Result<(RowNum, Option<(RowNum, RowNum)>), XlsxError> {
    let expected = o.units.len();
    let accepted = o.units.iter().filter(|u| u.accepted).count();
    let headings =
        [lang.pick("Phải báo cáo", "Expected"), lang.pick("Đã báo cáo", "Reported"), lang.pick("Tỷ lệ", "Share")];
    sub_header(ws, row, lang.pick("Loại đơn vị", "Unit type"), &headings, st)?;
    row += 1;
    let types_first = row;
    for t in config.unit_type_ids() {
        let of_type: Vec<_> = o.units.iter().filter(|u| config.units[u.unit].unit_type == t).collect();
        if of_type.is_empty() {
            continue;
        }
        let done = of_type.iter().filter(|u| u.accepted).count();
        ws.merge_range(row, 0, row, 2, config.unit_type(t).label(lang), &st.text)?;
        ws.write_number_with_format(row, 3, of_type.len() as f64, &st.count)?;
        ws.write_number_with_format(row, 4, done as f64, &st.count)?;
        put_number(ws, row, 5, share(done as f64, of_type.len() as f64), &st.percent)?;
        row += 1;
    }
    let types = row.checked_sub(1).filter(|&r| r >= types_first).map(|last| (types_first, last));
    ws.merge_range(row, 0, row, 2, lang.pick("Tổng cộng", "Total"), &st.bold_text)?;
    ws.write_number_with_format(row, 3, expected as f64, &st.bold_count)?;
    ws.write_number_with_format(row, 4, accepted as f64, &st.bold_count)?;
    put_number(ws, row, 5, share(accepted as f64, expected as f64), &st.bold_percent)?;
    row += 2;

    let headings = [lang.pick("Số đơn vị", "Units"), lang.pick("Tỷ lệ", "Share")];
    sub_header(ws, row, lang.pick("Thời hạn nộp báo cáo", "Timeliness"), &headings, st)?;
    row += 1;
    for t in [Timeliness::OnTime, Timeliness::Late, Timeliness::Missing] {
        let n = o.units.iter().filter(|u| u.timeliness == t).count();
        ws.merge_range(row, 0, row, 2, t.label(lang), &st.text)?;
        ws.write_number_with_format(row, 3, n as f64, &st.count)?;
        put_number(ws, row, 4, share(n as f64, expected as f64), &st.percent)?;
        row += 1;
    }
    Ok((row + 1, types))
}

/// The plan's targets against what was achieved, if the period has targets; returns the
/// next row.
fn targets_table(
    ws: &mut Worksheet,
    mut row: RowNum,
    o: &Outcome,
    lang: Lang,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    let p = &o.period;
    if p.targets.is_empty() {
        return Ok(row);
    }
    let headings =
        [lang.pick("Chỉ tiêu", "Target"), lang.pick("Đạt được", "Achieved"), lang.pick("Đánh giá", "Assessment")];
    sub_header(ws, row, lang.pick("Mục tiêu kế hoạch", "Plan target"), &headings, st)?;
    row += 1;
    let expected = o.units.len();
    let accepted = o.units.iter().filter(|u| u.accepted).count();
    let on_time = o.units.iter().filter(|u| u.timeliness == Timeliness::OnTime).count();
    for t in &p.targets {
        let achieved = match t.kind {
            TargetKind::Completeness => share(accepted as f64, expected as f64),
            TargetKind::Timeliness => share(on_time as f64, expected as f64),
            TargetKind::IndicatorReported => {
                let n = t.indicator.map_or(0, |k| {
                    let reported: std::collections::HashSet<usize> = o
                        .tables
                        .values
                        .iter()
                        .filter(|v| v.indicator == k && v.breakdown == Breakdown::Total && v.value.0 > 0)
                        .map(|v| v.unit)
                        .collect();
                    o.units.iter().filter(|u| u.accepted && reported.contains(&u.unit)).count()
                });
                share(n as f64, expected as f64)
            }
        };
        let goal = t.percent / 100.0;
        ws.merge_range(row, 0, row, 2, lang.pick(&t.label, &t.label_en), &st.wrap)?;
        ws.write_number_with_format(row, 3, goal, &st.percent)?;
        put_number(ws, row, 4, achieved, &st.percent)?;
        let verdict = match achieved {
            Some(a) if a + 1e-9 >= goal => lang.pick("Đạt", "Met"),
            Some(_) => lang.pick("Chưa đạt", "Not met"),
            None => "",
        };
        put_text(ws, row, 5, verdict, &st.text)?;
        row += 1;
    }
    Ok(row + 1)
}

/// Columns of units expected and reported for each unit type, from the rows `types` of the
/// completeness table on sheet `sheet`.
fn completeness_chart(sheet: &str, types: (RowNum, RowNum), config: &Config, o: &Outcome, lang: Lang) -> Chart {
    let (first, last) = types;
    let mut chart = Chart::new(ChartType::Column);
    for (c, color) in [(3, Color::RGB(0xA6A6A6)), (4, Color::RGB(0x2E75B6))] {
        chart
            .add_series()
            .set_name((sheet, first - 1, c))
            .set_categories((sheet, first, 0, last, 0))
            .set_values((sheet, first, c, last, c))
            .set_format(ChartFormat::new().set_solid_fill(ChartSolidFill::new().set_color(color)))
            .set_data_label(ChartDataLabel::new().show_value());
    }
    chart.title().set_name(lang.pick("Số đơn vị đã báo cáo theo loại đơn vị", "Units reported by unit type"));
    let most = config
        .unit_type_ids()
        .map(|t| o.units.iter().filter(|u| config.units[u.unit].unit_type == t).count())
        .max()
        .unwrap_or(0);
    chart.y_axis().set_min(0).set_major_unit(count_axis_step(most as u64)).set_num_format("#,##0");
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(760).set_height(300);
    chart
}

/// Recipients on the left; place and date, the signer's title on the right: the close of
/// an administrative document, so the sheet can be signed and sent as it is.
pub(crate) fn signature_block(
    ws: &mut Worksheet,
    row: RowNum,
    p: &crate::config::Period,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let italic = Format::new().set_italic().set_align(FormatAlign::Center);
    let title = Format::new().set_bold().set_align(FormatAlign::Center);
    use chrono::Datelike;
    let d = meta.as_of;
    let dated = match (lang, p.place.is_empty()) {
        (Lang::Vi, false) => format!("{}, ngày {:02} tháng {:02} năm {}", p.place, d.day(), d.month(), d.year()),
        (Lang::Vi, true) => format!("Ngày {:02} tháng {:02} năm {}", d.day(), d.month(), d.year()),
        (Lang::En, false) => format!("{}, {}", p.place, date_text(d)),
        (Lang::En, true) => date_text(d),
    };
    ws.merge_range(row, 4, row, 7, &dated, &italic)?;
    if !p.signer.is_empty() {
        ws.merge_range(row + 1, 4, row + 1, 7, &p.signer, &title)?;
        ws.merge_range(
            row + 2,
            4,
            row + 2,
            7,
            lang.pick("(Ký, ghi rõ họ tên, đóng dấu)", "(Signature and seal)"),
            &italic,
        )?;
    }
    if !p.recipients.is_empty() {
        ws.write_string_with_format(row + 1, 0, lang.pick("Nơi nhận:", "Recipients:"), &st.bold_text)?;
        for (i, r) in p.recipients.iter().enumerate() {
            ws.merge_range(row + 2 + i as RowNum, 0, row + 2 + i as RowNum, 2, &format!("- {r};"), &st.text)?;
        }
    }
    Ok(())
}
