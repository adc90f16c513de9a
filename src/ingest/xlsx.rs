//! A direct reader for plain `.xlsx` files, the common case at national scale.
//!
//! calamine opens an xlsx by reading its whole style palette (fonts, fills, borders, theme
//! colours) and streams each sheet through a buffered XML reader. A form needs none of the
//! palette, only which styles are dates; and a sheet part, inflated once, can be parsed in
//! place without copying. This reader does just that, and it gives the same values as
//! calamine: the same [`DataRef`]s, the same shared-string, date-format and formula rules.
//!
//! It reads a plain subset and steps aside on anything else ([`Unsupported`]): cells
//! without a reference, Excel's `_xHHHH_` escapes, CDATA, non-worksheet sheets, parts
//! named otherwise, malformed XML. The caller then reads the same file with calamine, so an
//! unusual or broken file gets exactly calamine's reading and calamine's error. Tests read
//! every fixture both ways and compare them cell by cell.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use calamine::{CellErrorType, DataRef, ExcelDateTime, ExcelDateTimeType};

/// Why the direct reader stepped aside; logged at debug level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// How a cell's failure to be read ends: stepping aside, or an error of the caller's.
#[derive(Debug)]
pub enum Stop<E> {
    Unsupported(Unsupported),
    Caller(E),
}

impl<E> From<Unsupported> for Stop<E> {
    fn from(u: Unsupported) -> Self {
        Stop::Unsupported(u)
    }
}

/// The date kind of a cell style, by calamine's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Other,
    DateTime,
    TimeDelta,
}

pub struct DirectXlsx {
    zip: zip::ZipArchive<Cursor<Vec<u8>>>,
    pub sheet_names: Vec<String>,
    /// Each sheet's part, in `sheet_names` order.
    paths: Vec<String>,
    strings: Vec<String>,
    formats: Vec<Format>,
    pub is_1904: bool,
    part: Vec<u8>,
}

impl DirectXlsx {
    /// Reads the workbook parts of a zip already checked against the size limits. On
    /// [`Unsupported`] the bytes come back, for calamine.
    pub fn from_zip(mut zip: zip::ZipArchive<Cursor<Vec<u8>>>) -> Result<DirectXlsx, (Vec<u8>, Unsupported)> {
        match read_workbook_parts(&mut zip) {
            Ok(parts) => Ok(DirectXlsx {
                zip,
                sheet_names: parts.names,
                paths: parts.paths,
                strings: parts.strings,
                formats: parts.formats,
                is_1904: parts.is_1904,
                part: Vec::new(),
            }),
            Err(u) => Err((zip.into_inner().into_inner(), u)),
        }
    }

    /// Gives the bytes back, for calamine.
    pub fn into_bytes(self) -> Vec<u8> {
        self.zip.into_inner().into_inner()
    }

    /// Calls `emit` with each cell of a sheet, in document order, as calamine's
    /// `next_cell_with_formula` gives it: position, value, formula text.
    pub fn cells<E>(
        &mut self,
        name: &str,
        mut emit: impl FnMut(u32, u32, DataRef<'_>, Option<&str>) -> Result<(), E>,
    ) -> Result<(), Stop<E>> {
        let index = self.sheet_names.iter().position(|n| n == name).ok_or(Unsupported("no such sheet"))?;
        let mut part = std::mem::take(&mut self.part);
        inflate(&mut self.zip, &self.paths[index], &mut part)?;
        let result = read_cells(&part, &self.strings, &self.formats, self.is_1904, &mut emit);
        self.part = part;
        result
    }
}

struct WorkbookParts {
    names: Vec<String>,
    paths: Vec<String>,
    strings: Vec<String>,
    formats: Vec<Format>,
    is_1904: bool,
}

fn read_workbook_parts(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>) -> Result<WorkbookParts, Unsupported> {
    let mut buf = Vec::new();
    inflate(zip, "_rels/.rels", &mut buf)?;
    // The last office document in document order, as calamine takes it.
    let office = relationships(&buf)?
        .into_iter()
        .rev()
        .find(|(_, _, typ)| typ.ends_with("/relationships/officeDocument"))
        .map(|(_, target, _)| target);
    if !matches!(office.as_deref(), Some("xl/workbook.xml" | "/xl/workbook.xml")) {
        return Err(Unsupported("the workbook part is not xl/workbook.xml"));
    }
    inflate(zip, "xl/_rels/workbook.xml.rels", &mut buf)?;
    // A later relationship with the same id replaces an earlier one, as in calamine.
    let rels: HashMap<String, (String, String)> =
        relationships(&buf)?.into_iter().map(|(id, target, typ)| (id, (target, typ))).collect();
    inflate(zip, "xl/workbook.xml", &mut buf)?;
    let (names, ids, is_1904) = workbook(&buf)?;
    let mut paths = Vec::with_capacity(ids.len());
    for id in &ids {
        let (target, typ) = rels.get(id).ok_or(Unsupported("a sheet without a relationship"))?;
        if !typ.ends_with("/worksheet") {
            return Err(Unsupported("a sheet that is not a worksheet"));
        }
        paths.push(match target.strip_prefix('/') {
            Some(abs) => abs.to_string(),
            None => format!("xl/{target}"),
        });
    }
    // calamine finds parts ignoring case and taking `\` for `/`: a file whose part names
    // differ from the usual ones, or from each other, only so is left to it.
    let part_names: Vec<String> = zip.file_names().map(|n| n.map(|n| n.to_string()).unwrap_or_default()).collect();
    if part_names.iter().any(|n| n.contains('\\')) {
        return Err(Unsupported("a part name with a backslash"));
    }
    let lower: std::collections::HashSet<String> = part_names.iter().map(|n| n.to_ascii_lowercase()).collect();
    if lower.len() != zip.len() {
        return Err(Unsupported("part names that differ only in case"));
    }
    let mut optional = |name: &str, buf: &mut Vec<u8>| -> Result<bool, Unsupported> {
        if zip.index_for_name(name).is_some() {
            inflate(zip, name, buf)?;
            Ok(true)
        } else if lower.contains(&name.to_ascii_lowercase()) {
            Err(Unsupported("a part named in another case"))
        } else {
            Ok(false)
        }
    };
    let strings = if optional("xl/sharedStrings.xml", &mut buf)? { shared_strings(&buf)? } else { Vec::new() };
    let formats = if optional("xl/styles.xml", &mut buf)? { cell_formats(&buf)? } else { Vec::new() };
    Ok(WorkbookParts { names, paths, strings, formats, is_1904 })
}

/// Inflates one part into `buf`, no further than its declared size.
fn inflate(zip: &mut zip::ZipArchive<Cursor<Vec<u8>>>, name: &str, buf: &mut Vec<u8>) -> Result<(), Unsupported> {
    let f = zip.by_name(name).map_err(|_| Unsupported("a part is missing or named otherwise"))?;
    let size = f.size();
    buf.clear();
    buf.reserve(usize::try_from(size).unwrap_or(0));
    let n = f.take(size.saturating_add(1)).read_to_end(buf).map_err(|_| Unsupported("a part does not inflate"))?;
    if n as u64 != size {
        return Err(Unsupported("a part's size is not the declared one"));
    }
    Ok(())
}

/// One piece of an XML part, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    /// `<name attrs>` or, when `empty`, `<name attrs/>`; `name` without its prefix.
    Start {
        name: &'a str,
        attrs: &'a str,
        empty: bool,
    },
    End {
        name: &'a str,
    },
    /// Character data as written, entities unresolved.
    Text(&'a str),
    Eof,
}

/// A forward-only XML tokenizer over a whole part in memory. It checks what it needs and
/// steps aside on the rest (CDATA, DOCTYPE, unterminated markup): only the plain XML that
/// spreadsheet writers produce is read here.
struct Scan<'a> {
    text: &'a str,
    i: usize,
    /// The elements open, with their prefixes: every end tag must close the innermost.
    open: Vec<&'a str>,
    /// Whether every tag's attributes are checked (small parts), or only those read.
    strict: bool,
}

impl<'a> Scan<'a> {
    /// A part must be UTF-8 throughout, as calamine's XML reader requires.
    fn new(part: &'a [u8]) -> Result<Self, Unsupported> {
        let text = simdutf8::basic::from_utf8(part).map_err(|_| Unsupported("a part that is not UTF-8"))?;
        Ok(Scan { text, i: 0, open: Vec::with_capacity(8), strict: true })
    }

    /// A sheet: calamine checks the attributes of the cells and rows it reads, not of the
    /// sheet's other elements, and neither does this reader.
    fn sheet(part: &'a [u8]) -> Result<Self, Unsupported> {
        Ok(Scan { strict: false, ..Scan::new(part)? })
    }

    fn next(&mut self) -> Result<Tok<'a>, Unsupported> {
        let (t, s) = (self.text, self.text.as_bytes());
        loop {
            if self.i >= s.len() {
                if !self.open.is_empty() {
                    return Err(Unsupported("an element is not closed"));
                }
                return Ok(Tok::Eof);
            }
            if s[self.i] != b'<' {
                let end = find(s, self.i, b'<').unwrap_or(s.len());
                let text = &t[self.i..end];
                self.i = end;
                if text.contains('&') {
                    decode(text)?;
                }
                return Ok(Tok::Text(text));
            }
            let rest = &s[self.i + 1..];
            match rest.first() {
                // Only the XML declaration: any other processing instruction is unusual here.
                Some(b'?') if rest.starts_with(b"?xml ") => {
                    self.skip_past(2, b"?>")?;
                    if s[..self.i].iter().filter(|&&b| b == b'>').count() != 1 {
                        return Err(Unsupported("an unusual XML declaration"));
                    }
                }
                Some(b'?') => return Err(Unsupported("a processing instruction")),
                Some(b'!') if rest.starts_with(b"!--") => self.skip_past(4, b"-->")?,
                Some(b'!') => return Err(Unsupported("CDATA or a document type")),
                Some(b'/') => {
                    let close = find(rest, 0, b'>').ok_or(Unsupported("an unterminated tag"))?;
                    let full = t[self.i + 2..self.i + 1 + close].trim_end_matches(XML_SPACE);
                    if !is_name(full) || self.open.pop() != Some(full) {
                        return Err(Unsupported("an end tag that closes no open element"));
                    }
                    self.i += close + 2;
                    return Ok(Tok::End { name: local(full) });
                }
                Some(_) => return self.start_tag(),
                None => return Err(Unsupported("an unterminated tag")),
            }
        }
    }

    /// Skips a processing instruction or a comment whose opening (`<?`, `<!--`) is `open`
    /// bytes long: its end is looked for after the opening.
    fn skip_past(&mut self, open: usize, end: &[u8]) -> Result<(), Unsupported> {
        let from = (self.i + open).min(self.text.len());
        let at = memchr::memmem::find(&self.text.as_bytes()[from..], end).ok_or(Unsupported("unterminated markup"))?;
        self.i = from + at + end.len();
        Ok(())
    }

    /// `<name a="1" b='2'>`: the tag ends at the first `>` outside quotes.
    fn start_tag(&mut self) -> Result<Tok<'a>, Unsupported> {
        let (t, s) = (self.text, self.text.as_bytes());
        let begin = self.i + 1;
        let mut j = begin;
        // A name runs to white space, `>` or `/>`, as the XML reader calamine uses reads it.
        while j < s.len()
            && !matches!(s[j], b' ' | b'\t' | b'\r' | b'\n' | b'>')
            && !(s[j] == b'/' && s.get(j + 1) == Some(&b'>'))
        {
            j += 1;
        }
        let full = &t[begin..j];
        let name = local(full);
        if !is_name(full) || name.is_empty() {
            return Err(Unsupported("a tag without a proper name"));
        }
        let attrs_begin = j;
        let tag = |attrs: &'a str, empty| -> Result<Tok<'a>, Unsupported> {
            if self.strict {
                check_attrs(attrs)?;
            }
            Ok(Tok::Start { name, attrs, empty })
        };
        loop {
            // Jump to the next `>` or quote.
            j = s[j..]
                .iter()
                .position(|&b| matches!(b, b'>' | b'"' | b'\''))
                .ok_or(Unsupported("an unterminated tag"))?
                + j;
            match s.get(j) {
                None => return Err(Unsupported("an unterminated tag")),
                Some(b'>') if s[j - 1] == b'/' && j > attrs_begin => {
                    let tok = tag(&t[attrs_begin..j - 1], true)?;
                    self.i = j + 1;
                    return Ok(tok);
                }
                Some(b'>') => {
                    let tok = tag(&t[attrs_begin..j], false)?;
                    self.i = j + 1;
                    self.open.push(full);
                    return Ok(tok);
                }
                Some(&q) => {
                    j = find(s, j + 1, q).ok_or(Unsupported("an unterminated attribute"))? + 1;
                }
            }
        }
    }

    /// The raw text of the element just opened, up to its end tag. Markup inside (a
    /// comment, a child element) makes the reader step aside.
    fn text(&mut self) -> Result<&'a str, Unsupported> {
        let begin = self.i;
        let bytes = self.text.as_bytes();
        let end = find(bytes, begin, b'<').unwrap_or(bytes.len());
        self.i = end;
        match self.next()? {
            Tok::End { .. } => Ok(&self.text[begin..end]),
            _ => Err(Unsupported("markup inside a text element")),
        }
    }
}

/// An XML name with at most one colon: a letter, `_` or `:` first, then letters, digits,
/// `-`, `.`, `_`, `:` (any non-ASCII character counts as a letter here).
fn is_name(s: &str) -> bool {
    // At most one prefix: the XML reader calamine uses splits a name at its first colon.
    if s.bytes().filter(|&b| b == b':').count() > 1 {
        return false;
    }
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':' || !b.is_ascii())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':') || !b.is_ascii())
}

/// XML's white space: not form feed or vertical tab, which Rust's ASCII white space includes.
const XML_SPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// The position of `byte` in `s` at or after `from`. XML between tags is short: a plain loop
/// beats a vectorised search's set-up here.
fn find(s: &[u8], from: usize, byte: u8) -> Option<usize> {
    s.get(from..)?.iter().position(|&b| b == byte).map(|n| from + n)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn skip_space(a: &str) -> &str {
    let n = a.bytes().take_while(|&b| is_space(b)).count();
    &a[n..]
}

/// `x:c` → `c`.
fn local(name: &str) -> &str {
    // Names are short: a plain scan beats a vectorised search here.
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The attributes of a tag, values raw: `(key with prefix, value)`.
fn attributes(mut a: &str) -> impl Iterator<Item = Result<(&str, &str), Unsupported>> {
    std::iter::from_fn(move || {
        a = skip_space(a);
        if a.is_empty() {
            return None;
        }
        let malformed = Some(Err(Unsupported("a malformed attribute")));
        let Some(eq) = find(a.as_bytes(), 0, b'=') else { return malformed };
        let key = &a[..eq];
        if key.is_empty()
            || key.bytes().any(|b| {
                (!b.is_ascii_graphic() && b.is_ascii()) || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'&' | b'/')
            })
        {
            return malformed;
        }
        let rest = skip_space(&a[eq + 1..]);
        let Some(&q @ (b'"' | b'\'')) = rest.as_bytes().first() else { return malformed };
        let Some(close) = find(rest.as_bytes(), 1, q) else { return malformed };
        let value = &rest[1..close];
        a = &rest[close + 1..];
        if value.bytes().any(|b| b == b'<') || a.as_bytes().first().is_some_and(|&b| !is_space(b)) {
            return malformed;
        }
        Some(Ok((key, value)))
    })
}

/// Checks every attribute of a tag (well formed, none twice, only known entities) and gives
/// the raw value of `key`, if the tag has it. Tags have a few attributes: each is compared
/// with those before it, without allocating.
fn attr_checked<'a>(attrs: &'a str, key: &str) -> Result<Option<&'a str>, Unsupported> {
    let mut found = None;
    for (n, kv) in attributes(attrs).enumerate() {
        let (k, v) = kv?;
        if attributes(attrs).take(n).any(|earlier| earlier.is_ok_and(|(e, _)| e == k)) {
            return Err(Unsupported("an attribute given twice"));
        }
        if v.contains('&') {
            decode(v)?;
        }
        if k == key {
            found = Some(v);
        }
    }
    Ok(found)
}

/// Checks every attribute of a tag, as [`attr_checked`] does.
fn check_attrs(attrs: &str) -> Result<(), Unsupported> {
    attr_checked(attrs, "").map(|_| ())
}

/// One attribute's raw value, by its name as written; every attribute must be well formed
/// and this one given once.
fn attr<'a>(attrs: &'a str, key: &str) -> Result<Option<&'a str>, Unsupported> {
    let mut found = None;
    for kv in attributes(attrs) {
        let (k, v) = kv?;
        if k == key {
            if found.is_some() {
                return Err(Unsupported("an attribute given twice"));
            }
            found = Some(v);
        }
    }
    Ok(found)
}

/// Raw XML text or attribute value → text, the XML entities and character references
/// resolved. Anything calamine would transform further (Excel's `_xHHHH_` escapes, line
/// ends to normalise) makes the reader step aside.
fn decode_into(s: &str, out: &mut String) -> Result<(), Unsupported> {
    if s.contains('\r') {
        return Err(Unsupported("a carriage return"));
    }
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let semi = rest[amp..].find(';').ok_or(Unsupported("an unterminated entity"))? + amp;
        let c = match &rest[amp + 1..semi] {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            r => {
                // Digits only: Rust's parsers would take a sign the XML reader refuses.
                let n = match r.strip_prefix("#x") {
                    Some(hex) if hex.bytes().all(|b| b.is_ascii_hexdigit()) => u32::from_str_radix(hex, 16).ok(),
                    Some(_) => None,
                    None => r
                        .strip_prefix('#')
                        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(|d| d.parse().ok()),
                };
                n.filter(|&n| n == 0x9 || n == 0xA || n >= 0x20)
                    .and_then(char::from_u32)
                    .filter(|c| !matches!(c, '\u{FFFE}' | '\u{FFFF}'))
                    .ok_or(Unsupported("an entity other than the XML ones"))?
            }
        };
        out.push(c);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    Ok(())
}

fn decode(raw: &str) -> Result<String, Unsupported> {
    let mut out = String::new();
    decode_into(raw, &mut out)?;
    Ok(out)
}

/// Text stored in a cell or a shared string: calamine would unescape `_xHHHH_` in it.
fn check_no_excel_escapes(s: &str) -> Result<(), Unsupported> {
    if s.contains("_x") { Err(Unsupported("Excel's _xHHHH_ escapes")) } else { Ok(()) }
}

/// Where a part's root element ends, calamine stops reading: so does this reader. `<root/>`
/// ends it at once (calamine's reader expands it to a start and an end).
fn ends(tok: &Tok<'_>, root: &str) -> bool {
    matches!(tok, Tok::Start { name, empty: true, .. } if *name == root)
        || matches!(tok, Tok::End { name } if *name == root)
}

/// (`Id`, `Target`, `Type`) of each relationship of a relationships part, in document
/// order, values as written (calamine keeps them undecoded: a value with an entity is left
/// to it).
fn relationships(bytes: &[u8]) -> Result<Vec<(String, String, String)>, Unsupported> {
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

/// Sheet names and relationship ids, in workbook order, and the 1904 date flag.
fn workbook(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>, bool), Unsupported> {
    let mut x = Scan::new(bytes)?;
    let (mut names, mut ids, mut is_1904) = (Vec::new(), Vec::new(), false);
    loop {
        let tok = x.next()?;
        match tok {
            _ if ends(&tok, "workbook") => return Ok((names, ids, is_1904)),
            Tok::Start { name: "sheet", attrs, .. } => {
                let (mut name, mut id) = (String::new(), None);
                for kv in attributes(attrs) {
                    let (k, v) = kv?;
                    match k {
                        "name" => name = decode(v)?,
                        "state" if !matches!(v, "visible" | "hidden" | "veryHidden") => {
                            return Err(Unsupported("an unknown sheet state"));
                        }
                        _ if local(k) == "id" && v.contains('&') => {
                            return Err(Unsupported("a sheet id with an entity"));
                        }
                        _ if local(k) == "id" => id = Some(v.to_string()),
                        _ => {}
                    }
                }
                names.push(name);
                ids.push(id.unwrap_or_default());
            }
            Tok::Start { name: "workbookPr", attrs, .. } => {
                if let Some(v) = attr(attrs, "date1904")? {
                    is_1904 = v == "1" || v == "true";
                }
            }
            Tok::Eof => return Err(Unsupported("a workbook part without its root")),
            _ => {}
        }
    }
}

/// The shared strings, read from the `<sst>` element on, as calamine reads them.
fn shared_strings(bytes: &[u8]) -> Result<Vec<String>, Unsupported> {
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
fn rich_string(x: &mut Scan<'_>, closing: &str) -> Result<String, Unsupported> {
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
/// conditional formats, `dxfs`, which calamine leaves aside too).
fn cell_formats(bytes: &[u8]) -> Result<Vec<Format>, Unsupported> {
    let mut x = Scan::new(bytes)?;
    let mut custom: HashMap<&str, String> = HashMap::new();
    let mut out = Vec::new();
    let (mut in_num_fmts, mut in_cell_xfs, mut in_xf) = (false, false, false);
    loop {
        let tok = x.next()?;
        match tok {
            _ if ends(&tok, "styleSheet") => return Ok(out),
            Tok::Start { name: "numFmts", empty, .. } => in_num_fmts = !empty,
            Tok::End { name: "numFmts" } => in_num_fmts = false,
            Tok::Start { name: "numFmt", attrs, .. } if in_num_fmts => {
                if let (Some(id), Some(code)) = (attr(attrs, "numFmtId")?, attr(attrs, "formatCode")?) {
                    custom.insert(id, decode(code)?);
                }
            }
            Tok::Start { name: "cellXfs", empty, .. } => in_cell_xfs = !empty,
            Tok::End { name: "cellXfs" } => in_cell_xfs = false,
            Tok::Start { name: "xf", .. } if in_xf => return Err(Unsupported("an xf in an xf")),
            Tok::End { name: "xf" } => in_xf = false,
            Tok::Start { name: "xf", attrs, empty } if in_cell_xfs => {
                in_xf = !empty;
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

/// Excel's built-in number formats that are dates or durations (ECMA-376 18.8.30, and
/// the East Asian ones), as calamine classes them.
fn builtin_format(id: &str) -> Format {
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
fn custom_format(format: &str) -> Format {
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

/// `B12` → (11, 1), zero-based; None unless plain A1 notation within Excel's grid.
fn cell_ref(s: &[u8]) -> Option<(u32, u32)> {
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
fn number(s: &str) -> Option<f64> {
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
struct CellAttrs<'a> {
    pos: (u32, u32),
    style: Option<usize>,
    typ: Option<&'a str>,
}

fn cell_attrs(attrs: &str) -> Result<CellAttrs<'_>, Unsupported> {
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

fn read_cells<E>(
    part: &[u8],
    strings: &[String],
    formats: &[Format],
    is_1904: bool,
    emit: &mut impl FnMut(u32, u32, DataRef<'_>, Option<&str>) -> Result<(), E>,
) -> Result<(), Stop<E>> {
    let mut x = Scan::sheet(part)?;
    loop {
        match x.next()? {
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
                    cell_body(&mut x, &a, strings, formats, is_1904, &mut formula)?
                };
                emit(a.pos.0, a.pos.1, value, has_formula.then_some(formula.as_str())).map_err(Stop::Caller)?;
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
fn plain_range(range: &str) -> bool {
    range.split(':').count() <= 2 && range.split(':').all(|r| cell_ref(r.as_bytes()).is_some())
}

/// Whether a `<row>`'s attributes are well formed and its number, if given, is in Excel's grid.
fn plain_row(attrs: &str) -> Result<bool, Unsupported> {
    Ok(attr_checked(attrs, "r")?.is_none_or(|r| digits(r.as_bytes()).is_some_and(|n| (1..=1_048_576).contains(&n))))
}

/// What a `<c>` holds, up to its end tag: its value, and whether it has a formula (whose
/// text is left in `formula`).
fn cell_body<'s>(
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
fn cell_value<'s>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_are_read_in_plain_a1_notation_only() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"AB12"), Some((11, 27)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        for odd in [&b"a1"[..], b"A0", b"A", b"1", b"XFE1", b"A1048577", b"$A$1", b"A1 "] {
            assert_eq!(cell_ref(odd), None, "{}", String::from_utf8_lossy(odd));
        }
    }

    #[test]
    fn numbers_are_plain_decimals_only() {
        assert_eq!(number("12"), Some(12.0));
        assert_eq!(number("-3.5"), Some(-3.5));
        assert_eq!(number("1.2E-3"), Some(0.0012));
        assert_eq!(number(".5"), Some(0.5));
        for odd in ["", "-", ".", "1e", "inf", "NaN", "+1", "1,5", " 1", "0x10"] {
            assert_eq!(number(odd), None, "{odd}");
        }
    }

    #[test]
    fn date_formats_are_told_as_calamine_tells_them() {
        assert_eq!(custom_format("dd/mm/yyyy"), Format::DateTime);
        assert_eq!(custom_format("[h]:mm:ss"), Format::TimeDelta);
        assert_eq!(custom_format("#,##0"), Format::Other);
        assert_eq!(custom_format("\"ngày\" 0"), Format::Other);
        assert_eq!(custom_format("0;[Red]-0"), Format::Other);
        assert_eq!(builtin_format("14"), Format::DateTime);
        assert_eq!(builtin_format("3"), Format::Other);
    }

    #[test]
    fn rich_strings_join_their_runs_and_leave_phonetic_runs_out() {
        let xml_text =
            br#"<sst><si><r><t>Qu</t></r><r><t xml:space="preserve">&#7853;n </t></r><rPh><t>x</t></rPh></si><si/><si><t> a&amp;b </t></si></sst>"#;
        assert_eq!(shared_strings(xml_text).unwrap(), vec!["Quận ".to_string(), String::new(), "a&b".to_string()]);
    }

    /// Each found by the XML mutation test (tests/direct.rs), where calamine's reader
    /// refuses what a laxer scan would read.
    #[test]
    fn markup_calamine_refuses_makes_the_reader_step_aside() {
        for bad in [
            &br#"<?>xml?><sst><si><t>a</t></si></sst>"#[..],
            br#"<sst><"si a="1"><t>a</t></si></sst>"#,
            br#"<sst><si><t>a</t></sst>"#,
            br#"<sst><si><t>a</t></si>"#,
            br#"<sst><si x="1"y="2"><t>a</t></si></sst>"#,
            br#"<sst><si><t a="1" a="2">a</t></si></sst>"#,
            br#"<sst><si><t>a & b</t></si></sst>"#,
            b"<sst><si><t>\xFF</t></si></sst>",
        ] {
            assert!(shared_strings(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(workbook(br#"<workbook/><sheets><sheet name="A" r:id="rId1"/></sheets>"#).unwrap().0.len(), 0);
        let sheet = |data: &str| {
            let xml = format!("<worksheet><sheetData>{data}</sheetData></worksheet>");
            read_cells::<()>(xml.as_bytes(), &[], &[], false, &mut |_, _, _, _| Ok(())).is_ok()
        };
        assert!(sheet(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#));
        assert!(!sheet(r#"<row r="0"><c r="A1"><v>1</v></c></row>"#));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v/=>1</v></c></row>"#));
        assert!(!sheet("<row r=\"1\"><c r=\"A1\"><v>1</v\x0C></c></row>"));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v>1</v></c><c r="A1" r="B1"><v>1</v></c></row>"#));
    }

    /// Each found by reading calamine's code against this reader's.
    #[test]
    fn what_calamine_refuses_or_reads_otherwise_makes_the_reader_step_aside() {
        for bad in [
            &br#"<sst><si><t>&#+65;</t></si></sst>"#[..],
            br#"<sst><si><t>a</t></si><sst/><si><t>b</t></si></sst>"#,
            br#"<sst><si><si/><t>a</t></si></sst>"#,
            br#"<sst><si><x:si></x:si><t>a</t></si></sst>"#,
        ] {
            assert!(shared_strings(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let sheet = |data: &str, dimension: &str| {
            let xml = format!(r#"<worksheet><dimension ref="{dimension}"/><sheetData>{data}</sheetData></worksheet>"#);
            read_cells::<()>(xml.as_bytes(), &[], &[], false, &mut |_, _, _, _| Ok(())).is_ok()
        };
        assert!(sheet(r#"<row r="2"><c r="A2"><f t="shared" si="0"/><v>3</v></c></row>"#, "A1:B2"));
        assert!(!sheet(r#"<row r="2"><c r="A2"><f t="shared"/><v>3</v></c></row>"#, "A1:B2"));
        assert!(!sheet(r#"<row r="2"><c r="A2"><f t="shared" si="x" ref="A1:A3">A1</f><v>3</v></c></row>"#, "A1"));
        assert!(!sheet(r#"<row r="2"><c r="A2"><f t="shared" si="0" ref="bad">A1</f><v>3</v></c></row>"#, "A1"));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#, "A1:B2:C3"));
        assert!(!sheet(r#"<row r="1"><x:y:c r="A1"><v>5</v></x:y:c></row>"#, "A1"));
        assert!(!sheet(r#"<row r="1"><c r="A1"><v>1</v></c><sheetData/><c r="B1"><v>2</v></c></row>"#, "A1"));
        assert!(
            cell_formats(br#"<styleSheet><cellXfs><xf numFmtId="0"><xf numFmtId="14"/></xf></cellXfs></styleSheet>"#)
                .is_err()
        );
        let brackets = format!(
            r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="{}0"/></numFmts><cellXfs><xf numFmtId="164"/></cellXfs></styleSheet>"#,
            "[".repeat(255)
        );
        assert!(cell_formats(brackets.as_bytes()).is_err());
        assert!(relationships(br#"<Relationships><Relationship Type="t" Target="x"/></Relationships>"#).is_err());
    }

    #[test]
    fn excel_escapes_and_cdata_make_the_reader_step_aside() {
        assert!(shared_strings(b"<sst><si><t>a_x000D_b</t></si></sst>").is_err());
        assert!(shared_strings(b"<sst><si><t><![CDATA[x]]></t></si></sst>").is_err());
        assert!(shared_strings(b"<sst><si><t>&nbsp;</t></si></sst>").is_err());
    }
}
