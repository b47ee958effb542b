//! STS AssumeRole with an External ID, a CloudArq session name and a
//! one-hour duration (A1).

use std::fmt;
use std::str::FromStr;

use aws_credential_types::Credentials;
use cloudarq_model::{AccountId, Partition};
use secrecy::{ExposeSecret, SecretString};

use super::ExternalId;
use crate::aws::actions::Action;
use crate::aws::gap::classify;
use crate::error::CoreError;

/// The session duration CloudArq asks for: one hour, as the security page promises.
pub const SESSION_DURATION_SECS: i32 = 3600;

/// The prefix of every CloudArq role session name, so the customer's
/// CloudTrail shows who called.
pub const SESSION_NAME_PREFIX: &str = "cloudarq";

/// A validated IAM role ARN, `arn:<partition>:iam::<account>:role/<path/><name>`.
///
/// ```
/// use cloudarq_core::RoleArn;
/// let r: RoleArn = "arn:aws:iam::123456789012:role/CloudArqAudit".parse()?;
/// assert_eq!(r.account_id().as_str(), "123456789012");
/// assert!("arn:aws:iam::123:role/x".parse::<RoleArn>().is_err());
/// # Ok::<(), cloudarq_core::CoreError>(())
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
    type Err = CoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| CoreError::InvalidRoleArn {
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
        let name_ok = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
        if !name_ok {
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

/// A role session name: 2–64 characters of `[\w+=,.@-]`, starting with `cloudarq`.
pub(crate) fn session_name(suffix: &str) -> Result<String, CoreError> {
    let name = if suffix.is_empty() {
        SESSION_NAME_PREFIX.to_owned()
    } else {
        format!("{SESSION_NAME_PREFIX}-{suffix}")
    };
    let ok = (2..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        Ok(name)
    } else {
        Err(CoreError::InvalidSessionName {
            input: name,
            reason: "must be 2-64 characters of letters, digits and +=,.@_-".to_owned(),
        })
    }
}

/// Temporary credentials from AssumeRole, held as secrets until converted
/// for the SDK (whose `Credentials` zeroize on drop too).
pub(crate) struct TemporaryCredentials {
    access_key_id: SecretString,
    secret_access_key: SecretString,
    session_token: SecretString,
    expires: Option<std::time::SystemTime>,
}

impl TemporaryCredentials {
    pub(crate) fn to_sdk(&self) -> Credentials {
        Credentials::new(
            self.access_key_id.expose_secret(),
            self.secret_access_key.expose_secret(),
            Some(self.session_token.expose_secret().to_owned()),
            self.expires,
            "cloudarq-assume-role",
        )
    }
}

/// Calls `sts:AssumeRole` with `client` (built on the base credentials).
pub(crate) async fn assume_role(
    client: &aws_sdk_sts::Client,
    role: &RoleArn,
    external_id: Option<&ExternalId>,
    session_name: &str,
) -> Result<TemporaryCredentials, CoreError> {
    let req = client
        .assume_role()
        .role_arn(role.as_str())
        .role_session_name(session_name)
        .duration_seconds(SESSION_DURATION_SECS)
        .set_external_id(external_id.map(|e| e.expose().to_owned()));
    tracing::debug!(role_arn = %role, action = Action::StsAssumeRole.iam_action(), "assuming role");
    let out = req.send().await.map_err(|e| {
        let c = classify(&e);
        match c.kind {
            cloudarq_model::GapKind::Unreachable => CoreError::Unreachable {
                endpoint: "sts".to_owned(),
                detail: c.message,
            },
            cloudarq_model::GapKind::InvalidCredentials => CoreError::InvalidCredentials {
                source_name: "the base credentials used to assume the role".to_owned(),
                code: c.code.unwrap_or_default(),
                detail: c.message,
            },
            _ => CoreError::AssumeRole {
                role_arn: role.to_string(),
                code: c.code.unwrap_or_else(|| "Error".to_owned()),
                detail: c.message,
            },
        }
    })?;
    let creds = out.credentials.ok_or_else(|| CoreError::AssumeRole {
        role_arn: role.to_string(),
        code: "MissingCredentials".to_owned(),
        detail: "STS answered without credentials".to_owned(),
    })?;
    let expires = std::time::SystemTime::try_from(creds.expiration).ok();
    Ok(TemporaryCredentials {
        access_key_id: SecretString::from(creds.access_key_id),
        secret_access_key: SecretString::from(creds.secret_access_key),
        session_token: SecretString::from(creds.session_token),
        expires,
    })
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
    fn session_names() {
        assert_eq!(session_name("scan-1").unwrap(), "cloudarq-scan-1");
        assert!(session_name("has space").is_err());
        assert!(session_name(&"x".repeat(80)).is_err());
    }
}
