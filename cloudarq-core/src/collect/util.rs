//! Small conversions every collector shares: SDK timestamps, policy
//! documents and tags.

use cloudarq_model::{Tags, Timestamp};

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
