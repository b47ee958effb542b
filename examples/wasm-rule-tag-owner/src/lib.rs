//! Acme's owner-tag rules, as a CloudArq WebAssembly rule package.
//!
//! Two rules, written against the same `Rule` API as CloudArq's built-in
//! rules: every S3 bucket and every EC2 instance must carry an owner tag
//! (key configurable), whose value, when `allowed_domains` is set, must be an
//! e-mail address in one of those domains.

use std::sync::RwLock;

use cloudarq_model::guest::Package;
use cloudarq_model::rule::{ControlRef, Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};
use serde::Deserialize;

/// The package settings (`configure`), with their defaults.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The tag that names the owner.
    #[serde(default = "default_key")]
    pub tag_key: String,
    /// When non-empty, the owner must be an e-mail address in one of these domains.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
}

fn default_key() -> String {
    "owner".to_owned()
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            tag_key: default_key(),
            allowed_domains: Vec::new(),
        }
    }
}

static SETTINGS: RwLock<Option<Settings>> = RwLock::new(None);

/// Receives the settings JSON; refuses unknown fields and an empty tag key.
pub fn configure(value: &serde_json::Value) -> Result<(), String> {
    let s: Settings = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    if s.tag_key.trim().is_empty() {
        return Err("tag_key must not be empty".to_owned());
    }
    *SETTINGS
        .write()
        .map_err(|_| "settings lock poisoned".to_owned())? = Some(s);
    Ok(())
}

fn settings() -> Settings {
    SETTINGS
        .read()
        .ok()
        .and_then(|s| s.clone())
        .unwrap_or_default()
}

fn owner_outcome(r: &Resource, what: &str) -> Outcome {
    let s = settings();
    let evidence = serde_json::json!({ "tag_key": s.tag_key, "value": r.tags.get(&s.tag_key) });
    let Some(owner) = r
        .tags
        .get(&s.tag_key)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    else {
        return Outcome::fail(format!("{what} {} has no {} tag", r.name, s.tag_key))
            .with_evidence(evidence);
    };
    if !s.allowed_domains.is_empty() {
        let domain = owner.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase());
        let ok =
            domain.is_some_and(|d| s.allowed_domains.iter().any(|a| a.eq_ignore_ascii_case(&d)));
        if !ok {
            return Outcome::fail(format!(
                "{what} {} has owner {owner:?}, not an address in {}",
                r.name,
                s.allowed_domains.join(", ")
            ))
            .with_evidence(evidence);
        }
    }
    Outcome::pass(format!("{what} {} is owned by {owner}", r.name)).with_evidence(evidence)
}

/// S3 buckets carry an owner tag.
pub struct BucketOwnerTag;
static BUCKET_META: RuleMeta = RuleMeta {
    id: "acme_s3_bucket_owner_tag",
    title: "S3 bucket has an owner tag",
    severity: Severity::Low,
    service: Service::S3,
    resource_types: &[ResourceType::S3Bucket],
    rationale: "Acme policy: every data store has a reachable owner for incidents and cost.",
    remediation: Remediation {
        cli: "aws s3api put-bucket-tagging --bucket <name> --tagging 'TagSet=[{Key=owner,Value=<email>}]'",
        console: "S3 > bucket > Properties > Tags > Edit",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/CostAllocTagging.html",
    },
    controls: &[ControlRef {
        framework: "acme_policy",
        control: "TAG-1",
    }],
};
impl Rule for BucketOwnerTag {
    fn meta(&self) -> &'static RuleMeta {
        &BUCKET_META
    }
    fn evaluate(&self, r: &Resource, _: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(owner_outcome(r, "bucket"))
    }
}

/// EC2 instances carry an owner tag.
pub struct InstanceOwnerTag;
static INSTANCE_META: RuleMeta = RuleMeta {
    id: "acme_ec2_instance_owner_tag",
    title: "EC2 instance has an owner tag",
    severity: Severity::Low,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "Acme policy: every machine has a reachable owner for incidents and cost.",
    remediation: Remediation {
        cli: "aws ec2 create-tags --resources <instance-id> --tags Key=owner,Value=<email>",
        console: "EC2 > Instances > instance > Tags > Manage tags",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/Using_Tags.html",
    },
    controls: &[ControlRef {
        framework: "acme_policy",
        control: "TAG-1",
    }],
};
impl Rule for InstanceOwnerTag {
    fn meta(&self) -> &'static RuleMeta {
        &INSTANCE_META
    }
    fn evaluate(&self, r: &Resource, _: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(owner_outcome(r, "instance"))
    }
}

const SETTINGS_SCHEMA: &str = r#"{"type":"object","additionalProperties":false,"properties":{"tag_key":{"type":"string","minLength":1,"default":"owner"},"allowed_domains":{"type":"array","items":{"type":"string"}}}}"#;

fn package() -> Package {
    Package::new(
        "acme-tag-owner",
        env!("CARGO_PKG_VERSION"),
        vec![&BucketOwnerTag, &InstanceOwnerTag],
    )
    .settings(SETTINGS_SCHEMA, configure)
}

cloudarq_model::export_rules!(package = package);

#[cfg(test)]
mod tests {
    use super::*;
    use cloudarq_model::rule::Verdict;

    fn bucket(tags: serde_json::Value) -> Resource {
        serde_json::from_value(serde_json::json!({
            "arn": "arn:aws:s3:::data", "region": "eu-west-1", "name": "data", "tags": tags,
            "properties": {"AWS::S3::Bucket": {"name": "data"}}
        }))
        .unwrap()
    }

    fn snap() -> Snapshot {
        Snapshot::new(
            "123456789012".parse().unwrap(),
            cloudarq_model::Partition::aws(),
            "2026-11-01T00:00:00Z".parse().unwrap(),
        )
    }

    fn verdict(r: &Resource) -> Verdict {
        BucketOwnerTag.evaluate(r, &snap()).unwrap().verdict
    }

    // One test so the global settings are not raced by parallel tests.
    #[test]
    fn owner_tag_with_and_without_allowed_domains() {
        configure(&serde_json::json!({})).unwrap();
        assert!(matches!(
            verdict(&bucket(serde_json::json!({}))),
            Verdict::Fail(_)
        ));
        assert!(matches!(
            verdict(&bucket(serde_json::json!({"owner": " "}))),
            Verdict::Fail(_)
        ));
        assert!(matches!(
            verdict(&bucket(serde_json::json!({"owner": "ana"}))),
            Verdict::Pass(_)
        ));

        configure(&serde_json::json!({"tag_key": "team", "allowed_domains": ["acme.example"]}))
            .unwrap();
        assert!(matches!(
            verdict(&bucket(serde_json::json!({"owner": "ana@acme.example"}))),
            Verdict::Fail(_)
        ));
        assert!(matches!(
            verdict(&bucket(serde_json::json!({"team": "ana@ACME.example"}))),
            Verdict::Pass(_)
        ));
        assert!(matches!(
            verdict(&bucket(serde_json::json!({"team": "ana@evil.example"}))),
            Verdict::Fail(_)
        ));

        assert!(configure(&serde_json::json!({"tag_key": ""})).is_err());
        assert!(configure(&serde_json::json!({"colour": "red"})).is_err());
        configure(&serde_json::json!({})).unwrap();
    }
}
