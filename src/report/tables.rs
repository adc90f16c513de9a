//! The machine-readable contract: values, totals, files and issues as CSV and Parquet.
//!
//! CSV is RFC 4180, UTF-8 without BOM, LF line ends; values use `.` as decimal point, no
//! grouping, no exponent. The Parquet twins hold the same rows with the same columns, typed
//! (each table's [`Column`]s say how) and zstd-compressed, with one schema per table in
//! every period, so DuckDB or Spark read every period's files together without a cast.

use std::borrow::Cow;

use polars::prelude::*;

use crate::config::Config;
use crate::model::{Lang, Severity};
use crate::outcome::Outcome;
use crate::text;

/// A cell of a table by (row, column).
type CellFn<'a> = Box<dyn Fn(usize, usize) -> Cow<'a, str> + Send + Sync + 'a>;

/// How Parquet stores a column; CSV writes every column as the text of its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// UTF-8 text (dictionary-encoded where that is smaller); empty cells are nulls.
    Text,
    /// INT64: counts.
    Int,
    /// DECIMAL(precision, 6): exact values at the CSV's precision of six decimals.
    Decimal { precision: usize },
}

/// The scale of every decimal column: the CSV's six decimals, the micro-units values are
/// summed in.
pub const DECIMAL_SCALE: usize = 6;

/// A table of text cells with its header: the one shape both CSV and Parquet are written
/// from. Cells are computed as they are written, never all held at once: at national scale
/// the values table has millions of cells, mostly borrowed from the configuration and the
/// outcome.
pub struct Table<'a> {
    pub header: Vec<&'static str>,
    /// Each column's Parquet type, in header order.
    pub types: Vec<Column>,
    len: usize,
    cell: CellFn<'a>,
}

impl<'a> Table<'a> {
    pub fn new(
        columns: Vec<(&'static str, Column)>,
        len: usize,
        cell: impl Fn(usize, usize) -> Cow<'a, str> + Send + Sync + 'a,
    ) -> Table<'a> {
        let (header, types) = columns.into_iter().unzip();
        Table { header, types, len, cell: Box::new(cell) }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn row(&self, r: usize) -> Vec<Cow<'a, str>> {
        (0..self.header.len()).map(|c| (self.cell)(r, c)).collect()
    }

    /// RFC 4180 with LF line ends. A field is quoted when it holds a comma, a quote, a line
    /// break, or a `;`: the list separator of Excel in a Vietnamese locale, which would
    /// otherwise split the field and start a new cell with whatever follows it.
    pub fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut push_row = |fields: &mut dyn Iterator<Item = Cow<'_, str>>| -> std::io::Result<()> {
            for (i, field) in fields.enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                if field.contains([',', '"', '\n', '\r', ';']) {
                    write!(out, "\"{}\"", field.replace('"', "\"\""))?;
                } else {
                    out.write_all(field.as_bytes())?;
                }
            }
            out.write_all(b"\n")
        };
        push_row(&mut self.header.iter().map(|h| Cow::Borrowed(*h)))?;
        for r in 0..self.len {
            push_row(&mut (0..self.header.len()).map(|c| match (self.cell)(r, c) {
                Cow::Borrowed(b) => neutralise(b),
                Cow::Owned(o) => Cow::Owned(neutralise(&o).into_owned()),
            }))?;
        }
        Ok(())
    }

    /// The CSV as bytes.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into memory cannot fail.
        let _ = self.write_csv(&mut out);
        out
    }

    /// The same rows as Parquet, typed by [`Column`], zstd-compressed; empty cells are nulls.
    /// Built a row group at a time, so that memory is bounded by [`ROW_GROUP`] rows, not by
    /// the table (at national scale the values table has millions of rows).
    pub fn to_parquet(&self) -> PolarsResult<Vec<u8>> {
        let mut buf = Vec::new();
        let writer = |buf| ParquetWriter::new(buf).with_compression(ParquetCompression::Zstd(None));
        if self.len == 0 {
            writer(&mut buf).finish(&mut self.frame(0..0)?)?;
            return Ok(buf);
        }
        let first = self.frame(0..ROW_GROUP.min(self.len))?;
        let mut batched = writer(&mut buf).batched(first.schema())?;
        batched.write_batch(&first)?;
        drop(first);
        for start in (ROW_GROUP..self.len).step_by(ROW_GROUP) {
            batched.write_batch(&self.frame(start..(start + ROW_GROUP).min(self.len))?)?;
        }
        batched.finish()?;
        drop(batched);
        Ok(buf)
    }

    /// Rows `rows` as a typed frame, built a column at a time.
    fn frame(&self, rows: std::ops::Range<usize>) -> PolarsResult<DataFrame> {
        let mut columns = Vec::with_capacity(self.header.len());
        for (i, (name, kind)) in self.header.iter().zip(&self.types).enumerate() {
            let cells = rows.clone().map(|r| (self.cell)(r, i));
            let name = PlSmallStr::from_static(name);
            let column = match kind {
                Column::Text => {
                    StringChunked::from_iter_options(name, cells.map(|c| (!c.is_empty()).then_some(c))).into_column()
                }
                Column::Int => {
                    Int64Chunked::from_iter_options(name, cells.map(|c| c.parse::<i64>().ok())).into_column()
                }
                Column::Decimal { precision } => {
                    Int128Chunked::from_iter_options(name, cells.map(|c| decimal_units(&c)))
                        .into_decimal(*precision, DECIMAL_SCALE)?
                        .into_column()
                }
            };
            columns.push(column);
        }
        DataFrame::new(rows.len(), columns)
    }
}

/// Rows per Parquet row group: polars' own default, so a table that fits one group is
/// written as it always was.
pub const ROW_GROUP: usize = 512 * 512;

/// A value as written in the CSV (`-12.5`) in micro-units, `None` when it is not one.
pub fn micros_of(text: &str) -> Option<i64> {
    i64::try_from(decimal_units(text)?).ok()
}

/// A value as written in the CSV (`-12.5`, at most six decimals) in millionths, for a
/// DECIMAL(p, 6) column; `None` for an empty cell.
fn decimal_units(text: &str) -> Option<i128> {
    if text.is_empty() {
        return None;
    }
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if fraction.len() > DECIMAL_SCALE {
        return None;
    }
    let padded = format!("{fraction:0<width$}", width = DECIMAL_SCALE);
    let units =
        whole.parse::<i128>().ok()?.checked_mul(10i128.pow(DECIMAL_SCALE as u32))?.checked_add(padded.parse().ok()?)?;
    Some(if negative { -units } else { units })
}

/// A CSV field as a spreadsheet may safely open it (OWASP's rule against formula injection):
/// a field that begins with `=`, `+`, `-`, `@`, a tab or a carriage return and is not a
/// number gets a leading `'`, so Excel shows it as text instead of running it. Numbers
/// (`-5`, `+1.5`) stay as they are.
pub fn neutralise(field: &str) -> Cow<'_, str> {
    let risky = field.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && !is_number(field) { Cow::Owned(format!("'{field}")) } else { Cow::Borrowed(field) }
}

/// `-12`, `+1.5`, `-0.25`: an optional sign, digits, an optional fraction.
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

pub fn values<'a>(config: &'a Config, o: &'a Outcome) -> Table<'a> {
    let values = &o.tables.values;
    Table::new(
        vec![
            ("period", Column::Text),
            ("unit_code", Column::Text),
            ("unit_type", Column::Text),
            ("indicator", Column::Text),
            ("breakdown", Column::Text),
            // One value of one unit is bounded by the reader (a thousand million, six decimals).
            ("value", Column::Decimal { precision: 18 }),
        ],
        values.len(),
        move |r, c| {
            let v = values.get(r);
            let unit = &config.units[v.unit];
            match c {
                0 => Cow::Borrowed(o.period.code.as_str()),
                1 => Cow::Borrowed(unit.code.as_str()),
                2 => Cow::Borrowed(config.unit_type(unit.unit_type).code.as_str()),
                3 => Cow::Borrowed(config.indicators[v.indicator].code.as_str()),
                4 => Cow::Borrowed(v.breakdown.as_str()),
                _ => Cow::Owned(text::format_micros(v.value.0)),
            }
        },
    )
}

pub fn totals<'a>(config: &'a Config, o: &'a Outcome) -> Table<'a> {
    let totals = &o.tables.totals;
    Table::new(
        vec![
            ("period", Column::Text),
            ("indicator", Column::Text),
            ("breakdown", Column::Text),
            ("value", Column::Decimal { precision: 38 }),
            ("units_reporting", Column::Int),
        ],
        totals.len(),
        move |r, c| {
            let (i, b, t) = &totals[r];
            match c {
                0 => Cow::Borrowed(o.period.code.as_str()),
                1 => Cow::Borrowed(config.indicators[*i].code.as_str()),
                2 => Cow::Borrowed(b.as_str()),
                3 => Cow::Owned(t.value.map(|v| text::format_micros(v.0)).unwrap_or_default()),
                _ => Cow::Owned(t.units_reporting.to_string()),
            }
        },
    )
}

/// Each indicator's total beside the compared period's (Tổng số, Nam, Nữ), with the ratio.
/// Without a compared period the previous columns are empty.
pub fn comparison<'a>(config: &'a Config, o: &'a Outcome) -> Table<'a> {
    let totals = &o.tables.totals;
    let previous = o.previous.as_ref();
    Table::new(
        vec![
            ("period", Column::Text),
            ("indicator", Column::Text),
            ("breakdown", Column::Text),
            ("value", Column::Decimal { precision: 38 }),
            ("previous_period", Column::Text),
            ("previous_value", Column::Decimal { precision: 38 }),
            ("ratio_percent", Column::Decimal { precision: 38 }),
            // After the seven columns of the contract, so that they keep their places.
            ("previous_units_reporting", Column::Int),
        ],
        totals.len(),
        move |r, c| {
            let (i, b, t) = &totals[r];
            let before = previous.and_then(|p| p.total(*i, *b));
            match c {
                0 => Cow::Borrowed(o.period.code.as_str()),
                1 => Cow::Borrowed(config.indicators[*i].code.as_str()),
                2 => Cow::Borrowed(b.as_str()),
                3 => Cow::Owned(t.value.map(|v| text::format_micros(v.0)).unwrap_or_default()),
                4 => Cow::Borrowed(previous.map_or("", |p| p.period.as_str())),
                5 => Cow::Owned(before.and_then(|t| t.value).map(|v| text::format_micros(v.0)).unwrap_or_default()),
                6 => Cow::Owned(
                    crate::outcome::ratio_tenths(t.value, before.and_then(|t| t.value))
                        .map(crate::outcome::format_tenths)
                        .unwrap_or_default(),
                ),
                _ => Cow::Owned(before.map(|t| t.units_reporting.to_string()).unwrap_or_default()),
            }
        },
    )
}

/// A period's city totals read back from its `totals.csv`, for the indicators of `config`
/// (matched by code; others are left out). `None` when the text is not such a table.
pub fn read_totals(
    config: &Config,
    csv_text: &str,
) -> Option<std::collections::BTreeMap<(usize, crate::model::Breakdown), crate::aggregate::Total>> {
    use crate::model::{Breakdown, Micros};
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader.headers().ok()?.iter().map(str::to_string).collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (ind, brk, val, units) = (col("indicator")?, col("breakdown")?, col("value")?, col("units_reporting")?);
    let mut out = std::collections::BTreeMap::new();
    for record in reader.records() {
        let record = record.ok()?;
        let Some(i) = config.indicator_index(record.get(ind)?) else { continue };
        let b = Breakdown::ALL.into_iter().find(|b| b.as_str() == record.get(brk).unwrap_or_default())?;
        let value = match record.get(val)? {
            "" => None,
            v => Some(Micros(i64::try_from(decimal_units(v)?).ok()?)),
        };
        let units_reporting = record.get(units)?.parse().ok()?;
        out.insert((i, b), crate::aggregate::Total { value, units_reporting });
    }
    Some(out)
}

pub fn files(o: &Outcome) -> Table<'_> {
    Table::new(
        vec![
            ("path", Column::Text),
            ("sha256", Column::Text),
            ("unit_code", Column::Text),
            ("period", Column::Text),
            ("fate", Column::Text),
            ("errors", Column::Int),
            ("warnings", Column::Int),
        ],
        o.files.len(),
        move |r, c| {
            let f = &o.files[r];
            match c {
                0 => Cow::Borrowed(f.sub.path.as_str()),
                1 => Cow::Borrowed(f.sub.sha256.as_str()),
                2 => Cow::Borrowed(f.sub.unit.as_deref().unwrap_or_default()),
                3 => Cow::Borrowed(f.sub.period.as_deref().unwrap_or_default()),
                4 => Cow::Borrowed(f.fate.as_str()),
                5 => Cow::Owned(f.sub.errors().to_string()),
                _ => Cow::Owned(f.sub.warnings().to_string()),
            }
        },
    )
}

pub fn issues(o: &Outcome, lang: Lang) -> Table<'_> {
    let at: Vec<(usize, usize)> =
        o.files.iter().enumerate().flat_map(|(fi, f)| (0..f.sub.issues.len()).map(move |ii| (fi, ii))).collect();
    Table::new(
        ["path", "unit_code", "sheet", "cell", "code", "severity", "indicator", "value", "message"]
            .map(|name| (name, Column::Text))
            .to_vec(),
        at.len(),
        move |r, c| {
            let (fi, ii) = at[r];
            let (f, i) = (&o.files[fi], &o.files[fi].sub.issues[ii]);
            match c {
                0 => Cow::Borrowed(f.sub.path.as_str()),
                1 => Cow::Borrowed(f.sub.unit.as_deref().unwrap_or_default()),
                2 => Cow::Borrowed(i.sheet.as_str()),
                3 => Cow::Owned(i.cell_text()),
                4 => Cow::Borrowed(i.code.as_str()),
                5 => Cow::Borrowed(i.severity.as_str()),
                6 => Cow::Borrowed(i.indicator.as_deref().unwrap_or_default()),
                7 => Cow::Borrowed(i.value.as_str()),
                _ => Cow::Borrowed(i.message(lang)),
            }
        },
    )
}

/// Counts of issues by severity, for summaries.
pub fn issue_counts(o: &Outcome) -> [usize; 3] {
    let mut c = [0; 3];
    for f in &o.files {
        for i in &f.sub.issues {
            c[match i.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
            }] += 1;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    impl<'a> Table<'a> {
        /// A table from rows already built.
        pub fn from_rows(columns: Vec<(&'static str, Column)>, rows: Vec<Vec<Cow<'a, str>>>) -> Table<'a> {
            let len = rows.len();
            Table::new(columns, len, move |r, c| rows[r][c].clone())
        }
    }

    #[test]
    fn csv_quotes_and_line_ends() {
        let t = Table::from_rows(
            vec![("a", Column::Text), ("b", Column::Text)],
            vec![vec!["x, y".into(), "say \"hi\"".into()], vec!["Hà Nội".into(), "".into()]],
        );
        assert_eq!(String::from_utf8(t.to_csv()).unwrap(), "a,b\n\"x, y\",\"say \"\"hi\"\"\"\nHà Nội,\n");
    }

    #[test]
    fn fields_that_a_spreadsheet_would_run_are_neutralised_and_numbers_are_not() {
        for (field, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1+1", "'+1+1"),
            ("@SUM(1)", "'@SUM(1)"),
            ("-", "'-"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("-12", "-12"),
            ("+1.5", "+1.5"),
            ("-0.25", "-0.25"),
            ("12", "12"),
            ("Hà Nội = thủ đô", "Hà Nội = thủ đô"),
            ("", ""),
        ] {
            assert_eq!(neutralise(field), want, "{field:?}");
        }
    }

    #[test]
    fn parquet_is_deterministic() {
        let t = Table::from_rows(
            vec![("a", Column::Decimal { precision: 18 }), ("n", Column::Int)],
            vec![vec!["1.5".into(), "2".into()], vec!["".into(), "0".into()]],
        );
        let a = t.to_parquet().unwrap();
        assert_eq!(a, t.to_parquet().unwrap());
        assert_eq!(&a[..4], b"PAR1");
    }

    #[test]
    fn decimals_are_read_exactly_at_six_places() {
        assert_eq!(decimal_units("12"), Some(12_000_000));
        assert_eq!(decimal_units("125.5"), Some(125_500_000));
        assert_eq!(decimal_units("0.000001"), Some(1));
        assert_eq!(decimal_units("-3.25"), Some(-3_250_000));
        assert_eq!(decimal_units("1000000000000.123456"), Some(1_000_000_000_000_123_456));
        assert_eq!(decimal_units(""), None);
        assert_eq!(decimal_units("0.0000001"), None, "more places than the scale");
    }
}
