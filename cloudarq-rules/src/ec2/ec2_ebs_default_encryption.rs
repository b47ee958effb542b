//! `ec2_ebs_default_encryption`: EBS encryption by default is on in every
//! collected region, so new volumes and snapshot copies are encrypted.
//!
//! The check runs once per region (`AWS::EC2::RegionSettings`); a setting that
//! could not be read is *not collected*.

use crate::controls::{cis3, cis7, fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_ebs_default_encryption",
    title: "EBS encryption by default is enabled in the region",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2RegionSettings],
    rationale: "Without the account setting, every volume creator must remember to ask for \
                encryption, and unencrypted volumes and snapshots slip through. With it, EBS \
                encrypts every new volume with the default KMS key at no performance cost.",
    remediation: Remediation {
        cli: "aws ec2 enable-ebs-encryption-by-default --region <region>\n\
              aws ec2 modify-ebs-default-kms-key-id --kms-key-id <key-arn> --region <region>",
        console: "EC2 console (in each region) > Settings > Data protection and security > EBS \
                  encryption > Manage > Enable > Update EBS encryption.",
        url: "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
    },
    controls: &[
        cis3("2.2.1"),
        cis7("6.1.1"),
        fsbp("EC2.7"),
        nist("SC-28(1)"),
    ],
};

/// EBS encryption by default is enabled in the region.
pub(crate) struct Ec2EbsDefaultEncryption;

impl Rule for Ec2EbsDefaultEncryption {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2RegionSettings(settings) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(enabled) = settings.ebs_encryption_by_default else {
            return Ok(Outcome::not_collected("ebs_encryption_by_default"));
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        let key = match &settings.ebs_default_kms_key_id {
            Collected::Value(Some(k)) => json!(k),
            Collected::Value(None) => json!(null),
            Collected::NotCollected => json!("not_collected"),
        };
        Ok(Outcome::check(
            enabled,
            format!("EBS encryption by default is enabled in {region}"),
            format!("EBS encryption by default is disabled in {region}"),
        )
        .with_evidence(json!({ "ebs_encryption_by_default": enabled, "default_kms_key": key })))
    }
}
