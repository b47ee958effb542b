//! STS AssumeRole with an External ID, a CloudArq session name and a
//! one-hour duration (A1).

use aws_credential_types::Credentials;
use cloudarq_model::{ExternalId, RoleArn};
use secrecy::{ExposeSecret, SecretString};

use crate::aws::actions::Action;
use crate::aws::gap::classify;
use crate::error::CoreError;

/// The session duration CloudArq asks for: one hour, as the security page promises.
pub const SESSION_DURATION_SECS: i32 = 3600;

/// The prefix of every CloudArq role session name, so the customer's
/// CloudTrail shows who called.
pub const SESSION_NAME_PREFIX: &str = "cloudarq";

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
        .set_external_id(external_id.map(|e| e.expose_secret().to_owned()));
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
    fn session_names() {
        assert_eq!(session_name("scan-1").unwrap(), "cloudarq-scan-1");
        assert!(session_name("has space").is_err());
        assert!(session_name(&"x".repeat(80)).is_err());
    }
}
