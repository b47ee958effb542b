//! `ec2_ami_public`: no AMI the account owns can be launched by everyone.
//!
//! Only owned AMIs are judged (`AWS::EC2::Image` also holds the AMIs
//! instances use, public Amazon and Marketplace AMIs among them); an AMI
//! whose public flag EC2 did not send is *not collected*.

use crate::controls::nist;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_ami_public",
    title: "AMI owned by the account is not public",
    severity: Severity::Critical,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Image],
    rationale: "Any AWS account can launch a public AMI and read its volumes' snapshots: \
                application code, configuration, keys and data baked into the image. Public \
                AMIs are listed for everyone and are searched for secrets.",
    remediation: Remediation {
        cli: "aws ec2 modify-image-attribute --image-id <ami-id> --launch-permission \
              \"Remove=[{Group=all}]\"\n\
              aws ec2 enable-image-block-public-access --image-block-public-access-state \
              block-new-sharing",
        console: "EC2 console > AMIs > select the AMI > Actions > Edit AMI permissions > \
                  Private > Save changes.",
        url: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/sharingamis-intro.html",
    },
    controls: &[nist("AC-3")],
};

/// AMI owned by the account is not public.
pub(crate) struct Ec2AmiPublic;

impl Rule for Ec2AmiPublic {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Image(image) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if !image.owned {
            return Ok(Outcome::not_applicable());
        }
        let Some(public) = image.public else {
            return Ok(Outcome::not_collected("public"));
        };
        let id = &image.image_id;
        Ok(Outcome::check(
            !public,
            format!("AMI {id} is private"),
            format!("AMI {id} is public: any AWS account can launch it"),
        )
        .with_evidence(json!({ "public": public, "state": image.state })))
    }
}
