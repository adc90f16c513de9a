//! The workbook's own parts: relationships, the sheet list, shared strings and the date
//! kind of each cell style, each read as calamine reads it.

use std::collections::HashMap;

use quick_xml::events::Event;

use super::xml::{Xml, attr, attributes, decode, ends};
use super::{Format, Unsupported};

/// (`Id`, `Target`, `Type`) of each relationship of a relationships part, in document
/// order, values as written (a value with an entity is left to calamine).
pub(super) fn relationships(bytes: &[u8]) -> Result<Vec<(String, String, String)>, Unsupported> {
    let mut x = Xml::new(bytes)?;
    let mut out = Vec::new();
    loop {
        let event = x.next()?;
        match &event {
            _ if ends(&event, "Relationships") => return Ok(out),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                let (mut id, mut target, mut typ) = (None, None, String::new());
                for kv in attributes(e, false)? {
                    let (k, v) = kv?;
                    if v.contains('&') {
                        return Err(Unsupported("a relationship with an entity"));
                    }
                    match k {
                        "Id" => id = Some(v.into_owned()),
                        "Target" => target = Some(v.into_owned()),
                        "Type" => typ = v.into_owned(),
                        _ => {}
                    }
                }
                // calamine keeps a relationship without an id or a target in places.
                let (Some(id), Some(target)) = (id, target) else {
                    return Err(Unsupported("a relationship without an id or a target"));
                };
                out.push((id, target, typ));
            }
            Event::Eof => return Err(Unsupported("a relationships part without its root")),
            _ => {}
        }
    }
}

/// Sheet names and relationship ids, in workbook order, and the 1904 date flag.
pub(super) fn workbook(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>, bool), Unsupported> {
    let mut x = Xml::new(bytes)?;
    let (mut names, mut ids, mut is_1904) = (Vec::new(), Vec::new(), false);
    loop {
        let event = x.next()?;
        match &event {
            _ if ends(&event, "workbook") => return Ok((names, ids, is_1904)),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                let (mut name, mut id) = (String::new(), None);
                for kv in attributes(e, false)? {
                    let (k, v) = kv?;
                    let v = &*v;
                    // `r:id` or any prefix, as calamine matches it.
                    let is_id = k == "id" || k.ends_with(":id");
                    match k {
                        "name" => name = decode(v)?,
                        "state" if !matches!(v, "visible" | "hidden" | "veryHidden") => {
                            return Err(Unsupported("an unknown sheet state"));
                        }
                        _ if is_id && v.contains('&') => return Err(Unsupported("a sheet id with an entity")),
                        _ if is_id => id = Some(v.to_string()),
                        _ => {}
                    }
                }
                names.push(name);
                ids.push(id.unwrap_or_default());
            }
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "workbookPr" => {
                if let Some(v) = attr(e, "date1904")? {
                    is_1904 = v == "1" || v == "true";
                }
            }
            Event::Eof => return Err(Unsupported("a workbook part without its root")),
            _ => {}
        }
    }
}

/// The shared strings, read from the `<sst>` element on, as calamine reads them.
pub(super) fn shared_strings(bytes: &[u8]) -> Result<Vec<String>, Unsupported> {
    let mut x = Xml::new(bytes)?;
    let mut out = Vec::new();
    loop {
        match x.next()? {
            Event::Empty(e) if e.local_name().as_ref() == "sst" => return Ok(out),
            Event::Start(e) if e.local_name().as_ref() == "sst" => break,
            Event::Eof => return Err(Unsupported("a shared-strings part without its root")),
            _ => {}
        }
    }
    loop {
        match x.next()? {
            Event::End(e) if e.local_name().as_ref() == "sst" => return Ok(out),
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "sst" => {
                return Err(Unsupported("an sst in an sst"));
            }
            Event::Empty(e) if e.local_name().as_ref() == "si" => out.push(String::new()),
            Event::Start(e) if e.local_name().as_ref() == "si" => out.push(rich_string(&mut x, "si")?),
            Event::Eof => return Err(Unsupported("a shared-strings part without its root")),
            _ => {}
        }
    }
}

/// A string element (`<si>`, `<is>`): its `<t>` runs joined, phonetic runs left out, each
/// run trimmed of ASCII white space unless it preserves space (calamine's rule).
pub(super) fn rich_string(x: &mut Xml<'_>, closing: &str) -> Result<String, Unsupported> {
    let mut out = String::new();
    let mut phonetic = false;
    loop {
        match x.next()? {
            Event::Start(e) if e.local_name().as_ref() == "rPh" => phonetic = true,
            Event::Empty(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::End(e) if e.local_name().as_ref() == "rPh" => phonetic = false,
            Event::Start(e) if e.local_name().as_ref() == "t" && !phonetic => {
                let preserve = attr(&e, "xml:space")?.is_some_and(|v| v == "preserve");
                let run = x.text()?.value;
                out.push_str(if preserve { &run } else { run.trim_matches([' ', '\t', '\r', '\n']) });
            }
            Event::End(e) if e.local_name().as_ref() == closing => {
                check_no_excel_escapes(&out)?;
                return Ok(out);
            }
            // calamine would close the string at a nested element of the same name.
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == closing => {
                return Err(Unsupported("a string element in itself"));
            }
            Event::Eof => return Err(Unsupported("a string element is not closed")),
            _ => {}
        }
    }
}

/// Text stored in a cell or a shared string: calamine would unescape `_xHHHH_` in it.
pub(super) fn check_no_excel_escapes(s: &str) -> Result<(), Unsupported> {
    if s.contains("_x") { Err(Unsupported("Excel's _xHHHH_ escapes")) } else { Ok(()) }
}

/// Each cell style's date kind, from `numFmts` and `cellXfs` (not the number formats of
/// conditional formats, `dxfs`, which calamine leaves aside too).
pub(super) fn cell_formats(bytes: &[u8]) -> Result<Vec<Format>, Unsupported> {
    let mut x = Xml::new(bytes)?;
    let mut custom: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    let (mut in_num_fmts, mut in_cell_xfs, mut in_xf) = (false, false, false);
    loop {
        let event = x.next()?;
        let (e, empty) = match &event {
            _ if ends(&event, "styleSheet") => return Ok(out),
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.local_name().as_ref() {
                    "numFmts" => in_num_fmts = false,
                    "cellXfs" => in_cell_xfs = false,
                    "xf" => in_xf = false,
                    _ => {}
                }
                continue;
            }
            Event::Eof => return Err(Unsupported("a styles part without its root")),
            _ => continue,
        };
        match e.local_name().as_ref() {
            "numFmts" => in_num_fmts = !empty,
            "numFmt" if in_num_fmts => {
                if let (Some(id), Some(code)) = (attr(e, "numFmtId")?, attr(e, "formatCode")?) {
                    custom.insert(id.into_owned(), decode(&code)?);
                }
            }
            "cellXfs" => in_cell_xfs = !empty,
            "xf" if in_xf => return Err(Unsupported("an xf in an xf")),
            "xf" if in_cell_xfs => {
                in_xf = !empty;
                out.push(match attr(e, "numFmtId")? {
                    None => Format::Other,
                    Some(id) => match custom.get(&*id) {
                        // calamine counts brackets in a byte that wraps past 255.
                        Some(code) if code.matches('[').count() >= 255 => {
                            return Err(Unsupported("a format code with 255 brackets or more"));
                        }
                        Some(code) => custom_format(code),
                        None => builtin_format(&id),
                    },
                });
            }
            _ => {}
        }
    }
}

/// Excel's built-in number formats that are dates or durations (ECMA-376 18.8.30, and
/// the East Asian ones), as calamine classes them.
pub(super) fn builtin_format(id: &str) -> Format {
    match id {
        "14" | "15" | "16" | "17" | "18" | "19" | "20" | "21" | "22" | "45" | "47" => Format::DateTime,
        "27" | "28" | "29" | "30" | "31" | "32" | "33" | "34" | "35" | "36" | "50" | "51" | "52" | "53" | "54"
        | "55" | "56" | "57" | "58" => Format::DateTime,
        "46" => Format::TimeDelta,
        _ => Format::Other,
    }
}

/// Whether a custom number format shows a date or a duration: calamine's rule
/// (`formats::detect_custom_number_format`, MIT), restated since it is private there.
pub(super) fn custom_format(format: &str) -> Format {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return Format::Other,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if hms => return Format::TimeDelta,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return Format::DateTime,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => return Format::DateTime,
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    Format::Other
}
