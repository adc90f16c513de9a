//! Cross-field rules written as data: `CT21 <= CT20`, `male + female = total`.
//!
//! A rule is parsed once when the configuration loads, so a typo is a configuration error
//! with its file and line, never a surprise at 2 a.m.

use crate::model::Breakdown;

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
