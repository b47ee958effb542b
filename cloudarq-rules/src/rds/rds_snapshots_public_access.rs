//! `rds_snapshots_public_access`: no DB snapshot or DB cluster snapshot can be
//! restored by anyone (`restore` attribute `all`).
//!
//! A permission that could not be read is *not collected*, never "private".
//! Accounts the snapshot is shared with are listed in the evidence when
//! collected.

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_snapshots_public_access",
    title: "RDS DB snapshot or DB cluster snapshot is not public",
    severity: Severity::Critical,
    service: Service::Rds,
    resource_types: &[
        ResourceType::RdsDbSnapshot,
        ResourceType::RdsDbClusterSnapshot,
    ],
    rationale: "Any AWS account can restore a public snapshot into a database it controls and \
                read every row. Public RDS snapshots are searched for continuously and are almost \
                always shared by mistake.",
    remediation: Remediation {
        cli: "aws rds modify-db-snapshot-attribute --db-snapshot-identifier <snap-id> \
              --attribute-name restore --values-to-remove all\n\
              aws rds modify-db-cluster-snapshot-attribute --db-cluster-snapshot-identifier \
              <snap-id> --attribute-name restore --values-to-remove all",
        console: "RDS console > Snapshots > select the snapshot > Actions > Share snapshot > DB \
                  snapshot visibility: Private > Save.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ShareSnapshot.html",
    },
    controls: &[fsbp("RDS.1"), nist("AC-3")],
};

/// RDS DB snapshot or DB cluster snapshot is not public.
pub(crate) struct RdsSnapshotsPublicAccess;

impl Rule for RdsSnapshotsPublicAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let (snap, kind) = match &resource.properties {
            Properties::RdsDbSnapshot(s) => (&**s, "DB snapshot"),
            Properties::RdsDbClusterSnapshot(s) => (&**s, "DB cluster snapshot"),
            _ => return Ok(Outcome::not_applicable()),
        };
        let id = &snap.identifier;
        let Collected::Value(public) = snap.public else {
            return Ok(Outcome::not_collected("public"));
        };
        let shared_with = match &snap.shared_with {
            Collected::Value(accounts) => json!(accounts),
            Collected::NotCollected => json!("not_collected"),
        };
        Ok(Outcome::check(
            !public,
            format!("RDS {kind} {id} is not public"),
            format!("RDS {kind} {id} is public: any AWS account can restore it"),
        )
        .with_evidence(json!({ "public": public, "shared_with": shared_with })))
    }
}
