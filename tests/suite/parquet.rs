//! The Parquet twins are the hand-off to DuckDB and Spark: typed (exact decimals, integers),
//! one schema per table whatever the run found, and the same rows and sums as the CSV.

use polars::prelude::*;

use crate::common::{Form, V, Workdir, stderr};

fn read(w: &Workdir, name: &str) -> DataFrame {
    ParquetReader::new(std::fs::File::open(w.out(name)).unwrap()).finish().unwrap()
}

fn schema(df: &DataFrame) -> Vec<(String, DataType)> {
    df.schema().iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
}

fn expected(columns: &[(&str, DataType)]) -> Vec<(String, DataType)> {
    columns.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
}

/// A decimal column's values in millionths, nulls as `None`.
fn micros(df: &DataFrame, column: &str) -> Vec<Option<i128>> {
    let ca = df.column(column).unwrap().decimal().unwrap().physical();
    (0..ca.len()).map(|i| ca.get(i)).collect()
}

/// A CSV value (`125.75`) in millionths.
fn csv_micros(s: &str) -> Option<i128> {
    if s.is_empty() {
        return None;
    }
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    Some(whole.parse::<i128>().unwrap() * 1_000_000 + format!("{fraction:0<6}").parse::<i128>().unwrap())
}

fn check_schemas(w: &Workdir) {
    use DataType::{Decimal, Int64, String as Text};
    assert_eq!(
        schema(&read(w, "values.parquet")),
        expected(&[
            ("period", Text),
            ("unit_code", Text),
            ("unit_type", Text),
            ("indicator", Text),
            ("breakdown", Text),
            ("value", Decimal(18, 6)),
        ])
    );
    assert_eq!(
        schema(&read(w, "totals.parquet")),
        expected(&[
            ("period", Text),
            ("indicator", Text),
            ("breakdown", Text),
            ("value", Decimal(38, 6)),
            ("units_reporting", Int64),
        ])
    );
    assert_eq!(
        schema(&read(w, "files.parquet")),
        expected(&[
            ("path", Text),
            ("sha256", Text),
            ("unit_code", Text),
            ("period", Text),
            ("fate", Text),
            ("errors", Int64),
            ("warnings", Int64),
        ])
    );
    let issues = ["path", "unit_code", "sheet", "cell", "code", "severity", "indicator", "value", "message"];
    assert_eq!(schema(&read(w, "issues.parquet")), expected(&issues.map(|n| (n, Text))));
}

#[test]
fn parquet_tables_are_typed_and_hold_the_csv_rows_and_sums() {
    let w = Workdir::new();
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 60.0]).row("CT18", V::N(125.5)));
    w.add_form("002.xlsx", &Form::district("002", 2.0, 5.0, [50.0, 20.0, 30.0]).row("CT18", V::T("0,25")));
    w.add_form("S01.xlsx", &Form::new("S01").row("CT01", V::N(1.0)).row("CT25", V::N(0.000001)));
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check_schemas(&w);

    let values = read(&w, "values.parquet");
    let csv = w.csv("values.csv");
    assert_eq!(values.height(), csv.len());
    let parquet_values = micros(&values, "value");
    for (row, p) in csv.iter().zip(&parquet_values) {
        assert_eq!(csv_micros(&row["value"]), *p, "{row:?}");
    }
    let sum: i128 = parquet_values.iter().flatten().sum();
    assert_eq!(sum, csv.iter().filter_map(|r| csv_micros(&r["value"])).sum::<i128>());
    // The exact decimals survive: 125.5 + 0.25 million VND, and one millionth.
    let ca = values.column("indicator").unwrap().str().unwrap();
    let codes: Vec<Option<&str>> = (0..ca.len()).map(|i| ca.get(i)).collect();
    let ct18: i128 =
        codes.iter().zip(&parquet_values).filter(|(c, _)| **c == Some("CT18")).filter_map(|(_, v)| *v).sum();
    assert_eq!(ct18, 125_750_000);
    assert!(parquet_values.contains(&Some(1)));

    let totals = read(&w, "totals.parquet");
    let csv = w.csv("totals.csv");
    assert_eq!(totals.height(), csv.len());
    let ca = totals.column("units_reporting").unwrap().i64().unwrap();
    let reporting: Vec<Option<i64>> = (0..ca.len()).map(|i| ca.get(i)).collect();
    for ((row, v), n) in csv.iter().zip(micros(&totals, "value")).zip(reporting) {
        assert_eq!(csv_micros(&row["value"]), v, "blank stays null: {row:?}");
        assert_eq!(Some(row["units_reporting"].parse::<i64>().unwrap()), n);
    }
}

#[test]
fn the_schema_is_the_same_when_nothing_is_accepted() {
    let w = Workdir::new();
    // Nữ > Tổng số: rejected; the values table is empty and every total blank.
    w.add_form("001.xlsx", &Form::district("001", 3.0, 10.0, [100.0, 40.0, 160.0]));
    let out = w.run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    check_schemas(&w);
    assert_eq!(read(&w, "values.parquet").height(), 0);
    assert!(micros(&read(&w, "totals.parquet"), "value").iter().all(Option::is_none));
}
