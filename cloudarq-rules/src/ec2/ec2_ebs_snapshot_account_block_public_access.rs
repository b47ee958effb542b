//! `ec2_ebs_snapshot_account_block_public_access`: block public access for
//! EBS snapshots blocks all sharing (`block-all-sharing`) in the region.
//!
//! `block-new-sharing` FAILs, as in the peer (Prowler passes only
//! `block-all-sharing`) and AWS Config's `ebs-snapshot-block-public-access`:
//! it stops new public sharing but leaves snapshots shared before it
//! public. Judged once per region (`AWS::EC2::SecurityDefaults`); a state
//! that could not be read is *not collected*.

use crate::controls::nist;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_ebs_snapshot_account_block_public_access",
    title: "Block public access for EBS snapshots blocks all sharing in the region",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityDefaults],
    rationale: "A public snapshot lets any AWS account create a volume and read its data. Block \
                public access in block-all-sharing mode makes every snapshot of the region \
                private, including those shared before; block-new-sharing leaves those public.",
    remediation: Remediation {
        cli: "aws ec2 enable-snapshot-block-public-access --state block-all-sharing --region \
              <region>",
        console: "EC2 console (in each region) > Settings > Data protection and security > \
                  Block public access for EBS snapshots > Manage > Block all public sharing > \
                  Update.",
        url: "https://docs.aws.amazon.com/ebs/latest/userguide/block-public-access-snapshots.html",
    },
    controls: &[nist("AC-3")],
};

/// Block public access for EBS snapshots blocks all sharing in the region.
pub(crate) struct Ec2EbsSnapshotAccountBlockPublicAccess;

impl Rule for Ec2EbsSnapshotAccountBlockPublicAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityDefaults(defaults) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(state) = &defaults.snapshot_block_public_access else {
            return Ok(Outcome::not_collected("snapshot_block_public_access"));
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        let outcome = match state.as_str() {
            "block-all-sharing" => Outcome::pass(format!(
                "Block public access for EBS snapshots blocks all sharing in {region}"
            )),
            "block-new-sharing" => Outcome::fail(format!(
                "Block public access for EBS snapshots blocks only new sharing in {region}: \
                 snapshots shared before stay public"
            )),
            other => Outcome::fail(format!(
                "Block public access for EBS snapshots is not enabled in {region} (state {other})"
            )),
        };
        Ok(outcome.with_evidence(json!({ "snapshot_block_public_access": state })))
    }
}
