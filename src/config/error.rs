//! Configuration problems, each named by file, line and key, and the helpers that find the
//! line and key a parser's complaint points at.

use std::fmt;

/// One configuration problem: where, which key, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    pub line: Option<u64>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": key `{key}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every problem found in a configuration.
#[derive(Debug, Clone)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the configuration has {} error(s):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// The problems found in one table, named after its file as it is shown.
pub(super) struct Errors {
    pub(super) file: String,
    pub(super) list: Vec<ConfigError>,
}

impl Errors {
    pub(super) fn new(file: String) -> Errors {
        Errors { file, list: Vec::new() }
    }

    pub(super) fn push(&mut self, line: Option<u64>, key: Option<&str>, message: impl Into<String>) {
        self.list.push(ConfigError {
            file: self.file.clone(),
            line,
            key: key.map(str::to_string),
            message: message.into(),
        });
    }

    /// A TOML parse error, at the line and key it points at.
    pub(super) fn push_toml(&mut self, text: &str, err: &toml::de::Error) {
        let key = toml_key(text, err);
        self.push(toml_line(text, err), key.as_deref(), err.message().trim().to_string());
    }
}

fn toml_line(text: &str, err: &toml::de::Error) -> Option<u64> {
    err.span().map(|s| line_of(text, s.start))
}

/// The key a TOML error points at, read off its line (`max_file_bytes = -5`).
fn toml_key(text: &str, err: &toml::de::Error) -> Option<String> {
    let line = text.lines().nth(usize::try_from(toml_line(text, err)?).ok()?.checked_sub(1)?)?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

/// The line of `key = …` in the table entry that starts at byte `from` (a `[[period]]` or
/// `[[rule]]`), so that an error names the line of the key, not of the entry.
pub(super) fn key_line(text: &str, from: usize, key: &str) -> Option<u64> {
    let key = key.rsplit('.').next().unwrap_or(key);
    let mut offset = from;
    for (i, l) in text[from.min(text.len())..].split('\n').enumerate() {
        let t = l.trim_start();
        if i > 0 && (t == "[[period]]" || t == "[[rule]]") {
            break;
        }
        if let Some(rest) = t.strip_prefix(key)
            && rest.trim_start().starts_with('=')
        {
            return Some(line_of(text, offset));
        }
        offset += l.len() + 1;
    }
    None
}

/// The 1-based line of byte `offset`.
pub(super) fn line_of(text: &str, offset: usize) -> u64 {
    text[..offset.min(text.len())].bytes().filter(|&b| b == b'\n').count() as u64 + 1
}

/// Where a `[[rule]]` or `[[period]]` entry starts, to name the line of each of its keys.
pub(super) struct Entry<'a> {
    pub(super) text: &'a str,
    pub(super) start: usize,
}

impl Entry<'_> {
    /// The line of `key = …` in this entry, else the line the entry starts on.
    pub(super) fn at(&self, key: &str) -> Option<u64> {
        key_line(self.text, self.start, key).or(Some(line_of(self.text, self.start)))
    }
}
