//! `accessanalyzer_enabled`: every collected region has an active IAM
//! Access Analyzer external access analyzer.
//!
//! The check runs once per region (`AWS::AccessAnalyzer::RegionSettings`).
//! Only analyzers of type `ACCOUNT` or `ORGANIZATION` look for access from
//! outside the zone of trust; unused-access and internal-access analyzers do
//! not count, nor do analyzers that are not `ACTIVE` (creating, disabled or
//! failed). An analyzer list that could not be read is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7, fsbp};

static META: RuleMeta = RuleMeta {
    id: "accessanalyzer_enabled",
    title: "IAM Access Analyzer has an active external access analyzer in the region",
    severity: Severity::Medium,
    service: Service::AccessAnalyzer,
    resource_types: &[ResourceType::AccessAnalyzerRegionSettings],
    rationale: "An external access analyzer reads the policies of the region's buckets, roles, \
                keys, queues and other resources and reports every one that grants access to a \
                principal outside the account or organization. Without one, a policy that \
                shares a resource with the world or another account goes unnoticed until it is \
                abused.",
    remediation: Remediation {
        cli: "aws accessanalyzer create-analyzer --analyzer-name <name> --type ACCOUNT \
              --region <region>",
        console: "IAM console > Access analyzer (in each region) > Analyzer settings > Create \
                  analyzer > External access analysis, zone of trust: current account or \
                  organization > Create analyzer.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-getting-started.html",
    },
    controls: &[cis3("1.20"), cis7("2.18"), fsbp("IAM.28")],
};

/// IAM Access Analyzer has an active external access analyzer in the region.
pub(crate) struct AccessanalyzerEnabled;

impl Rule for AccessanalyzerEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::AccessAnalyzerRegionSettings(s) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Collected::Value(analyzers) = &s.analyzers else {
            return Ok(Outcome::not_collected("analyzers"));
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        let evidence = json!({
            "analyzers": analyzers
                .iter()
                .map(|a| json!({"name": a.name, "type": a.analyzer_type, "status": a.status}))
                .collect::<Vec<_>>(),
        });
        let outcome = match analyzers.iter().find(|a| a.external_access() && a.active()) {
            Some(a) => Outcome::pass(format!(
                "IAM Access Analyzer {} analyzes external access in {region}",
                a.name
            )),
            None if analyzers.is_empty() => {
                Outcome::fail(format!("IAM Access Analyzer has no analyzer in {region}"))
            }
            None => Outcome::fail(format!(
                "IAM Access Analyzer has no active external access analyzer in {region}"
            )),
        };
        Ok(outcome.with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str = "arn:aws:access-analyzer:eu-west-1:123456789012:account";

    fn outcome(analyzers: serde_json::Value) -> Outcome {
        let r = resource(
            json!({"arn": ARN, "region": "eu-west-1", "name": "123456789012",
            "properties": {"AWS::AccessAnalyzer::RegionSettings": {"analyzers": analyzers}}}),
        );
        eval(&AccessanalyzerEnabled, &snapshot(vec![r]), ARN)
    }

    fn analyzer(kind: &str, status: &str) -> serde_json::Value {
        json!({"name": "a", "analyzer_type": kind, "status": status})
    }

    #[test]
    fn an_active_external_access_analyzer_passes() {
        for t in ["ACCOUNT", "ORGANIZATION"] {
            let out = outcome(json!({"value": [analyzer(t, "ACTIVE")]}));
            assert_eq!(kind(&out), "pass", "{t}");
            assert!(message(&out).contains("eu-west-1"));
        }
    }

    #[test]
    fn no_analyzer_or_no_active_external_one_fails() {
        let out = outcome(json!({"value": []}));
        assert_eq!(kind(&out), "fail");
        assert_eq!(
            message(&out),
            "IAM Access Analyzer has no analyzer in eu-west-1"
        );
        for (t, status) in [
            ("ACCOUNT", "DISABLED"),
            ("ORGANIZATION", "CREATING"),
            ("ACCOUNT", "FAILED"),
            ("ACCOUNT_UNUSED_ACCESS", "ACTIVE"),
            ("ORGANIZATION_INTERNAL_ACCESS", "ACTIVE"),
        ] {
            let out = outcome(json!({"value": [analyzer(t, status)]}));
            assert_eq!(kind(&out), "fail", "{t} {status}");
        }
    }

    #[test]
    fn an_unread_list_is_not_collected() {
        assert_eq!(kind(&outcome(json!("not_collected"))), "not_collected");
    }
}
