//! Classifies AWS errors **by error code** into typed coverage-gap kinds.
//!
//! Never by message text: messages change and are localized; codes are API.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use cloudarq_model::GapKind;

/// A failed AWS call, classified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallError {
    /// The classified cause.
    pub kind: GapKind,
    /// The AWS error code, when the service answered with one.
    pub code: Option<String>,
    /// A short description (AWS's message or the transport error).
    pub message: String,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{code}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AllAccessDisabled",
    "Forbidden",
];
const REGION_NOT_ENABLED: &[&str] = &["OptInRequired", "InvalidRegion", "RegionDisabledException"];
const INVALID_CREDENTIALS: &[&str] = &[
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "AuthFailure",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId",
    "InvalidToken",
    "IncompleteSignature",
];
const THROTTLED: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "SlowDown",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
];
const UNSUPPORTED: &[&str] = &[
    "UnsupportedOperation",
    "InvalidAction",
    "UnknownOperationException",
    "NotImplemented",
    "UnsupportedOperationException",
    "InvalidParameterValue.NotSupported",
];

/// The gap kind of an AWS error code.
pub fn kind_of_code(code: &str) -> GapKind {
    let is = |list: &[&str]| list.contains(&code);
    if is(ACCESS_DENIED) {
        GapKind::AccessDenied
    } else if is(REGION_NOT_ENABLED) {
        GapKind::RegionNotEnabled
    } else if is(INVALID_CREDENTIALS) {
        GapKind::InvalidCredentials
    } else if is(THROTTLED) {
        GapKind::ThrottledOut
    } else if is(UNSUPPORTED) {
        GapKind::ServiceUnsupported
    } else {
        GapKind::Other
    }
}

/// Classifies an SDK error.
pub fn classify<E, R>(err: &SdkError<E, R>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => CallError {
            kind: GapKind::Unreachable,
            code: None,
            message: DisplayErrorContext(err).to_string(),
        },
        SdkError::ServiceError(_) | SdkError::ResponseError(_) => {
            let code = err.code().map(str::to_owned);
            let message = err
                .message()
                .map(str::to_owned)
                .unwrap_or_else(|| DisplayErrorContext(err).to_string());
            let kind = code.as_deref().map_or(GapKind::Other, kind_of_code);
            CallError {
                kind,
                code,
                message,
            }
        }
        _ => CallError {
            kind: GapKind::Other,
            code: None,
            message: DisplayErrorContext(err).to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_kinds() {
        assert_eq!(kind_of_code("AccessDenied"), GapKind::AccessDenied);
        assert_eq!(kind_of_code("UnauthorizedOperation"), GapKind::AccessDenied);
        assert_eq!(kind_of_code("OptInRequired"), GapKind::RegionNotEnabled);
        assert_eq!(kind_of_code("RequestLimitExceeded"), GapKind::ThrottledOut);
        assert_eq!(kind_of_code("ExpiredToken"), GapKind::InvalidCredentials);
        assert_eq!(kind_of_code("InvalidAction"), GapKind::ServiceUnsupported);
        // A message that *mentions* access denied is not classified by text.
        assert_eq!(kind_of_code("SomethingElse"), GapKind::Other);
    }
}
