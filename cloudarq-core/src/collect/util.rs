//! Small conversions every collector shares: SDK timestamps, policy
//! documents, tags, and account-wide resources.

use cloudarq_model::{Arn, Properties, Resource, Tags, Timestamp};

use crate::aws::AwsContext;

/// The ARN of the account-wide settings resource of `namespace`
/// (`arn:<partition>:<namespace>::<account>:account`).
pub(crate) fn account_arn(ctx: &AwsContext, namespace: &str) -> Option<Arn> {
    Arn::account_setting(ctx.partition(), namespace, None, ctx.account_id()).ok()
}

/// A service's account-wide resource, named by the account id, holding
/// `properties`: it exists whenever the service was collected, so
/// account-wide rules have a resource to report on.
pub(crate) fn account_resource(
    ctx: &AwsContext,
    namespace: &str,
    properties: Properties,
) -> Vec<Resource> {
    let Some(arn) = account_arn(ctx, namespace) else {
        return Vec::new();
    };
    vec![Resource {
        arn,
        region: None,
        name: ctx.account_id().as_str().to_owned(),
        tags: Tags::new(),
        properties,
    }]
}

/// An SDK timestamp as a model timestamp.
pub(crate) fn ts(t: &aws_smithy_types::DateTime) -> Option<Timestamp> {
    Timestamp::from_unix_nanos(t.secs(), t.subsec_nanos())
}

/// An optional SDK timestamp as a model timestamp.
pub(crate) fn ts_opt(t: Option<&aws_smithy_types::DateTime>) -> Option<Timestamp> {
    t.and_then(ts)
}

/// Decodes an IAM policy document: IAM returns them URL-encoded; some
/// emulators return plain JSON. `None` when it is not JSON either way.
pub(crate) fn policy_document(raw: &str) -> Option<serde_json::Value> {
    let trimmed = raw.trim_start();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).ok();
    }
    let decoded = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .ok()?;
    serde_json::from_str(&decoded).ok()
}

/// Key/value tag pairs as a map; pairs without a key are dropped.
pub(crate) fn tags<'a>(
    pairs: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> Tags {
    pairs
        .into_iter()
        .filter_map(|(k, v)| Some((k?.to_owned(), v.unwrap_or_default().to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_documents_decode_both_ways() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        assert_eq!(policy_document(plain), policy_document(encoded));
        assert!(policy_document(plain).is_some());
        assert!(policy_document("%7Bnot json").is_none());
    }
}
