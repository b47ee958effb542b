//! What identifies and authenticates a scan of a customer's account: the
//! [`RoleArn`] to assume, its [`ExternalId`], and [`StaticKeys`] as a
//! fallback. Parsed and validated here, once, for every crate: the CLI, the
//! collector (cloudarq-core) and the store take and return these types.
//!
//! Secret values are held in [`secrecy`] types: zeroized on drop, redacted in
//! `Debug`, never serialized and never echoed in an error.

use std::fmt;
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};

use crate::error::ModelError;
use crate::ids::{AccountId, Partition};

/// A validated IAM role ARN, `arn:<partition>:iam::<account>:role/<path/><name>`.
///
/// ```
/// use cloudarq_model::credentials::RoleArn;
/// let r: RoleArn = "arn:aws:iam::123456789012:role/CloudArqAudit".parse()?;
/// assert_eq!(r.account_id().as_str(), "123456789012");
/// assert!("arn:aws:iam::123:role/x".parse::<RoleArn>().is_err());
/// # Ok::<(), cloudarq_model::ModelError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RoleArn {
    arn: String,
    partition: Partition,
    account: AccountId,
}

impl RoleArn {
    /// The ARN text.
    pub fn as_str(&self) -> &str {
        &self.arn
    }
    /// The role's account.
    pub fn account_id(&self) -> &AccountId {
        &self.account
    }
    /// The role's partition.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }
}

impl fmt::Debug for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RoleArn({})", self.arn)
    }
}

impl fmt::Display for RoleArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl FromStr for RoleArn {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| ModelError::InvalidRoleArn {
            input: s.to_owned(),
            reason: reason.to_owned(),
        };
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" {
            return Err(bad(
                "expected arn:<partition>:iam::<account-id>:role/<name>",
            ));
        }
        let partition: Partition = parts[1].parse().map_err(|_| bad("unknown partition"))?;
        if parts[2] != "iam" {
            return Err(bad("service must be iam"));
        }
        if !parts[3].is_empty() {
            return Err(bad("IAM ARNs have an empty region field"));
        }
        let account: AccountId = parts[4]
            .parse()
            .map_err(|_| bad("account id must be 12 digits"))?;
        let Some(path_name) = parts[5].strip_prefix("role/") else {
            return Err(bad("resource must start with role/"));
        };
        let name = path_name.rsplit('/').next().unwrap_or_default();
        if !is_role_name(name) {
            return Err(bad(
                "role name must be 1-64 characters of letters, digits and +=,.@_-",
            ));
        }
        if s.len() > 2048 {
            return Err(bad("longer than 2048 characters"));
        }
        Ok(Self {
            arn: s.to_owned(),
            partition,
            account,
        })
    }
}

/// Whether `name` is an IAM role name: 1 to 64 letters, digits and
/// `+=,.@_-` (the CloudFormation templates' `RoleName` pattern).
///
/// ```
/// use cloudarq_model::credentials::is_role_name;
/// assert!(is_role_name("CloudArqAudit"));
/// assert!(!is_role_name("a b") && !is_role_name(""));
/// ```
pub fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// The shortest External ID STS accepts, in characters.
pub const EXTERNAL_ID_MIN_CHARS: usize = 2;
/// The longest External ID STS accepts, in characters.
pub const EXTERNAL_ID_MAX_CHARS: usize = 1224;

/// A validated External ID, by the rule AWS documents for
/// `sts:AssumeRole`'s `ExternalId`: 2 to 1224 **characters** matching
/// `[\w+=,.@:/-]*`, where `\w` is the ASCII word class `[A-Za-z0-9_]`.
///
/// The length is counted in characters (Unicode scalar values), as AWS
/// states it, and the length is checked before the characters. Because the
/// pattern admits only ASCII, every accepted value has exactly as many bytes
/// as characters; a value holding any non-ASCII character is refused for
/// that character (named by code point and position), whatever its byte
/// length.
///
/// Held in a [`SecretString`]: zeroized on drop, redacted in `Debug`, never
/// echoed in an error.
///
/// ```
/// use cloudarq_model::credentials::ExternalId;
/// assert!(ExternalId::new("c0ffee-4f1c-9d2e".to_owned()).is_ok());
/// let err = ExternalId::new("bad#id".to_owned()).unwrap_err();
/// assert!(err.to_string().contains("'#' at position 3"));
/// ```
#[derive(Clone)]
pub struct ExternalId(SecretString);

impl ExternalId {
    /// Validates `value` by the documented rule (see the type's docs).
    pub fn new(value: String) -> Result<Self, ModelError> {
        let n = value.chars().count();
        if !(EXTERNAL_ID_MIN_CHARS..=EXTERNAL_ID_MAX_CHARS).contains(&n) {
            return Err(ModelError::InvalidExternalId {
                reason: format!(
                    "length {n} is outside {EXTERNAL_ID_MIN_CHARS}..={EXTERNAL_ID_MAX_CHARS} characters"
                ),
            });
        }
        if let Some((pos, c)) = value
            .chars()
            .enumerate()
            .find(|(_, c)| !external_id_char(*c))
        {
            let shown = if c.is_ascii_graphic() || c == ' ' {
                format!("'{c}'")
            } else {
                format!("U+{:04X}", u32::from(c))
            };
            return Err(ModelError::InvalidExternalId {
                reason: format!(
                    "forbidden character {shown} at position {pos} (allowed: letters, digits and _+=,.@:/-)"
                ),
            });
        }
        Ok(Self(SecretString::from(value)))
    }

    /// The value, for the one place that sends it (STS) or seals it (the store).
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

/// `[\w+=,.@:/-]` with `\w` = `[A-Za-z0-9_]`.
fn external_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c)
}

impl fmt::Debug for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExternalId([REDACTED])")
    }
}

/// Static access keys: a fallback when a role cannot be used.
///
/// The session token is present for temporary keys only.
pub struct StaticKeys {
    /// Access key id.
    pub access_key_id: SecretString,
    /// Secret access key.
    pub secret_access_key: SecretString,
    /// Session token, for temporary keys.
    pub session_token: Option<SecretString>,
}

impl StaticKeys {
    /// Long-term keys (no session token).
    pub fn new(access_key_id: SecretString, secret_access_key: SecretString) -> Self {
        Self {
            access_key_id,
            secret_access_key,
            session_token: None,
        }
    }
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticKeys([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        assert!(
            "arn:aws:iam::123456789012:role/a/b/CloudArq"
                .parse::<RoleArn>()
                .is_ok()
        );
        assert!(
            "arn:aws-cn:iam::123456789012:role/x"
                .parse::<RoleArn>()
                .is_ok()
        );
        for (bad, why) in [
            ("", "expected arn"),
            ("arn:aws:s3:::bucket", "service must be iam"),
            ("arn:aws:iam::12345:role/x", "12 digits"),
            ("arn:aws:iam::123456789012:user/x", "role/"),
            ("arn:aws:iam:us-east-1:123456789012:role/x", "empty region"),
            ("arn:aws:iam::123456789012:role/bad name", "role name"),
        ] {
            let e = bad.parse::<RoleArn>().unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
            assert!(e.contains(&format!("{bad:?}")), "{e}");
        }
    }

    #[test]
    fn external_ids_follow_the_documented_rule() {
        assert!(ExternalId::new("ab".into()).is_ok());
        assert!(ExternalId::new("x".repeat(1224)).is_ok());
        assert!(ExternalId::new("a:b/c=d,e.f@g+h_i-j".into()).is_ok());
        assert!(ExternalId::new("a".into()).is_err());
        assert!(ExternalId::new(String::new()).is_err());
        assert!(ExternalId::new("x".repeat(1225)).is_err());
        for bad in ["has space", "semi;colon", "tab\tx", "ünicode", "a#", "a\\b"] {
            let e = ExternalId::new(bad.into()).unwrap_err().to_string();
            assert!(e.contains("forbidden character"), "{e}");
            assert!(!e.contains(bad), "the value must not be echoed: {e}");
        }
    }

    /// The store counted bytes, core counted characters: the one validator
    /// refuses everything either refused, and judges a multi-byte string by
    /// the documented rule (characters, then the pattern).
    #[test]
    fn issue_10_one_external_id_validator() {
        // What the store's byte-counting check refused.
        let store_refused = |v: &str| {
            !(2..=1224).contains(&v.len())
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c))
        };
        // What core's character-counting check refused.
        let core_refused = |v: &str| {
            !(2..=1224).contains(&v.chars().count())
                || !v
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+=,.@:/_-".contains(c))
        };
        let samples = [
            String::new(),
            "a".into(),
            "ab".into(),
            "é".into(),
            "éa".into(),
            "a b".into(),
            "x".repeat(1224),
            "x".repeat(1225),
            format!("{}é", "x".repeat(1222)),
            format!("{}é", "x".repeat(1223)),
            "ok-id_1:/=,.@+".into(),
            "日本".into(),
        ];
        for v in &samples {
            if store_refused(v) || core_refused(v) {
                assert!(ExternalId::new(v.clone()).is_err(), "{v:?} must be refused");
            } else {
                assert!(ExternalId::new(v.clone()).is_ok(), "{v:?} must be accepted");
            }
        }

        // "é" is one character and two bytes: too short by the documented
        // rule (the byte count alone would have let its length pass).
        let e = ExternalId::new("é".into()).unwrap_err().to_string();
        assert!(e.contains("length 1 is outside 2..=1224 characters"), "{e}");
        // Two characters, three bytes: the length is fine, the character is not.
        let e = ExternalId::new("éa".into()).unwrap_err().to_string();
        assert!(
            e.contains("forbidden character U+00E9 at position 0"),
            "{e}"
        );
        // 1224 characters but 1225 bytes: judged by its characters, refused
        // for the character and not for its byte length.
        let v = format!("{}é", "x".repeat(1223));
        assert_eq!((v.chars().count(), v.len()), (1224, 1225));
        let e = ExternalId::new(v).unwrap_err().to_string();
        assert!(
            e.contains("forbidden character U+00E9 at position 1223"),
            "{e}"
        );
        // Three characters, six bytes of CJK: refused for the first character.
        let e = ExternalId::new("日本語".into()).unwrap_err().to_string();
        assert!(e.contains("U+65E5 at position 0"), "{e}");
    }

    #[test]
    fn secrets_are_redacted() {
        let id = ExternalId::new("SENTINEL-EXTERNAL-ID".into()).unwrap();
        assert!(!format!("{id:?}").contains("SENTINEL"));
        assert_eq!(id.expose_secret(), "SENTINEL-EXTERNAL-ID");
        let keys = StaticKeys::new("AKIASENTINEL".into(), "SECRETSENTINEL".into());
        let shown = format!("{keys:?}");
        assert!(!shown.contains("SENTINEL"), "{shown}");
        assert!(keys.session_token.is_none());
    }
}
