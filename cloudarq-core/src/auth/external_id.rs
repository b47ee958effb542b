//! The External ID: what STS accepts, held as a secret.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::CoreError;

/// A validated External ID (2–1224 characters of `[A-Za-z0-9+=,.@:/_-]`).
///
/// Held in a [`SecretString`]: zeroized on drop, redacted in `Debug`, never
/// echoed in an error.
///
/// ```
/// use cloudarq_core::ExternalId;
/// assert!(ExternalId::new("c0ffee-4f1c-9d2e".to_owned()).is_ok());
/// let err = ExternalId::new("bad#id".to_owned()).unwrap_err();
/// assert!(err.to_string().contains("'#' at position 3"));
/// ```
#[derive(Clone)]
pub struct ExternalId(SecretString);

impl ExternalId {
    /// Validates `value` as STS does.
    pub fn new(value: String) -> Result<Self, CoreError> {
        let n = value.chars().count();
        if !(2..=1224).contains(&n) {
            return Err(CoreError::InvalidExternalId {
                reason: format!("length {n} is outside 2..=1224 characters"),
            });
        }
        if let Some((pos, c)) = value.chars().enumerate().find(|(_, c)| !allowed(*c)) {
            let shown = if c.is_ascii_graphic() || c == ' ' {
                format!("'{c}'")
            } else {
                format!("U+{:04X}", u32::from(c))
            };
            return Err(CoreError::InvalidExternalId {
                reason: format!(
                    "forbidden character {shown} at position {pos} (allowed: letters, digits and +=,.@:/_-)"
                ),
            });
        }
        Ok(Self(SecretString::from(value)))
    }

    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(c)
}

impl fmt::Debug for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExternalId([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_like_sts() {
        assert!(ExternalId::new("ab".into()).is_ok());
        assert!(ExternalId::new("a".into()).is_err());
        assert!(ExternalId::new("x".repeat(1225)).is_err());
        assert!(ExternalId::new("a:b/c=d,e.f@g+h_i-j".into()).is_ok());
        for bad in ["has space", "semi;colon", "tab\tx", "ünicode"] {
            let e = ExternalId::new(bad.into()).unwrap_err().to_string();
            assert!(e.contains("forbidden character"), "{e}");
            assert!(!e.contains(bad), "the value must not be echoed: {e}");
        }
    }

    #[test]
    fn debug_is_redacted() {
        let id = ExternalId::new("SENTINEL-EXTERNAL-ID".into()).unwrap();
        assert!(!format!("{id:?}").contains("SENTINEL"));
    }
}
