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
pub use values::{ValueRow, Values, ValuesBuilder, group_names};

mod values;
use crate::model::{Activity, ActivitySummary, Breakdown, Channel, Micros, Submission};

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
    pub values: Values,
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
///
/// Every table is derived with polars from one typed frame of the accepted values
/// ([`Values`]): group keys are the frame's own integer columns, and sums are exact (in 64
/// bits where no sum can reach 2^63, else in 128), so an overflow of the 64-bit values the
/// outputs hold is found once, by `Sums::micros`, from the engine's own sums.
pub fn aggregate(config: &Config, period: &Period, accepted: &[&Submission]) -> PolarsResult<Tables> {
    aggregate_values(config, period, Values::of(config, accepted)?, accepted)
}

/// [`aggregate`] over values already taken from the submissions (see [`ValuesBuilder`]), so
/// that a run need not hold both at once.
pub fn aggregate_values(
    config: &Config,
    period: &Period,
    values: Values,
    accepted: &[&Submission],
) -> PolarsResult<Tables> {
    let frame = values.frame();
    let groups = group_names(config);

    let mut by_indicator = BTreeMap::new();
    for (key, sum) in sums(frame, &["indicator", "breakdown"], &["value"])? {
        by_indicator.insert((key[0], key[1]), total(config, &sum, key[0])?);
    }
    let totals = config
        .indicators
        .iter()
        .enumerate()
        .flat_map(|(i, ind)| ind.breakdowns().iter().map(move |&b| (i, b)))
        .map(|(i, b)| {
            let t = by_indicator.get(&(i as u32, b as u32)).copied();
            (i, b, t.unwrap_or(Total { value: None, units_reporting: 0 }))
        })
        .collect();
    let mut by_type = BTreeMap::new();
    for (key, sum) in sums(frame, &["unit_type", "indicator", "breakdown"], &["value"])? {
        let t = total(config, &sum, key[1])?;
        by_type.insert((UnitType(key[0] as u16), key[1] as usize, Breakdown::ALL[key[2] as usize]), t);
    }
    let mut by_group = BTreeMap::new();
    for (key, sum) in sums(frame, &["group", "indicator", "breakdown"], &["value"])? {
        let t = total(config, &sum, key[1])?;
        by_group.insert((groups[key[0] as usize].clone(), key[1] as usize, Breakdown::ALL[key[2] as usize]), t);
    }
    let activities = activity_tables(config, period, accepted)?;
    Ok(Tables { values, totals, by_type, by_group, activities })
}

/// Per distinct key of the `by` columns (all UInt32), the 128-bit sums of the `columns` and
/// how many rows hold the key, in key order.
fn sums(frame: &DataFrame, by: &[&str], columns: &[&str]) -> PolarsResult<BTreeMap<Vec<u32>, Sums>> {
    let mut out = BTreeMap::new();
    add_sums(&mut out, frame, by, columns)?;
    Ok(out)
}

/// How many rows are grouped at once. polars' group-by holds a few dozen bytes per row while
/// it works (the keys encoded as rows, their hashes, the groups' row indices): summing a
/// frame a slice at a time and adding the slices' sums bounds that by the slice, not by the
/// number of forms.
const SLICE: usize = 1 << 17;

/// Adds the sums of `frame` (see [`sums`]) to `out`, a slice of [`SLICE`] rows at a time.
fn add_sums(out: &mut BTreeMap<Vec<u32>, Sums>, frame: &DataFrame, by: &[&str], columns: &[&str]) -> PolarsResult<()> {
    for offset in (0..frame.height()).step_by(SLICE) {
        let slice = frame.slice(offset as i64, SLICE);
        let grouped = slice.group_by(by.iter().copied())?;
        let groups = grouped.get_groups();
        let keys: Vec<UInt32Chunked> = grouped.keys().iter().map(|k| k.u32().cloned()).collect::<PolarsResult<_>>()?;
        let mut summed = Vec::with_capacity(columns.len());
        for name in columns {
            let column = slice.column(name)?;
            // A 64-bit sum is exact when no sum can reach 2^63; else the column is summed in
            // 128 bits (which costs a 16-byte copy of every value, so only where needed).
            let exact = if fits_64_bits(column)? { column.clone() } else { column.cast(&DataType::Int128)? };
            // SAFETY: the groups were computed on this slice, so every index is in bounds.
            let sum = unsafe { exact.agg_sum(groups) };
            summed.push(sum.cast(&DataType::Int128)?.i128()?.clone());
        }
        let counts = groups.group_count();
        for g in 0..groups.len() {
            let key = keys.iter().map(|k| k.get(g).unwrap_or(0)).collect();
            let sum = out.entry(key).or_insert_with(|| Sums { values: vec![0; columns.len()], rows: 0 });
            for (total, part) in sum.values.iter_mut().zip(&summed) {
                // At most 2^32 rows of at most 2^64 each: far inside 128 bits.
                *total += part.get(g).unwrap_or(0);
            }
            sum.rows += counts.get(g).unwrap_or(0);
        }
    }
    Ok(())
}

/// Whether every sum over rows of `column` (Int64 or UInt64) fits in 64 bits: its
/// largest magnitude times its length is below 2^63.
fn fits_64_bits(column: &Column) -> PolarsResult<bool> {
    let series = column.as_materialized_series();
    let largest: i128 = match series.dtype() {
        DataType::Int64 => {
            let c = series.i64()?;
            let (min, max) = (c.min().unwrap_or(0), c.max().unwrap_or(0));
            i128::from(min).abs().max(i128::from(max).abs())
        }
        DataType::UInt64 => i128::from(series.u64()?.max().unwrap_or(0)),
        _ => return Ok(false),
    };
    Ok(largest.saturating_mul(series.len() as i128) < i128::from(i64::MAX))
}

/// The sums of one group.
struct Sums {
    values: Vec<i128>,
    rows: u32,
}

impl Sums {
    /// The `i`th sum in the outputs' 64-bit micro-units, or an error naming what overflowed.
    fn micros(&self, i: usize, what: &dyn Fn() -> String) -> PolarsResult<Micros> {
        i64::try_from(self.values[i])
            .map(Micros)
            .map_err(|_| PolarsError::ComputeError(format!("the total of {} is beyond the exact range", what()).into()))
    }
}

fn total(config: &Config, sum: &Sums, indicator: u32) -> PolarsResult<Total> {
    let value = sum.micros(0, &|| config.indicators[indicator as usize].code.clone())?;
    Ok(Total { value: Some(value), units_reporting: sum.rows })
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
        let bucket = if date < period.start { 0 } else { 1 + (date - period.start).num_days() / 7 };
        // A bucket or type beyond u16 has no cell in the tables either.
        if let (Ok(bucket), Ok(kind)) = (u16::try_from(bucket), u16::try_from(kind)) {
            match s.by_week_type.iter_mut().find(|c| c.0 == bucket && c.1 == kind) {
                Some(cell) => {
                    cell.2 = cell.2.saturating_add(a.count);
                    cell.3.0 = cell.3.0.saturating_add(a.participants.map_or(0, |m| m.0));
                }
                None => s.by_week_type.push((bucket, kind, a.count, a.participants.unwrap_or_default())),
            }
        }
        let online = matches!(a.channel, Some(Channel::Online | Channel::Mixed));
        if let Some(ch) = a.channel {
            s.by_channel[ch as usize].add(a, online);
        }
        s.total.add(a, online);
    }
    s.by_week_type.sort_unstable_by_key(|c| (c.0, c.1));
    s.by_week_type.shrink_to_fit();
    s
}

/// A form's activity rows in the window summed by day, type and channel, in that order: the
/// rows a consolidated report carries up to the level above.
pub fn activity_log(period: &Period, sub: &Submission) -> Vec<Activity> {
    let mut by_key: BTreeMap<(NaiveDate, usize, Option<u8>), Activity> = BTreeMap::new();
    for a in &sub.activities {
        let (Some(date), Some(kind)) = (a.date, a.kind) else { continue };
        if date < period.activity_start || date > period.end {
            continue;
        }
        let row = by_key.entry((date, kind, a.channel.map(|c| c as u8))).or_insert(Activity {
            date: Some(date),
            kind: Some(kind),
            channel: a.channel,
            participants: None,
            female: None,
            cost: None,
            count: 0,
            row: 0,
        });
        let add = |sum: &mut Option<Micros>, v: Option<Micros>| {
            if let Some(v) = v {
                *sum = Some(Micros(sum.map_or(0, |s| s.0).saturating_add(v.0)));
            }
        };
        add(&mut row.participants, a.participants);
        add(&mut row.female, a.female);
        add(&mut row.cost, a.cost);
        row.count = row.count.saturating_add(a.count);
    }
    by_key.into_values().collect()
}

/// The activity tables, summed with polars from two frames of the accepted forms' activity
/// summaries: one row per (form, week bucket, type), and one row per (form, channel or all).
fn activity_tables(config: &Config, period: &Period, accepted: &[&Submission]) -> PolarsResult<ActivityTables> {
    let weeks = week_buckets(period);
    let mut t = ActivityTables {
        by_week_type: vec![vec![(0, Micros(0)); config.activity_types.len()]; weeks.len()],
        weeks,
        ..Default::default()
    };
    // Channel rows: 0..3 one per channel, ALL_CHANNELS for the form's whole log.
    const ALL_CHANNELS: u32 = 3;
    let mut rows = SumsRows::default();
    let mut by_bucket_kind = BTreeMap::new();
    let mut weekly = WeeklyRows::default();
    for sub in accepted {
        let Some(unit) = sub.unit.as_deref().and_then(|c| config.unit_position(c)) else {
            continue;
        };
        let s = &sub.activity_summary;
        for &(b, k, n, p) in &s.by_week_type {
            if usize::from(b) < t.by_week_type.len() && usize::from(k) < config.activity_types.len() {
                weekly.push(b, k, n, p);
            }
        }
        // The weekly frame is summed and emptied a slice at a time: it is a row per form,
        // week and type, the largest table of a run.
        if weekly.len() >= SLICE {
            add_sums(&mut by_bucket_kind, &std::mem::take(&mut weekly).frame()?, &WeeklyRows::BY, &WeeklyRows::SUMS)?;
        }
        if s.total.activities == 0 {
            continue;
        }
        let unit_type = u32::from(config.units[unit].unit_type.0);
        rows.push(unit as u32, unit_type, ALL_CHANNELS, &s.total);
        for (ch, sums) in s.by_channel.iter().enumerate() {
            if sums.activities > 0 {
                rows.push(unit as u32, unit_type, ch as u32, sums);
            }
        }
    }
    add_sums(&mut by_bucket_kind, &weekly.frame()?, &WeeklyRows::BY, &WeeklyRows::SUMS)?;
    for (key, sum) in by_bucket_kind {
        let what = || "the activity log".to_string();
        let activities = u64::try_from(sum.values[0]).unwrap_or(u64::MAX);
        t.by_week_type[key[0] as usize][key[1] as usize] = (activities, sum.micros(1, &what)?);
    }
    let frame = rows.frame()?;
    let all = frame.filter(&frame.column("channel")?.u32()?.equal(ALL_CHANNELS))?;
    for (key, sum) in sums(&all, &["unit"], &SumsRows::COLUMNS)? {
        t.by_unit.insert(key[0] as usize, sum.activity_sums()?);
    }
    for (key, sum) in sums(&all, &["unit_type"], &SumsRows::COLUMNS)? {
        t.by_unit_type.insert(UnitType(key[0] as u16), sum.activity_sums()?);
    }
    let channels = frame.filter(&frame.column("channel")?.u32()?.lt(ALL_CHANNELS))?;
    for (key, sum) in sums(&channels, &["channel"], &SumsRows::COLUMNS)? {
        t.by_channel.insert(Channel::ALL[key[0] as usize], sum.activity_sums()?);
    }
    if let Some(sum) = sums(&all, &["channel"], &SumsRows::COLUMNS)?.values().next() {
        t.total = sum.activity_sums()?;
    }
    Ok(t)
}

/// Rows of a form's activities and participants by week bucket and activity type, as frame
/// columns.
#[derive(Default)]
struct WeeklyRows {
    bucket: Vec<u32>,
    kind: Vec<u32>,
    activities: Vec<u64>,
    participants: Vec<i64>,
}

impl WeeklyRows {
    const BY: [&'static str; 2] = ["bucket", "kind"];
    const SUMS: [&'static str; 2] = ["activities", "participants"];

    fn push(&mut self, bucket: u16, kind: u16, activities: u32, participants: Micros) {
        self.bucket.push(u32::from(bucket));
        self.kind.push(u32::from(kind));
        self.activities.push(u64::from(activities));
        self.participants.push(participants.0);
    }

    fn len(&self) -> usize {
        self.bucket.len()
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        DataFrame::new(
            self.bucket.len(),
            vec![
                Column::new("bucket".into(), self.bucket),
                Column::new("kind".into(), self.kind),
                Column::new("activities".into(), self.activities),
                Column::new("participants".into(), self.participants),
            ],
        )
    }
}

/// Rows of [`ActivitySums`] by unit, unit type and channel, as frame columns.
#[derive(Default)]
struct SumsRows {
    unit: Vec<u32>,
    unit_type: Vec<u32>,
    channel: Vec<u32>,
    activities: Vec<u64>,
    participants: Vec<i64>,
    female: Vec<i64>,
    cost: Vec<i64>,
    online: Vec<u64>,
}

impl SumsRows {
    const COLUMNS: [&'static str; 5] = ["activities", "participants", "female", "cost", "online"];

    fn push(&mut self, unit: u32, unit_type: u32, channel: u32, s: &ActivitySums) {
        self.unit.push(unit);
        self.unit_type.push(unit_type);
        self.channel.push(channel);
        self.activities.push(s.activities);
        self.participants.push(s.participants.0);
        self.female.push(s.female.0);
        self.cost.push(s.cost.0);
        self.online.push(s.online);
    }

    fn frame(self) -> PolarsResult<DataFrame> {
        DataFrame::new(
            self.unit.len(),
            vec![
                Column::new("unit".into(), self.unit),
                Column::new("unit_type".into(), self.unit_type),
                Column::new("channel".into(), self.channel),
                Column::new("activities".into(), self.activities),
                Column::new("participants".into(), self.participants),
                Column::new("female".into(), self.female),
                Column::new("cost".into(), self.cost),
                Column::new("online".into(), self.online),
            ],
        )
    }
}

impl Sums {
    /// The sums of [`SumsRows::COLUMNS`] as an [`ActivitySums`].
    fn activity_sums(&self) -> PolarsResult<ActivitySums> {
        let what = || "the activity log".to_string();
        Ok(ActivitySums {
            activities: u64::try_from(self.values[0]).unwrap_or(u64::MAX),
            participants: self.micros(1, &what)?,
            female: self.micros(2, &what)?,
            cost: self.micros(3, &what)?,
            online: u64::try_from(self.values[4]).unwrap_or(u64::MAX),
        })
    }
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
                .map(|(i, v)| ReportedRow::with_values(*i, v.map(|x| x.map(Micros::from_units))))
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
            t.by_type.get(&(c.unit_type_by_code("quan").unwrap(), ct06, Breakdown::Female)),
            Some(&Total { value: Some(Micros::from_units(60)), units_reporting: 1 })
        );
        // Values are sorted by unit code: 001 before S01.
        assert_eq!(c.units[t.values.get(0).unit].code, "001");
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
            count: 1,
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
        assert_eq!(t.by_unit_type[&c.unit_type_by_code("so_nganh").unwrap()].participants, Micros::from_units(60));
    }

    #[test]
    fn a_total_beyond_the_exact_range_is_an_error_not_a_wrapped_number() {
        let c = Config::embedded().unwrap();
        let p = &c.periods[0];
        let huge = |unit: &str| {
            let mut s = sub(unit, &[]);
            s.rows = vec![ReportedRow::with_values(0, [Some(Micros(i64::MAX / 2 + 1)), None, None])];
            s
        };
        let (a, b) = (huge("001"), huge("002"));
        let e = aggregate(&c, p, &[&a, &b]).unwrap_err();
        assert!(e.to_string().contains("CT01"), "{e}");
    }

    #[test]
    fn the_values_frame_joins_another_periods_values_in_a_few_lines() {
        let c = Config::embedded().unwrap();
        let p = &c.periods[0];
        let now = aggregate(&c, p, &[&sub("001", &[(0, [Some(3), None, None])])]).unwrap();
        let before = aggregate(&c, p, &[&sub("001", &[(0, [Some(2), None, None])])]).unwrap();
        // As another period's values.parquet reads: the same columns and types.
        let previous = before.values.as_parquet_table(&c).unwrap();
        let current = now.values.as_parquet_table(&c).unwrap();
        let keys = ["unit_code", "indicator", "breakdown"];
        let joined = current.join(&previous, keys, keys, JoinArgs::new(JoinType::Left), None).unwrap();
        assert_eq!(joined.height(), 1);
        let value = |name: &str| joined.column(name).unwrap().decimal().unwrap().physical().get(0);
        assert_eq!((value("value"), value("value_right")), (Some(3_000_000), Some(2_000_000)));
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

    /// Keys in every slice, sums that fit 64 bits in each slice but not over the whole
    /// frame: the slices' sums add up, their counts too, and the overflow is still found.
    #[test]
    fn sums_taken_a_slice_at_a_time_add_up_and_find_an_overflow_across_slices() {
        let n = 2 * SLICE + 10;
        let key: Vec<u32> = (0..n as u32).map(|r| r % 3).collect();
        let value: Vec<i64> = (0..n as i64).collect();
        let frame = DataFrame::new(n, vec![Column::new("k".into(), key), Column::new("v".into(), value)]).unwrap();
        let got = sums(&frame, &["k"], &["v"]).unwrap();
        for k in 0..3u32 {
            let want: i128 = (0..n as i128).filter(|r| r % 3 == i128::from(k)).sum();
            let rows = (0..n).filter(|r| r % 3 == k as usize).count() as u32;
            let s = &got[&vec![k]];
            assert_eq!((s.values[0], s.rows), (want, rows), "key {k}");
        }

        // Each slice sums to just under 2^63; the three slices together do not fit.
        let big = i64::MAX / SLICE as i64 - 1;
        let frame = DataFrame::new(
            3 * SLICE,
            vec![Column::new("k".into(), vec![0u32; 3 * SLICE]), Column::new("v".into(), vec![big; 3 * SLICE])],
        )
        .unwrap();
        let got = sums(&frame, &["k"], &["v"]).unwrap();
        let s = &got[&vec![0]];
        assert_eq!(s.values[0], i128::from(big) * 3 * SLICE as i128);
        assert!(s.micros(0, &|| "CT01".into()).is_err());
    }
}
