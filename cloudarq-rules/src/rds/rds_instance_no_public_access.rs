//! `rds_instance_no_public_access`: no DB instance has the `PubliclyAccessible`
//! flag set.
//!
//! The flag itself FAILs, as in CIS and AWS FSBP (Prowler passes a public
//! instance whose security groups filter the port). The severity follows the
//! security groups: critical when one allows the instance's port from 0.0.0.0/0
//! or ::/0, one level lower (high) when all of them are in the snapshot and none
//! does. A missing group or a prefix-list rule keeps it critical and the message
//! says the context was unknown. The flag comes from the same call that lists the
//! instance, so this check has no *not collected* state.

use cloudarq_model::inventory::ec2::SgPeer;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7, fsbp, nist};
use crate::ec2::exposure::{describe_rule, lower, rule_json};
use crate::related;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_no_public_access",
    title: "RDS DB instance is not publicly accessible",
    severity: Severity::Critical,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "A publicly accessible instance gets a public DNS name and address; one permissive \
                security-group rule then exposes the database to brute force and engine exploits \
                from the whole internet. Databases belong in private subnets, reached through the \
                application tier, a VPN or a bastion.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> \
              --no-publicly-accessible --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Connectivity > \
                  Additional configuration > Not publicly accessible > Continue > Apply \
                  immediately > Modify DB instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding",
    },
    controls: &[
        cis3("2.3.3"),
        cis7("3.2.3"),
        fsbp("RDS.2"),
        nist("SC-7(28)"),
    ],
};

/// RDS DB instance is not publicly accessible.
pub(crate) struct RdsInstanceNoPublicAccess;

impl Rule for RdsInstanceNoPublicAccess {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        if !db.publicly_accessible {
            return Ok(Outcome::pass(format!(
                "RDS instance {id} is not publicly accessible"
            )));
        }
        let region = resource.region.as_ref();
        let mut open = Vec::new();
        let mut unknown = Vec::new();
        for group_id in &db.security_groups {
            let Some(group) = related::security_group(snapshot, region, group_id) else {
                unknown.push(format!("security group {group_id} is not in the snapshot"));
                continue;
            };
            for rule in &group.ingress {
                if !db.port.is_none_or(|p| rule.allows_tcp_port(p)) {
                    continue;
                }
                if rule.is_from_internet() {
                    open.push((group_id.as_str(), rule));
                } else if let SgPeer::PrefixList(list) = &rule.peer {
                    unknown.push(format!(
                        "the entries of prefix list {list} in {group_id} were not collected"
                    ));
                }
            }
        }
        let port = db
            .port
            .map_or_else(|| "its port".to_owned(), |p| format!("port {p}"));
        let open_json: Vec<_> = open
            .iter()
            .map(|(g, r)| json!({ "group_id": g, "rule": rule_json(r) }))
            .collect();
        let evidence = json!({
            "publicly_accessible": true,
            "port": db.port,
            "security_groups": db.security_groups,
            "open_rules": open_json,
        });
        let base = format!("RDS instance {id} is publicly accessible");
        if !open.is_empty() {
            let rules: Vec<String> = open
                .iter()
                .map(|(g, r)| format!("{} in {g}", describe_rule(r)))
                .collect();
            return Ok(Outcome::fail(format!(
                "{base} and its security groups allow {port} from the internet: {}",
                rules.join("; ")
            ))
            .with_evidence(evidence));
        }
        if !unknown.is_empty() {
            return Ok(Outcome::fail(format!(
                "{base}; {}, so the severity was not adjusted for context",
                unknown.join("; ")
            ))
            .with_evidence(evidence));
        }
        Ok(Outcome::fail(format!(
            "{base}, though none of its security groups allows {port} from 0.0.0.0/0 or ::/0"
        ))
        .with_evidence(evidence)
        .with_severity(
            lower(META.severity, 1),
            format!(
                "its security groups ({}) do not open {port} to 0.0.0.0/0 or ::/0, so reaching it \
                 from the internet takes one more change",
                db.security_groups.join(", ")
            ),
        ))
    }
}
