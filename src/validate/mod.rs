//! Pure checks: a read submission in, issues out.
//!
//! Structure and identity are checked while reading (they decide what can be read at all);
//! here are the checks on values, rules, required indicators, activity dates, and the
//! outliers that need the other units to judge.

use std::collections::BTreeMap;

use crate::config::{Config, Period, UnitType, ValueType, WhenBlank};
use crate::model::issue;
use crate::model::{Breakdown, CellRef, Issue, Micros, Severity, Submission};

/// Adds the per-submission issues: values, required indicators, rules, activity dates.
pub fn validate(sub: &mut Submission, config: &Config, period: &Period) {
    let Some(unit) = sub.unit.as_deref().and_then(|c| config.unit(c)) else { return };
    if sub.sheet.is_empty() {
        return;
    }
    let unit_type = unit.unit_type;
    let mut issues = Vec::new();
    let sheet = sub.sheet.clone();
    // A unit merged away (or not yet created) still sending a form: its figures would be
    // counted beside its successor's.
    if !unit.valid.covers(period) {
        let date =
            |d: Option<chrono::NaiveDate>| d.map_or_else(|| "…".to_string(), |d| d.format("%d/%m/%Y").to_string());
        issues.push(issue::unit_not_valid(&unit.code, &date(unit.valid.from), &date(unit.valid.to)).in_sheet(&sheet));
    }
    // Places an issue on the form's sheet, about an indicator.
    let locate = |i: Issue, cell: Option<CellRef>, indicator: &str, value: String| {
        i.in_sheet(&sheet).at(cell).for_indicator(indicator).with_value(value)
    };
    for row in &sub.rows {
        let ind = &config.indicators[row.indicator()];
        for b in Breakdown::ALL {
            let Some(v) = row.value(b.index()) else { continue };
            let at = row.cell(b.index());
            if v.0 < 0 {
                issues.push(locate(issue::negative_value(at, &ind.code, v), Some(at), &ind.code, v.to_string()));
            } else if ind.value_type == ValueType::Count && !v.is_whole() {
                let i = issue::not_whole(at, &ind.code, v, &ind.measure_unit);
                issues.push(locate(i, Some(at), &ind.code, v.to_string()));
            }
        }
        let [total, male, female] = row.values();
        if ind.by_sex && total.is_none() && (male.is_some() || female.is_some()) {
            let at = row.cell(0);
            issues.push(locate(issue::total_blank(at, &ind.code), Some(at), &ind.code, String::new()));
        }
        if !ind.by_sex {
            for b in [Breakdown::Male, Breakdown::Female] {
                if let Some(v) = row.value(b.index()) {
                    let at = row.cell(b.index());
                    issues.push(locate(issue::not_by_sex(at, &ind.code), Some(at), &ind.code, v.to_string()));
                }
            }
        }
    }
    for (i, ind) in config.indicators.iter().enumerate() {
        if !ind.required_for.contains(&unit_type) || !ind.valid.covers(period) {
            continue;
        }
        let row = sub.rows.iter().find(|r| r.indicator() == i);
        if row.and_then(|r| r.value(0)).is_none() {
            let cell = row.map(|r| r.cell(0));
            issues.push(locate(issue::required_blank(ind.named(), cell), cell, &ind.code, String::new()));
        }
    }
    for Broken { rule, inst, l, r } in broken_rules(config, |i, b| sub.value(i, b)) {
        let ind = &config.indicators[inst.anchor];
        let cell = sub.rows.iter().find(|row| row.indicator() == inst.anchor).map(|row| row.cell(0));
        // What was found, as a true statement: `7 > 6`, `942 ≠ 940`.
        let shown = format!("{} {} {}", Micros(l), inst.cmp.negated_symbol(), Micros(r));
        let name = |terms: &[(usize, Breakdown)], lang| -> String {
            terms.iter().map(|&(i, b)| term_label(config, inst.anchor, i, b, lang)).collect::<Vec<_>>().join(" + ")
        };
        let found_vi = format!("{}: {}; {}: {}", name(&inst.left, true), Micros(l), name(&inst.right, true), Micros(r));
        let found_en =
            format!("{}: {}; {}: {}", name(&inst.left, false), Micros(l), name(&inst.right, false), Micros(r));
        let hint = if rule.hint.is_empty() { String::new() } else { format!(" {}", rule.hint) };
        // A level's report sums forms each checked below: a rule its sums break (units
        // that left a term blank) is the level's to explain, not a reason to reject it.
        let severity = if sub.consolidated { Severity::Warning } else { rule.severity };
        let i = Issue::from_rule(
            &rule.code,
            severity,
            format!("{} Số đã ghi: {found_vi}.{hint}", rule.message),
            format!("{} Found {found_en}.", rule.message_en),
        );
        issues.push(locate(i, cell, &ind.code, shown));
    }
    if let Some(act_sheet) = sub.activity_sheet.clone() {
        for a in &sub.activities {
            let Some(date) = a.date else { continue };
            if date < period.activity_start || date > period.end {
                let d = date.format("%d/%m/%Y");
                let (from, to) = (period.activity_start.format("%d/%m/%Y"), period.end.format("%d/%m/%Y"));
                let i = issue::activity_outside(a.row + 1, &d, from, to);
                let at = sub.activity_date_col.map(|c| CellRef::new(a.row, c));
                issues.push(i.in_sheet(&act_sheet).at(at).with_value(d.to_string()));
            }
        }
    }
    issues.extend(activity_cross_checks(sub, config, period));
    sub.issues.extend(issues);
}

/// What the activity log adds up to against the unit's own indicator table: the log may be
/// partial, so a warning is due only when it shows more than the table reports (HD01
/// activities vs CT03, participants of HD02 vs CT06, costs vs CT25, … as configured).
fn activity_cross_checks(sub: &Submission, config: &Config, period: &Period) -> Vec<Issue> {
    let Some(sheet) = sub.activity_sheet.clone() else { return vec![] };
    // indicator → (what the log adds up to, in micros; what it is, vi/en)
    let mut sums: BTreeMap<usize, (i64, &'static str, &'static str)> = BTreeMap::new();
    for a in &sub.activities {
        let (Some(kind), Some(date)) = (a.kind, a.date) else { continue };
        if date < period.activity_start || date > period.end {
            continue;
        }
        let t = &config.activity_types[kind];
        if let Some(i) = t.count_indicator {
            let e = sums.entry(i).or_insert((0, "số hoạt động", "activities"));
            e.0 = e.0.saturating_add(crate::text::MICROS.saturating_mul(i64::from(a.count)));
        }
        if let (Some(i), Some(p)) = (t.participants_indicator, a.participants) {
            let e = sums.entry(i).or_insert((0, "số người tham gia", "participants"));
            e.0 = e.0.saturating_add(p.0);
        }
        if let (Some(i), Some(c)) = (t.cost_indicator, a.cost) {
            let e = sums.entry(i).or_insert((0, "tổng kinh phí", "total cost"));
            e.0 = e.0.saturating_add(c.0);
        }
    }
    let mut out = Vec::new();
    for (i, (logged, what_vi, what_en)) in sums {
        let reported = sub.value(i, Breakdown::Total);
        if logged == 0 || reported.is_some_and(|r| r.0 >= logged) {
            continue;
        }
        let ind = &config.indicators[i];
        let logged = Micros(logged);
        let shown = reported.map_or_else(|| "(trống)".to_string(), |r| r.to_string());
        let cell = sub.rows.iter().find(|r| r.indicator() == i).map(|r| r.cell(0));
        let i = issue::log_exceeds_table(&sheet, (what_vi, what_en), logged, ind.named(), &shown);
        let on = if cell.is_some() { &sub.sheet } else { &sheet };
        out.push(i.in_sheet(on).at(cell).for_indicator(&ind.code).with_value(shown));
    }
    out
}

/// A rule instance that values break: the sums of its left and right sides.
pub struct Broken<'c> {
    pub rule: &'c crate::config::Rule,
    pub inst: &'c crate::config::RuleInstance,
    pub l: i64,
    pub r: i64,
}

/// The rule instances that the values `value(indicator, breakdown)` break (a blank side
/// skips the rule, or counts as zero, as the rule says).
pub fn broken_rules(config: &Config, value: impl Fn(usize, Breakdown) -> Option<Micros>) -> Vec<Broken<'_>> {
    let mut out = Vec::new();
    for rule in &config.rules {
        for inst in &rule.instances {
            let side = |terms: &[(usize, Breakdown)]| -> Option<i64> {
                let mut sum = 0i64;
                for &(i, b) in terms {
                    match value(i, b) {
                        Some(v) => sum = sum.saturating_add(v.0),
                        None if rule.when_blank == WhenBlank::Zero => {}
                        None => return None,
                    }
                }
                Some(sum)
            };
            let (Some(l), Some(r)) = (side(&inst.left), side(&inst.right)) else { continue };
            if !inst.cmp.holds(l, r) {
                out.push(Broken { rule, inst, l, r });
            }
        }
    }
    out
}

/// What the level's own totals break, as lines for its report: sums of forms each checked
/// can still break a rule (units that filled CT21 but left CT20 blank), and the level above
/// will see it. `(rule and indicator codes, Vietnamese, English)`.
pub fn totals_findings(
    config: &Config,
    value: impl Fn(usize, Breakdown) -> Option<Micros>,
) -> Vec<(String, String, String)> {
    broken_rules(config, value)
        .into_iter()
        .map(|Broken { rule, inst, l, r }| {
            let shown = |vi| {
                let name = |terms: &[(usize, Breakdown)]| {
                    terms
                        .iter()
                        .map(|&(i, b)| term_label(config, inst.anchor, i, b, vi))
                        .collect::<Vec<_>>()
                        .join(" + ")
                };
                format!("{} = {}, {} = {}", name(&inst.left), Micros(l), name(&inst.right), Micros(r))
            };
            (
                format!("{}, {}", rule.code, config.indicators[inst.anchor].code),
                format!("{} ({})", rule.message, shown(true)),
                format!("{} ({})", rule.message_en, shown(false)),
            )
        })
        .collect()
}

/// Outlier warnings: a value above 10 × the median of at least 5 peers of the same family
/// that reported a value above zero. Returns (submission index, issue).
pub fn outliers(config: &Config, subs: &[&Submission]) -> Vec<(usize, Issue)> {
    let family_of = |s: &Submission| s.unit.as_deref().and_then(|c| config.unit(c)).map(|u| config.family(u.unit_type));
    let families: Vec<Option<usize>> = subs.iter().map(|s| family_of(s)).collect();
    let mut out = Vec::new();
    // Where each form's next row is looked for: a form lists its indicators in catalogue
    // order as a rule, so the indicators taken in that order find their rows in one pass.
    let mut next = vec![0usize; subs.len()];
    // An indicator at a time: the values of one indicator of every form, not of all.
    for (ind, indicator) in config.indicators.iter().enumerate() {
        let mut by_key: BTreeMap<(usize, Breakdown), Vec<(usize, i64)>> = BTreeMap::new();
        for (si, s) in subs.iter().enumerate() {
            let Some(f) = families[si] else { continue };
            let row = match s.rows.get(next[si]) {
                Some(r) if r.indicator() == ind => {
                    next[si] += 1;
                    Some(r)
                }
                _ => s.rows.iter().find(|r| r.indicator() == ind),
            };
            let Some(row) = row else { continue };
            for &b in indicator.breakdowns() {
                if let Some(v) = row.value(b.index()).filter(|v| v.0 > 0) {
                    by_key.entry((f, b)).or_default().push((si, v.0));
                }
            }
        }
        outliers_among(config, subs, ind, by_key, &mut out);
    }
    // By family, then indicator and breakdown, as the issues are told.
    out.sort_by_key(|(si, _)| families[*si]);
    out
}

/// The outliers among the positive values of indicator `ind`, by family and breakdown.
fn outliers_among(
    config: &Config,
    subs: &[&Submission],
    ind: usize,
    by_key: BTreeMap<(usize, Breakdown), Vec<(usize, i64)>>,
    out: &mut Vec<(usize, Issue)>,
) {
    for ((_, b), vals) in by_key {
        // Sorted once; the median of the others is read off it with the value left out.
        let mut sorted: Vec<i64> = vals.iter().map(|&(_, v)| v).collect();
        sorted.sort_unstable();
        let n = sorted.len() - 1;
        if n < 5 {
            continue;
        }
        for &(si, v) in &vals {
            let k = sorted.partition_point(|&x| x < v);
            let others = |p: usize| if p < k { sorted[p] } else { sorted[p + 1] };
            // Median ×2, to stay in integers.
            let median2 = if n % 2 == 1 { 2 * others(n / 2) } else { others(n / 2 - 1) + others(n / 2) };
            if i128::from(v) * 2 > i128::from(median2) * 10 {
                let s = subs[si];
                let row = s.rows.iter().find(|r| r.indicator() == ind);
                let cell = row.map(|r| r.cell(b.index()));
                let indicator = &config.indicators[ind];
                let median = Micros(median2 / 2);
                let value = Micros(v);
                let part = (breakdown_vi(b), b.as_str());
                let i = issue::outlier(&indicator.code, part, value, n, median);
                out.push((
                    si,
                    i.in_sheet(&s.sheet).at(cell).for_indicator(&indicator.code).with_value(value.to_string()),
                ));
            }
        }
    }
}

/// How a rule's term is named in a message: `Nữ` on the rule's own indicator, else `CT20`
/// or `CT06 (Nữ)`.
fn term_label(config: &Config, anchor: usize, indicator: usize, b: Breakdown, vi: bool) -> String {
    let part = if vi { breakdown_vi(b) } else { b.as_str() };
    let code = &config.indicators[indicator].code;
    match (indicator == anchor && config.indicators[anchor].by_sex, b) {
        (true, _) => part.to_string(),
        (false, Breakdown::Total) => code.clone(),
        (false, _) => format!("{code} ({part})"),
    }
}

pub fn breakdown_vi(b: Breakdown) -> &'static str {
    match b {
        Breakdown::Total => "Tổng số",
        Breakdown::Male => "Nam",
        Breakdown::Female => "Nữ",
    }
}

/// Whether the unit type must report an indicator (for the form's hints).
pub fn is_required(config: &Config, indicator: usize, unit_type: UnitType) -> bool {
    config.indicators[indicator].required_for.contains(&unit_type)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportedRow;

    fn sub(unit: &str, rows: Vec<(usize, [Option<i64>; 3])>) -> Submission {
        Submission {
            unit: Some(crate::model::UnitCode::parse(unit).unwrap()),
            sheet: "BaoCao".into(),
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(r, (i, v))| {
                    let mut row = ReportedRow::new(i, r as u32 + 10);
                    for (b, v) in v.into_iter().enumerate() {
                        row.locate(b, 4 + b as u16);
                        row.set_value(b, v.map(Micros::from_units));
                    }
                    row
                })
                .collect(),
            ..Default::default()
        }
    }

    fn codes(s: &Submission) -> Vec<&str> {
        s.issues.iter().map(|i| i.code.as_str()).collect()
    }

    #[test]
    fn required_rules_and_sex_breakdown() {
        let c = Config::embedded().unwrap();
        let p = &c.periods[0];
        let i = |code| c.indicator_index(code).unwrap();
        let mut s = sub(
            "001",
            vec![
                (i("CT01"), [Some(2), None, None]),
                (i("CT03"), [Some(1), None, None]),
                (i("CT05"), [Some(10), None, None]),
                (i("CT06"), [Some(100), Some(30), Some(120)]),
                (i("CT20"), [Some(2), None, None]),
                (i("CT21"), [Some(3), None, None]),
            ],
        );
        validate(&mut s, &c, p);
        let got = codes(&s);
        assert!(got.contains(&"E101"), "{got:?}");
        assert!(got.contains(&"E102"), "{got:?}");
        assert!(got.contains(&"W103"), "{got:?}");
        let e102 = s.issues.iter().find(|i| i.code == "E102").unwrap();
        assert_eq!(e102.cell.unwrap().to_string(), "E14");
        assert_eq!(e102.value, "120 > 100");
        assert!(e102.message_vi.contains("Số đã ghi: Nữ: 120; Tổng số: 100."), "{}", e102.message_vi);
        let e101 = s.issues.iter().find(|i| i.code == "E101").unwrap();
        assert!(e101.message_vi.contains("CT21: 3; CT20: 2"), "{}", e101.message_vi);
        assert_eq!(e102.indicator.as_deref(), Some("CT06"));
        assert!(!got.contains(&"E030"), "{got:?}");
    }

    #[test]
    fn missing_required_indicator_and_bad_values() {
        let c = Config::embedded().unwrap();
        let i = |code| c.indicator_index(code).unwrap();
        let mut s = sub("S01", vec![(i("CT01"), [None, None, None]), (i("CT13"), [Some(-1), Some(2), None])]);
        s.rows[1].set_value(0, Some(Micros(1_500_000)));
        s.rows.push(ReportedRow::with_values(i("CT08"), [Some(Micros::from_units(-1)), None, None]));
        validate(&mut s, &c, &c.periods[0]);
        let got = codes(&s);
        assert_eq!(got.iter().filter(|c| **c == "E030").count(), 1, "{got:?}");
        assert!(got.contains(&"E022"));
        assert!(got.contains(&"E021"));
        assert!(got.contains(&"W012"));
        // A department need not report CT03/CT05/CT06.
        assert!(!s.issues.iter().any(|i| i.indicator.as_deref() == Some("CT05")));
    }

    #[test]
    fn the_activity_log_is_checked_against_the_table() {
        use crate::model::Activity;
        let c = Config::embedded().unwrap();
        let i = |code| c.indicator_index(code).unwrap();
        let mut s = sub(
            "001",
            vec![
                (i("CT01"), [Some(1), None, None]),
                (i("CT03"), [Some(1), None, None]),
                (i("CT05"), [Some(5), None, None]),
                (i("CT06"), [Some(100), Some(40), Some(60)]),
                (i("CT25"), [Some(10), None, None]),
            ],
        );
        s.activity_sheet = Some("HoatDong".into());
        let act = |kind: usize, day: u32, people: i64, cost: i64| Activity {
            row: 4,
            date: chrono::NaiveDate::from_ymd_opt(2023, 11, day),
            kind: Some(kind),
            channel: None,
            participants: Some(Micros::from_units(people)),
            female: None,
            cost: Some(Micros::from_units(cost)),
            count: 1,
        };
        // Two launch events logged, one reported; 120 + 30 participants of direct sessions
        // against 100 reported; costs 4 + 7 = 11 against 10; one event before the window.
        s.activities =
            vec![act(0, 16, 50, 4), act(0, 17, 50, 0), act(1, 18, 120, 7), act(1, 20, 30, 0), act(0, 1, 9, 0)];
        s.activities[4].date = chrono::NaiveDate::from_ymd_opt(2023, 10, 1);
        s.activity_date_col = Some(1);
        validate(&mut s, &c, &c.periods[0]);
        // The event before the window is told at its date.
        let w020: Vec<String> = s.issues.iter().filter(|x| x.code == "W020").map(|x| x.cell_text()).collect();
        assert_eq!(w020, ["B5"]);
        let w021: Vec<(&str, &str)> = s
            .issues
            .iter()
            .filter(|x| x.code == "W021")
            .map(|x| (x.indicator.as_deref().unwrap(), x.value.as_str()))
            .collect();
        assert_eq!(w021, vec![("CT03", "1"), ("CT04", "(trống)"), ("CT06", "100"), ("CT25", "10")]);
        let ct03 = s.issues.iter().find(|x| x.code == "W021" && x.indicator.as_deref() == Some("CT03")).unwrap();
        assert!(ct03.message_vi.contains("số hoạt động là 2"), "{}", ct03.message_vi);
        // Two sessions logged against five reported: a partial log is no finding.
        assert!(!s.issues.iter().any(|x| x.code == "W021" && x.indicator.as_deref() == Some("CT05")));
    }

    #[test]
    fn outlier_needs_five_peers_and_ten_times_the_median() {
        let c = Config::embedded().unwrap();
        let ct08 = c.indicator_index("CT08").unwrap();
        let mut subs: Vec<Submission> =
            ["001", "002", "003", "004", "005"].iter().map(|u| sub(u, vec![(ct08, [Some(20), None, None])])).collect();
        subs.push(sub("006", vec![(ct08, [Some(201), None, None])]));
        let refs: Vec<&Submission> = subs.iter().collect();
        let found = outliers(&c, &refs);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, 5);
        subs[5].rows[0].set_value(0, Some(Micros::from_units(200)));
        let refs: Vec<&Submission> = subs.iter().collect();
        assert!(outliers(&c, &refs).is_empty());
        // With four peers only, no judgement.
        let refs: Vec<&Submission> = subs[1..].iter().collect();
        assert!(outliers(&c, &refs).is_empty());
    }

    /// Outliers in two families and on two indicators, with one form's rows out of catalogue
    /// order: each is found, at its own cell, and they come by family, then indicator.
    #[test]
    fn outliers_come_by_family_and_are_found_in_rows_out_of_order() {
        let c = Config::embedded().unwrap();
        let (ct01, ct08) = (c.indicator_index("CT01").unwrap(), c.indicator_index("CT08").unwrap());
        let mut subs = Vec::new();
        for (k, u) in ["001", "002", "003", "004", "005", "006"].into_iter().enumerate() {
            subs.push(sub(u, vec![(ct08, [Some(if k == 5 { 999 } else { 20 }), None, None])]));
        }
        for (k, u) in ["S01", "S02", "S03", "S04", "S05", "S06"].into_iter().enumerate() {
            let v = |x: i64| [Some(if k == 5 { 999 } else { x }), None, None];
            // The last department lists CT08 above CT01.
            let rows = if k == 5 { vec![(ct08, v(30)), (ct01, v(20))] } else { vec![(ct01, v(20)), (ct08, v(30))] };
            subs.push(sub(u, rows));
        }
        let refs: Vec<&Submission> = subs.iter().collect();
        let found: Vec<(usize, String, String)> = outliers(&c, &refs)
            .into_iter()
            .map(|(si, i)| (si, i.indicator.clone().unwrap_or_default(), i.cell_text()))
            .collect();
        let at = |row: u32| CellRef::new(row, 4).to_string();
        assert_eq!(
            found,
            vec![(5, "CT08".to_string(), at(10)), (11, "CT01".to_string(), at(11)), (11, "CT08".to_string(), at(10)),]
        );
    }
}
