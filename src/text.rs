//! Text, number and date conventions of Vietnamese spreadsheets.
//!
//! Units type labels with or without diacritics, in NFC or NFD, in any case, with stray
//! spaces and line breaks; they write `1.234` for one thousand two hundred thirty-four and
//! `1,5` for one and a half; they type dates as `dd/mm/yyyy`. Everything that turns what a
//! clerk typed into something the program can compare lives here, pure and tested.

pub mod legacy;

use chrono::{NaiveDate, NaiveTime};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// A key for comparing labels and names: no diacritics (`đ` → `d`), lower case, NFC, single
/// spaces, no trailing colon. `"  Mã  đơn\nvị:"` and `"MA DON VI"` give the same key.
pub fn fold(s: &str) -> String {
    if s.is_ascii() { fold_ascii(s) } else { fold_general(s) }
}

fn fold_general(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    let mut push = |c: char, out: &mut String| {
        if c.is_whitespace() || c == '\u{a0}' {
            pending_space = !out.is_empty();
            return;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    };
    // Marks are dropped, so each character may be decomposed on its own: canonical
    // reordering only moves marks.
    for c in s.chars() {
        if c.is_ascii() {
            push(c, &mut out);
        } else if let Some(base) = folded_letter(c) {
            push(base, &mut out);
        } else {
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    push(if matches!(d, 'đ' | 'Đ') { 'd' } else { d }, &mut out);
                }
            });
        }
    }
    while out.ends_with(':') || out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The Latin letters with marks (U+00C0–U+024F, U+1E00–U+1EFF: every Vietnamese letter),
/// each folded to one lowercase base letter, computed once from their decompositions: most
/// text a form holds is in Vietnamese, and folding it letter by letter through the
/// decomposition tables took a tenth of reading a form.
fn folded_letter(c: char) -> Option<char> {
    const BLOCKS: [(u32, u32); 2] = [(0xC0, 0x250), (0x1E00, 0x1F00)];
    static TABLE: std::sync::OnceLock<Vec<Option<char>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        let fold_one = |c: char| -> Option<char> {
            let mut base = None;
            let mut count = 0;
            unicode_normalization::char::decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    base = Some(if matches!(d, 'đ' | 'Đ') { 'd' } else { d });
                    count += 1;
                }
            });
            let base = base.filter(|b| count == 1 && !b.is_whitespace())?;
            let mut lower = base.to_lowercase();
            let one = lower.next()?;
            lower.next().is_none().then_some(one)
        };
        BLOCKS.iter().flat_map(|&(from, to)| (from..to).map(|u| char::from_u32(u).and_then(fold_one))).collect()
    });
    let u = c as u32;
    let mut offset = 0;
    for (from, to) in BLOCKS {
        if (from..to).contains(&u) {
            return table[offset + (u - from) as usize];
        }
        offset += (to - from) as usize;
    }
    None
}

/// [`fold`] for ASCII text: no decomposition needed.
fn fold_ascii(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    while out.ends_with(':') || out.ends_with(' ') {
        out.pop();
    }
    out
}

/// NFC with runs of whitespace collapsed: text from inputs as it should be shown.
pub fn tidy(s: &str) -> String {
    nfc(s).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// NFC only, for paths and stored text that must keep its spacing.
pub fn nfc(s: &str) -> String {
    if s.is_ascii() {
        return s.to_string();
    }
    match unicode_normalization::is_nfc_quick(s.chars()) {
        unicode_normalization::IsNormalized::Yes => s.to_string(),
        _ => s.nfc().collect(),
    }
}

/// Levenshtein distance over chars, for naming the closest indicator.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// A number read from text, and what had to be overlooked to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedNumber {
    pub micros: i64,
    /// Set when the text was not a plain number (`-`, `1.234`, `12 buổi`): worth an info issue.
    pub coerced: bool,
}

/// Why a text is not a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NumberError {
    NotANumber,
    /// Both readings are plausible (`1,234.5`, `12.5`): the clerk must say which.
    Ambiguous,
    TooLarge,
}

pub const MICROS: i64 = 1_000_000;

/// The largest magnitude a cell may hold (a thousand million): far above any figure a unit
/// reports, and low enough that sums over millions of forms stay exact in 64 bits.
pub const MAX_UNITS: i64 = 1_000_000_000;

/// Reads a number as a Vietnamese clerk types it: `.` groups thousands, `,` is the decimal
/// point; `-` or `—` is zero; a trailing unit word (`12 buổi`) is dropped.
pub fn parse_number(raw: &str) -> Result<ParsedNumber, NumberError> {
    let s = raw.trim().trim_matches('\u{a0}');
    if matches!(s, "-" | "—" | "–" | "--") {
        return Ok(ParsedNumber { micros: 0, coerced: true });
    }
    // Split a leading numeric part from a trailing word (`12 buổi`, `1.500 người`).
    let numeric_end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{a0}' | '-' | '+')))
        .map_or(s.len(), |(i, _)| i);
    let (num, rest) = s.split_at(numeric_end);
    let rest = rest.trim();
    if !rest.is_empty() && (num.trim().is_empty() || !rest.chars().next().is_some_and(char::is_alphabetic)) {
        return Err(NumberError::NotANumber);
    }
    let mut num: String = num.chars().filter(|c| !matches!(c, ' ' | '\u{a0}')).collect();
    let mut coerced = !rest.is_empty() || num.len() != s.len();
    let negative = num.starts_with('-');
    if negative || num.starts_with('+') {
        num.remove(0);
    }
    if num.is_empty() || num.contains(['-', '+']) {
        return Err(NumberError::NotANumber);
    }
    let (int_part, frac_part) = match (num.rfind('.'), num.rfind(',')) {
        (None, None) => (num.clone(), String::new()),
        // Only commas: one comma is the decimal point (`1,5`).
        (None, Some(_)) => {
            let mut parts = num.split(',');
            let int = parts.next().unwrap_or_default().to_string();
            let frac = parts.next().unwrap_or_default().to_string();
            if parts.next().is_some() || frac.is_empty() {
                return Err(NumberError::Ambiguous);
            }
            (int, frac)
        }
        // Only dots: thousands groups (`1.234`, `12.345.678`), else ambiguous (`12.5`).
        (Some(_), None) => {
            if !is_grouped(&num, '.') {
                return Err(NumberError::Ambiguous);
            }
            coerced = true;
            (num.replace('.', ""), String::new())
        }
        // Both: Vietnamese `1.234,5`; the English `1,234.5` is refused rather than guessed.
        (Some(dot), Some(comma)) => {
            if dot > comma {
                return Err(NumberError::Ambiguous);
            }
            let (int, frac) = num.split_at(comma);
            if !is_grouped(int, '.') {
                return Err(NumberError::Ambiguous);
            }
            coerced = true;
            (int.replace('.', ""), frac[1..].to_string())
        }
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(NumberError::NotANumber);
    }
    if !int_part.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return Err(NumberError::NotANumber);
    }
    let micros = digits_to_micros(&int_part, &frac_part).ok_or(NumberError::TooLarge)?;
    Ok(ParsedNumber { micros: if negative { -micros } else { micros }, coerced })
}

fn is_grouped(s: &str, sep: char) -> bool {
    let mut groups = s.split(sep);
    let first = groups.next().unwrap_or_default();
    if first.is_empty() || first.len() > 3 {
        return false;
    }
    groups.all(|g| g.len() == 3)
}

fn digits_to_micros(int_part: &str, frac_part: &str) -> Option<i64> {
    let int: i64 = if int_part.is_empty() { 0 } else { int_part.parse().ok()? };
    let mut frac = 0i64;
    let mut scale = 100_000i64;
    for (i, c) in frac_part.chars().enumerate() {
        let d = i64::from(c.to_digit(10)?);
        if i < 6 {
            frac += d * scale;
            scale /= 10;
        } else if i == 6 && d >= 5 {
            frac += 1;
        }
    }
    if int > MAX_UNITS {
        return None;
    }
    int.checked_mul(MICROS)?.checked_add(frac)
}

/// A float from a cell as micro-units; `None` when it cannot be represented.
pub fn float_to_micros(f: f64) -> Option<i64> {
    if !f.is_finite() || f.abs() > MAX_UNITS as f64 {
        return None;
    }
    Some((f * MICROS as f64).round() as i64)
}

/// Whether a number read from a cell has digits below the micro-unit, which reading rounds
/// away (`0.1234567` → `0.123457`): beyond the float's own noise (`0.1 + 0.2`), whatever its
/// size.
pub fn beyond_micros(f: f64) -> bool {
    let scaled = f * MICROS as f64;
    (scaled - scaled.round()).abs() > (scaled.abs() * 4.0 * f64::EPSILON).max(1e-3)
}

/// Writes micro-units with `.` as decimal point, no grouping, no trailing zeros.
pub fn format_micros(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let abs = micros.unsigned_abs();
    let int = abs / MICROS as u64;
    let frac = abs % MICROS as u64;
    if frac == 0 {
        return format!("{sign}{int}");
    }
    let frac = format!("{frac:06}");
    format!("{sign}{int}.{}", frac.trim_end_matches('0'))
}

/// Reads a date typed as text: `dd/mm/yyyy` (also `-` or `.` separated), or ISO `yyyy-mm-dd`.
/// Never `mm/dd/yyyy`.
pub fn parse_date_text(raw: &str) -> Option<NaiveDate> {
    let s = raw.trim();
    let s = s.split(['T', ' ']).next().unwrap_or(s).trim_end_matches(',');
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    if parts.len() != 3 || !parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let nums: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    if nums.len() != 3 {
        return None;
    }
    if parts[0].len() == 4 {
        NaiveDate::from_ymd_opt(nums[0] as i32, nums[1], nums[2])
    } else {
        let year = if parts[2].len() == 2 { 2000 + nums[2] as i32 } else { nums[2] as i32 };
        NaiveDate::from_ymd_opt(year, nums[1], nums[0])
    }
}

/// The time of day after a text date (`16/12/2023 17:10`, `2023-12-16T17:10:00`,
/// `16/12/2023 17h10`), if it has one.
pub fn parse_time_text(raw: &str) -> Option<NaiveTime> {
    let s = raw.trim();
    let (_, time) = s.split_once(['T', ' '])?;
    let mut time = fold(time.trim_start_matches([',', ' ']));
    // A zone after the time (`17:10:00+07:00`, `…Z`) does not change the day's clock.
    if let Some(at) = time.find(['+', 'z']).filter(|&at| at > 0) {
        time.truncate(at);
    }
    // `5:10 PM`, `5:10 CH` (chiều): afternoon; `AM`, `SA` (sáng): morning.
    let (time, afternoon) = match time.trim().rsplit_once(' ') {
        Some((t, "pm" | "ch")) => (t.to_string(), Some(true)),
        Some((t, "am" | "sa")) => (t.to_string(), Some(false)),
        _ => (time.trim().to_string(), None),
    };
    let mut parts = time.split([':', 'h']);
    let mut hour: u32 = parts.next()?.trim().parse().ok()?;
    let minute: u32 = match parts.next().map(str::trim) {
        None | Some("") => 0,
        Some(m) => m.parse().ok()?,
    };
    let second: u32 = match parts.next().map(str::trim) {
        None | Some("") => 0,
        Some(sec) => sec.split('.').next()?.parse().ok()?,
    };
    match afternoon {
        Some(true) if (1..12).contains(&hour) => hour += 12,
        Some(false) if hour == 12 => hour = 0,
        _ => {}
    }
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// The time of day an Excel serial's fraction stands for, when it is not midnight.
pub fn excel_serial_time(serial: f64) -> Option<NaiveTime> {
    if !serial.is_finite() || serial < 0.0 {
        return None;
    }
    let seconds = (serial.fract() * 86_400.0).round() as u32;
    (seconds > 0 && seconds < 86_400).then(|| NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)).flatten()
}

/// A date written in prose, as on the line above a signature: `Hà Nội, ngày 19 tháng 12
/// năm 2023`, `…, ngày 19/12/2023`, `Ngày 19-12-2023`. The place before the comma is any
/// words without digits; nothing may follow the date.
pub fn prose_date(raw: &str) -> Option<NaiveDate> {
    let folded = fold(raw);
    let folded = folded.trim_end_matches(['.', ';']);
    let at = folded.match_indices("ngay").find(|(i, _)| *i == 0 || folded[..*i].ends_with([' ', ',']))?.0;
    // `Hà Nội, ngày …`: a place is set off by a comma; `Số liệu tính đến ngày …` is a note.
    let before = folded[..at].trim_end();
    let place = before.strip_suffix(',').unwrap_or(before).trim_end();
    if (!place.is_empty() && !before.ends_with(',')) || place.len() > 60 || place.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let words: Vec<&str> = folded[at + 4..].split_whitespace().collect();
    match words.as_slice() {
        [day, "thang", month, "nam", year] => {
            let (d, m, y) = (day.parse().ok()?, month.parse().ok()?, year.parse().ok()?);
            (year.len() == 4).then(|| NaiveDate::from_ymd_opt(y, m, d)).flatten()
        }
        [date] => parse_date_text(date),
        _ => None,
    }
}

/// A cell of the row that numbers a table's columns: `A`, `B`, `1`, `(1)`, `(4)=(5)+(6)`.
pub fn is_numbering_token(raw: &str) -> bool {
    let s: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() || s.len() > 24 {
        return false;
    }
    s.split(['=', '+', '-', '*', '/']).all(|part| {
        let inner = part.strip_prefix(['(', '[']).unwrap_or(part);
        let inner = inner.strip_suffix([')', ']']).unwrap_or(inner);
        let inner = inner.strip_suffix('.').unwrap_or(inner);
        (1..=2).contains(&inner.len())
            && (inner.chars().all(|c| c.is_ascii_digit()) || inner.chars().all(|c| c.is_ascii_alphabetic()))
    })
}

/// A money scale or a percent sign written after a number (`2.500.000 đồng`, `100%`), as
/// its canonical name: `đồng`, `nghìn đồng`, `triệu đồng`, `tỷ đồng` or `%`. Other words
/// (`12 buổi`) are not units that change what a number means.
pub fn value_unit(raw: &str) -> Option<&'static str> {
    let s = raw.trim();
    if s.ends_with('%') {
        return Some("%");
    }
    let rest =
        s.trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{a0}' | '-' | '+'));
    if rest.len() == s.len() {
        return None;
    }
    money_scale(rest)
}

/// A money scale by name (`triệu đồng`, `tr.đ`, `VNĐ`), canonical.
pub fn money_scale(raw: &str) -> Option<&'static str> {
    let f = fold(raw).replace(['.', ' '], "");
    if f.is_empty() {
        return None;
    }
    // The scale word, then đồng written out, abbreviated (`đ`, `VNĐ`) or left out.
    let scale = ["dong", "vnd", "d"].iter().find_map(|unit| f.strip_suffix(unit)).unwrap_or(&f);
    Some(match scale {
        "" => "đồng",
        "nghin" | "ngan" => "nghìn đồng",
        "trieu" | "tr" => "triệu đồng",
        "ty" | "ti" => "tỷ đồng",
        _ => return None,
    })
}

/// Converts an Excel serial day number to a date in the workbook's date system.
pub fn excel_serial_to_date(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !serial.is_finite() || !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let base = if is_1904 {
        NaiveDate::from_ymd_opt(1904, 1, 1)?
    } else if days < 60 {
        // Excel's phantom 29/02/1900: serials before it are one day off the common base.
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    base.checked_add_signed(chrono::Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fold of before the letter table: the whole text decomposed, then marks dropped.
    fn fold_by_decomposition(s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut pending_space = false;
        for c in s.nfd() {
            if is_combining_mark(c) {
                continue;
            }
            let c = if matches!(c, 'đ' | 'Đ') { 'd' } else { c };
            if c.is_whitespace() || c == '\u{a0}' {
                pending_space = !out.is_empty();
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.extend(c.to_lowercase());
        }
        while out.ends_with(':') || out.ends_with(' ') {
            out.pop();
        }
        out
    }

    #[test]
    fn folding_by_the_letter_table_equals_folding_by_decomposition() {
        // Every character of the Latin blocks and of their neighbours, alone and in words.
        for u in (0x80..0x2000).chain(0x1DC0..0x1F10) {
            let Some(c) = char::from_u32(u) else { continue };
            for s in [c.to_string(), format!("X{c}y"), format!("{c}\u{301} :"), format!(" {c}{c} ")] {
                assert_eq!(fold(&s), fold_by_decomposition(&s), "U+{u:04X} in {s:?}");
            }
        }
        for s in ["  MÃ  ĐƠN\nVỊ:", "Ủy ban nhân dân", "SỞ LAO ĐỘNG-THƯƠNG BINH", "ǅemal ǈ ß ẞ İ", "ﬁ Ⅳ"]
        {
            let nfd: String = s.nfd().collect();
            assert_eq!(fold(s), fold_by_decomposition(s), "{s:?}");
            assert_eq!(fold(&nfd), fold_by_decomposition(s), "{s:?} in NFD");
        }
    }

    #[test]
    fn fold_of_ascii_matches_the_general_path() {
        for s in ["  MA  DON\nVI:", "Tong so", "a:b: ", "\t x \u{b}y", "", " : ", "X:Y"] {
            assert_eq!(fold_ascii(s), fold_general(s), "{s:?}");
        }
    }

    #[test]
    fn fold_ignores_diacritics_case_spacing_and_normal_form() {
        let nfd: String = "Mã đơn vị".nfd().collect();
        assert_eq!(fold(&nfd), "ma don vi");
        assert_eq!(fold("  MÃ  ĐƠN\nVỊ:"), "ma don vi");
        assert_eq!(fold("Ma don vi"), "ma don vi");
    }

    #[test]
    fn vietnamese_separators() {
        let n = |s: &str| parse_number(s).map(|p| p.micros);
        assert_eq!(n("1.234"), Ok(1_234 * MICROS));
        assert_eq!(n("12.345.678"), Ok(12_345_678 * MICROS));
        assert_eq!(n("1.234,5"), Ok(1_234_500_000));
        assert_eq!(n("125,5"), Ok(125_500_000));
        assert_eq!(n("1,5"), Ok(1_500_000));
        assert_eq!(n("42"), Ok(42 * MICROS));
        assert_eq!(n("1 234"), Ok(1_234 * MICROS));
    }

    #[test]
    fn ambiguous_numbers_are_refused() {
        assert_eq!(parse_number("12.5"), Err(NumberError::Ambiguous));
        assert_eq!(parse_number("1,234.5"), Err(NumberError::Ambiguous));
        assert_eq!(parse_number("1,2,3"), Err(NumberError::Ambiguous));
        assert_eq!(parse_number("abc"), Err(NumberError::NotANumber));
        assert_eq!(parse_number("12 + 3"), Err(NumberError::NotANumber));
    }

    #[test]
    fn dashes_and_unit_words_are_coerced() {
        assert_eq!(parse_number("-"), Ok(ParsedNumber { micros: 0, coerced: true }));
        assert_eq!(parse_number("—"), Ok(ParsedNumber { micros: 0, coerced: true }));
        assert_eq!(parse_number("12 buổi"), Ok(ParsedNumber { micros: 12 * MICROS, coerced: true }));
        assert_eq!(parse_number("12"), Ok(ParsedNumber { micros: 12 * MICROS, coerced: false }));
        assert_eq!(parse_number("-5").map(|p| p.micros), Ok(-5 * MICROS));
    }

    #[test]
    fn digits_below_the_micro_unit_are_told_and_float_noise_is_not() {
        for f in [0.1234567, 1.0 / 3.0, 3.000_000_1, -2.500_000_49, 1_234_567.123_456_7] {
            assert!(beyond_micros(f), "{f}");
        }
        for f in [0.1 + 0.2, 12.5, 0.000_001, -7.0, 123_456_789.123_456, 2_999_999.999_999, 1e12] {
            assert!(!beyond_micros(f), "{f}");
        }
    }

    #[test]
    fn micros_format_without_trailing_zeros_or_exponent() {
        assert_eq!(format_micros(12 * MICROS), "12");
        assert_eq!(format_micros(1_500_000), "1.5");
        assert_eq!(format_micros(1), "0.000001");
        assert_eq!(format_micros(-2_250_000), "-2.25");
        assert_eq!(float_to_micros(0.1 + 0.2), Some(300_000));
        assert_eq!(float_to_micros(4e12), None);
        assert_eq!(parse_number("4000000000000"), Err(NumberError::TooLarge));
    }

    #[test]
    fn dates_are_day_first() {
        assert_eq!(parse_date_text("05/12/2023"), NaiveDate::from_ymd_opt(2023, 12, 5));
        assert_eq!(parse_date_text("5-12-2023"), NaiveDate::from_ymd_opt(2023, 12, 5));
        assert_eq!(parse_date_text("2023-12-05"), NaiveDate::from_ymd_opt(2023, 12, 5));
        assert_eq!(parse_date_text("13/25/2023"), None);
        assert_eq!(parse_date_text("hôm qua"), None);
    }

    #[test]
    fn excel_serials_in_both_date_systems() {
        assert_eq!(excel_serial_to_date(45275.0, false), NaiveDate::from_ymd_opt(2023, 12, 15));
        assert_eq!(excel_serial_to_date(45275.0 - 1462.0, true), NaiveDate::from_ymd_opt(2023, 12, 15));
        assert_eq!(excel_serial_to_date(1.0, false), NaiveDate::from_ymd_opt(1900, 1, 1));
    }

    #[test]
    fn closest_name_distance() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn prose_dates_of_the_signature_line() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(prose_date("Hà Nội, ngày 19 tháng 12 năm 2023"), d(2023, 12, 19));
        assert_eq!(prose_date("Cầu Giấy, ngày 19/12/2023"), d(2023, 12, 19));
        assert_eq!(prose_date("Ngày 05 tháng 01 năm 2024."), d(2024, 1, 5));
        assert_eq!(prose_date("ngay 16-12-2023"), d(2023, 12, 16));
        // A blank left to fill, a sentence, a number: not dates.
        assert_eq!(prose_date("Hà Nội, ngày ... tháng 12 năm 2023"), None);
        assert_eq!(prose_date("Tổ chức 3 buổi ngày 19 tháng 12 năm 2023 tại phường"), None);
        assert_eq!(prose_date("Số ngày nghỉ"), None);
        assert_eq!(prose_date("Số liệu tính đến ngày 15/12/2023"), None);
        assert_eq!(prose_date("Ban hành ngày 05/12/2023"), None);
        assert_eq!(prose_date("19/12/2023"), None);
    }

    #[test]
    fn times_after_text_dates_and_in_serial_fractions() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0);
        assert_eq!(parse_time_text("15/12/2023 17:10"), t(17, 10));
        assert_eq!(parse_time_text("2023-12-15T09:05:00"), t(9, 5));
        assert_eq!(parse_time_text("15/12/2023 17h10"), t(17, 10));
        assert_eq!(parse_time_text("15/12/2023"), None);
        assert_eq!(parse_time_text("15/12/2023 5:10 PM"), t(17, 10));
        assert_eq!(parse_time_text("15/12/2023 9:05 SA"), t(9, 5));
        assert_eq!(parse_time_text("2023-12-15T17:10:00+07:00"), t(17, 10));
        assert_eq!(parse_time_text("16/12/2023, 17:10"), t(17, 10));
        assert_eq!(parse_date_text("16/12/2023, 17:10"), NaiveDate::from_ymd_opt(2023, 12, 16));
        assert_eq!(parse_date_text("15/12/2023 17:10"), NaiveDate::from_ymd_opt(2023, 12, 15));
        assert_eq!(excel_serial_time(45275.5), t(12, 0));
        assert_eq!(excel_serial_time(45275.0), None);
    }

    #[test]
    fn numbering_tokens_and_value_units() {
        for t in ["A", "B", "1", "(1)", "(4)=(5)+(6)", "[2]", "12"] {
            assert!(is_numbering_token(t), "{t}");
        }
        for t in ["CT01", "Tổng số", "123", "", "1.234"] {
            assert!(!is_numbering_token(t), "{t}");
        }
        assert_eq!(value_unit("2.500.000 đồng"), Some("đồng"));
        assert_eq!(value_unit("12,5 triệu đồng"), Some("triệu đồng"));
        assert_eq!(value_unit("300 nghìn đồng"), Some("nghìn đồng"));
        assert_eq!(value_unit("100%"), Some("%"));
        assert_eq!(value_unit("12 buổi"), None);
        assert_eq!(value_unit("12"), None);
        assert_eq!(money_scale("triệu đồng"), Some("triệu đồng"));
        assert_eq!(money_scale("người"), None);
        for (typed, scale) in [
            ("500 nghìn", "nghìn đồng"),
            ("300 ngàn", "nghìn đồng"),
            ("2,5 tỉ đồng", "tỷ đồng"),
            ("1,2 tỉ", "tỷ đồng"),
            ("3 tr.đ", "triệu đồng"),
            ("3 triệu VNĐ", "triệu đồng"),
            ("300.000 VNĐ", "đồng"),
            ("300.000đ", "đồng"),
        ] {
            assert_eq!(value_unit(typed), Some(scale), "{typed}");
        }
    }
}
