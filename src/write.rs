//! What every writer of files shares, outside any stage: files written so that a reader sees
//! the old file or the new one, never half of one, and the fixed document time of every
//! workbook (reports, feedback, blank forms, samples).

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over
/// `path`.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new().prefix(".tonghop-tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The fixed document time of every workbook: a date of the run's (the as-of date, or a
/// period's start) at midnight, never the clock, so that the same inputs give the same bytes.
pub fn document_time(date: NaiveDate) -> rust_xlsxwriter::ExcelDateTime {
    use chrono::Datelike;
    rust_xlsxwriter::ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
        .unwrap_or_else(|_| rust_xlsxwriter::ExcelDateTime::from_ymd(2000, 1, 1).expect("a valid constant date"))
}
