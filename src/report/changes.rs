//! What changed since the previous run into the same outputs: which units' submissions are
//! new, changed (by content hash) or withdrawn. The previous run is known by the files.csv
//! it left, so nothing but the outputs themselves is needed.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::Fate;
use crate::outcome::Outcome;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// False on the first run into an outputs directory.
    pub previous_run: bool,
    pub new: Vec<String>,
    pub changed: Vec<String>,
    pub withdrawn: Vec<String>,
}

/// Each unit's deciding file (accepted or rejected winner) and its hash.
fn current(o: &Outcome) -> BTreeMap<String, String> {
    o.files
        .iter()
        .filter(|f| matches!(f.fate, Fate::Accepted | Fate::AcceptedWithWarnings | Fate::Rejected))
        .filter_map(|f| f.sub.unit.as_ref().map(|u| (u.to_string(), f.sub.sha256.clone())))
        .collect()
}

fn previous(files_csv: &str) -> BTreeMap<String, String> {
    let mut rdr = csv::Reader::from_reader(files_csv.as_bytes());
    let Ok(h) = rdr.headers().cloned() else { return BTreeMap::new() };
    let col = |name: &str| h.iter().position(|c| c == name);
    let (Some(u), Some(s), Some(f)) = (col("unit_code"), col("sha256"), col("fate")) else { return BTreeMap::new() };
    rdr.records()
        .flatten()
        .filter(|r| matches!(r.get(f), Some("accepted" | "accepted_with_warnings" | "rejected")))
        .filter_map(|r| {
            let unit = r.get(u)?.to_string();
            (!unit.is_empty()).then(|| (unit, r.get(s).unwrap_or_default().to_string()))
        })
        .collect()
}

/// Compares this run with the files.csv of the previous one, if there was one.
pub fn since(previous_files_csv: Option<&str>, o: &Outcome) -> Changes {
    let Some(prev) = previous_files_csv else { return Changes::default() };
    let prev = previous(prev);
    let now = current(o);
    let mut c = Changes { previous_run: true, ..Default::default() };
    for (unit, sha) in &now {
        match prev.get(unit) {
            None => c.new.push(unit.clone()),
            Some(old) if old != sha => c.changed.push(unit.clone()),
            Some(_) => {}
        }
    }
    c.withdrawn = prev.keys().filter(|u| !now.contains_key(*u)).cloned().collect();
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Submission;
    use crate::outcome::FileRecord;

    fn outcome(files: &[(&str, &str, Fate)]) -> Outcome {
        let config = crate::config::Config::embedded().unwrap();
        Outcome {
            period: config.periods[0].clone(),
            as_of: config.periods[0].end,
            files: files
                .iter()
                .map(|(u, sha, fate)| FileRecord {
                    sub: Submission {
                        unit: Some(crate::model::UnitCode::parse(u).unwrap()),
                        sha256: (*sha).into(),
                        ..Default::default()
                    },
                    fate: *fate,
                })
                .collect(),
            units: vec![],
            accepted: Default::default(),
            tables: Default::default(),
            read_time: Default::default(),
            previous: None,
        }
    }

    #[test]
    fn new_changed_and_withdrawn_units() {
        let prev = "path,sha256,unit_code,period,fate,errors,warnings\n\
                    a.xlsx,aaa,001,2023-THD,accepted,0,0\n\
                    b.xlsx,bbb,002,2023-THD,rejected,1,0\n\
                    c.xlsx,ccc,003,2023-THD,accepted,0,0\n\
                    d.xlsx,ddd,003,2023-THD,superseded,0,0\n";
        let o = outcome(&[
            ("001", "aaa", Fate::Accepted),
            ("002", "bbb2", Fate::AcceptedWithWarnings),
            ("004", "eee", Fate::Accepted),
            ("005", "fff", Fate::Superseded),
        ]);
        let c = since(Some(prev), &o);
        assert!(c.previous_run);
        assert_eq!(c.new, ["004"]);
        assert_eq!(c.changed, ["002"]);
        assert_eq!(c.withdrawn, ["003"]);
        assert_eq!(since(None, &o), Changes::default());
    }
}
