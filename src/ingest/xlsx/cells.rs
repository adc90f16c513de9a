//! A sheet's cells, as calamine's `next_cell_with_formula` gives them: position, value by
//! the cell's type and style, formula text.

use std::borrow::Cow;

use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};
use quick_xml::events::{BytesStart, Event};

use super::parts::{check_no_excel_escapes, rich_string};
use super::xml::{Text, Xml, attr, attr_checked, attributes};
use super::{Format, Stop, Unsupported};

/// `B12` → (11, 1), zero-based; None unless plain A1 notation within Excel's grid.
pub(super) fn cell_ref(s: &[u8]) -> Option<(u32, u32)> {
    let letters = s.iter().take_while(|b| b.is_ascii_uppercase()).count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let col = s[..letters].iter().fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A') + 1);
    let row = digits(&s[letters..])?;
    if col > 16_384 || row == 0 || row > 1_048_576 {
        return None;
    }
    Some((row as u32 - 1, col - 1))
}

fn digits(s: &[u8]) -> Option<usize> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0usize, |acc, b| acc * 10 + usize::from(b - b'0')))
}

/// A plain decimal number as Excel writes it: `-12`, `3.5`, `1.2E-3`.
pub(super) fn number(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = usize::from(b.first() == Some(&b'-'));
    let int = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    i += int;
    let mut frac = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        i += frac;
    }
    if int + frac == 0 {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return None;
        }
        i += exp;
    }
    if i != b.len() {
        return None;
    }
    s.parse().ok()
}

/// The attributes of a `<c>` element that matter.
struct CellAttrs<'e> {
    pos: (u32, u32),
    style: Option<usize>,
    typ: Option<Cow<'e, str>>,
}

fn cell_attrs<'e>(e: &'e BytesStart<'_>) -> Result<CellAttrs<'e>, Unsupported> {
    let (mut pos, mut style, mut typ) = (None, None, None);
    for kv in attributes(e, false)? {
        let (k, v) = kv?;
        if (k == "r" && pos.is_some()) || (k == "s" && style.is_some()) || (k == "t" && typ.is_some()) {
            return Err(Unsupported("an attribute given twice"));
        }
        match k {
            "r" => pos = Some(cell_ref(v.as_bytes()).ok_or(Unsupported("an unusual cell reference"))?),
            "s" => style = Some(digits(v.as_bytes()).ok_or(Unsupported("an unusual style index"))?),
            "t" => typ = Some(v),
            _ => {}
        }
    }
    Ok(CellAttrs { pos: pos.ok_or(Unsupported("a cell without a reference"))?, style, typ })
}

fn is(e: &BytesStart<'_>, name: &str) -> bool {
    e.local_name().as_ref() == name
}

pub(super) fn read_cells<E>(
    part: &[u8],
    strings: &[String],
    formats: &[Format],
    is_1904: bool,
    emit: &mut impl FnMut(u32, u32, DataRef<'_>, Option<&str>) -> Result<(), E>,
) -> Result<(), Stop<E>> {
    let mut x = Xml::sheet(part)?;
    loop {
        match x.next()? {
            // calamine refuses a sheet whose declared dimension it cannot parse.
            Event::Start(e) | Event::Empty(e) if is(&e, "dimension") => {
                let range = attr(&e, "ref")?.ok_or(Unsupported("a dimension without a range"))?;
                if !plain_range(&range) {
                    return Err(Unsupported("an unusual dimension").into());
                }
            }
            Event::Empty(e) if is(&e, "sheetData") => return Ok(()),
            Event::Start(e) if is(&e, "sheetData") => break,
            Event::Eof => return Err(Unsupported("a sheet without sheetData").into()),
            _ => {}
        }
    }
    let mut formula = String::new();
    loop {
        match x.next()? {
            Event::Empty(e) if is(&e, "c") => {
                let a = cell_attrs(&e)?;
                emit(a.pos.0, a.pos.1, DataRef::Empty, None).map_err(Stop::Caller)?;
            }
            Event::Start(e) if is(&e, "c") => {
                let a = cell_attrs(&e)?;
                let (value, has_formula) = cell_body(&mut x, &a, strings, formats, is_1904, &mut formula)?;
                emit(a.pos.0, a.pos.1, value, has_formula.then_some(formula.as_str())).map_err(Stop::Caller)?;
            }
            // calamine refuses a row number it cannot parse.
            Event::Start(e) | Event::Empty(e) if is(&e, "row") && !plain_row(&e)? => {
                return Err(Unsupported("an unusual row number").into());
            }
            Event::End(e) if e.local_name().as_ref() == "sheetData" => return Ok(()),
            // calamine would stop at a nested `<sheetData/>`.
            Event::Start(e) | Event::Empty(e) if is(&e, "sheetData") => {
                return Err(Unsupported("a sheetData in a sheetData").into());
            }
            Event::Eof => return Err(Unsupported("sheetData is not closed").into()),
            _ => {}
        }
    }
}

/// `A1` or `A1:H17`, each end in Excel's grid.
fn plain_range(range: &str) -> bool {
    range.split(':').count() <= 2 && range.split(':').all(|r| cell_ref(r.as_bytes()).is_some())
}

/// Whether a `<row>`'s attributes are well formed and its number, if given, is in Excel's grid.
fn plain_row(e: &BytesStart<'_>) -> Result<bool, Unsupported> {
    Ok(attr_checked(e, "r")?.is_none_or(|r| digits(r.as_bytes()).is_some_and(|n| (1..=1_048_576).contains(&n))))
}

/// What a `<c>` holds, up to its end tag: its value, and whether it has a formula (whose
/// text is left in `formula`).
fn cell_body<'s>(
    x: &mut Xml<'_>,
    a: &CellAttrs<'_>,
    strings: &'s [String],
    formats: &[Format],
    is_1904: bool,
    formula: &mut String,
) -> Result<(DataRef<'s>, bool), Unsupported> {
    let mut value = DataRef::Empty;
    let mut has_formula = false;
    // A cell of a filled-down (shared) formula: its text would have to be translated from
    // the anchor's, which only matters when no value was stored.
    let mut derived = false;
    loop {
        match x.next()? {
            Event::Empty(e) if is(&e, "v") => {
                value = cell_value(Text { value: Cow::Borrowed(""), plain: true }, a, strings, formats, is_1904)?;
            }
            Event::Start(e) if is(&e, "v") => value = cell_value(x.text()?, a, strings, formats, is_1904)?,
            Event::Empty(e) if is(&e, "f") => {
                if let Some(d) = shared_formula(&e)? {
                    derived = d;
                }
                formula.clear();
                has_formula = true;
            }
            Event::Start(e) if is(&e, "f") => {
                if let Some(d) = shared_formula(&e)? {
                    derived = d;
                }
                formula.clear();
                formula.push_str(&x.text()?.value);
                has_formula = true;
            }
            Event::Empty(e) if is(&e, "is") => value = DataRef::String(String::new()),
            Event::Start(e) if is(&e, "is") => value = DataRef::String(rich_string(x, "is")?),
            Event::End(e) if e.local_name().as_ref() == "c" => {
                if derived && value == DataRef::Empty {
                    return Err(Unsupported("a shared formula's derived cell without a value"));
                }
                return Ok((value, has_formula));
            }
            Event::Text(t) if t.trim_matches([' ', '\t', '\r', '\n']).is_empty() => {}
            _ => return Err(Unsupported("unexpected content in a cell")),
        }
    }
}

/// For a cell of a shared formula, whether it is a derived cell (not the anchor); calamine
/// refuses a shared formula without a numeric index or with a bad range.
fn shared_formula(e: &BytesStart<'_>) -> Result<Option<bool>, Unsupported> {
    if attr(e, "t")?.as_deref() != Some("shared") {
        return Ok(None);
    }
    let index_ok = attr(e, "si")?.is_some_and(|si| digits(si.as_bytes()).is_some());
    let anchor = attr(e, "ref")?;
    if !index_ok || anchor.as_deref().is_some_and(|r| !plain_range(r)) {
        return Err(Unsupported("an unusual shared formula"));
    }
    Ok(Some(anchor.is_none()))
}

/// A `<v>` value by the cell's type and style, as calamine's `read_v` reads it.
fn cell_value<'s>(
    text: Text<'_>,
    a: &CellAttrs<'_>,
    strings: &'s [String],
    formats: &[Format],
    is_1904: bool,
) -> Result<DataRef<'s>, Unsupported> {
    let format = match a.style {
        Some(id) => formats.get(id).copied(),
        None => Some(Format::Other),
    };
    let plain = || if text.plain { Ok(&*text.value) } else { Err(Unsupported("an unusual value")) };
    Ok(match a.typ.as_deref() {
        Some("inlineStr" | "is") => DataRef::Empty,
        Some("s") => {
            let raw = plain()?;
            if raw.is_empty() {
                return Ok(DataRef::Empty);
            }
            let i = digits(raw.as_bytes()).ok_or(Unsupported("an unusual shared-string index"))?;
            DataRef::SharedString(strings.get(i).ok_or(Unsupported("a shared-string index out of range"))?)
        }
        Some("b") => match plain()?.trim_ascii() {
            "" => DataRef::Empty,
            "0" => DataRef::Bool(false),
            "1" => DataRef::Bool(true),
            _ => return Err(Unsupported("an unusual boolean")),
        },
        Some("d") => DataRef::DateTimeIso(text.value.into_owned()),
        Some("e") => {
            DataRef::Error(plain()?.parse::<CellErrorType>().map_err(|_| Unsupported("an unknown error value"))?)
        }
        Some("str") => {
            check_no_excel_escapes(&text.value)?;
            DataRef::String(text.value.into_owned())
        }
        Some("n") | None => {
            let raw = plain()?;
            if raw.is_empty() {
                return Ok(DataRef::Empty);
            }
            let n = number(raw).ok_or(Unsupported("an unusual number"))?;
            match format {
                Some(Format::DateTime) => {
                    DataRef::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::DateTime, is_1904))
                }
                Some(Format::TimeDelta) => {
                    DataRef::DateTime(ExcelDateTime::new(n, ExcelDateTimeType::TimeDelta, is_1904))
                }
                _ => DataRef::Float(n),
            }
        }
        Some(_) => return Err(Unsupported("an unknown cell type")),
    })
}
