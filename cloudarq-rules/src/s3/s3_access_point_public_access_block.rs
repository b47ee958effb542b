//! `s3_access_point_public_access_block`: every Block Public Access switch
//! of the access point is on (FSBP S3.19).
//!
//! An access point's switches are set when it is created and cannot be
//! changed. No configuration, or any switch off, FAILs; switches that were
//! not read (`GetAccessPoint` failed) are *not collected*.

use cloudarq_model::inventory::s3::PublicAccessBlock;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "s3_access_point_public_access_block",
    title: "S3 access point has all Block Public Access settings enabled",
    severity: Severity::Critical,
    service: Service::S3,
    resource_types: &[ResourceType::S3AccessPoint],
    rationale: "An access point with a Block Public Access switch off can have a policy that \
                opens its bucket's objects to anyone, whatever the bucket's own settings say \
                for requests through the access point.",
    remediation: Remediation {
        cli: "aws s3control delete-access-point --account-id <account> --name <name>\n\
              aws s3control create-access-point --account-id <account> --name <name> \
              --bucket <bucket> --public-access-block-configuration \
              BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        console: "S3 > Access Points > the access point: its settings cannot be edited; create \
                  a replacement with every Block Public Access setting on, move the clients to \
                  it, then delete the old one.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-bpa-settings.html",
    },
    controls: &[fsbp("S3.19")],
};

/// The names of the switches that are off.
pub(super) fn switches_off(p: &PublicAccessBlock) -> Vec<&'static str> {
    [
        ("BlockPublicAcls", p.block_public_acls),
        ("IgnorePublicAcls", p.ignore_public_acls),
        ("BlockPublicPolicy", p.block_public_policy),
        ("RestrictPublicBuckets", p.restrict_public_buckets),
    ]
    .into_iter()
    .filter(|(_, on)| !on)
    .map(|(name, _)| name)
    .collect()
}

/// S3 access point has all Block Public Access settings enabled.
pub(crate) struct S3AccessPointPublicAccessBlock;

impl Rule for S3AccessPointPublicAccessBlock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::S3AccessPoint(ap) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(pab) = &ap.public_access_block else {
            return Ok(Outcome::not_collected("public_access_block"));
        };
        let name = &ap.name;
        let Some(pab) = pab else {
            return Ok(Outcome::fail(format!(
                "access point {name} has no Block Public Access configuration"
            )));
        };
        let off = switches_off(pab);
        Ok(Outcome::check(
            off.is_empty(),
            format!("access point {name} has every Block Public Access setting on"),
            format!("access point {name} has {} off", off.join(", ")),
        )
        .with_evidence(json!({"switches_off": off})))
    }
}
