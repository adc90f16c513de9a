//! Files in, submissions out: discovering the inputs, reading each workbook, identifying
//! its unit and period.
//!
//! Every file found yields exactly one [`Submission`], a rejected or ignored one included;
//! a file that crashes the reader yields a rejection, never a crash of the batch.

pub mod form;
mod guard;
pub mod legacy;
pub mod workbook;
pub mod xlsx;

use std::io::Read;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::config::{Config, Period};
use crate::model::issue;
use crate::model::{CellRef, Issue, OwnKind, Submission, UnitCode};
use crate::text;
use crate::text::legacy::Legacy;
use workbook::{OpenError, Sheet, Workbook};

pub const SPREADSHEET_EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Why a path found under the inputs is not read as a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A FIFO, a device or a dangling link: never opened, since opening a FIFO blocks.
    NotRegular,
    EditorLock,
    Hidden,
    NotSpreadsheet,
    /// A `.zip` archive: not opened, the operator is told to unpack it.
    Archive,
    /// A link to a file outside the inputs folder: never followed.
    LinkOutside,
    /// A folder that could not be listed, with the system's reason: a finding about that
    /// folder, while the rest of the inputs are read.
    Unlistable(String),
}

/// A file under the inputs directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Relative to the inputs directory, `/`-separated, NFC.
    pub rel: String,
    pub abs: PathBuf,
    /// Why it is not read as a form, when it is not.
    pub ignored: Option<Skip>,
}

/// Lists every file under `root`, recursively, sorted by relative path (byte order).
/// Folders in `skip` (the output folders this program writes, where they lie inside the
/// inputs) are not entered. Only an unreadable `root` is an error: a folder below it that
/// cannot be listed is found as one [`Skip::Unlistable`] entry.
pub fn discover(root: &Path, skip: &[PathBuf]) -> std::io::Result<Vec<Found>> {
    let canonical_root = root.canonicalize()?;
    let entries = std::fs::read_dir(root)?;
    let mut walk = Walk { root, canonical_root, skip, out: Vec::new() };
    walk.entries(root, entries);
    let mut out = walk.out;
    out.sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(out)
}

struct Walk<'a> {
    root: &'a Path,
    canonical_root: PathBuf,
    skip: &'a [PathBuf],
    out: Vec<Found>,
}

impl Walk<'_> {
    fn rel(&self, path: &Path) -> String {
        let rel = path.strip_prefix(self.root).unwrap_or(path);
        let rel = text::nfc(&rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/"));
        if rel.is_empty() { ".".into() } else { rel }
    }

    fn unlistable(&mut self, path: &Path, e: &std::io::Error) {
        tracing::warn!("cannot list {}: {e}; the rest of the inputs are read", path.display());
        let reason = e.kind().to_string();
        self.out.push(Found { rel: self.rel(path), abs: path.to_path_buf(), ignored: Some(Skip::Unlistable(reason)) });
    }

    fn dir(&mut self, dir: &Path) {
        match std::fs::read_dir(dir) {
            Ok(entries) => self.entries(dir, entries),
            Err(e) => self.unlistable(dir, &e),
        }
    }

    fn entries(&mut self, dir: &Path, entries: std::fs::ReadDir) {
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    // The listing broke off midway: what was listed is kept, the folder is a finding.
                    self.unlistable(dir, &e);
                    break;
                }
            };
            let path = entry.path();
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                Err(e) => {
                    self.unlistable(&path, &e);
                    continue;
                }
            };
            if meta.is_dir() {
                if self.skip.iter().any(|s| path.canonicalize().is_ok_and(|p| p == *s)) {
                    tracing::warn!(
                        "not reading {}: it is the outputs folder, and this program's own outputs are never submissions",
                        path.display()
                    );
                    continue;
                }
                self.dir(&path);
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
            // Only regular files (behind a link or not) are read: a FIFO or a device would block.
            let regular = std::fs::metadata(&path).is_ok_and(|m| m.is_file());
            let outside = meta.file_type().is_symlink()
                && path.canonicalize().is_ok_and(|target| !target.starts_with(&self.canonical_root));
            let ignored = if !regular {
                Some(Skip::NotRegular)
            } else if outside {
                Some(Skip::LinkOutside)
            } else if name.starts_with("~$") || name.starts_with(".~lock") {
                Some(Skip::EditorLock)
            } else if name.starts_with('.') {
                Some(Skip::Hidden)
            } else if ext == "zip" {
                Some(Skip::Archive)
            } else if !SPREADSHEET_EXTENSIONS.contains(&ext.as_str()) {
                Some(Skip::NotSpreadsheet)
            } else {
                None
            };
            self.out.push(Found { rel: self.rel(&path), abs: path, ignored });
        }
    }
}

/// The configuration a run reads against, and the period of a form that names none.
pub struct ReadContext<'a> {
    pub config: &'a Config,
    /// The run's period: with `forced`, every form that names no period counts for it;
    /// otherwise such a form counts for the period its report date falls in, and this one
    /// (the latest) only when it has no date.
    pub period: &'a Period,
    pub forced: bool,
}

impl<'a> ReadContext<'a> {
    /// Reading for one period (`--period`): forms that name none count for it.
    pub fn for_period(config: &'a Config, period: &'a Period) -> Self {
        ReadContext { config, period, forced: true }
    }

    /// Reading for every period: forms that name none count for the one their date falls in.
    pub fn for_all(config: &'a Config) -> Self {
        ReadContext { config, period: config.latest_period(), forced: false }
    }
}

/// Reads one file into a submission. Never panics: a reader crash becomes a rejection.
pub fn read(found: &Found, ctx: &ReadContext<'_>) -> Submission {
    let mut sub = Submission { path: found.rel.clone(), ..Default::default() };
    if let Some(why) = &found.ignored {
        match why {
            Skip::NotRegular => {}
            Skip::LinkOutside => sub.issues.push(issue::link_outside()),
            Skip::Archive => {
                tracing::warn!("not reading {}: unpack the archive into the inputs folder", found.rel);
                sub.issues.push(issue::zip_archive());
                if let Ok((sha, _, _)) = read_bounded(&found.abs, 0) {
                    sub.sha256 = sha;
                }
            }
            Skip::Unlistable(reason) => sub.issues.push(issue::unlistable_folder(reason)),
            _ => {
                if let Ok((sha, _, _)) = read_bounded(&found.abs, 0) {
                    sub.sha256 = sha;
                }
            }
        }
        return sub;
    }
    // What is logged while the file is read names it: a reader crash, a fallback to calamine.
    let _file = tracing::error_span!("file", path = %found.rel).entered();
    let max = ctx.config.limits.max_file_bytes;
    let bytes = match read_bounded(&found.abs, max) {
        Ok((sha, _, Some(bytes))) => {
            sub.sha256 = sha;
            bytes
        }
        Ok((sha, size, None)) => {
            sub.sha256 = sha;
            let e = OpenError::TooLarge {
                vi: format!("tệp {} byte, lớn hơn mức {} byte", group_digits(size), group_digits(max)),
                en: format!("{size} bytes > {max} bytes"),
            };
            sub.issues.push(e.issue());
            identify_by_file_name(&mut sub, found, ctx);
            return sub;
        }
        Err(e) => {
            sub.issues.push(issue::unreadable_file(e));
            identify_by_file_name(&mut sub, found, ctx);
            return sub;
        }
    };
    let result = catch_unwind(AssertUnwindSafe(|| read_form(bytes, &mut sub, ctx)));
    if let Some(kind) = sub.own {
        if kind == OwnKind::Report && is_from_below(sub.header.unit_code.as_deref(), ctx.config) {
            // A consolidated report of a level below, sent up as its submission.
            sub.own = None;
            sub.consolidated = true;
        } else {
            tracing::warn!("skipped: a {} workbook this program wrote is never a submission", kind.as_str());
            sub.issues = vec![issue::own_workbook(kind)];
            sub.sheet.clear();
            sub.rows.clear();
            sub.activities.clear();
            return sub;
        }
    }
    match result {
        Ok(Ok(())) if !sub.sheet.is_empty() => identify(&mut sub, found, ctx),
        Ok(Ok(())) => identify_by_file_name(&mut sub, found, ctx),
        Ok(Err(e)) => {
            sub.issues.push(e.issue());
            identify_by_file_name(&mut sub, found, ctx);
        }
        Err(_) => {
            sub.issues.push(issue::reader_crashed());
            identify_by_file_name(&mut sub, found, ctx);
        }
    }
    sub
}

/// Whether a consolidated report's `Mã đơn vị` is a unit of this configuration other than
/// its own issuer: compared exactly, since GSO codes nest (the district `001` is not its
/// ward `00001`, nor the city `01` its district `001`).
fn is_from_below(code: Option<&str>, config: &Config) -> bool {
    let Some(code) = code.map(str::trim) else { return false };
    let ours = config.periods.iter().any(|p| p.issuer_code.as_ref().is_some_and(|c| c.as_str() == code));
    !ours && config.unit(code).is_some()
}

/// A file that could not be read as a form still belongs to the unit its name gives
/// (`005_...xlsx`): the unit is told, and the file counts for the run's period.
fn identify_by_file_name(sub: &mut Submission, found: &Found, ctx: &ReadContext<'_>) {
    if let Some(code) = code_from_file_name(&found.rel, ctx.config) {
        sub.unit = Some(code);
        sub.period = Some(ctx.period.code.clone());
    }
}

/// `20971520` → `20.971.520`, as numbers are written in Vietnamese.
fn group_digits(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// A file's SHA-256 and size, and its bytes when it is no larger than `max`: a larger
/// file is hashed as it streams by, never held.
fn read_bounded(path: &Path, max: u64) -> std::io::Result<(String, u64, Option<Vec<u8>>)> {
    let mut file = std::fs::File::open(path)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut hasher = Sha256::new();
    let mut kept = Vec::with_capacity(len.min(max) as usize);
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
        if total <= max {
            kept.extend_from_slice(&buf[..n]);
        }
    }
    let bytes = (total <= max).then_some(kept);
    Ok((crate::config::hex(&hasher.finalize()), total, bytes))
}

fn sheet_key(name: &str) -> String {
    text::fold(name).replace(' ', "")
}

fn read_form(bytes: Vec<u8>, sub: &mut Submission, ctx: &ReadContext<'_>) -> Result<(), OpenError> {
    let mut wb = Workbook::open(bytes, &ctx.config.limits)?;
    sub.own = wb.own;
    if sub.own == Some(OwnKind::Feedback) {
        return Ok(());
    }
    for (i, name) in wb.sheet_names.iter().enumerate() {
        if !wb.sheet_grid[i] {
            sub.issues.push(issue::sheet_not_a_grid(name).in_sheet(name));
        }
    }
    let Some(form) = find_form(&mut wb, ctx)? else {
        sub.issues.push(issue::no_indicator_table());
        return Ok(());
    };
    let FoundForm { sheet, table, hidden, encoding, doubled } = form;
    sub.sheet = sheet.name.clone();
    if let Some(e) = encoding.by_fonts.or(encoding.by_trial) {
        sub.issues.push(issue::legacy_encoding(e.name()).in_sheet(&sheet.name));
    }
    if hidden {
        sub.issues.push(issue::form_on_hidden_sheet(&sheet.name).in_sheet(&sheet.name));
    }
    for (label, chosen, other) in doubled {
        let (chosen, other) = (CellRef::new(table.row, chosen), CellRef::new(table.row, other));
        let i = issue::same_heading_twice(label, &chosen.column(), &other.column());
        sub.issues.push(i.in_sheet(&sheet.name).at(chosen));
    }
    sub.header = form::read_header(&sheet, table.row, wb.is_1904, &mut sub.issues);
    sub.rows = form::read_table(&sheet, table, ctx.config, &mut sub.issues);
    let last_row = sub.rows.iter().map(|r| r.row).max().unwrap_or(table.row);
    if sub.header.report_date_cell.is_none()
        && let Some((date, at)) = form::prose_report_date(&sheet, table.row, last_row)
    {
        sub.header.report_date = Some(date);
        sub.header.report_date_cell = Some(at);
    }
    // The title names the unit when neither a code nor a unit name does.
    let named = sub.header.unit_name.as_deref().is_some_and(|n| match_unit_name(n, ctx.config).is_some());
    let title = || form::titles(&sheet, table.row).find(|(_, t)| match_title(t, ctx.config).is_some());
    if let Some((at, title)) = (sub.header.unit_code.is_none() && !named).then(title).flatten() {
        sub.header.title = Some(title);
        sub.header.title_cell = Some(at);
    }
    drop(sheet);
    read_activity_log(&mut wb, sub, ctx, encoding)
}

/// How a sheet's legacy text was found: by its cells' fonts, or by trying each decoding.
#[derive(Debug, Clone, Copy, Default)]
struct Encoding {
    by_fonts: Option<Legacy>,
    by_trial: Option<Legacy>,
}

/// The sheet holding the indicator table, read and converted to Unicode.
struct FoundForm {
    sheet: Sheet,
    table: form::TableHeader,
    hidden: bool,
    encoding: Encoding,
    /// Headings found over two columns: (heading, column read, other column).
    doubled: Vec<(&'static str, u16, u16)>,
}

/// Finds the form: visible sheets before hidden ones, then the one named BaoCao, then
/// workbook order; never the instructions, the activity log or a sheet that is not a grid.
/// A sheet that cannot be read fails the file only if no other holds the form.
fn find_form(wb: &mut Workbook, ctx: &ReadContext<'_>) -> Result<Option<FoundForm>, OpenError> {
    let names = wb.sheet_names.clone();
    let mut order: Vec<usize> = (0..names.len())
        .filter(|&i| wb.sheet_grid[i] && !matches!(sheet_key(&names[i]).as_str(), "huongdan" | "hoatdong"))
        .collect();
    order.sort_by_key(|&i| (wb.sheet_hidden[i], sheet_key(&names[i]) != "baocao", i));
    let mut failed = None;
    for i in order {
        let mut sheet = match wb.sheet(&names[i]) {
            Ok(sheet) => sheet,
            Err(e @ OpenError::Corrupt(_)) => {
                failed.get_or_insert(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut encoding = Encoding { by_fonts: legacy::convert_by_fonts(&mut sheet), by_trial: None };
        let finds = |s: &Sheet| form::find_table(s, &|_, cols| cols[0]).is_some();
        if let Some(e) = legacy::detect(&sheet, ctx.config, finds) {
            sheet = legacy::converted(sheet, e);
            encoding.by_trial = Some(e);
        }
        let doubled = std::cell::RefCell::new(Vec::new());
        let prefer = |role: &'static str, cols: &[u16]| form::prefer_column(&sheet, role, cols, &doubled);
        if let Some(table) = form::find_table(&sheet, &prefer) {
            let doubled = doubled.take();
            return Ok(Some(FoundForm { sheet, table, hidden: wb.sheet_hidden[i], encoding, doubled }));
        }
    }
    failed.map_or(Ok(None), Err)
}

/// Reads the activity log: the sheet named HoatDong first, then any other with its header.
/// Text typed by trial in the form's legacy encoding is taken to be typed so in the log too.
fn read_activity_log(
    wb: &mut Workbook,
    sub: &mut Submission,
    ctx: &ReadContext<'_>,
    form_encoding: Encoding,
) -> Result<(), OpenError> {
    let names = wb.sheet_names.clone();
    let mut order: Vec<usize> = (0..names.len())
        .filter(|&i| wb.sheet_grid[i] && names[i] != sub.sheet && sheet_key(&names[i]) != "huongdan")
        .collect();
    order.sort_by_key(|&i| (sheet_key(&names[i]) != "hoatdong", i));
    for i in order {
        let mut sheet = wb.sheet(&names[i])?;
        let by_fonts = legacy::convert_by_fonts(&mut sheet);
        let finds = |s: &Sheet| form::read_activities(s, ctx.config, wb.is_1904, &mut Vec::new()).is_some();
        let by_trial = form_encoding.by_trial.or_else(|| legacy::detect(&sheet, ctx.config, finds));
        if let Some(e) = by_trial {
            sheet = legacy::converted(sheet, e);
        }
        if let Some(log) = form::read_activities(&sheet, ctx.config, wb.is_1904, &mut sub.issues) {
            let said = form_encoding.by_fonts.or(form_encoding.by_trial).is_some();
            if let (false, Some(e)) = (said, by_fonts.or(by_trial)) {
                sub.issues.push(issue::legacy_encoding(e.name()).in_sheet(&sheet.name));
            }
            sub.activity_sheet = Some(sheet.name.clone());
            sub.activity_date_col = Some(log.date_col);
            sub.activities = log.rows;
            break;
        }
    }
    Ok(())
}

/// The configured unit a unit name names ([`Config::unit_by_name`]).
pub fn match_unit_name(written: &str, config: &Config) -> Option<UnitCode> {
    config.unit_by_name(written).map(|u| u.code.clone())
}

/// The configured unit an issuing body's title names ([`Config::unit_by_title`]).
pub fn match_title(written: &str, config: &Config) -> Option<UnitCode> {
    config.unit_by_title(written).map(|u| u.code.clone())
}

/// Matches a code as typed against the configured units: exactly, ignoring case, or as a
/// number whose leading zeros Excel dropped (`1` → `001`) when exactly one code fits.
pub fn match_unit_code(typed: &str, config: &Config) -> Option<UnitCode> {
    config.find_unit(typed).map(|u| u.code.clone())
}

/// The unit code a file name starts with (`005_CauGiay.xlsx` → `005`), if it is a known one.
fn code_from_file_name(rel: &str, config: &Config) -> Option<UnitCode> {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    let first = stem.split(['_', '-', ' ', '.']).next()?;
    match_unit_code(first, config)
}

/// Resolves the unit and period of a read form, adding identity issues.
fn identify(sub: &mut Submission, found: &Found, ctx: &ReadContext<'_>) {
    if sub.sheet.is_empty() {
        return;
    }
    let config = ctx.config;
    let sheet = sub.sheet.clone();
    let locate = |i: Issue, cell: Option<CellRef>, value: &str| i.in_sheet(&sheet).at(cell).with_value(value);
    let from_name = code_from_file_name(&found.rel, config);
    let file_name = found.rel.rsplit('/').next().unwrap_or(&found.rel).to_string();
    match sub.header.unit_code.clone() {
        Some(typed) => match match_unit_code(&typed, config) {
            Some(code) => {
                if let Some(other) = from_name.as_ref().filter(|c| **c != code) {
                    let i = issue::file_name_other_unit(&code, &file_name, other);
                    sub.issues.push(locate(i, sub.header.unit_code_cell, &typed));
                }
                sub.unit = Some(code);
            }
            None => sub.issues.push(locate(issue::unknown_unit(&typed), sub.header.unit_code_cell, &typed)),
        },
        None => {
            let by_name = sub.header.unit_name.as_ref().and_then(|n| match_unit_name(n, config));
            let by_title = sub.header.title.as_ref().and_then(|t| match_title(t, config));
            match (from_name, by_name, by_title) {
                (Some(code), ..) => {
                    sub.issues.push(locate(issue::unit_from_file_name(&code, &file_name), None, ""));
                    sub.unit = Some(code);
                }
                (None, Some(code), _) => {
                    let name = sub.header.unit_name.as_deref().unwrap_or("");
                    sub.issues.push(locate(issue::unit_from_unit_name(&code), sub.header.unit_name_cell, name));
                    sub.unit = Some(code);
                }
                (None, None, Some(code)) => {
                    let title = sub.header.title.as_deref().unwrap_or("");
                    sub.issues.push(locate(issue::unit_from_title(&code), sub.header.title_cell, title));
                    sub.unit = Some(code);
                }
                (None, None, None) => sub.issues.push(locate(issue::unit_unknowable(), None, "")),
            }
        }
    }
    match sub.header.period.clone() {
        None => {
            // `--period` takes a form that names no period, unless its date puts it in a
            // period that began after the forced one ended (this year's form while last
            // year is run again): that one is its period, ignored here.
            let by_date = config.period_for_date(sub.header.report_date);
            let later = sub.header.report_date.is_some() && by_date.start > ctx.period.end;
            let period = if ctx.forced && !later { ctx.period } else { by_date };
            sub.issues.push(locate(issue::period_blank(&period.code), sub.header.period_cell, ""));
            sub.period = Some(period.code.clone());
        }
        Some(typed) => match config.period_typed(&typed) {
            Some(p) => sub.period = Some(p.code.clone()),
            None => {
                let i = issue::unknown_period(&typed, &ctx.period.code);
                sub.issues.push(locate(i, sub.header.period_cell, &typed));
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_unit_codes_regain_their_zeros() {
        let c = Config::embedded().unwrap();
        assert_eq!(match_unit_code("1", &c).as_deref(), Some("001"));
        assert_eq!(match_unit_code("5.0", &c).as_deref(), Some("005"));
        assert_eq!(match_unit_code("s01", &c).as_deref(), Some("S01"));
        assert_eq!(match_unit_code("999", &c), None);
        assert_eq!(match_unit_code("", &c), None);
    }

    #[test]
    fn file_name_codes() {
        let c = Config::embedded().unwrap();
        assert_eq!(code_from_file_name("a/b/005_CauGiay.xlsx", &c).as_deref(), Some("005"));
        assert_eq!(code_from_file_name("D02-HoiPhuNu.xls", &c).as_deref(), Some("D02"));
        assert_eq!(code_from_file_name("baocao.xlsx", &c), None);
    }
}
