//! Cross-field rules written as data: `CT21 <= CT20`, `male + female = total`.
//!
//! A rule is parsed once when the configuration loads, so a typo is a configuration error
//! with its file and line, never a surprise at 2 a.m. This file parses the check
//! expressions and reads `rules.toml`, binding each rule's terms to the catalogue.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::model::{Breakdown, Severity};

use super::error::{Entry, Errors};
use super::{Indicator, Rule, RuleInstance, WhenBlank};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Le,
    Ge,
    Eq,
    Lt,
    Gt,
}

impl Cmp {
    pub fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Cmp::Le => left <= right,
            Cmp::Ge => left >= right,
            Cmp::Eq => left == right,
            Cmp::Lt => left < right,
            Cmp::Gt => left > right,
        }
    }
    /// The symbol of the opposite relation, to state what was found when a check fails.
    pub fn negated_symbol(self) -> &'static str {
        match self {
            Cmp::Le => ">",
            Cmp::Ge => "<",
            Cmp::Eq => "≠",
            Cmp::Lt => ">=",
            Cmp::Gt => "<=",
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Le => "<=",
            Cmp::Ge => ">=",
            Cmp::Eq => "=",
            Cmp::Lt => "<",
            Cmp::Gt => ">",
        }
    }
}

/// A term before it is bound to a catalogue: an indicator code, or a breakdown of the
/// indicator the rule is applied to (`each = "by_sex"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Indicator { code: String, breakdown: Breakdown },
    Own(Breakdown),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub left: Vec<Term>,
    pub cmp: Cmp,
    pub right: Vec<Term>,
}

/// Parses `A + B <= C`.
pub fn parse_check(src: &str) -> Result<Check, String> {
    const OPS: [(&str, Cmp); 6] =
        [("<=", Cmp::Le), (">=", Cmp::Ge), ("==", Cmp::Eq), ("=", Cmp::Eq), ("<", Cmp::Lt), (">", Cmp::Gt)];
    let (pos, op, cmp) = OPS
        .iter()
        .find_map(|&(op, cmp)| src.find(op).map(|p| (p, op, cmp)))
        .ok_or_else(|| format!("`{src}` has no comparison (<=, >=, =, <, >)"))?;
    let left = parse_sum(&src[..pos])?;
    let right = parse_sum(&src[pos + op.len()..])?;
    Ok(Check { left, cmp, right })
}

fn parse_sum(src: &str) -> Result<Vec<Term>, String> {
    src.split('+').map(|t| parse_term(t.trim())).collect()
}

fn parse_term(t: &str) -> Result<Term, String> {
    let own = |b| Ok(Term::Own(b));
    match t.to_ascii_lowercase().as_str() {
        "" => return Err("a term is empty".into()),
        "total" => return own(Breakdown::Total),
        "male" => return own(Breakdown::Male),
        "female" => return own(Breakdown::Female),
        _ => {}
    }
    let (code, breakdown) = match t.split_once('.') {
        None => (t, Breakdown::Total),
        Some((code, b)) => {
            let breakdown = match b.to_ascii_lowercase().as_str() {
                "total" => Breakdown::Total,
                "male" => Breakdown::Male,
                "female" => Breakdown::Female,
                other => return Err(format!("`{other}` is not total, male or female")),
            };
            (code, breakdown)
        }
    };
    if code.is_empty() || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!("`{t}` is not an indicator code"));
    }
    Ok(Term::Indicator { code: code.to_string(), breakdown })
}

/// The rules table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default)]
    rule: Vec<toml::Spanned<RuleDef>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    code: String,
    check: String,
    #[serde(default)]
    each: Option<String>,
    #[serde(default = "default_when_blank")]
    when_blank: String,
    message: String,
    #[serde(default)]
    message_en: Option<String>,
    #[serde(default)]
    hint: String,
}

fn default_when_blank() -> String {
    "skip".into()
}

/// Reads `rules.toml` and binds each rule to the catalogue's indicators.
pub(super) fn parse_rules(text: &str, indicators: &[Indicator], e: &mut Errors) -> Vec<Rule> {
    let file: RulesFile = match toml::from_str(text) {
        Ok(f) => f,
        Err(err) => {
            e.push_toml(text, &err);
            return vec![];
        }
    };
    let index: HashMap<String, usize> =
        indicators.iter().enumerate().map(|(i, ind)| (ind.code.to_ascii_uppercase(), i)).collect();
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for spanned in file.rule {
        let entry = Entry { text, start: spanned.span().start };
        let def = spanned.into_inner();
        if let Some(rule) = parse_rule(def, &entry, indicators, &index, &mut seen, e) {
            out.push(rule);
        }
    }
    out
}

/// One `[[rule]]`; `None` when it has an error that makes it unusable.
fn parse_rule(
    def: RuleDef,
    entry: &Entry<'_>,
    indicators: &[Indicator],
    index: &HashMap<String, usize>,
    seen: &mut HashSet<String>,
    e: &mut Errors,
) -> Option<Rule> {
    let severity = match def.code.chars().next() {
        Some('E') => Severity::Error,
        Some('W') => Severity::Warning,
        _ => {
            let message = format!("rule code `{}` must start with E (error) or W (warning)", def.code);
            e.push(entry.at("code"), Some("code"), message);
            return None;
        }
    };
    if !seen.insert(def.code.clone()) {
        e.push(entry.at("code"), Some("code"), format!("rule code `{}` appears twice", def.code));
    }
    let when_blank = match def.when_blank.as_str() {
        "skip" => WhenBlank::Skip,
        "zero" => WhenBlank::Zero,
        other => {
            e.push(entry.at("when_blank"), Some("when_blank"), format!("`{other}` is not skip or zero"));
            return None;
        }
    };
    let check = match parse_check(&def.check) {
        Ok(c) => c,
        Err(msg) => {
            e.push(entry.at("check"), Some("check"), format!("rule {}: {msg}", def.code));
            return None;
        }
    };
    let anchors: Vec<Option<usize>> = match def.each.as_deref() {
        None => vec![None],
        Some("by_sex") => indicators.iter().enumerate().filter(|(_, i)| i.by_sex).map(|(i, _)| Some(i)).collect(),
        Some(other) => {
            e.push(entry.at("each"), Some("each"), format!("`{other}` is not by_sex"));
            return None;
        }
    };
    let mut binder = Binder { index, rule: &def.code, line: entry.at("check"), bad: false };
    let mut instances = Vec::new();
    for anchor in anchors {
        let left = binder.bind(&check.left, anchor, e);
        let right = binder.bind(&check.right, anchor, e);
        let anchor = anchor.or_else(|| left.first().map(|&(i, _)| i)).unwrap_or(0);
        instances.push(RuleInstance { anchor, left, cmp: check.cmp, right });
    }
    if binder.bad {
        return None;
    }
    Some(Rule {
        code: def.code,
        severity,
        source: def.check,
        instances,
        when_blank,
        message_en: def.message_en.unwrap_or_else(|| def.message.clone()),
        message: def.message,
        hint: def.hint,
    })
}

/// Binds a rule's terms to indicator indices; reports the first term it cannot bind.
struct Binder<'a> {
    index: &'a HashMap<String, usize>,
    rule: &'a str,
    line: Option<u64>,
    /// A term could not be bound: the rule is dropped.
    bad: bool,
}

impl Binder<'_> {
    fn bind(&mut self, terms: &[Term], anchor: Option<usize>, e: &mut Errors) -> Vec<(usize, Breakdown)> {
        let mut out = Vec::new();
        for t in terms {
            let problem = match (t, anchor) {
                (Term::Indicator { code, breakdown }, _) => match self.index.get(&code.to_ascii_uppercase()) {
                    Some(&i) => {
                        out.push((i, *breakdown));
                        continue;
                    }
                    None => format!("rule {}: unknown indicator `{code}`", self.rule),
                },
                (Term::Own(b), Some(a)) => {
                    out.push((a, *b));
                    continue;
                }
                (Term::Own(b), None) => format!("rule {}: `{}` needs each = \"by_sex\"", self.rule, b.as_str()),
            };
            if !self.bad {
                e.push(self.line, Some("check"), problem);
            }
            self.bad = true;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sums_and_breakdowns() {
        let c = parse_check("male + female = total").unwrap();
        assert_eq!(c.left, vec![Term::Own(Breakdown::Male), Term::Own(Breakdown::Female)]);
        assert_eq!(c.cmp, Cmp::Eq);
        let c = parse_check("CT21 <= CT20").unwrap();
        assert_eq!(c.left, vec![Term::Indicator { code: "CT21".into(), breakdown: Breakdown::Total }]);
        assert_eq!(c.cmp, Cmp::Le);
        let c = parse_check("CT06.female >= CT05").unwrap();
        assert_eq!(c.left, vec![Term::Indicator { code: "CT06".into(), breakdown: Breakdown::Female }]);
        assert_eq!(c.cmp, Cmp::Ge);
    }

    #[test]
    fn rejects_malformed_checks() {
        assert!(parse_check("CT21 CT20").is_err());
        assert!(parse_check("CT21 <= ").is_err());
        assert!(parse_check("CT21.nu <= CT20").is_err());
    }
}
