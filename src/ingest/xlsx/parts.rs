//! The workbook's parts: relationships, the workbook (sheet names and paths, the date
//! system), shared strings and the date kinds of cell styles.

use super::*;

/// (`Id`, `Target`, `Type`) of each relationship of a relationships part, in document
/// order, values as written (calamine keeps them undecoded: a value with an entity is left
/// to it).
pub(super) fn relationships(bytes: &[u8]) -> Result<Vec<(String, String, String)>, Unsupported> {
    let mut x = Scan::new(bytes)?;
    let mut out = Vec::new();
    loop {
        let tok = x.next()?;
        match tok {
            _ if ends(&tok, "Relationships") => return Ok(out),
            Tok::Start { name: "Relationship", attrs, .. } => {
                let (mut id, mut target, mut typ) = (None, None, "");
                for kv in attributes(attrs) {
                    let (k, v) = kv?;
                    if v.contains('&') {
                        return Err(Unsupported("a relationship with an entity"));
                    }
                    match k {
                        "Id" => id = Some(v),
                        "Target" => target = Some(v),
                        "Type" => typ = v,
                        _ => {}
                    }
                }
                // calamine keeps a relationship without an id or a target in places.
                let (Some(id), Some(target)) = (id, target) else {
                    return Err(Unsupported("a relationship without an id or a target"));
                };
                out.push((id.to_string(), target.to_string(), typ.to_string()));
            }
            Tok::Eof => return Err(Unsupported("a relationships part without its root")),
            _ => {}
        }
    }
}

/// The sheets of the workbook part, in workbook order.
pub(super) struct SheetEntries {
    pub names: Vec<String>,
    pub ids: Vec<String>,
    pub hidden: Vec<bool>,
    pub is_1904: bool,
}

/// Sheet names, relationship ids and visibility, in workbook order, and the 1904 date flag.
pub(super) fn workbook(bytes: &[u8]) -> Result<SheetEntries, Unsupported> {
    let mut x = Scan::new(bytes)?;
    let mut out = SheetEntries { names: Vec::new(), ids: Vec::new(), hidden: Vec::new(), is_1904: false };
    loop {
        let tok = x.next()?;
        match tok {
            _ if ends(&tok, "workbook") => return Ok(out),
            Tok::Start { name: "sheet", attrs, .. } => {
                let (mut name, mut id, mut hidden) = (String::new(), None, false);
                for kv in attributes(attrs) {
                    let (k, v) = kv?;
                    match k {
                        "name" => name = decode(v)?,
                        "state" if !matches!(v, "visible" | "hidden" | "veryHidden") => {
                            return Err(Unsupported("an unknown sheet state"));
                        }
                        "state" => hidden = v != "visible",
                        _ if local(k) == "id" && v.contains('&') => {
                            return Err(Unsupported("a sheet id with an entity"));
                        }
                        _ if local(k) == "id" => id = Some(v.to_string()),
                        _ => {}
                    }
                }
                out.names.push(name);
                out.ids.push(id.unwrap_or_default());
                out.hidden.push(hidden);
            }
            Tok::Start { name: "workbookPr", attrs, .. } => {
                if let Some(v) = attr(attrs, "date1904")? {
                    out.is_1904 = v == "1" || v == "true";
                }
            }
            Tok::Eof => return Err(Unsupported("a workbook part without its root")),
            _ => {}
        }
    }
}

/// The shared strings, read from the `<sst>` element on, as calamine reads them.
pub(super) fn shared_strings(bytes: &[u8]) -> Result<Vec<String>, Unsupported> {
    let mut x = Scan::new(bytes)?;
    let mut out = Vec::new();
    loop {
        match x.next()? {
            Tok::Start { name: "sst", empty: true, .. } => return Ok(out),
            Tok::Start { name: "sst", .. } => break,
            Tok::Eof => return Err(Unsupported("a shared-strings part without its root")),
            _ => {}
        }
    }
    loop {
        match x.next()? {
            Tok::End { name: "sst" } => return Ok(out),
            Tok::Start { name: "sst", .. } => return Err(Unsupported("an sst in an sst")),
            Tok::Start { name: "si", empty: true, .. } => out.push(String::new()),
            Tok::Start { name: "si", .. } => out.push(rich_string(&mut x, "si")?),
            Tok::Eof => return Err(Unsupported("a shared-strings part without its root")),
            _ => {}
        }
    }
}

/// A string element (`<si>`, `<is>`): its `<t>` runs joined, phonetic runs left out, each
/// run trimmed of ASCII white space unless it preserves space (calamine's rule).
pub(super) fn rich_string(x: &mut Scan<'_>, closing: &str) -> Result<String, Unsupported> {
    let mut out = String::new();
    let mut run = String::new();
    let mut phonetic = false;
    loop {
        match x.next()? {
            Tok::Start { name: "rPh", empty, .. } => phonetic = !empty,
            Tok::End { name: "rPh" } => phonetic = false,
            Tok::Start { name: "t", empty: true, .. } => {}
            Tok::Start { name: "t", attrs, .. } if !phonetic => {
                let preserve = attr(attrs, "xml:space")? == Some("preserve");
                run.clear();
                decode_into(x.text()?, &mut run)?;
                out.push_str(if preserve { &run } else { run.trim_matches([' ', '\t', '\r', '\n']) });
            }
            Tok::End { name } if name == closing => {
                check_no_excel_escapes(&out)?;
                return Ok(out);
            }
            // calamine would close the string at a nested element of the same name.
            Tok::Start { name, .. } if name == closing => return Err(Unsupported("a string element in itself")),
            Tok::Eof => return Err(Unsupported("a string element is not closed")),
            _ => {}
        }
    }
}

/// Each cell style's date kind, from `numFmts` and `cellXfs` (not the number formats of
/// conditional formats, `dxfs`, which calamine leaves aside too), and its font's legacy
/// Vietnamese encoding, if the font is one (`.VnTime`, `VNI-Times`).
pub(super) fn cell_formats(bytes: &[u8]) -> Result<(Vec<Format>, Vec<Option<Legacy>>), Unsupported> {
    let mut x = Scan::new(bytes)?;
    let mut custom: HashMap<&str, String> = HashMap::new();
    let mut out = Vec::new();
    let mut fonts: Vec<Option<Legacy>> = Vec::new();
    let mut legacy = Vec::new();
    let (mut in_num_fmts, mut in_cell_xfs, mut in_xf) = (false, false, false);
    let (mut in_fonts, mut in_font) = (false, false);
    loop {
        let tok = x.next()?;
        match tok {
            _ if ends(&tok, "styleSheet") => return Ok((out, legacy)),
            Tok::Start { name: "numFmts", empty, .. } => in_num_fmts = !empty,
            Tok::End { name: "numFmts" } => in_num_fmts = false,
            Tok::Start { name: "numFmt", attrs, .. } if in_num_fmts => {
                if let (Some(id), Some(code)) = (attr(attrs, "numFmtId")?, attr(attrs, "formatCode")?) {
                    custom.insert(id, decode(code)?);
                }
            }
            Tok::Start { name: "fonts", empty, .. } => in_fonts = !empty,
            Tok::End { name: "fonts" } => in_fonts = false,
            Tok::Start { name: "font", empty, .. } if in_fonts => {
                in_font = !empty;
                fonts.push(None);
            }
            Tok::End { name: "font" } => in_font = false,
            Tok::Start { name: "name", attrs, .. } if in_font => {
                if let (Some(last), Some(name)) = (fonts.last_mut(), attr(attrs, "val")?) {
                    *last = legacy_font(name);
                }
            }
            Tok::Start { name: "cellXfs", empty, .. } => in_cell_xfs = !empty,
            Tok::End { name: "cellXfs" } => in_cell_xfs = false,
            Tok::Start { name: "xf", .. } if in_xf => return Err(Unsupported("an xf in an xf")),
            Tok::End { name: "xf" } => in_xf = false,
            Tok::Start { name: "xf", attrs, empty } if in_cell_xfs => {
                in_xf = !empty;
                let font = attr(attrs, "fontId")?.and_then(|id| id.parse::<usize>().ok());
                legacy.push(font.and_then(|i| fonts.get(i).copied().flatten()));
                out.push(match attr(attrs, "numFmtId")? {
                    None => Format::Other,
                    Some(id) => match custom.get(id) {
                        // calamine counts brackets in a byte that wraps past 255.
                        Some(code) if code.matches('[').count() >= 255 => {
                            return Err(Unsupported("a format code with 255 brackets or more"));
                        }
                        Some(code) => custom_format(code),
                        None => builtin_format(id),
                    },
                });
            }
            Tok::Eof => return Err(Unsupported("a styles part without its root")),
            _ => {}
        }
    }
}

/// The legacy encoding a font name stands for: the `.Vn…` fonts (`.VnTime`, `.VnTimeH`,
/// `.VnArial`) are TCVN3, the `VNI-…` fonts (`VNI-Times`, `VNI-Helve`) VNI-Windows.
pub(super) fn legacy_font(name: &str) -> Option<Legacy> {
    let name = name.trim();
    if name.starts_with(".Vn") || name.starts_with(".vn") {
        Some(Legacy::Tcvn3)
    } else if name.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("VNI-")) {
        Some(Legacy::Vni)
    } else {
        None
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
        "9" | "10" => Format::Percent,
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
            (';', ..) => return percent_or_other(format),
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
    percent_or_other(format)
}

/// A format that is not a date: a percentage when a `%` stands outside quotes and escapes.
fn percent_or_other(format: &str) -> Format {
    let mut quoted = false;
    let mut escaped = false;
    for c in format.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => quoted = !quoted,
            '%' if !quoted => return Format::Percent,
            _ => {}
        }
    }
    Format::Other
}
