//! quick-xml's borrowed reader, narrowed to the XML spreadsheet writers produce.
//!
//! [`Xml`] hands on quick-xml's events for a whole part in memory and steps aside
//! ([`Unsupported`]) on what this reader leaves to calamine: CDATA, document types,
//! processing instructions, a declaration of another encoding, names with two prefixes,
//! malformed markup. Entities are resolved by calamine's own rule (the five XML entities,
//! then quick-xml's character references), so a value read here is the one calamine reads.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::Unsupported;

pub(super) struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    /// Elements open: quick-xml checks that each end tag closes the innermost, not that
    /// every element is closed by the end of the part.
    depth: usize,
    /// Whether anything was read yet: a declaration must come first.
    started: bool,
    /// Whether every tag's attributes are checked (small parts), or only those read.
    strict: bool,
}

/// The text of an element.
pub(super) struct Text<'a> {
    pub value: Cow<'a, str>,
    /// Written as one piece, without references: calamine reads such values (numbers,
    /// indexes, booleans, error codes) from the first piece of text only.
    pub plain: bool,
}

impl<'a> Xml<'a> {
    /// A part must be UTF-8 throughout, as calamine's XML reader requires.
    pub fn new(part: &'a [u8]) -> Result<Self, Unsupported> {
        let text = simdutf8::basic::from_utf8(part).map_err(|_| Unsupported("a part that is not UTF-8"))?;
        // quick-xml's defaults: end names checked, empty elements as `Event::Empty`, text untrimmed.
        Ok(Xml { reader: Reader::from_str(text), depth: 0, started: false, strict: true })
    }

    /// A sheet: calamine checks the attributes of the cells and rows it reads, not of the
    /// sheet's other elements, and neither does this reader.
    pub fn sheet(part: &'a [u8]) -> Result<Self, Unsupported> {
        Ok(Xml { strict: false, ..Xml::new(part)? })
    }

    /// The next start, empty, end, text or reference event; comments are skipped.
    pub fn next(&mut self) -> Result<Event<'a>, Unsupported> {
        loop {
            if let Some(event) = self.read()? {
                return Ok(event);
            }
        }
    }

    /// The next event, or None for a comment.
    fn read(&mut self) -> Result<Option<Event<'a>>, Unsupported> {
        loop {
            let event = self.reader.read_event().map_err(|_| Unsupported("malformed XML"))?;
            let first = !std::mem::replace(&mut self.started, true);
            match &event {
                Event::Decl(d) => {
                    let utf8 = match d.encoding() {
                        None => true,
                        Some(Ok(e)) => e.eq_ignore_ascii_case("utf-8"),
                        Some(Err(_)) => false,
                    };
                    if !first || !utf8 {
                        return Err(Unsupported("an unusual XML declaration"));
                    }
                    continue;
                }
                Event::Comment(_) => return Ok(None),
                Event::PI(_) => return Err(Unsupported("a processing instruction")),
                Event::CData(_) | Event::DocType(_) => return Err(Unsupported("CDATA or a document type")),
                Event::Start(e) => {
                    self.check_tag(e)?;
                    self.depth += 1;
                }
                Event::Empty(e) => self.check_tag(e)?,
                Event::End(_) => self.depth = self.depth.saturating_sub(1),
                Event::GeneralRef(r) => {
                    resolve(r)?;
                }
                Event::Text(_) => {}
                Event::Eof if self.depth > 0 => return Err(Unsupported("an element is not closed")),
                Event::Eof => {}
            }
            return Ok(Some(event));
        }
    }

    fn check_tag(&self, e: &BytesStart<'_>) -> Result<(), Unsupported> {
        if !is_name(e.name().as_ref()) || e.local_name().as_ref().is_empty() {
            return Err(Unsupported("a tag without a proper name"));
        }
        if self.strict {
            attr_checked(e, "")?;
        }
        Ok(())
    }

    /// The text of the element just opened, up to its end tag, references resolved. Markup
    /// inside (a child element, a comment, CDATA) and carriage returns (which calamine would normalise
    /// or keep, depending on the cell type) make the reader step aside.
    pub fn text(&mut self) -> Result<Text<'a>, Unsupported> {
        let mut value = Cow::Borrowed("");
        let mut pieces = 0;
        loop {
            match self.read()?.ok_or(Unsupported("markup inside a text element"))? {
                Event::Text(t) => {
                    let raw = t.into_inner();
                    if raw.contains('\r') {
                        return Err(Unsupported("a carriage return"));
                    }
                    pieces += 1;
                    if value.is_empty() {
                        value = raw;
                    } else {
                        value.to_mut().push_str(&raw);
                    }
                }
                Event::GeneralRef(r) => {
                    pieces += 2;
                    value.to_mut().push_str(&resolve(&r)?);
                }
                Event::End(_) => return Ok(Text { value, plain: pieces <= 1 }),
                _ => return Err(Unsupported("markup inside a text element")),
            }
        }
    }
}

/// An entity or character reference, as calamine resolves it.
fn resolve(r: &BytesRef<'_>) -> Result<Cow<'static, str>, Unsupported> {
    if let Some(s) = quick_xml::escape::resolve_xml_entity(r) {
        return Ok(Cow::Borrowed(s));
    }
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
        _ => Err(Unsupported("an entity other than the XML ones")),
    }
}

/// An attribute value with its references resolved, as calamine decodes attributes.
pub(super) fn decode(raw: &str) -> Result<String, Unsupported> {
    quick_xml::escape::unescape(raw).map(Cow::into_owned).map_err(|_| Unsupported("an entity other than the XML ones"))
}

/// An XML name with at most one colon: a letter, `_` or `:` first, then letters, digits,
/// `-`, `.`, `_`, `:` (any non-ASCII character counts as a letter here). quick-xml takes a
/// name as written; calamine matches the part after the first colon, this reader only
/// names where first and last colon are the same.
fn is_name(s: &str) -> bool {
    if s.bytes().filter(|&b| b == b':').count() > 1 {
        return false;
    }
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':' || !b.is_ascii())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':') || !b.is_ascii())
}

/// The attributes of a tag, `(key as written, raw value)`, each checked as calamine's
/// attribute reader would take it; `checks` also refuses a key given twice.
pub(super) fn attributes<'e>(
    e: &'e BytesStart<'_>,
    checks: bool,
) -> Result<impl Iterator<Item = Result<(&'e str, Cow<'e, str>), Unsupported>>, Unsupported> {
    if !attributes_apart(e.attributes_raw()) {
        return Err(Unsupported("attributes without space between them"));
    }
    let mut all = e.attributes();
    all.with_checks(checks);
    Ok(all.map(|a| {
        let a = a.map_err(|_| Unsupported("a malformed attribute"))?;
        let key = a.key.into_inner();
        // quick-xml reads `a =b="1"` or `="1"` as an attribute; calamine's reader does not.
        let odd_key = key.is_empty()
            || key.bytes().any(|b| {
                (b.is_ascii() && !b.is_ascii_graphic()) || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'&' | b'/' | b'=')
            });
        if odd_key || a.value.contains('<') {
            return Err(Unsupported("a malformed attribute"));
        }
        Ok((key, a.value))
    }))
}

/// One attribute's raw value, by its name as written; every attribute must be well formed
/// and this one given once.
pub(super) fn attr<'e>(e: &'e BytesStart<'_>, key: &str) -> Result<Option<Cow<'e, str>>, Unsupported> {
    let mut found = None;
    for kv in attributes(e, false)? {
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

/// Checks every attribute of a tag (well formed, none twice, only known entities) and gives
/// the raw value of `key`, if the tag has it.
pub(super) fn attr_checked<'e>(e: &'e BytesStart<'_>, key: &str) -> Result<Option<Cow<'e, str>>, Unsupported> {
    let mut found = None;
    for kv in attributes(e, true)? {
        let (k, v) = kv?;
        if v.contains('&') {
            decode(&v)?;
        }
        if k == key {
            found = Some(v);
        }
    }
    Ok(found)
}

/// Whether white space follows each quoted value (`a="1"b="2"` is refused by calamine,
/// read by quick-xml).
fn attributes_apart(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while let Some(q) = b[i..].iter().position(|&c| c == b'"' || c == b'\'') {
        let open = i + q;
        let Some(len) = b[open + 1..].iter().position(|&c| c == b[open]) else { return false };
        i = open + 1 + len + 1;
        if b.get(i).is_some_and(|&c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n')) {
            return false;
        }
    }
    true
}

/// Where a part's root element ends, calamine stops reading: so does this reader. `<root/>`
/// ends it at once (calamine's reader expands it to a start and an end).
pub(super) fn ends(event: &Event<'_>, root: &str) -> bool {
    match event {
        Event::Empty(e) => e.local_name().as_ref() == root,
        Event::End(e) => e.local_name().as_ref() == root,
        _ => false,
    }
}
