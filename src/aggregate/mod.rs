//! Accepted submissions in, tables out: city totals, totals by unit type and group, the
//! unit × indicator matrix, and the activity tables.
//!
//! Values are summed as integers of micro-units, so the order of addition (`--jobs`) never
//! changes a digit. Blank is not zero: an unreported value has no row, and a total that no
//! unit reported stays empty.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::config::{Config, Period, UnitType};
pub use crate::model::ActivitySums;
use crate::model::{ActivitySummary, Breakdown, Channel, Micros, Submission};

/// One reported value of an accepted submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ValueRow {
    /// Catalogue index of the unit.
    pub unit: usize,
    pub indicator: usize,
    pub breakdown: Breakdown,
    pub value: Micros,
}

/// A sum over units, with how many units reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub value: Option<Micros>,
    pub units_reporting: u32,
}

/// The activity tables of issue-free and warned submissions alike (accepted ones).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ActivityTables {
    /// Week labels: index 0 is "before the period", then week 1, 2, …
    pub weeks: Vec<(NaiveDate, NaiveDate)>,
    /// [week bucket][activity type] → (activities, participants)
    pub by_week_type: Vec<Vec<(u64, Micros)>>,
    /// Per unit (catalogue index): activities, participants, female, cost.
    pub by_unit: BTreeMap<usize, ActivitySums>,
    pub by_unit_type: BTreeMap<UnitType, ActivitySums>,
    pub by_channel: BTreeMap<Channel, ActivitySums>,
    pub total: ActivitySums,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tables {
    /// Sorted by unit code, then catalogue order, then total, male, female.
    pub values: Vec<ValueRow>,
    /// Every indicator × its breakdowns, in catalogue order.
    pub totals: Vec<(usize, Breakdown, Total)>,
    pub by_type: BTreeMap<(UnitType, usize, Breakdown), Total>,
    pub by_group: BTreeMap<(String, usize, Breakdown), Total>,
    pub activities: ActivityTables,
}

impl Tables {
    pub fn total(&self, indicator: usize, breakdown: Breakdown) -> Option<Total> {
        self.totals.iter().find(|(i, b, _)| *i == indicator && *b == breakdown).map(|(_, _, t)| *t)
    }
}

/// Sums the accepted submissions (one per unit). Breakdowns an indicator does not have
/// (Nam/Nữ of an indicator not broken down by sex) are left out.
pub fn aggregate(config: &Config, period: &Period, accepted: &[&Submission]) -> PolarsResult<Tables> {
    let mut values = Vec::new();
    for sub in accepted {
        let Some(unit) = sub.unit.as_deref().and_then(|c| config.unit_position(c)) else {
            continue;
        };
        for row in &sub.rows {
            for &b in config.indicators[row.indicator].breakdowns() {
                if let Some(v) = row.values[b.index()] {
                    values.push(ValueRow { unit, indicator: row.indicator, breakdown: b, value: v });
                }
            }
        }
    }
    values.sort_by(|a, b| {
        (config.units[a.unit].code.as_bytes(), a.indicator, a.breakdown).cmp(&(
            config.units[b.unit].code.as_bytes(),
            b.indicator,
            b.breakdown,
        ))
    });

    let frame = values_frame(config, &values)?;
    let sums = grouped_sums(&frame, &["indicator", "breakdown"])?;
    // Cells are capped at a thousand million, so a 64-bit total can only overflow past
    // ~9,000 forms at the cap on one indicator; refuse to print a wrapped total even then.
    let mut exact: BTreeMap<(usize, Breakdown), i128> = BTreeMap::new();
    for v in &values {
        *exact.entry((v.indicator, v.breakdown)).or_default() += i128::from(v.value.0);
    }
    if let Some(((i, b), _)) = exact.iter().find(|(_, sum)| i64::try_from(**sum).is_err()) {
        return Err(PolarsError::ComputeError(
            format!("the total of {} ({}) is beyond the exact range", config.indicators[*i].code, b.as_str()).into(),
        ));
    }
    let mut totals = Vec::new();
    for (i, ind) in config.indicators.iter().enumerate() {
        for &b in ind.breakdowns() {
            let key = format!("{i}\u{1f}{}", b.index());
            let t = sums.get(&key).copied().map_or(Total { value: None, units_reporting: 0 }, |(v, n)| Total {
                value: Some(Micros(v)),
                units_reporting: n,
            });
            totals.push((i, b, t));
        }
    }
    let mut by_type = BTreeMap::new();
    for (key, (v, n)) in grouped_sums(&frame, &["unit_type", "indicator", "breakdown"])? {
        let mut parts = key.split('\u{1f}');
        let (Some(t), Some(i), Some(b)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Some(t), Ok(i), Ok(b)) = (UnitType::parse(t), i.parse::<usize>(), b.parse::<usize>()) else { continue };
        by_type.insert((t, i, Breakdown::ALL[b]), Total { value: Some(Micros(v)), units_reporting: n });
    }
    let mut by_group = BTreeMap::new();
    for (key, (v, n)) in grouped_sums(&frame, &["group", "indicator", "breakdown"])? {
        let mut parts = key.split('\u{1f}');
        let (Some(g), Some(i), Some(b)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(i), Ok(b)) = (i.parse::<usize>(), b.parse::<usize>()) else { continue };
        by_group.insert((g.to_string(), i, Breakdown::ALL[b]), Total { value: Some(Micros(v)), units_reporting: n });
    }
    let activities = activity_tables(config, period, accepted);
    Ok(Tables { values, totals, by_type, by_group, activities })
}

/// The values as a polars frame: one row per reported value.
pub fn values_frame(config: &Config, values: &[ValueRow]) -> PolarsResult<DataFrame> {
    let n = values.len();
    let unit_type: Vec<&str> = values.iter().map(|v| config.units[v.unit].unit_type.as_str()).collect();
    let group: Vec<&str> = values.iter().map(|v| config.units[v.unit].group.as_str()).collect();
    let indicator: Vec<u32> = values.iter().map(|v| v.indicator as u32).collect();
    let breakdown: Vec<u32> = values.iter().map(|v| v.breakdown.index() as u32).collect();
    let value: Vec<i64> = values.iter().map(|v| v.value.0).collect();
    DataFrame::new(
        n,
        vec![
            Column::new("unit_type".into(), unit_type),
            Column::new("group".into(), group),
            Column::new("indicator".into(), indicator),
            Column::new("breakdown".into(), breakdown),
            Column::new("value".into(), value),
        ],
    )
}

/// Sums `value` and counts rows per group; keys are the group columns joined by U+001F.
#[allow(deprecated)]
fn grouped_sums(frame: &DataFrame, by: &[&str]) -> PolarsResult<BTreeMap<String, (i64, u32)>> {
    let mut out = BTreeMap::new();
    if frame.height() == 0 {
        return Ok(out);
    }
    let gb = frame.group_by(by.iter().copied())?;
    let sums = gb.select(["value"]).sum()?;
    let counts = frame.group_by(by.iter().copied())?.select(["value"]).count()?;
    let key_of = |df: &DataFrame, row: usize| -> PolarsResult<String> {
        let mut parts = Vec::with_capacity(by.len());
        for name in by {
            let v = df.column(name)?.get(row)?;
            parts.push(match v {
                AnyValue::String(s) => s.to_string(),
                AnyValue::StringOwned(s) => s.to_string(),
                other => other.to_string(),
            });
        }
        Ok(parts.join("\u{1f}"))
    };
    let sum_col = sums.column("value_sum")?.i64()?.clone();
    for row in 0..sums.height() {
        out.insert(key_of(&sums, row)?, (sum_col.get(row).unwrap_or(0), 0));
    }
    let count_col = counts.column("value_count")?.cast(&DataType::UInt32)?;
    let count_col = count_col.u32()?;
    for row in 0..counts.height() {
        if let Some(entry) = out.get_mut(&key_of(&counts, row)?) {
            entry.1 = count_col.get(row).unwrap_or(0);
        }
    }
    Ok(out)
}

/// Week buckets of a period: 0 is "before the period", then 7-day weeks from its first day.
pub fn week_buckets(period: &Period) -> Vec<(NaiveDate, NaiveDate)> {
    let mut weeks = vec![(period.activity_start, period.start.pred_opt().unwrap_or(period.start))];
    let mut start = period.start;
    while start <= period.end {
        let end = (start + chrono::Duration::days(6)).min(period.end);
        weeks.push((start, end));
        start += chrono::Duration::days(7);
    }
    weeks
}

/// A form's activity log summed as the tables need it: once read and checked, its rows are
/// not kept (at national scale they would be most of what a run holds).
pub fn summarise_activities(period: &Period, sub: &Submission) -> ActivitySummary {
    let mut s = ActivitySummary::default();
    for a in &sub.activities {
        let (Some(date), Some(kind)) = (a.date, a.kind) else { continue };
        if date < period.activity_start || date > period.end {
            continue;
        }
        let bucket = if date < period.start { 0 } else { 1 + ((date - period.start).num_days() / 7) as usize };
        match s.by_week_type.iter_mut().find(|c| c.0 == bucket && c.1 == kind) {
            Some(cell) => {
                cell.2 += 1;
                cell.3.0 = cell.3.0.saturating_add(a.participants.map_or(0, |m| m.0));
            }
            None => s.by_week_type.push((bucket, kind, 1, a.participants.unwrap_or_default())),
        }
        let online = matches!(a.channel, Some(Channel::Online | Channel::Mixed));
        if let Some(ch) = a.channel {
            s.by_channel[ch as usize].add(a.participants, a.female, a.cost, online);
        }
        s.total.add(a.participants, a.female, a.cost, online);
    }
    s.by_week_type.sort_unstable_by_key(|c| (c.0, c.1));
    s.by_week_type.shrink_to_fit();
    s
}

fn activity_tables(config: &Config, period: &Period, accepted: &[&Submission]) -> ActivityTables {
    let weeks = week_buckets(period);
    let mut t = ActivityTables {
        by_week_type: vec![vec![(0, Micros(0)); config.activity_types.len()]; weeks.len()],
        weeks,
        ..Default::default()
    };
    for sub in accepted {
        let Some(unit) = sub.unit.as_deref().and_then(|c| config.unit_position(c)) else {
            continue;
        };
        let s = &sub.activity_summary;
        for &(bucket, kind, count, participants) in &s.by_week_type {
            if let Some(cell) = t.by_week_type.get_mut(bucket).and_then(|w| w.get_mut(kind)) {
                cell.0 += count;
                cell.1.0 = cell.1.0.saturating_add(participants.0);
            }
        }
        if s.total.activities == 0 {
            continue;
        }
        t.by_unit.entry(unit).or_default().merge(&s.total);
        t.by_unit_type.entry(config.units[unit].unit_type).or_default().merge(&s.total);
        for (ch, sums) in Channel::ALL.into_iter().zip(&s.by_channel) {
            if sums.activities > 0 {
                t.by_channel.entry(ch).or_default().merge(sums);
            }
        }
        t.total.merge(&s.total);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportedRow;

    fn sub(unit: &str, rows: &[(usize, [Option<i64>; 3])]) -> Submission {
        Submission {
            unit: Some(crate::model::UnitCode::parse(unit).unwrap()),
            rows: rows
                .iter()
                .map(|(i, v)| ReportedRow {
                    indicator: *i,
                    values: v.map(|x| x.map(Micros::from_units)),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn totals_are_sums_and_blank_stays_blank() {
        let c = Config::embedded().unwrap();
        let p = &c.periods[0];
        let ct06 = c.indicator_index("CT06").unwrap();
        let a = sub("001", &[(0, [Some(3), None, None]), (ct06, [Some(100), Some(40), Some(60)])]);
        let b = sub("S01", &[(0, [Some(2), Some(9), None]), (ct06, [None, Some(5), Some(6)])]);
        let t = aggregate(&c, p, &[&a, &b]).unwrap();
        assert_eq!(
            t.total(0, Breakdown::Total),
            Some(Total { value: Some(Micros::from_units(5)), units_reporting: 2 })
        );
        // CT01 is not by sex: Nam typed on it is not counted, and has no total row.
        assert_eq!(t.total(0, Breakdown::Male), None);
        assert_eq!(
            t.total(ct06, Breakdown::Total),
            Some(Total { value: Some(Micros::from_units(100)), units_reporting: 1 })
        );
        assert_eq!(
            t.total(ct06, Breakdown::Male),
            Some(Total { value: Some(Micros::from_units(45)), units_reporting: 2 })
        );
        assert_eq!(t.total(1, Breakdown::Total), Some(Total { value: None, units_reporting: 0 }));
        assert_eq!(
            t.by_type.get(&(UnitType::Quan, ct06, Breakdown::Female)),
            Some(&Total { value: Some(Micros::from_units(60)), units_reporting: 1 })
        );
        // Values are sorted by unit code: 001 before S01.
        assert_eq!(c.units[t.values[0].unit].code, "001");
        assert_eq!(t.values.len(), 7);
    }

    #[test]
    fn activities_by_week_type_channel_and_unit_are_hand_sums() {
        use crate::model::{Activity, Channel};
        let c = Config::embedded().unwrap();
        let p = &c.periods[0];
        let d = |m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(2023, m, day);
        let act = |date, kind: usize, channel, people: i64, female: i64, cost: i64| Activity {
            row: 3,
            date,
            kind: Some(kind),
            channel: Some(channel),
            participants: Some(Micros::from_units(people)),
            female: Some(Micros::from_units(female)),
            cost: Some(Micros::from_units(cost)),
        };
        let mut a = sub("001", &[]);
        a.activities = vec![
            act(d(11, 10), 0, Channel::InPerson, 500, 300, 20), // before the period (launch on 10/11)
            act(d(11, 15), 1, Channel::InPerson, 100, 60, 5),   // week 1, first day
            act(d(11, 22), 1, Channel::Online, 40, 30, 0),      // week 2, first day
            act(d(12, 16), 1, Channel::Online, 999, 0, 0),      // after the end: not counted
        ];
        let mut b = sub("S01", &[]);
        b.activities = vec![act(d(11, 21), 5, Channel::Mixed, 60, 10, 1)]; // week 1, last day
        for s in [&mut a, &mut b] {
            s.activity_summary = summarise_activities(p, s);
            s.activities = Vec::new();
        }
        let t = aggregate(&c, p, &[&a, &b]).unwrap().activities;
        assert_eq!(t.by_week_type[0][0], (1, Micros::from_units(500)));
        assert_eq!(t.by_week_type[1][1], (1, Micros::from_units(100)));
        assert_eq!(t.by_week_type[1][5], (1, Micros::from_units(60)));
        assert_eq!(t.by_week_type[2][1], (1, Micros::from_units(40)));
        assert_eq!(t.total.activities, 4);
        assert_eq!(t.total.participants, Micros::from_units(700));
        assert_eq!(t.total.female, Micros::from_units(400));
        assert_eq!(t.total.cost, Micros::from_units(26));
        // Online share: Trực tuyến + Kết hợp = 2 of 4.
        assert_eq!(t.total.online, 2);
        assert_eq!(t.by_channel[&Channel::InPerson].activities, 2);
        assert_eq!(t.by_unit[&0].activities, 3);
        assert_eq!(t.by_unit_type[&UnitType::SoNganh].participants, Micros::from_units(60));
    }

    #[test]
    fn weeks_start_on_the_period_first_day() {
        let c = Config::embedded().unwrap();
        let w = week_buckets(&c.periods[0]);
        assert_eq!(w[1].0, NaiveDate::from_ymd_opt(2023, 11, 15).unwrap());
        assert_eq!(w[1].1, NaiveDate::from_ymd_opt(2023, 11, 21).unwrap());
        assert_eq!(w.last().unwrap().1, NaiveDate::from_ymd_opt(2023, 12, 15).unwrap());
        assert_eq!(w.len(), 6);
    }
}
