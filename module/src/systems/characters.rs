//! Character creation rules that do not depend on the ruleset: names and per-player limits.

use crate::error::{err, ErrorCode, WkResult};

pub const NAME_MAX_CHARS: usize = 32;

/// A valid name is 1..=32 printable characters with no leading or trailing whitespace and no
/// control characters. Returns the key used for per-player uniqueness (case-insensitive).
pub fn validate_name(name: &str) -> WkResult<String> {
    let n = name.chars().count();
    if n == 0 || n > NAME_MAX_CHARS {
        return Err(err(ErrorCode::InvalidName, format!("name must be 1..={NAME_MAX_CHARS} characters, got {n}")));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(err(ErrorCode::InvalidName, "name contains control characters; use printable characters only"));
    }
    if name.trim() != name {
        return Err(err(ErrorCode::InvalidName, "name starts or ends with whitespace; trim it"));
    }
    Ok(name_key(name))
}

/// Case-insensitive comparison key for names.
pub fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Reject a name already used by one of the same player's characters.
pub fn check_unique<'a>(key: &str, existing: impl IntoIterator<Item = &'a str>) -> WkResult<()> {
    if existing.into_iter().any(|n| name_key(n) == key) {
        return Err(err(ErrorCode::NameTaken, "you already have a character with this name; choose another name"));
    }
    Ok(())
}

pub fn check_limit(current: usize, max: u32) -> WkResult<()> {
    if current >= max as usize {
        return Err(err(
            ErrorCode::TooManyCharacters,
            format!("you have {current} characters, the limit is {max}; delete one first"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(validate_name("Ayla").unwrap(), "ayla");
        assert_eq!(validate_name(&"x".repeat(32)).unwrap().len(), 32);
        assert_eq!(validate_name("Élodie Ö").unwrap(), "élodie ö");
        for bad in ["", " Ayla", "Ayla ", "A\u{0}b", "a\nb", &"x".repeat(33)] {
            assert_eq!(validate_name(bad).unwrap_err().code, ErrorCode::InvalidName, "{bad:?}");
        }
    }

    #[test]
    fn uniqueness_is_case_insensitive() {
        assert_eq!(check_unique("ayla", ["AYLA"]).unwrap_err().code, ErrorCode::NameTaken);
        assert!(check_unique("ayla", ["Bren"]).is_ok());
    }

    #[test]
    fn limit() {
        assert!(check_limit(7, 8).is_ok());
        assert_eq!(check_limit(8, 8).unwrap_err().code, ErrorCode::TooManyCharacters);
    }
}
