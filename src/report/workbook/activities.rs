//! Sheet 5, Hoạt động: the activity timeline by week and type, and by unit, unit type and
//! channel, with charts.

use super::*;

pub(crate) fn week_label(k: usize, (from, to): (NaiveDate, NaiveDate), lang: Lang) -> String {
    if k == 0 {
        return lang.pick("Trước kỳ", "Before the period").to_string();
    }
    let d = |x: NaiveDate| x.format("%d/%m").to_string();
    format!("{} {k} ({}–{})", lang.pick("Tuần", "Week"), d(from), d(to))
}

/// Sheet 5: activities per week × type, by unit type, channel and unit, shares; charts of
/// the weekly timeline, the channels and the activities per district-level unit.
pub(crate) fn activities_sheet(
    ws: &mut Worksheet,
    sheet: &str,
    config: &Config,
    o: &Outcome,
    meta: &RunMeta,
    st: &Styles,
) -> Result<(), XlsxError> {
    let lang = meta.lang;
    let a = &o.tables.activities;
    let timeline = timeline_table(ws, config, a, lang, st)?;
    let mut row = timeline.next_row;
    row = unit_type_table(ws, row, (config, o), lang, st)?;
    let channels_first = row + 1;
    row = channel_table(ws, row, a, lang, st)?;
    row = shares(ws, row, a, lang, st)?;
    // Charts: the weekly timeline by type, and beside it the share of each channel.
    if !a.weeks.is_empty() && !config.activity_types.is_empty() {
        ws.insert_chart(row, 0, &timeline_chart(sheet, &timeline, config.activity_types.len(), lang))?;
    }
    ws.insert_chart_with_offset(row, 0, &channel_chart(sheet, channels_first, lang), 860, 0)?;
    units_table(ws, row + 20, sheet, config, o, lang, st)?;
    print_setup(ws);
    Ok(())
}

/// Where the timeline table lies, for its chart.
struct Timeline {
    /// The first activity-type column.
    first: ColNum,
    last_week: RowNum,
    /// The most activities in one week.
    week_max: u64,
    next_row: RowNum,
}

/// Weeks × activity types from row 0, with a total row; returns where it lies.
fn timeline_table(
    ws: &mut Worksheet,
    config: &Config,
    a: &crate::aggregate::ActivityTables,
    lang: Lang,
    st: &Styles,
) -> Result<Timeline, XlsxError> {
    let types = config.activity_types.len();
    let first: ColNum = 3;
    let after = first + types as ColNum;
    ws.write_string_with_format(0, 0, lang.pick("Tuần", "Week"), &st.header)?;
    ws.write_string_with_format(0, 1, lang.pick("Từ ngày", "From"), &st.header)?;
    ws.write_string_with_format(0, 2, lang.pick("Đến ngày", "To"), &st.header)?;
    for (t, at) in config.activity_types.iter().enumerate() {
        let c = first + t as ColNum;
        ws.write_string_with_format(0, c, lang.pick(&at.name, &at.name_en), &st.header)?;
        ws.set_column_width(c, 14)?;
    }
    ws.write_string_with_format(0, after, lang.pick("Tổng số hoạt động", "Activities"), &st.header)?;
    ws.write_string_with_format(0, after + 1, lang.pick("Số người tham gia", "Participants"), &st.header)?;
    ws.set_column_width(after, 12)?;
    ws.set_column_width(after + 1, 14)?;
    ws.set_row_height(0, 45)?;
    for (c, w) in [30.0, 12.0, 12.0].into_iter().enumerate() {
        ws.set_column_width(c as ColNum, w)?;
    }
    let mut row: RowNum = 1;
    let mut col_sums = vec![0u64; types];
    let (mut all_n, mut all_p, mut week_max) = (0u64, 0i64, 0u64);
    for (k, &span) in a.weeks.iter().enumerate() {
        ws.write_string_with_format(row, 0, week_label(k, span, lang), &st.text)?;
        put_date(ws, row, 1, Some(span.0), &st.date)?;
        put_date(ws, row, 2, Some(span.1), &st.date)?;
        let cells = a.by_week_type.get(k);
        let (mut n, mut p) = (0u64, 0i64);
        for (t, sum) in col_sums.iter_mut().enumerate() {
            let (count, people) = cells.and_then(|w| w.get(t)).copied().unwrap_or((0, Micros(0)));
            *sum += count;
            n += count;
            p += people.0;
            ws.write_number_with_format(row, first + t as ColNum, count as f64, &st.count)?;
        }
        ws.write_number_with_format(row, after, n as f64, &st.count)?;
        ws.write_number_with_format(row, after + 1, Micros(p).as_f64(), &st.count)?;
        week_max = week_max.max(n);
        all_n += n;
        all_p += p;
        row += 1;
    }
    let last_week = row - 1;
    ws.write_string_with_format(row, 0, lang.pick("Tổng cộng", "Total"), &st.bold_text)?;
    ws.write_blank(row, 1, &st.bold_text)?;
    ws.write_blank(row, 2, &st.bold_text)?;
    for (t, s) in col_sums.iter().enumerate() {
        ws.write_number_with_format(row, first + t as ColNum, *s as f64, &st.bold_count)?;
    }
    ws.write_number_with_format(row, after, all_n as f64, &st.bold_count)?;
    ws.write_number_with_format(row, after + 1, Micros(all_p).as_f64(), &st.bold_count)?;
    ws.autofilter(0, 0, last_week.max(1), after + 1)?;
    ws.set_freeze_panes(1, 1)?;
    Ok(Timeline { first, last_week, week_max, next_row: row + 2 })
}

/// Activities, participants, female share, online and cost by unit type, with a total row;
/// returns the next row.
fn unit_type_table(
    ws: &mut Worksheet,
    mut row: RowNum,
    (config, o): (&Config, &Outcome),
    lang: Lang,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    let a = &o.tables.activities;
    let headers = [
        lang.pick("Loại đơn vị", "Unit type"),
        lang.pick("Số hoạt động", "Activities"),
        lang.pick("Số người tham gia", "Participants"),
        lang.pick("Trong đó nữ", "Of whom female"),
        lang.pick("Tỷ lệ nữ", "Female share"),
        lang.pick("Trực tuyến, kết hợp", "Online or mixed"),
        lang.pick("Kinh phí (triệu đồng)", "Cost (million VND)"),
    ];
    write_headers(ws, row, &headers, &st.header)?;
    row += 1;
    let kinds: Vec<UnitType> = config
        .unit_type_ids()
        .filter(|t| o.period.expected_unit_types.contains(t) || a.by_unit_type.contains_key(t))
        .collect();
    let sums_row = |ws: &mut Worksheet, row: RowNum, label: &str, s: &crate::model::ActivitySums, bold: bool| {
        let (tx, n, p) =
            if bold { (&st.bold_text, &st.bold_count, &st.bold_percent) } else { (&st.text, &st.count, &st.percent) };
        let am = if bold { &st.bold_amount } else { &st.amount };
        ws.write_string_with_format(row, 0, label, tx)?;
        ws.write_number_with_format(row, 1, s.activities as f64, n)?;
        ws.write_number_with_format(row, 2, s.participants.as_f64(), n)?;
        ws.write_number_with_format(row, 3, s.female.as_f64(), n)?;
        put_number(ws, row, 4, share(s.female.as_f64(), s.participants.as_f64()), p)?;
        ws.write_number_with_format(row, 5, s.online as f64, n)?;
        ws.write_number_with_format(row, 6, s.cost.as_f64(), am)?;
        Ok::<(), XlsxError>(())
    };
    for t in kinds {
        let s = a.by_unit_type.get(&t).copied().unwrap_or_default();
        sums_row(ws, row, config.unit_type(t).label(lang), &s, false)?;
        row += 1;
    }
    sums_row(ws, row, lang.pick("Tổng cộng", "Total"), &a.total, true)?;
    Ok(row + 2)
}

/// Activities and participants by channel (three rows under a header row); returns the
/// next row.
fn channel_table(
    ws: &mut Worksheet,
    mut row: RowNum,
    a: &crate::aggregate::ActivityTables,
    lang: Lang,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    let headers = [
        lang.pick("Hình thức", "Channel"),
        lang.pick("Số hoạt động", "Activities"),
        lang.pick("Số người tham gia", "Participants"),
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(row, c as ColNum, *h, &st.header)?;
    }
    row += 1;
    for ch in [Channel::InPerson, Channel::Online, Channel::Mixed] {
        let s = a.by_channel.get(&ch).copied().unwrap_or_default();
        ws.write_string_with_format(row, 0, lang.pick(ch.label_vi(), ch.label_en()), &st.text)?;
        ws.write_number_with_format(row, 1, s.activities as f64, &st.count)?;
        ws.write_number_with_format(row, 2, s.participants.as_f64(), &st.count)?;
        row += 1;
    }
    Ok(row + 1)
}

/// The online share of activities and the female share of participants; returns the next row.
fn shares(
    ws: &mut Worksheet,
    row: RowNum,
    a: &crate::aggregate::ActivityTables,
    lang: Lang,
    st: &Styles,
) -> Result<RowNum, XlsxError> {
    let online = lang.pick("Tỷ lệ hoạt động trực tuyến (Trực tuyến + Kết hợp)", "Online share (online + mixed)");
    ws.merge_range(row, 0, row, 2, online, &st.text)?;
    put_number(ws, row, 3, share(a.total.online as f64, a.total.activities as f64), &st.percent)?;
    let female = lang.pick("Tỷ lệ nữ trong số người tham gia", "Female share of participants");
    ws.merge_range(row + 1, 0, row + 1, 2, female, &st.text)?;
    put_number(ws, row + 1, 3, share(a.total.female.as_f64(), a.total.participants.as_f64()), &st.percent)?;
    Ok(row + 3)
}

/// Stacked columns of activities per week, one series per activity type.
fn timeline_chart(sheet: &str, t: &Timeline, types: usize, lang: Lang) -> Chart {
    let mut chart = Chart::new(ChartType::ColumnStacked);
    for k in 0..types {
        let c = t.first + k as ColNum;
        chart.add_series().set_name((sheet, 0, c)).set_categories((sheet, 1, 0, t.last_week, 0)).set_values((
            sheet,
            1,
            c,
            t.last_week,
            c,
        ));
    }
    chart.title().set_name(lang.pick("Số hoạt động theo tuần và loại hình", "Activities per week by type"));
    // Whole steps: counts are never fractional, and small counts would get 0.5 steps.
    chart
        .y_axis()
        .set_name(lang.pick("Số hoạt động", "Activities"))
        .set_min(0)
        .set_major_unit(count_axis_step(t.week_max))
        .set_num_format("#,##0");
    chart.legend().set_position(ChartLegendPosition::Bottom);
    chart.set_width(840).set_height(380);
    chart
}

/// A doughnut of the channels, from the three rows of the channel table at `first`.
fn channel_chart(sheet: &str, first: RowNum, lang: Lang) -> Chart {
    let mut pie = Chart::new(ChartType::Doughnut);
    pie.add_series()
        .set_name(lang.pick("Hình thức", "Channel"))
        .set_categories((sheet, first, 0, first + 2, 0))
        .set_values((sheet, first, 1, first + 2, 1))
        .set_data_label(ChartDataLabel::new().show_percentage());
    pie.title().set_name(lang.pick("Hình thức tổ chức hoạt động", "Activities by channel"));
    pie.legend().set_position(ChartLegendPosition::Bottom);
    pie.set_hole_size(50);
    pie.set_width(400).set_height(380);
    pie
}

/// Activities by unit from `row`: district-level units first (every one with an accepted
/// report, most active first, drawn in a bar chart beside the table), then the other units
/// with activities. A unit without an accepted report is not listed: blank is not zero.
fn units_table(
    ws: &mut Worksheet,
    mut row: RowNum,
    sheet: &str,
    config: &Config,
    o: &Outcome,
    lang: Lang,
    st: &Styles,
) -> Result<(), XlsxError> {
    let a = &o.tables.activities;
    // Territories (quận, huyện; a district's phường, xã) are listed and charted one by one.
    let territorial = |ui: usize| config.unit_type(config.units[ui].unit_type).territorial;
    let mut listed: BTreeSet<usize> = a.by_unit.keys().copied().collect();
    listed.extend(o.units.iter().filter(|u| u.accepted && territorial(u.unit)).map(|u| u.unit));
    if listed.is_empty() {
        return Ok(());
    }
    let activities_of = |ui: usize| a.by_unit.get(&ui).copied().unwrap_or_default();
    let mut district: Vec<usize> = listed.iter().copied().filter(|&ui| territorial(ui)).collect();
    let mut others: Vec<usize> = listed.iter().copied().filter(|&ui| !territorial(ui)).collect();
    for list in [&mut district, &mut others] {
        list.sort_by_key(|&ui| (std::cmp::Reverse(activities_of(ui).activities), ui));
    }
    let headers = [
        lang.pick("Đơn vị", "Unit"),
        lang.pick("Mã đơn vị", "Unit code"),
        lang.pick("Loại", "Type"),
        lang.pick("Số hoạt động", "Activities"),
        lang.pick("Số người tham gia", "Participants"),
        lang.pick("Trực tuyến, kết hợp", "Online or mixed"),
    ];
    write_headers(ws, row, &headers, &st.header)?;
    ws.set_row_height(row, 30)?;
    let head = row;
    // Printed on a page of its own, so that the bar chart beside it is not cut.
    ws.set_page_breaks(&[head])?;
    row += 1;
    for &ui in district.iter().chain(&others) {
        let unit = &config.units[ui];
        let s = activities_of(ui);
        put_text(ws, row, 0, &unit.name, &st.text)?;
        ws.write_string_with_format(row, 1, unit.code.as_str(), &st.text)?;
        ws.write_string_with_format(row, 2, config.unit_type(unit.unit_type).label(lang), &st.text)?;
        ws.write_number_with_format(row, 3, s.activities as f64, &st.count)?;
        ws.write_number_with_format(row, 4, s.participants.as_f64(), &st.count)?;
        ws.write_number_with_format(row, 5, s.online as f64, &st.count)?;
        row += 1;
    }
    if district.is_empty() {
        return Ok(());
    }
    let (from, to) = (head + 1, head + district.len() as RowNum);
    let most = district.iter().map(|&ui| activities_of(ui).activities).max().unwrap_or(0);
    let mut bar = Chart::new(ChartType::Bar);
    bar.add_series()
        .set_name((sheet, head, 3))
        .set_categories((sheet, from, 0, to, 0))
        .set_values((sheet, from, 3, to, 3))
        .set_gap(50)
        .set_data_label(ChartDataLabel::new().show_value());
    // The territories' own words: `quận, huyện, thị xã` at a city, `phường, xã, thị trấn` at
    // a district.
    let territories: Vec<String> = config
        .unit_types
        .iter()
        .filter(|t| t.territorial)
        .map(|t| lang.pick(&t.name, &t.name_en).to_lowercase())
        .collect();
    let title = match lang {
        Lang::Vi => format!("Số hoạt động theo {}", territories.join(", ")),
        Lang::En => format!("Activities per territory ({})", territories.join(", ")),
    };
    bar.title().set_name(&title);
    // Bar charts: y is the category axis; the most active unit on top.
    bar.y_axis().set_reverse();
    bar.x_axis().set_min(0).set_major_unit(count_axis_step(most)).set_num_format("#,##0");
    bar.legend().set_hidden();
    bar.set_width(600).set_height(80 + 20 * district.len().max(10) as u32);
    ws.insert_chart_with_offset(head, 6, &bar, 10, 0)?;
    Ok(())
}
