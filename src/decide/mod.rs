//! Deciding what each file counts for: its fate, the competition between a unit's
//! submissions, the outliers among the accepted ones, and each expected unit's standing.
//!
//! Pure: submissions in (read and validated), decisions out. The pipeline calls it between
//! validating and aggregating.

use std::collections::BTreeMap;

use crate::config::{Config, Period};
use crate::model::{Fate, Submission, UnitCode, issue};
use crate::outcome::{Timeliness, UnitStatus};
use crate::validate;

/// What the stage settled about a run's files.
#[derive(Debug, Clone, PartialEq)]
pub struct Decisions {
    /// Each file's fate, in the order of the submissions.
    pub fates: Vec<Fate>,
    /// Each unit's deciding submission for the period (accepted or not), by index.
    pub winners: BTreeMap<UnitCode, usize>,
    /// The accepted winners, by unit code.
    pub accepted: BTreeMap<UnitCode, usize>,
}

/// Decides every file's fate. `ignored[i]` says whether file `i` was found but not read as
/// a form. Adds to the submissions the issues the decisions raise (another period, outliers)
/// and sorts each submission's issues.
pub fn decide(config: &Config, period: &Period, ignored: &[bool], subs: &mut [Submission]) -> Decisions {
    // Fates before competition.
    let mut fates: Vec<Fate> = Vec::with_capacity(subs.len());
    for (&skipped, sub) in ignored.iter().zip(subs.iter_mut()) {
        let other_period = sub.period.as_ref().filter(|p| **p != period.code).map(|p| p.to_string());
        let fate = if skipped || sub.own.is_some() {
            Fate::Ignored
        } else if let Some(other) = other_period {
            // Another configured period's form: its findings are that period's business.
            let i = issue::other_period(&other, &period.code);
            sub.issues = vec![i.in_sheet(&sub.sheet).at(sub.header.period_cell).with_value(other)];
            Fate::Ignored
        } else if sub.errors() > 0 || sub.unit.is_none() || sub.period.is_none() {
            Fate::Rejected
        } else {
            Fate::Accepted
        };
        fates.push(fate);
    }

    // Competition: per unit, the latest report date (and time) wins, then the greater path.
    let mut entrants: BTreeMap<UnitCode, Vec<usize>> = BTreeMap::new();
    for (i, sub) in subs.iter().enumerate() {
        let Some(unit) = sub.unit.clone() else { continue };
        if sub.period.as_deref() == Some(period.code.as_str()) {
            entrants.entry(unit).or_default().push(i);
        }
    }
    let mut winners: BTreeMap<UnitCode, usize> = BTreeMap::new();
    for (unit, entrants) in entrants {
        let w = winner(subs, &entrants);
        for &i in entrants.iter().filter(|&&i| i != w) {
            fates[i] = Fate::Superseded;
        }
        winners.insert(unit, w);
    }

    // Outliers among the accepted winners.
    let accepted_idx: Vec<usize> = winners.values().copied().filter(|&i| fates[i] == Fate::Accepted).collect();
    let found_outliers = {
        let refs: Vec<&Submission> = accepted_idx.iter().map(|&i| &subs[i]).collect();
        validate::outliers(config, &refs)
    };
    for (k, issue) in found_outliers {
        subs[accepted_idx[k]].issues.push(issue);
    }
    for &i in &accepted_idx {
        if subs[i].warnings() > 0 {
            fates[i] = Fate::AcceptedWithWarnings;
        }
    }
    for sub in subs.iter_mut() {
        sub.issues.sort_by(|a, b| (a.sheet.as_str(), a.cell, &a.code).cmp(&(b.sheet.as_str(), b.cell, &b.code)));
    }
    let accepted = accepted_idx.iter().filter_map(|&i| Some((subs[i].unit.clone()?, i))).collect();
    Decisions { fates, winners, accepted }
}

/// Every expected unit's standing, in catalogue order: its deciding file, whether that was
/// accepted, and on time, late (after the deadline; the deadline day is on time) or missing.
pub fn unit_statuses(config: &Config, period: &Period, subs: &[Submission], d: &Decisions) -> Vec<UnitStatus> {
    config
        .units
        .iter()
        .enumerate()
        .filter(|(_, u)| u.expected && u.valid.covers(period) && period.expected_unit_types.contains(&u.unit_type))
        .map(|(ui, u)| {
            let file = d.winners.get(&u.code).copied();
            let accepted = d.accepted.contains_key(&u.code);
            let timeliness = match file {
                Some(f) if accepted => match subs[f].header.report_date {
                    Some(date) if date > period.deadline => Timeliness::Late,
                    _ => Timeliness::OnTime,
                },
                _ => Timeliness::Missing,
            };
            UnitStatus { unit: ui, file, accepted, timeliness }
        })
        .collect()
}

/// The winner among a unit's submissions (`entrants`, not empty): the latest report date
/// (blank is earliest). On that day, a form written with a time is out when another form
/// has a later time (the 17:10 final beats the 09:05 draft); a form with a date only ties
/// with every time. Among those left, the greater path in byte order wins.
fn winner(subs: &[Submission], entrants: &[usize]) -> usize {
    let date = |i: usize| subs[i].header.report_date;
    let time = |i: usize| subs[i].header.report_time;
    let latest = entrants.iter().map(|&i| date(i)).max().flatten();
    let day: Vec<usize> = entrants.iter().copied().filter(|&i| date(i) == latest).collect();
    let last_time = day.iter().filter_map(|&i| time(i)).max();
    day.into_iter()
        .filter(|&i| time(i).is_none() || time(i) == last_time)
        .max_by(|&a, &b| subs[a].path.as_bytes().cmp(subs[b].path.as_bytes()))
        .unwrap_or(entrants[0])
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::model::{PeriodCode, UnitCode};

    fn sub(path: &str, unit: &str, day: Option<u32>) -> Submission {
        let mut s = Submission {
            path: path.into(),
            unit: Some(UnitCode::parse(unit).unwrap()),
            period: Some(PeriodCode::parse("2023-THD").unwrap()),
            ..Default::default()
        };
        s.header.report_date = day.map(|d| NaiveDate::from_ymd_opt(2023, 12, d).unwrap());
        s
    }

    #[test]
    fn the_latest_report_wins_then_the_greater_path_and_blank_is_earliest() {
        let c = Config::embedded().unwrap();
        let p = c.period("2023-THD").unwrap();
        let mut subs = vec![
            sub("a/001.xlsx", "001", Some(18)),
            sub("b/001.xlsx", "001", Some(19)),
            sub("002_x.xlsx", "002", Some(18)),
            sub("002_y.xlsx", "002", Some(18)),
            sub("003.xlsx", "003", None),
            sub("003_new.xlsx", "003", Some(1)),
        ];
        let d = decide(&c, p, &[false; 6], &mut subs);
        use Fate::{Accepted as A, Superseded as S};
        assert_eq!(d.fates, [S, A, S, A, S, A]);
        assert_eq!(d.winners.values().copied().collect::<Vec<_>>(), [1, 3, 5]);
    }

    #[test]
    fn on_the_same_day_the_later_time_wins_and_a_date_against_a_date_time_is_a_tie() {
        let c = Config::embedded().unwrap();
        let p = c.period("2023-THD").unwrap();
        let at = |path: &str, unit: &str, time: Option<(u32, u32)>| {
            let mut s = sub(path, unit, Some(15));
            s.header.report_time = time.map(|(h, m)| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap());
            s
        };
        let mut subs = vec![
            // The 17:10 final beats the 09:05 draft whose path is greater.
            at("001_ban_cuoi.xlsx", "001", Some((17, 10))),
            at("001_ban_dau.xlsx", "001", Some((9, 5))),
            // A date against a date-time on the same day: the path decides.
            at("002_a.xlsx", "002", Some((17, 10))),
            at("002_b.xlsx", "002", None),
            // Three on a day: 09:05 is out (17:10 is later); 17:10 against the date only: the path.
            at("003_a.xlsx", "003", Some((17, 10))),
            at("003_b.xlsx", "003", None),
            at("003_c.xlsx", "003", Some((9, 5))),
        ];
        let d = decide(&c, p, &[false; 7], &mut subs);
        use Fate::{Accepted as A, Superseded as S};
        assert_eq!(d.fates, [A, S, S, A, S, A, S]);
    }

    #[test]
    fn ignored_other_period_and_rejected_files_are_told_apart() {
        let c = Config::embedded().unwrap();
        let p = c.period("2023-THD").unwrap();
        let mut other = sub("001_old.xlsx", "001", Some(18));
        other.period = Some(PeriodCode::parse("2022-THD").unwrap_or_else(|_| unreachable!()));
        let mut unknown = sub("x.xlsx", "002", Some(18));
        unknown.unit = None;
        let mut subs = vec![other, unknown, sub("readme.txt", "003", None)];
        let d = decide(&c, p, &[false, false, true], &mut subs);
        assert_eq!(d.fates, [Fate::Ignored, Fate::Rejected, Fate::Ignored]);
        assert_eq!(subs[0].issues[0].code, "I002");
        assert!(d.accepted.is_empty());
    }

    #[test]
    fn late_means_after_the_deadline_and_a_rejected_winner_is_missing() {
        let c = Config::embedded().unwrap();
        let p = c.period("2023-THD").unwrap();
        let mut rejected = sub("003.xlsx", "003", Some(19));
        rejected.issues.push(issue::unknown_unit("x"));
        let mut subs = vec![sub("001.xlsx", "001", Some(20)), sub("002.xlsx", "002", Some(21)), rejected];
        let d = decide(&c, p, &[false; 3], &mut subs);
        let units = unit_statuses(&c, p, &subs, &d);
        let of = |code: &str| units.iter().find(|u| c.units[u.unit].code == code).unwrap();
        assert_eq!(of("001").timeliness, Timeliness::OnTime, "the deadline day is on time");
        assert_eq!(of("002").timeliness, Timeliness::Late);
        assert_eq!((of("003").timeliness, of("003").file, of("003").accepted), (Timeliness::Missing, Some(2), false));
        assert_eq!(of("004").timeliness, Timeliness::Missing);
    }
}
