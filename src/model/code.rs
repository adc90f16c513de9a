//! Codes that become parts of paths: a period's code names its output folder, a unit's code
//! names its feedback workbook.
//!
//! Both are checked once, where the configuration is read, against one rule: ASCII letters,
//! digits, `-` and `_`, 1 to 32 characters, and not the reserved name `chot` (the folder of
//! frozen sets). A code that passes is a single, plain path component: it cannot be empty,
//! `.`, `..`, absolute, or hold a separator. Past the loader no code exists that has not been
//! checked, since the only way to make one is [`PeriodCode::parse`] / [`UnitCode::parse`].

use std::borrow::Borrow;
use std::fmt;

/// The longest code accepted.
pub const MAX_CODE_LEN: usize = 32;

/// The folder of frozen sets, beside the periods' folders in the outputs.
pub const FROZEN_DIR: &str = "chot";

/// Names a code may not take.
pub const RESERVED_CODES: [&str; 1] = [FROZEN_DIR];

/// Why a string is not a valid code, in a sentence that completes "`X` ...".
pub fn check_code(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("is empty".into());
    }
    if s.len() > MAX_CODE_LEN {
        return Err(format!("is longer than {MAX_CODE_LEN} characters"));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))) {
        return Err(format!("holds `{}`; a code may hold only ASCII letters, digits, - and _", c.escape_debug()));
    }
    if RESERVED_CODES.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        return Err(format!("is reserved (the folder of frozen sets is named `{s}`)"));
    }
    Ok(())
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The code, if `s` obeys the rule of [`check_code`].
            pub fn parse(s: &str) -> Result<$name, String> {
                check_code(s).map(|()| $name(s.to_string()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<std::path::Path> for $name {
            fn as_ref(&self) -> &std::path::Path {
                std::path::Path::new(&self.0)
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

code_type!(
    /// A period's code (`2023-THD`): the name of its output folder.
    PeriodCode
);
code_type!(
    /// A unit's code (`001`, `S01`): the name of its feedback workbook.
    UnitCode
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_that_could_leave_a_folder_are_refused() {
        for bad in ["", ".", "..", "../precious", "/abs/path", "a/b", "a\\b", "2023.THD", "chot", "CHOT", "a b", "mã"]
        {
            assert!(PeriodCode::parse(bad).is_err(), "{bad:?} must be refused");
            assert!(UnitCode::parse(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(PeriodCode::parse(&"x".repeat(33)).is_err());
        for good in ["2023-THD", "001", "S01", "D02", "a_b-C", &"x".repeat(32)] {
            assert_eq!(PeriodCode::parse(good).unwrap().as_str(), good);
        }
    }
}
