//! The consolidated workbook an official opens: summary, unit × indicator matrix,
//! submissions, data issues, activities and run information.
//!
//! Labels follow `--lang`; every string that came from an input file is written as a
//! string cell (never a formula); values are real numbers, dates real dates. Nothing here
//! reads the clock: the same outcome gives the same bytes.
//!
//! This file assembles the workbook; each sheet is built in a file of its own, from the
//! cell writers shared with the feedback workbook ([`crate::report::cells`]).

mod activities;
mod info;
mod issues;
mod log;
mod matrix;
mod since_freeze;
mod submissions;
mod summary;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use rust_xlsxwriter::utility::{cell_range, row_col_to_cell};
use rust_xlsxwriter::{
    Chart, ChartDataLabel, ChartFormat, ChartLegendPosition, ChartSolidFill, ChartType, ColNum, Color, DocProperties,
    Format, FormatAlign, Note, RowNum, Workbook, Worksheet, XlsxError,
};

use crate::config::{Config, TargetKind, UnitType};
use crate::model::{Breakdown, Channel, Fate, Lang, Micros, OwnKind};
use crate::outcome::{Outcome, Timeliness};
use crate::report::RunMeta;

pub(crate) use crate::report::cells::*;
use activities::*;
use info::*;
use issues::*;
use log::*;
use matrix::*;
use since_freeze::*;
use submissions::*;
use summary::*;

/// The first fixed columns of the matrix: code, name, type, status.
pub(crate) const MATRIX_FIXED: ColNum = 4;

/// A unit row of the matrix: the unit (catalogue index) and its winning file.
pub(crate) type MatrixRow = (usize, Option<usize>);

/// The layout of the unit × indicator matrix (sheet 2), shared with the summary so that
/// the city totals can be formulas over the unit rows.
///
/// Rows: a header, then per unit type its units and a subtotal row, then the grand total.
/// Columns: the fixed ones, each indicator's Tổng số in catalogue order, then Nam and Nữ
/// of each indicator broken down by sex.
pub(crate) struct Matrix {
    /// Per unit type: (unit, winning file) rows in catalogue order.
    groups: Vec<(UnitType, Vec<MatrixRow>)>,
    /// Per indicator, the column of each breakdown it has (by [`Breakdown::index`]).
    cols: Vec<[Option<ColNum>; 3]>,
    width: ColNum,
}

impl Matrix {
    fn new(config: &Config, o: &Outcome) -> Matrix {
        // Rows: every expected unit, and any other unit with an accepted submission or a
        // value, so that the unit rows always add up to the city totals.
        let mut rows: Vec<MatrixRow> = o.units.iter().map(|u| (u.unit, u.file)).collect();
        let mut shown: BTreeSet<usize> = rows.iter().map(|r| r.0).collect();
        for (code, &f) in &o.accepted {
            if let Some(ui) = config.unit_position(code)
                && shown.insert(ui)
            {
                rows.push((ui, Some(f)));
            }
        }
        for v in o.tables.values.iter() {
            if shown.insert(v.unit) {
                rows.push((v.unit, o.accepted.get(&config.units[v.unit].code).copied()));
            }
        }
        rows.sort_by_key(|r| r.0);
        let groups = config
            .unit_type_ids()
            .map(|t| (t, rows.iter().copied().filter(|(ui, _)| config.units[*ui].unit_type == t).collect::<Vec<_>>()))
            .filter(|(_, g)| !g.is_empty())
            .collect();

        let n = config.indicators.len();
        let mut cols = vec![[None; 3]; n];
        let mut next = MATRIX_FIXED;
        for c in cols.iter_mut() {
            c[Breakdown::Total.index()] = Some(next);
            next += 1;
        }
        for (k, ind) in config.indicators.iter().enumerate() {
            if ind.by_sex {
                for b in [Breakdown::Male, Breakdown::Female] {
                    cols[k][b.index()] = Some(next);
                    next += 1;
                }
            }
        }
        Matrix { groups, cols, width: next }
    }

    fn col(&self, indicator: usize, b: Breakdown) -> Option<ColNum> {
        self.cols.get(indicator).and_then(|c| c[b.index()])
    }

    /// Every value column: (indicator, breakdown, column), in column order.
    fn columns(&self) -> Vec<(usize, Breakdown, ColNum)> {
        let mut out: Vec<_> = self
            .cols
            .iter()
            .enumerate()
            .flat_map(|(k, c)| Breakdown::ALL.into_iter().filter_map(move |b| c[b.index()].map(|col| (k, b, col))))
            .collect();
        out.sort_by_key(|x| x.2);
        out
    }

    /// Per group, its first unit row and its subtotal row; then the grand total row.
    fn blocks(&self) -> (Vec<(RowNum, RowNum)>, RowNum) {
        let mut row: RowNum = 1;
        let mut out = Vec::with_capacity(self.groups.len());
        for (_, units) in &self.groups {
            let sub = row + units.len() as RowNum;
            out.push((row, sub));
            row = sub + 1;
        }
        (out, row)
    }

    /// The unit rows of a column as formula arguments (`'Theo đơn vị'!E2:E13,…`), or
    /// none when the matrix has no unit rows.
    fn unit_ranges(&self, sheet: &str, col: ColNum) -> Option<String> {
        let (blocks, _) = self.blocks();
        let q = sheet_ref(sheet);
        let parts: Vec<String> =
            blocks.iter().map(|&(first, sub)| format!("{q}!{}", cell_range(first, col, sub - 1, col))).collect();
        (!parts.is_empty()).then(|| parts.join(","))
    }
}

/// A readable step for a count axis: 1, 2, 5, 10, 20, … with at most ten steps to `max`.
pub(crate) fn count_axis_step(max: u64) -> f64 {
    let mut step = 1u64;
    loop {
        for m in [1, 2, 5] {
            if max <= 10 * step * m {
                return (step * m) as f64;
            }
        }
        step = step.saturating_mul(10);
    }
}

/// The consolidated workbook of a run.
pub fn workbook_bytes(config: &Config, outcome: &Outcome, meta: &RunMeta) -> anyhow::Result<Vec<u8>> {
    workbook_bytes_with(config, outcome, meta, LOW_MEMORY_ROWS)
}

/// [`workbook_bytes`], with sheets of more than `low_memory_rows` rows per unit or per file
/// written in low-memory mode.
fn workbook_bytes_with(
    config: &Config,
    outcome: &Outcome,
    meta: &RunMeta,
    low_memory_rows: usize,
) -> anyhow::Result<Vec<u8>> {
    let st = Styles::new();
    let names = sheet_names(meta.lang);
    let mut wb = Workbook::new();
    wb.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&crate::write::document_time(meta.as_of))
            .set_custom_property(OwnKind::PROPERTY, OwnKind::Report.as_str()),
    );

    let matrix = Matrix::new(config, outcome);
    // Sheets with a row per unit or per file are written in low-memory mode past
    // LOW_MEMORY_ROWS rows, so that a national run does not hold them whole.
    let low_units = outcome.units.len() > low_memory_rows;
    let low_files = outcome.files.len() > low_memory_rows;
    let sheet = |i: usize, fill: &dyn Fn(&mut Worksheet) -> Result<(), XlsxError>| -> Result<Worksheet, XlsxError> {
        let mut ws = Worksheet::new();
        ws.set_name(names[i])?;
        fill(&mut ws)?;
        Ok(ws)
    };
    // The unit × indicator matrix is the largest sheet by far. It is written row by row in
    // rust_xlsxwriter's low-memory mode (each row leaves memory once written; strings still
    // go to the shared table), on one core while the others are built on the other.
    let (low_done, rest) = rayon::join(
        || -> Result<(), XlsxError> {
            let ws = wb.add_worksheet_with_low_memory()?;
            ws.set_name(names[1])?;
            matrix_sheet(ws, config, outcome, &matrix, meta, &st)?;
            if low_units {
                let ws = wb.add_worksheet_with_low_memory()?;
                ws.set_name(names[2])?;
                submissions_sheet(ws, config, outcome, meta, &st, Fit::Measured)?;
            }
            if low_files {
                let ws = wb.add_worksheet_with_low_memory()?;
                ws.set_name(names[5])?;
                info_sheet(ws, outcome, meta, &st)?;
            }
            // The level below's activity log, when this report goes up a level as a form.
            if outcome.period.issuer_code.is_some() {
                let ws = wb.add_worksheet_with_low_memory()?;
                ws.set_name(log_name(meta.lang))?;
                log_sheet(ws, config, outcome, meta, &st)?;
            }
            Ok(())
        },
        || -> Result<Vec<Worksheet>, XlsxError> {
            let mut sheets = vec![
                sheet(0, &|ws| summary_sheet(ws, names, config, outcome, &matrix, meta, &st))?,
                sheet(3, &|ws| issues_sheet(ws, outcome, meta, &st))?,
                sheet(4, &|ws| activities_sheet(ws, names[4], config, outcome, meta, &st))?,
            ];
            if !low_units {
                sheets.push(sheet(2, &|ws| submissions_sheet(ws, config, outcome, meta, &st, Fit::Auto))?);
            }
            if !low_files {
                sheets.push(sheet(5, &|ws| info_sheet(ws, outcome, meta, &st))?);
            }
            if let Some(f) = &meta.since_freeze {
                let mut ws = Worksheet::new();
                ws.set_name(since_freeze_name(meta.lang))?;
                since_freeze_sheet(&mut ws, config, f, meta, &st)?;
                sheets.push(ws);
            }
            Ok(sheets)
        },
    );
    low_done?;
    for ws in rest? {
        wb.push_worksheet(ws);
    }
    // The low-memory sheets were added first: put every sheet in its place (Sau chốt số liệu,
    // when there is one, last).
    wb.worksheets_mut().sort_by_key(|ws| names.iter().position(|n| *n == ws.name()).unwrap_or(names.len()));

    let t = std::time::Instant::now();
    // Deflate level 3, not 6: at 10,000 units the file is ~12 % larger and written in
    // ~0.2 s less. Any level gives the same bytes run after run.
    wb.set_zip_compression_level(3);
    let bytes = wb.save_to_buffer()?;
    tracing::debug!("report workbook saved in {:.2?}", t.elapsed());
    Ok(bytes)
}

/// A hand-built outcome for the report tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod testing {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use chrono::NaiveDate;

    use crate::config::Config;
    use crate::model::{
        Activity, CellRef, Channel, Fate, Header, Issue, Lang, Micros, ReportedRow, Severity, Submission,
    };
    use crate::outcome::{FileRecord, Outcome, Timeliness, UnitStatus};
    use crate::report::RunMeta;

    pub fn date(d: u32, m: u32, y: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// An issue of a rule (rules.toml), on sheet BaoCao about CT06.
    pub fn rule_issue(code: &str, severity: Severity, cell: (u32, u16), value: &str) -> Issue {
        let i = Issue::from_rule(code, severity, format!("Lỗi {code} tại ô"), format!("Issue {code} in cell"));
        located(i, cell, value)
    }

    /// `i` on sheet BaoCao about CT06.
    pub fn located(i: Issue, cell: (u32, u16), value: &str) -> Issue {
        i.in_sheet("BaoCao").at(CellRef::new(cell.0, cell.1)).for_indicator("CT06").with_value(value)
    }

    fn sub(
        config: &Config,
        unit: &str,
        path: &str,
        report: NaiveDate,
        rows: &[(&str, [Option<i64>; 3])],
        issues: Vec<Issue>,
    ) -> Submission {
        Submission {
            path: path.into(),
            sha256: format!("{:0>64}", path.len()),
            sheet: "BaoCao".into(),
            header: Header { unit_code: Some(unit.into()), report_date: Some(report), ..Default::default() },
            unit: Some(crate::model::UnitCode::parse(unit).unwrap()),
            period: Some(config.periods[0].code.clone()),
            rows: rows
                .iter()
                .map(|(code, v)| {
                    ReportedRow::with_values(
                        config.indicator_index(code).unwrap(),
                        v.map(|x| x.map(Micros::from_units)),
                    )
                })
                .collect(),
            issues,
            ..Default::default()
        }
    }

    /// 001 accepted with a warning (on time) and an older superseded file; 002 accepted
    /// (late) with an amount; 003 rejected with an error whose value reads "=1+1".
    pub fn outcome(config: &Config) -> Outcome {
        let period = config.periods[0].clone();
        let a = {
            let mut s = sub(
                config,
                "001",
                "quan/001_BaDinh.xlsx",
                date(18, 12, 2023),
                &[("CT01", [Some(3), None, None]), ("CT06", [Some(100), Some(40), Some(60)])],
                vec![
                    rule_issue("W103", Severity::Warning, (13, 4), "100"),
                    located(crate::model::issue::coerced("12 buổi", "12"), (14, 4), "12 buổi"),
                ],
            );
            s.activities = vec![
                Activity {
                    row: 5,
                    date: Some(date(10, 11, 2023)),
                    kind: Some(0),
                    channel: Some(Channel::InPerson),
                    participants: Some(Micros::from_units(200)),
                    female: Some(Micros::from_units(120)),
                    cost: None,
                    count: 1,
                },
                Activity {
                    row: 6,
                    date: Some(date(16, 11, 2023)),
                    kind: Some(1),
                    channel: Some(Channel::Online),
                    participants: Some(Micros::from_units(50)),
                    female: Some(Micros::from_units(30)),
                    cost: Some(Micros(2_500_000)),
                    count: 1,
                },
            ];
            s.activity_summary = crate::aggregate::summarise_activities(&period, &s);
            s
        };
        let old = sub(
            config,
            "001",
            "quan/001_cu.xlsx",
            date(10, 12, 2023),
            &[("CT01", [Some(1), None, None])],
            vec![rule_issue("W105", Severity::Warning, (9, 4), "1")],
        );
        let b = sub(
            config,
            "002",
            "quan/002.xlsx",
            date(22, 12, 2023),
            &[("CT01", [Some(2), None, None]), ("CT25", [None, None, None])],
            vec![],
        );
        let mut b = b;
        b.rows[1].set_value(0, Some(Micros(12_500_000)));
        let c = sub(
            config,
            "003",
            "quan/003.xlsx",
            date(19, 12, 2023),
            &[("CT01", [Some(7), None, None])],
            vec![rule_issue("E101", Severity::Error, (19, 4), "=1+1")],
        );
        let files = vec![
            FileRecord { sub: a, fate: Fate::AcceptedWithWarnings },
            FileRecord { sub: old, fate: Fate::Superseded },
            FileRecord { sub: b, fate: Fate::Accepted },
            FileRecord { sub: c, fate: Fate::Rejected },
        ];
        let code = |c: &str| crate::model::UnitCode::parse(c).unwrap();
        let accepted: BTreeMap<_, usize> = [(code("001"), 0), (code("002"), 2)].into();
        let tables = crate::aggregate::aggregate(config, &period, &[&files[0].sub, &files[2].sub]).unwrap();
        let units = config
            .expected_units(&period)
            .map(|u| config.units.iter().position(|x| x.code == u.code).unwrap())
            .map(|ui| {
                let (file, accepted, timeliness) = match config.units[ui].code.as_str() {
                    "001" => (Some(0), true, Timeliness::OnTime),
                    "002" => (Some(2), true, Timeliness::Late),
                    "003" => (Some(3), false, Timeliness::Missing),
                    _ => (None, false, Timeliness::Missing),
                };
                UnitStatus { unit: ui, file, accepted, timeliness }
            })
            .collect();
        Outcome {
            period,
            as_of: date(21, 12, 2023),
            files,
            units,
            accepted,
            tables,
            read_time: Duration::ZERO,
            previous: None,
        }
    }

    pub fn meta(config: &Config, lang: Lang) -> RunMeta {
        RunMeta {
            version: "0.1.0-test",
            config_fingerprint: config.fingerprint.clone(),
            as_of: date(21, 12, 2023),
            lang,
            changes: Default::default(),
            since_freeze: None,
        }
    }

    /// Reads xlsx bytes back through a temporary file.
    pub fn open(bytes: &[u8]) -> (tempfile::TempDir, calamine::Sheets<std::io::BufReader<std::fs::File>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.xlsx");
        std::fs::write(&path, bytes).unwrap();
        let wb = calamine::open_workbook_auto(&path).unwrap();
        (dir, wb)
    }

    /// The absolute row whose cell in `col` is the string `text`.
    pub fn find_row(r: &calamine::Range<calamine::Data>, col: u32, text: &str) -> Option<u32> {
        let (start, end) = (r.start()?, r.end()?);
        (start.0..=end.0).find(|&row| matches!(r.get_value((row, col)), Some(calamine::Data::String(s)) if s == text))
    }

    pub fn is_empty(r: &calamine::Range<calamine::Data>, row: u32, col: u32) -> bool {
        matches!(r.get_value((row, col)), None | Some(calamine::Data::Empty))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashMap;

    use calamine::{Data, Reader};

    use super::testing::*;
    use super::*;

    fn num(r: &calamine::Range<Data>, row: u32, col: u32) -> f64 {
        match r.get_value((row, col)) {
            Some(Data::Float(f)) => *f,
            Some(Data::Int(i)) => *i as f64,
            other => panic!("({row},{col}) is not a number: {other:?}"),
        }
    }

    #[test]
    fn workbook_reads_back() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::Vi)).unwrap();
        let (_dir, mut wb) = open(&bytes);
        assert_eq!(
            wb.sheet_names(),
            ["Tổng hợp", "Theo đơn vị", "Tiến độ nộp", "Lỗi dữ liệu", "Hoạt động", "Thông tin"]
        );

        // Summary: CT01 = 3 + 2 (003 was rejected), CT02 reported by nobody stays empty.
        let s = wb.worksheet_range("Tổng hợp").unwrap();
        let ct01 = find_row(&s, 1, "CT01").unwrap();
        assert_eq!(num(&s, ct01, 4), 5.0);
        assert_eq!(num(&s, ct01, 7), 2.0);
        assert!(is_empty(&s, ct01, 5), "CT01 is not by sex: no Nam cell");
        let ct02 = find_row(&s, 1, "CT02").unwrap();
        assert!(is_empty(&s, ct02, 4), "an unreported total is empty, not 0");
        let ct06 = find_row(&s, 1, "CT06").unwrap();
        assert_eq!((num(&s, ct06, 4), num(&s, ct06, 5), num(&s, ct06, 6)), (100.0, 40.0, 60.0));
        let ct25 = find_row(&s, 1, "CT25").unwrap();
        assert_eq!(num(&s, ct25, 4), 12.5);
        assert!(find_row(&s, 2, "I. Chỉ đạo điều hành").is_some());
        let target = find_row(&s, 0, "Tỷ lệ đơn vị ban hành kế hoạch hưởng ứng").unwrap();
        assert!((num(&s, target, 4) - 2.0 / o.units.len() as f64).abs() < 1e-12);

        // By unit: the quận subtotal sums 001 and 002; no huyện reported.
        let m = wb.worksheet_range("Theo đơn vị").unwrap();
        let col = 4 + config.indicator_index("CT01").unwrap() as u32;
        let sub = find_row(&m, 1, "Cộng Quận").unwrap();
        assert_eq!(num(&m, sub, col), 5.0);
        assert!(is_empty(&m, find_row(&m, 1, "Cộng Huyện").unwrap(), col));
        let total = find_row(&m, 1, "Tổng cộng").unwrap();
        assert_eq!(num(&m, total, col), 5.0);
        let u3 = find_row(&m, 0, "003").unwrap();
        assert_eq!(m.get_value((u3, 3)), Some(&Data::String("Bị từ chối".into())));
        assert!(is_empty(&m, u3, col));

        // Submissions: every expected unit, with report date as a date.
        let t = wb.worksheet_range("Tiến độ nộp").unwrap();
        assert_eq!(t.end().unwrap().0 as usize, o.units.len());
        let u2 = find_row(&t, 0, "002").unwrap();
        assert_eq!(t.get_value((u2, 7)), Some(&Data::String("Muộn".into())));
        assert!(matches!(t.get_value((u2, 6)), Some(Data::DateTime(_))));

        // Issues: the error's cell and its value "=1+1" as text, not a formula.
        let i = wb.worksheet_range("Lỗi dữ liệu").unwrap();
        let e = find_row(&i, 4, "E101").unwrap();
        assert_eq!(i.get_value((e, 0)), Some(&Data::String("quan/003.xlsx".into())));
        assert_eq!(i.get_value((e, 3)), Some(&Data::String("E20".into())));
        assert_eq!(i.get_value((e, 5)), Some(&Data::String("Lỗi".into())));
        assert_eq!(i.get_value((e, 7)), Some(&Data::String("=1+1".into())));
        let formulas = wb.worksheet_formula("Lỗi dữ liệu").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        assert_eq!(i.end().unwrap().0, 4, "four issues (info included), one row each");

        // Activities: the launch before the period and one online session in week 1.
        let a = wb.worksheet_range("Hoạt động").unwrap();
        let before = find_row(&a, 0, "Trước kỳ").unwrap();
        assert_eq!(num(&a, before, 3), 1.0);
        assert!(find_row(&a, 0, "Tuần 1 (15/11–21/11)").is_some());

        // Run info: one row per file.
        let r = wb.worksheet_range("Thông tin").unwrap();
        assert!(find_row(&r, 0, "quan/001_cu.xlsx").is_some());
    }

    /// (row, col) of an A1 reference, `$` allowed.
    fn parse_cell(a1: &str) -> (u32, u32) {
        let a1 = a1.replace('$', "");
        let split = a1.find(|c: char| c.is_ascii_digit()).unwrap();
        let col = a1[..split].bytes().fold(0u32, |n, b| n * 26 + u32::from(b - b'A' + 1)) - 1;
        (a1[split..].parse::<u32>().unwrap() - 1, col)
    }

    /// The cells of `'Sheet'!A1:B2` (or of `A1` on `default`): (sheet, row, col).
    fn cells_of(reference: &str, default: &str) -> Vec<(String, u32, u32)> {
        let (sheet, range) = match reference.rsplit_once('!') {
            Some((s, r)) => (s.trim_matches('\'').replace("''", "'"), r),
            None => (default.to_string(), reference),
        };
        let (a, b) = range.split_once(':').unwrap_or((range, range));
        let ((r1, c1), (r2, c2)) = (parse_cell(a), parse_cell(b));
        (r1..=r2).flat_map(|r| (c1..=c2).map(move |c| (r, c))).map(|(r, c)| (sheet.clone(), r, c)).collect()
    }

    /// Evaluates the formulas this writer makes (`SUM(…)`, `COUNT(…)` over references) on
    /// the cached values of the workbook: what Excel computes when it recalculates.
    fn eval(formula: &str, here: &str, wb: &mut calamine::Sheets<std::io::BufReader<std::fs::File>>) -> f64 {
        let formula = formula.trim_start_matches('=');
        let (func, args) = formula.split_once('(').unwrap();
        let args = args.strip_suffix(')').unwrap();
        let mut sheets: HashMap<String, calamine::Range<Data>> = HashMap::new();
        let (mut sum, mut count) = (0.0, 0.0);
        for arg in args.split(',') {
            for (sheet, r, c) in cells_of(arg, here) {
                let range = sheets.entry(sheet.clone()).or_insert_with(|| wb.worksheet_range(&sheet).unwrap());
                match range.get_value((r, c)) {
                    Some(Data::Float(f)) => (sum, count) = (sum + f, count + 1.0),
                    Some(Data::Int(i)) => (sum, count) = (sum + *i as f64, count + 1.0),
                    None | Some(Data::Empty) => {}
                    other => panic!("{sheet}!({r},{c}) in {formula} is not a number: {other:?}"),
                }
            }
        }
        match func {
            "SUM" => sum,
            "COUNT" => count,
            other => panic!("unexpected function {other}"),
        }
    }

    fn formula_at(f: &calamine::Range<String>, row: u32, col: u32) -> String {
        f.get_value((row, col)).cloned().unwrap_or_default()
    }

    #[test]
    fn summary_totals_are_formulas_caching_the_city_totals() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        for (lang, summary, matrix) in [(Lang::Vi, "Tổng hợp", "Theo đơn vị"), (Lang::En, "Summary", "By unit")]
        {
            let bytes = workbook_bytes(&config, &o, &meta(&config, lang)).unwrap();
            let (_dir, mut wb) = open(&bytes);
            let s = wb.worksheet_range(summary).unwrap();
            let f = wb.worksheet_formula(summary).unwrap();
            let mut checked = 0;
            let mut reported = 0;
            for (k, ind) in config.indicators.iter().enumerate() {
                let row = find_row(&s, 1, &ind.code).unwrap();
                for (col, b) in [(4, Breakdown::Total), (5, Breakdown::Male), (6, Breakdown::Female)] {
                    let formula = formula_at(&f, row, col);
                    let total = o.tables.total(k, b).and_then(|t| t.value);
                    match total {
                        Some(v) => {
                            assert!(!formula.is_empty(), "{} {b:?} is a formula", ind.code);
                            assert!(formula.contains(&format!("'{matrix}'!")), "{formula}");
                            assert_eq!(num(&s, row, col), v.as_f64(), "{} {b:?}: cached = totals", ind.code);
                            let recalculated = eval(&formula, summary, &mut wb);
                            assert!((recalculated - v.as_f64()).abs() < 1e-9, "{} {b:?}: {formula}", ind.code);
                            checked += 1;
                            reported += 1;
                        }
                        None => {
                            assert!(is_empty(&s, row, col), "{} {b:?}: unreported is empty", ind.code);
                            assert!(formula.is_empty(), "{} {b:?}: unreported has no formula", ind.code);
                        }
                    }
                }
                // Units reporting: COUNT over the unit rows, cached = units_reporting.
                let units = o.tables.total(k, Breakdown::Total).unwrap().units_reporting;
                let formula = formula_at(&f, row, 7);
                assert!(formula.starts_with("COUNT("), "{formula}");
                assert_eq!(num(&s, row, 7), f64::from(units));
                assert_eq!(eval(&formula, summary, &mut wb), f64::from(units), "{}", ind.code);
                checked += 1;
            }
            // Totals, Nam/Nữ and counts: 001's CT01, CT06 ×3; 002's CT01, CT25.
            assert_eq!(reported, 5);
            // Every formula on the sheet is one of those just checked.
            assert_eq!(f.used_cells().filter(|(_, _, x)| !x.is_empty()).count(), checked);

            // The matrix: Nam/Nữ columns, subtotals and the grand total as formulas.
            let m = wb.worksheet_range(matrix).unwrap();
            let mf = wb.worksheet_formula(matrix).unwrap();
            let male = if lang == Lang::Vi { "CT06 Nam" } else { "CT06 Male" };
            let male_col = (0..m.width() as u32).find(|&c| m.get_value((0, c)) == Some(&Data::String(male.into())));
            let male_col = male_col.unwrap();
            let u1 = find_row(&m, 0, "001").unwrap();
            assert_eq!(num(&m, u1, male_col), 40.0);
            let grand = find_row(&m, 1, lang.pick("Tổng cộng", "Grand total")).unwrap();
            let mut grand_cells = 0;
            for (row, col, formula) in mf.used_cells().filter(|(_, _, x)| !x.is_empty()) {
                let (row, col) = (row as u32 + mf.start().unwrap().0, col as u32 + mf.start().unwrap().1);
                let cached = num(&m, row, col);
                assert!((eval(formula, matrix, &mut wb) - cached).abs() < 1e-9, "{formula}");
                grand_cells += usize::from(row == grand);
            }
            assert_eq!(grand_cells, reported, "one grand total formula per reported total");
        }
    }

    #[test]
    fn charts_point_at_cells_that_exist() {
        use std::io::Read;
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::Vi)).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(&bytes)).unwrap();
        let charts: Vec<String> = zip
            .file_names()
            .map(|n| n.unwrap().into_owned())
            .filter(|n| n.starts_with("xl/charts/chart") && n.ends_with(".xml"))
            .collect();
        // Completeness on Tổng hợp; weekly timeline, channels and districts on Hoạt động.
        assert_eq!(charts.len(), 4, "{charts:?}");
        let (_dir, mut wb) = open(&bytes);
        let mut refs = 0;
        for name in &charts {
            let mut xml = String::new();
            zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
            for part in xml.split("<c:f>").skip(1) {
                let reference = part.split("</c:f>").next().unwrap();
                let reference = reference.replace("&apos;", "'");
                for (sheet, r, c) in cells_of(&reference, "") {
                    let range = wb.worksheet_range(&sheet).unwrap();
                    assert!(!is_empty(&range, r, c), "{name}: {reference} ({r},{c}) is empty");
                }
                refs += 1;
            }
        }
        assert!(refs >= 4 * 2);
    }

    #[test]
    fn activities_by_unit_lists_district_units_most_active_first() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::Vi)).unwrap();
        let (_dir, mut wb) = open(&bytes);
        let a = wb.worksheet_range("Hoạt động").unwrap();
        let head = find_row(&a, 0, "Đơn vị").unwrap();
        // 001 held both activities; every district-level unit with an accepted report has a
        // row, and no unit without one (blank is not zero).
        assert_eq!(a.get_value((head + 1, 1)), Some(&Data::String("001".into())));
        assert_eq!(num(&a, head + 1, 3), 2.0);
        assert_eq!(num(&a, head + 1, 4), 250.0);
        assert_eq!(num(&a, head + 1, 5), 1.0);
        let mut listed: BTreeSet<usize> = o.tables.activities.by_unit.keys().copied().collect();
        listed.extend(
            o.units
                .iter()
                .filter(|u| u.accepted && config.unit_type(config.units[u.unit].unit_type).territorial)
                .map(|u| u.unit),
        );
        assert!(listed.len() < o.units.len());
        assert_eq!(a.end().unwrap().0, head + listed.len() as u32);
        for r in head + 1..=head + listed.len() as u32 {
            let code = a.get_value((r, 1)).unwrap().to_string();
            let ui = config.unit_position(&code).unwrap();
            assert!(listed.contains(&ui), "{code} is listed without an accepted report");
        }
    }

    #[test]
    fn count_axis_steps_are_whole() {
        assert_eq!(count_axis_step(0), 1.0);
        assert_eq!(count_axis_step(3), 1.0);
        assert_eq!(count_axis_step(10), 1.0);
        assert_eq!(count_axis_step(11), 2.0);
        assert_eq!(count_axis_step(122), 20.0);
        assert_eq!(count_axis_step(4_000), 500.0);
    }

    #[test]
    fn same_outcome_same_bytes() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let m = meta(&config, Lang::Vi);
        assert_eq!(workbook_bytes(&config, &o, &m).unwrap(), workbook_bytes(&config, &o, &m).unwrap());
    }

    #[test]
    fn sheets_written_in_low_memory_mode_hold_the_same_cells_in_the_same_order() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let m = meta(&config, Lang::Vi);
        let standard = workbook_bytes_with(&config, &o, &m, usize::MAX).unwrap();
        let low = workbook_bytes_with(&config, &o, &m, 0).unwrap();
        let (_a, mut a) = open(&standard);
        let (_b, mut b) = open(&low);
        assert_eq!(a.sheet_names(), b.sheet_names());
        for name in ["Tiến độ nộp", "Thông tin"] {
            let (x, y) = (a.worksheet_range(name).unwrap(), b.worksheet_range(name).unwrap());
            assert!(x.height() > 3, "{name} has rows");
            assert_eq!(x, y, "{name}");
        }
    }

    #[test]
    fn english_labels() {
        let config = Config::embedded().unwrap();
        let o = outcome(&config);
        let bytes = workbook_bytes(&config, &o, &meta(&config, Lang::En)).unwrap();
        let (_dir, mut wb) = open(&bytes);
        assert_eq!(wb.sheet_names(), ["Summary", "By unit", "Submissions", "Data issues", "Activities", "Run info"]);
        let m = wb.worksheet_range("By unit").unwrap();
        assert!(find_row(&m, 1, "Subtotal Urban districts").is_some());
    }

    #[test]
    fn long_text_is_clipped_on_a_char_boundary() {
        let s = "ệ".repeat(40_000);
        let c = clip(&s);
        assert_eq!(c.chars().count(), MAX_TEXT);
        assert_eq!(clip("abc"), "abc");
    }
}
