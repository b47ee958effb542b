//! Classifies AWS errors **by error code**: into typed coverage-gap kinds
//! once a call has failed, and into retry classes while it is retried.
//!
//! Never by message text: messages change and are localized; codes are API.

use std::error::Error;
use std::fmt;

use aws_smithy_runtime_api::client::dns::ResolveDnsError;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
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
    "EC2ThrottledException",
];
/// Server-side failures worth another attempt, whatever their HTTP status
/// (S3's `RequestTimeout` comes with 400).
const TRANSIENT: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
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

/// How a failed attempt is retried (ARCHITECTURE.md, "Retries, pacing and
/// deadlines").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RetryClass {
    /// The service throttled the request: back off, slow the bucket, retry.
    Throttled,
    /// A server error, a timeout or a broken connection: a small budget.
    Transient,
    /// Nothing listens there, or the name does not resolve: fail fast.
    Unreachable,
    /// An answer (success or not) that another attempt would not change.
    Final,
}

/// The retry class of an HTTP answer with this status and AWS error code.
pub(crate) fn retry_class(status: u16, code: Option<&str>) -> RetryClass {
    match code {
        Some(c) if THROTTLED.contains(&c) => return RetryClass::Throttled,
        Some(c) if TRANSIENT.contains(&c) => return RetryClass::Transient,
        _ => {}
    }
    match status {
        429 => RetryClass::Throttled,
        500 | 502 | 503 | 504 => RetryClass::Transient,
        _ => RetryClass::Final,
    }
}

/// Whether an answer with this status can carry a retryable error code, so
/// its body is worth reading before the SDK does.
pub(crate) fn may_retry_status(status: u16) -> bool {
    matches!(status, 400 | 429 | 500..=599)
}

/// The AWS error code of an error answer: the `x-amzn-ErrorType` header of the
/// JSON protocols (`Code:uri`), else the body's `__type` (or `code`) of the
/// JSON protocols (KMS; `namespace#Code` keeps `Code`), else the first
/// `<Code>` element of the XML protocols (query, EC2, REST-XML). Only a
/// plausible code is returned.
pub(crate) fn error_code(header: Option<&str>, body: &[u8]) -> Option<String> {
    let plausible = |c: &[u8]| {
        !c.is_empty()
            && c.len() <= 128
            && c.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if let Some(h) = header {
        let code = h.split(':').next().unwrap_or("").trim();
        if plausible(code.as_bytes()) {
            return Some(code.to_owned());
        }
    }
    if body.trim_ascii_start().starts_with(b"{") {
        let doc: serde_json::Value = serde_json::from_slice(body).ok()?;
        let raw = ["__type", "code"]
            .iter()
            .find_map(|k| doc.get(*k).and_then(serde_json::Value::as_str))?;
        let code = raw.rsplit('#').next().unwrap_or(raw);
        let code = code.split(':').next().unwrap_or("").trim();
        return plausible(code.as_bytes()).then(|| code.to_owned());
    }
    const OPEN: &[u8] = b"<Code>";
    const CLOSE: &[u8] = b"</Code>";
    let start = body.windows(OPEN.len()).position(|w| w == OPEN)? + OPEN.len();
    let rest = body.get(start..)?;
    let len = rest.windows(CLOSE.len()).position(|w| w == CLOSE)?;
    let code = rest.get(..len)?.trim_ascii();
    plausible(code)
        .then(|| String::from_utf8(code.to_vec()).ok())
        .flatten()
}

/// The retry class of a transport failure (no HTTP answer).
pub(crate) fn retry_class_of_transport(err: &ConnectorError) -> RetryClass {
    if err.is_timeout() {
        RetryClass::Transient
    } else if nothing_listens(err) {
        RetryClass::Unreachable
    } else if err.is_io()
        || err.as_other() == Some(aws_smithy_types::retry::ErrorKind::TransientError)
    {
        RetryClass::Transient
    } else {
        RetryClass::Final
    }
}

/// Whether the chain of `err` holds a DNS failure or a refused or unroutable
/// connection: the host is not there, and trying again soon will not help.
fn nothing_listens(err: &(dyn Error + 'static)) -> bool {
    let mut next = Some(err);
    // Bounded: a cyclic or absurdly deep chain is not unreachable.
    for _ in 0..32 {
        let Some(e) = next else { return false };
        if e.is::<ResolveDnsError>() {
            return true;
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionRefused | HostUnreachable | NetworkUnreachable
            ) {
                return true;
            }
            // An io::Error's source skips its own payload; look at it too.
            if io.get_ref().is_some_and(|inner| nothing_listens(inner)) {
                return true;
            }
        }
        next = e.source();
    }
    false
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

    #[test]
    fn every_throttling_code_is_retried_as_throttling() {
        for code in THROTTLED {
            for status in [400, 429, 503] {
                assert_eq!(retry_class(status, Some(code)), RetryClass::Throttled);
            }
            assert_eq!(kind_of_code(code), GapKind::ThrottledOut);
        }
        assert_eq!(retry_class(429, None), RetryClass::Throttled);
    }

    #[test]
    fn server_errors_are_transient_and_client_errors_final() {
        assert_eq!(retry_class(500, None), RetryClass::Transient);
        assert_eq!(
            retry_class(503, Some("ServiceUnavailable")),
            RetryClass::Transient
        );
        assert_eq!(
            retry_class(400, Some("RequestTimeout")),
            RetryClass::Transient
        );
        assert_eq!(retry_class(400, Some("ValidationError")), RetryClass::Final);
        assert_eq!(retry_class(403, Some("AccessDenied")), RetryClass::Final);
        assert_eq!(retry_class(404, None), RetryClass::Final);
    }

    #[test]
    fn error_codes_are_read_from_each_protocol() {
        let query = b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
        let ec2 = b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>m</Message></Error></Errors></Response>";
        let s3 =
            b"<?xml version=\"1.0\"?><Error><Code> SlowDown </Code><Message>m</Message></Error>";
        assert_eq!(error_code(None, query).as_deref(), Some("Throttling"));
        assert_eq!(
            error_code(None, ec2).as_deref(),
            Some("RequestLimitExceeded")
        );
        assert_eq!(error_code(None, s3).as_deref(), Some("SlowDown"));
        let json = Some("ThrottlingException:http://internal.amazon.com/coral/");
        assert_eq!(
            error_code(json, b"{}").as_deref(),
            Some("ThrottlingException")
        );
        // JSON protocols without the header: the body's `__type`.
        for body in [
            &br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#[..],
            br#" {"__type":"com.amazonaws.kms#ThrottlingException"}"#,
            br#"{"code":"ThrottlingException"}"#,
        ] {
            assert_eq!(
                error_code(None, body).as_deref(),
                Some("ThrottlingException"),
                "{body:?}"
            );
        }
        for hostile in [
            &br#"{"__type":"Throttling Exception"}"#[..],
            br#"{"__type":7}"#,
            br#"{"message":"no code"}"#,
            b"{not json",
        ] {
            assert_eq!(error_code(None, hostile), None, "{hostile:?}");
        }
        for hostile in [
            &b"<Code>Slow Down</Code>"[..],
            b"<Code></Code>",
            b"<Code>SlowDown",
            b"Internal Server Error",
            b"<Code>\x1b[31mSlowDown</Code>",
        ] {
            assert_eq!(error_code(None, hostile), None, "{hostile:?}");
        }
        let long = format!("<Code>{}</Code>", "A".repeat(129));
        assert_eq!(error_code(None, long.as_bytes()), None);
    }

    #[test]
    fn refused_and_unresolvable_hosts_are_unreachable() {
        let refused = ConnectorError::io(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(retry_class_of_transport(&refused), RetryClass::Unreachable);
        let dns = ConnectorError::io(Box::new(std::io::Error::other(ResolveDnsError::new(
            "no such host",
        ))));
        assert_eq!(retry_class_of_transport(&dns), RetryClass::Unreachable);
        let reset = ConnectorError::io(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionReset,
        )));
        assert_eq!(retry_class_of_transport(&reset), RetryClass::Transient);
        let timeout = ConnectorError::timeout("slow".into());
        assert_eq!(retry_class_of_transport(&timeout), RetryClass::Transient);
        let user = ConnectorError::user("bad request".into());
        assert_eq!(retry_class_of_transport(&user), RetryClass::Final);
    }
}
