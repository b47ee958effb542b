//! `ec2_ami_account_block_public_access`: block public access for AMIs is on
//! in the region (`block-new-sharing`), so no AMI can be made public.
//!
//! Judged once per region (`AWS::EC2::SecurityDefaults`); a state that could
//! not be read is *not collected*.

use crate::controls::nist;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_ami_account_block_public_access",
    title: "Block public access for AMIs is enabled in the region",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2SecurityDefaults],
    rationale: "Without the account setting, anyone allowed to change an AMI's permissions can \
                make it public in one call, exposing everything baked into it. With it, EC2 \
                refuses to make any AMI of the region public.",
    remediation: Remediation {
        cli: "aws ec2 enable-image-block-public-access --image-block-public-access-state \
              block-new-sharing --region <region>",
        console: "EC2 console (in each region) > Settings > Data protection and security > \
                  Block public access for AMIs > Manage > Block new public sharing > Update.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-public-access-to-amis.html",
    },
    controls: &[nist("AC-3")],
};

/// Block public access for AMIs is enabled in the region.
pub(crate) struct Ec2AmiAccountBlockPublicAccess;

impl Rule for Ec2AmiAccountBlockPublicAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2SecurityDefaults(defaults) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(state) = &defaults.image_block_public_access else {
            return Ok(Outcome::not_collected("image_block_public_access"));
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        Ok(Outcome::check(
            state == "block-new-sharing",
            format!("Block public access for AMIs is enabled in {region}"),
            format!("Block public access for AMIs is not enabled in {region} (state {state})"),
        )
        .with_evidence(json!({ "image_block_public_access": state })))
    }
}
