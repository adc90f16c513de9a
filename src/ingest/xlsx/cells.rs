//! A sheet's cells as calamine gives them: references, numbers, and the value of each cell
//! by its type, style and formula.

use super::*;

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

pub(super) fn digits(s: &[u8]) -> Option<usize> {
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
pub(super) struct CellAttrs<'a> {
    pos: (u32, u32),
    style: Option<usize>,
    typ: Option<&'a str>,
}

pub(super) fn cell_attrs(attrs: &str) -> Result<CellAttrs<'_>, Unsupported> {
    let (mut pos, mut style, mut typ) = (None, None, None);
    for kv in attributes(attrs) {
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

pub(super) fn read_cells<E>(
    part: &[u8],
    strings: &[String],
    styles: Styles<'_>,
    is_1904: bool,
    hidden_columns: &mut Vec<(u16, u16)>,
    emit: &mut impl FnMut(u32, u32, DataRef<'_>, Option<&str>, CellStyle) -> Result<(), E>,
) -> Result<(), Stop<E>> {
    let mut x = Scan::sheet(part)?;
    hidden_columns.clear();
    loop {
        match x.next()? {
            // Column widths and visibility: `min`..`max` are 1-based.
            Tok::Start { name: "col", attrs, .. } if matches!(attr(attrs, "hidden")?, Some("1" | "true")) => {
                let bound = |key| -> Result<u16, Unsupported> {
                    let v = attr(attrs, key)?.and_then(|v| v.parse::<u16>().ok());
                    v.filter(|v| (1..=16_384).contains(v)).ok_or(Unsupported("an unusual column range"))
                };
                // One range per element: hiding J:XFD costs a pair, not 16,000 columns.
                let (min, max) = (bound("min")?, bound("max")?);
                hidden_columns.push((min - 1, max.max(min) - 1));
            }
            // calamine refuses a sheet whose declared dimension it cannot parse.
            Tok::Start { name: "dimension", attrs, .. } => {
                let range = attr(attrs, "ref")?.ok_or(Unsupported("a dimension without a range"))?;
                if !plain_range(range) {
                    return Err(Unsupported("an unusual dimension").into());
                }
            }
            Tok::Start { name: "sheetData", empty: true, .. } => return Ok(()),
            Tok::Start { name: "sheetData", .. } => break,
            Tok::Eof => return Err(Unsupported("a sheet without sheetData").into()),
            _ => {}
        }
    }
    let mut formula = String::new();
    loop {
        match x.next()? {
            Tok::Start { name: "c", attrs, empty } => {
                let a = cell_attrs(attrs)?;
                let (value, has_formula) = if empty {
                    (DataRef::Empty, false)
                } else {
                    cell_body(&mut x, &a, strings, styles.formats, is_1904, &mut formula)?
                };
                let style = CellStyle {
                    percent: a.style.and_then(|i| styles.formats.get(i)) == Some(&Format::Percent),
                    legacy: a.style.and_then(|i| styles.legacy.get(i).copied().flatten()),
                };
                emit(a.pos.0, a.pos.1, value, has_formula.then_some(formula.as_str()), style).map_err(Stop::Caller)?;
            }
            // calamine refuses a row number it cannot parse.
            Tok::Start { name: "row", attrs, .. } if !plain_row(attrs)? => {
                return Err(Unsupported("an unusual row number").into());
            }
            Tok::End { name: "sheetData" } => return Ok(()),
            // calamine would stop at a nested `<sheetData/>`.
            Tok::Start { name: "sheetData", .. } => return Err(Unsupported("a sheetData in a sheetData").into()),
            Tok::Eof => return Err(Unsupported("sheetData is not closed").into()),
            _ => {}
        }
    }
}

/// `A1` or `A1:H17`, each end in Excel's grid.
pub(super) fn plain_range(range: &str) -> bool {
    range.split(':').count() <= 2 && range.split(':').all(|r| cell_ref(r.as_bytes()).is_some())
}

/// Whether a `<row>`'s attributes are well formed and its number, if given, is in Excel's grid.
pub(super) fn plain_row(attrs: &str) -> Result<bool, Unsupported> {
    Ok(attr_checked(attrs, "r")?.is_none_or(|r| digits(r.as_bytes()).is_some_and(|n| (1..=1_048_576).contains(&n))))
}

/// What a `<c>` holds, up to its end tag: its value, and whether it has a formula (whose
/// text is left in `formula`).
pub(super) fn cell_body<'s>(
    x: &mut Scan<'_>,
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
            Tok::Start { name: "v", empty, .. } => {
                let raw = if empty { "" } else { x.text()? };
                value = cell_value(raw, a, strings, formats, is_1904)?;
            }
            Tok::Start { name: "f", attrs, empty } => {
                if attr(attrs, "t")? == Some("shared") {
                    // calamine refuses a shared formula without a numeric index or with a bad range.
                    let index_ok = attr(attrs, "si")?.is_some_and(|si| digits(si.as_bytes()).is_some());
                    let anchor = attr(attrs, "ref")?;
                    if !index_ok || anchor.is_some_and(|r| !plain_range(r)) {
                        return Err(Unsupported("an unusual shared formula"));
                    }
                    derived = anchor.is_none();
                }
                formula.clear();
                if !empty {
                    decode_into(x.text()?, formula)?;
                }
                has_formula = true;
            }
            Tok::Start { name: "is", empty: true, .. } => value = DataRef::String(String::new()),
            Tok::Start { name: "is", .. } => value = DataRef::String(rich_string(x, "is")?),
            Tok::End { name: "c" } if derived && value == DataRef::Empty => {
                return Err(Unsupported("a shared formula's derived cell without a value"));
            }
            Tok::End { name: "c" } => return Ok((value, has_formula)),
            Tok::Text(t) if t.trim_matches(XML_SPACE).is_empty() => {}
            _ => return Err(Unsupported("unexpected content in a cell")),
        }
    }
}

/// A `<v>` value by the cell's type and style, as calamine's `read_v` reads it.
pub(super) fn cell_value<'s>(
    raw: &str,
    a: &CellAttrs<'_>,
    strings: &'s [String],
    formats: &[Format],
    is_1904: bool,
) -> Result<DataRef<'s>, Unsupported> {
    let format = match a.style {
        Some(id) => formats.get(id).copied(),
        None => Some(Format::Other),
    };
    let plain = || if raw.contains(['&', '\r']) { Err(Unsupported("an unusual value")) } else { Ok(raw) };
    Ok(match a.typ {
        Some("inlineStr" | "is") => DataRef::Empty,
        Some("s") => {
            if raw.is_empty() {
                return Ok(DataRef::Empty);
            }
            let i = digits(raw.as_bytes()).ok_or(Unsupported("an unusual shared-string index"))?;
            DataRef::SharedString(strings.get(i).ok_or(Unsupported("a shared-string index out of range"))?)
        }
        Some("b") => match raw.trim_ascii() {
            "" => DataRef::Empty,
            "0" => DataRef::Bool(false),
            "1" => DataRef::Bool(true),
            _ => return Err(Unsupported("an unusual boolean")),
        },
        Some("d") => DataRef::DateTimeIso(decode(raw)?),
        Some("e") => {
            DataRef::Error(plain()?.parse::<CellErrorType>().map_err(|_| Unsupported("an unknown error value"))?)
        }
        Some("str") => {
            let s = decode(raw)?;
            check_no_excel_escapes(&s)?;
            DataRef::String(s)
        }
        Some("n") | None => {
            if raw.is_empty() {
                return Ok(DataRef::Empty);
            }
            let n = number(plain()?).ok_or(Unsupported("an unusual number"))?;
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
