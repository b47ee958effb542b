//! Amazon Macie collector: one `AWS::Macie::Session` per region, with
//! whether Macie is enabled, paused or not enabled.
//!
//! Calls per region: `GetMacieSession`. Macie answers it with an error when
//! it is not enabled in the region: `AccessDeniedException` with the message
//! "Macie is not enabled" (AWS), or `ResourceNotFoundException` (moto). Both
//! are read as "not enabled", with no gap.
//!
//! Telling that `AccessDeniedException` apart from a real denial needs its
//! message, although CloudArq classifies errors by code only (`aws/gap.rs`):
//! Macie gives no other signal. The test is narrow (the message must say
//! Macie is not enabled), so should AWS change the wording, the answer
//! becomes a gap (not collected), never a wrong "not enabled".

use aws_sdk_macie2::operation::get_macie_session::GetMacieSessionOutput;
use cloudarq_model::inventory::macie::MacieSession;
use cloudarq_model::{Arn, Properties, Region, Resource, Service};

use crate::aws::{Action, AwsContext, CallError};

/// The error code moto answers `GetMacieSession` with when Macie is not
/// enabled.
const NOT_FOUND: &str = "ResourceNotFoundException";

/// The error code AWS answers with when Macie is not enabled, and when the
/// caller is denied.
const ACCESS_DENIED: &str = "AccessDeniedException";

/// What the message of AWS's "not enabled" `AccessDeniedException` says
/// (compared ignoring ASCII case).
const NOT_ENABLED_MESSAGE: &str = "macie is not enabled";

/// Collects the Macie state of one region: always one resource.
pub(crate) async fn collect(ctx: &AwsContext, region: &Region) -> Vec<Resource> {
    let Ok(arn) = Arn::account_setting(
        ctx.partition(),
        Service::Macie.arn_namespace(),
        Some(region),
        ctx.account_id(),
    ) else {
        tracing::warn!(region = region.as_str(), "no macie settings ARN; skipped");
        return Vec::new();
    };
    let client = ctx.macie2(region);
    let at = Some(region);
    let answer = ctx
        .call(
            Action::MacieGetMacieSession,
            at,
            client.get_macie_session().send(),
        )
        .await;
    let session = match answer {
        Ok(out) => Ok(Some(out)),
        Err(e) if not_enabled(&e) => Ok(None),
        Err(e) => Err(e),
    };
    let session = ctx.settle(Action::MacieGetMacieSession, at, Some(&arn), session);
    let finding_publishing_frequency = session.value().and_then(|s| {
        s.as_ref()
            .and_then(|o| o.finding_publishing_frequency())
            .map(|f| f.as_str().to_owned())
    });
    let status = session.map(|s| s.as_ref().and_then(status));
    vec![Resource {
        arn,
        region: Some(region.clone()),
        name: ctx.account_id().to_string(),
        tags: Default::default(),
        properties: Properties::MacieSession(Box::new(MacieSession {
            status,
            finding_publishing_frequency,
        })),
    }]
}

/// Whether the error is Macie's way of saying it is not enabled.
fn not_enabled(e: &CallError) -> bool {
    match e.code.as_deref() {
        Some(NOT_FOUND) => true,
        Some(ACCESS_DENIED) => e.message.to_ascii_lowercase().contains(NOT_ENABLED_MESSAGE),
        _ => false,
    }
}

/// The status of an answered session, as Macie sends it. An answer
/// without one (Macie always sends it) is kept as an empty status, which no
/// check reads as enabled; `None` is kept for "not enabled".
fn status(out: &GetMacieSessionOutput) -> Option<String> {
    Some(
        out.status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
    )
}

#[cfg(test)]
mod tests {
    use aws_sdk_macie2::types::{FindingPublishingFrequency, MacieStatus};
    use cloudarq_model::GapKind;

    use super::*;

    fn err(code: &str, message: &str) -> CallError {
        CallError {
            kind: GapKind::AccessDenied,
            code: Some(code.to_owned()),
            message: message.to_owned(),
        }
    }

    #[test]
    fn only_macies_not_enabled_answers_mean_not_enabled() {
        assert!(not_enabled(&err(ACCESS_DENIED, "Macie is not enabled.")));
        assert!(not_enabled(&err(NOT_FOUND, "The request failed")));
        assert!(!not_enabled(&err(
            ACCESS_DENIED,
            "User: arn:aws:sts::123456789012:assumed-role/r/s is not authorized to perform: macie2:GetMacieSession"
        )));
        assert!(!not_enabled(&err(
            "ThrottlingException",
            "Macie is not enabled"
        )));
    }

    #[test]
    fn sessions_keep_macies_status() {
        let out = GetMacieSessionOutput::builder()
            .status(MacieStatus::Paused)
            .finding_publishing_frequency(FindingPublishingFrequency::OneHour)
            .build();
        assert_eq!(status(&out).as_deref(), Some("PAUSED"));
        assert_eq!(
            status(&GetMacieSessionOutput::builder().build()).as_deref(),
            Some("")
        );
    }
}
