//! `ec2_ebs_public_snapshot`: no EBS snapshot owned by the account can be
//! restored by anyone (`createVolumePermission` group `all`).
//!
//! A permission that could not be read is *not collected*, never "private".

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "ec2_ebs_public_snapshot",
    title: "EBS snapshot is not public",
    severity: Severity::Critical,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Snapshot],
    rationale: "Any AWS account can create a volume from a public snapshot and read everything on \
                it: databases, keys, configuration. Public snapshots are searched for \
                continuously and are almost always shared by mistake.",
    remediation: Remediation {
        cli: "aws ec2 modify-snapshot-attribute --snapshot-id <snap-id> --attribute \
              createVolumePermission --operation-type remove --group-names all\n\
              aws ec2 enable-snapshot-block-public-access --state block-all-sharing",
        console: "EC2 console > Snapshots > select the snapshot > Actions > Snapshot settings > \
                  Modify permissions > Private > Save changes. Then EC2 console > Settings > Data \
                  protection and security > Block public access for EBS snapshots.",
        url: "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html",
    },
    controls: &[fsbp("EC2.1"), nist("AC-3")],
};

/// EBS snapshot is not public.
pub(crate) struct Ec2EbsPublicSnapshot;

impl Rule for Ec2EbsPublicSnapshot {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Ec2Snapshot(snap) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(public) = snap.public else {
            return Ok(Outcome::not_collected("public"));
        };
        let id = &snap.snapshot_id;
        Ok(Outcome::check(
            !public,
            format!("EBS snapshot {id} is not public"),
            format!("EBS snapshot {id} is public: any AWS account can create a volume from it"),
        )
        .with_evidence(
            json!({ "public": public, "encrypted": snap.encrypted, "volume_id": snap.volume_id }),
        ))
    }
}
