//! The XML the direct reader parses in place: a tokenizer of the plain subset, attributes,
//! entity decoding, each as calamine's quick-xml reading would take it, stepping aside
//! ([`Unsupported`]) on anything else.

use super::*;

/// One piece of an XML part, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok<'a> {
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
pub(super) struct Scan<'a> {
    text: &'a str,
    i: usize,
    /// The elements open, with their prefixes: every end tag must close the innermost.
    open: Vec<&'a str>,
    /// Whether every tag's attributes are checked (small parts), or only those read.
    strict: bool,
}

impl<'a> Scan<'a> {
    /// A part must be UTF-8 throughout, as calamine's XML reader requires.
    pub(super) fn new(part: &'a [u8]) -> Result<Self, Unsupported> {
        let text = simdutf8::basic::from_utf8(part).map_err(|_| Unsupported("a part that is not UTF-8"))?;
        Ok(Scan { text, i: 0, open: Vec::with_capacity(8), strict: true })
    }

    /// A sheet: calamine checks the attributes of the cells and rows it reads, not of the
    /// sheet's other elements, and neither does this reader.
    pub(super) fn sheet(part: &'a [u8]) -> Result<Self, Unsupported> {
        Ok(Scan { strict: false, ..Scan::new(part)? })
    }

    pub(super) fn next(&mut self) -> Result<Tok<'a>, Unsupported> {
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
    pub(super) fn skip_past(&mut self, open: usize, end: &[u8]) -> Result<(), Unsupported> {
        let from = (self.i + open).min(self.text.len());
        let at = memchr::memmem::find(&self.text.as_bytes()[from..], end).ok_or(Unsupported("unterminated markup"))?;
        self.i = from + at + end.len();
        Ok(())
    }

    /// `<name a="1" b='2'>`: the tag ends at the first `>` outside quotes.
    pub(super) fn start_tag(&mut self) -> Result<Tok<'a>, Unsupported> {
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
    pub(super) fn text(&mut self) -> Result<&'a str, Unsupported> {
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
pub(super) fn is_name(s: &str) -> bool {
    // At most one prefix: the XML reader calamine uses splits a name at its first colon.
    if s.bytes().filter(|&b| b == b':').count() > 1 {
        return false;
    }
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':' || !b.is_ascii())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':') || !b.is_ascii())
}

/// XML's white space: not form feed or vertical tab, which Rust's ASCII white space includes.
pub(super) const XML_SPACE: [char; 4] = [' ', '\t', '\r', '\n'];

/// The position of `byte` in `s` at or after `from`. XML between tags is short: a plain loop
/// beats a vectorised search's set-up here.
pub(super) fn find(s: &[u8], from: usize, byte: u8) -> Option<usize> {
    s.get(from..)?.iter().position(|&b| b == byte).map(|n| from + n)
}

pub(super) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

pub(super) fn skip_space(a: &str) -> &str {
    let n = a.bytes().take_while(|&b| is_space(b)).count();
    &a[n..]
}

/// `x:c` → `c`.
pub(super) fn local(name: &str) -> &str {
    // Names are short: a plain scan beats a vectorised search here.
    match name.bytes().rposition(|b| b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The attributes of a tag, values raw: `(key with prefix, value)`.
pub(super) fn attributes(mut a: &str) -> impl Iterator<Item = Result<(&str, &str), Unsupported>> {
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
pub(super) fn attr_checked<'a>(attrs: &'a str, key: &str) -> Result<Option<&'a str>, Unsupported> {
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
pub(super) fn check_attrs(attrs: &str) -> Result<(), Unsupported> {
    attr_checked(attrs, "").map(|_| ())
}

/// One attribute's raw value, by its name as written; every attribute must be well formed
/// and this one given once.
pub(super) fn attr<'a>(attrs: &'a str, key: &str) -> Result<Option<&'a str>, Unsupported> {
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
pub(super) fn decode_into(s: &str, out: &mut String) -> Result<(), Unsupported> {
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

pub(super) fn decode(raw: &str) -> Result<String, Unsupported> {
    let mut out = String::new();
    decode_into(raw, &mut out)?;
    Ok(out)
}

/// Text stored in a cell or a shared string: calamine would unescape `_xHHHH_` in it.
pub(super) fn check_no_excel_escapes(s: &str) -> Result<(), Unsupported> {
    if s.contains("_x") { Err(Unsupported("Excel's _xHHHH_ escapes")) } else { Ok(()) }
}

/// Where a part's root element ends, calamine stops reading: so does this reader. `<root/>`
/// ends it at once (calamine's reader expands it to a start and an end).
pub(super) fn ends(tok: &Tok<'_>, root: &str) -> bool {
    matches!(tok, Tok::Start { name, empty: true, .. } if *name == root)
        || matches!(tok, Tok::End { name } if *name == root)
}
