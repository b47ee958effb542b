//! `s3_multi_region_access_point_public_access_block`: every Block Public
//! Access switch of the Multi-Region Access Point is on (FSBP S3.24).
//!
//! The switches come with the listing (`ListMultiRegionAccessPoints`); a
//! point the listing gives no configuration for, or any switch off, FAILs.
//! A listing that failed leaves no point to judge (the gap says so).

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::s3_access_point_public_access_block::switches_off;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "s3_multi_region_access_point_public_access_block",
    title: "S3 Multi-Region Access Point has all Block Public Access settings enabled",
    severity: Severity::High,
    service: Service::S3,
    resource_types: &[ResourceType::S3MultiRegionAccessPoint],
    rationale: "A Multi-Region Access Point with a Block Public Access switch off can have a \
                policy that opens the objects of every bucket behind it, in every region, to \
                anyone.",
    remediation: Remediation {
        cli: "aws s3control create-multi-region-access-point --region us-west-2 --account-id \
              <account> --details 'Name=<name>,PublicAccessBlock={BlockPublicAcls=true,\
              IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true},\
              Regions=[{Bucket=<bucket>}]' (the settings of an existing point cannot be \
              changed: replace it, then delete the old one)",
        console: "S3 > Multi-Region Access Points > Create Multi-Region Access Point with every \
                  Block Public Access setting on; move the clients, then delete the old point.",
        url: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/multi-region-access-point-block-public-access.html",
    },
    controls: &[fsbp("S3.24")],
};

/// S3 Multi-Region Access Point has all Block Public Access settings
/// enabled.
pub(crate) struct S3MultiRegionAccessPointPublicAccessBlock;

impl Rule for S3MultiRegionAccessPointPublicAccessBlock {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::S3MultiRegionAccessPoint(ap) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let name = &ap.name;
        let Some(pab) = &ap.public_access_block else {
            return Ok(Outcome::fail(format!(
                "Multi-Region Access Point {name} has no Block Public Access configuration"
            )));
        };
        let off = switches_off(pab);
        Ok(Outcome::check(
            off.is_empty(),
            format!("Multi-Region Access Point {name} has every Block Public Access setting on"),
            format!(
                "Multi-Region Access Point {name} has {} off",
                off.join(", ")
            ),
        )
        .with_evidence(json!({"switches_off": off})))
    }
}
