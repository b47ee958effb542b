//! `iam_role_cross_service_confused_deputy_prevention`: service trust is tied to this account.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::is_service_linked;
use crate::controls::nist;
use crate::policy::Document;

/// Every trust statement that lets an AWS service assume the role also
/// requires `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID` or
/// `aws:SourceOrgPaths` with a fixed value.
///
/// Roles that no service can assume, and service-linked roles (whose trust
/// AWS owns), are not applicable. A missing (`null`) trust policy is *not
/// collected*. Not every service sends these keys when it assumes a role;
/// check the service's documentation before adding one. No CIS or FSBP
/// control covers this; it is mapped to NIST 800-53 AC-3 (access
/// enforcement), since an unconditioned service trust lets any account that
/// uses the service act through the role.
pub(crate) struct IamRoleCrossServiceConfusedDeputyPrevention;

static META: RuleMeta = RuleMeta {
    id: "iam_role_cross_service_confused_deputy_prevention",
    title: "IAM role trusted by an AWS service restricts it with aws:SourceAccount or aws:SourceArn",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamRole],
    rationale: "A service principal acts for every customer of that service. Without a source \
        condition, another account can make the service use your role on its behalf (the confused \
        deputy problem). aws:SourceAccount or aws:SourceArn ties the trust to your own resources.",
    remediation: Remediation {
        cli: "aws iam get-role --role-name <role> --query Role.AssumeRolePolicyDocument\n\
              # add to the service statement: \"Condition\": {\"StringEquals\": {\"aws:SourceAccount\": \"<account>\"}}\n\
              aws iam update-assume-role-policy --role-name <role> --policy-document file://trust.json",
        console: "IAM > Roles > <role> > Trust relationships > Edit trust policy; add a Condition with \
                  aws:SourceAccount (or aws:SourceArn) to each statement whose Principal is a Service.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html",
    },
    controls: &[nist("AC-3")],
};

impl Rule for IamRoleCrossServiceConfusedDeputyPrevention {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamRole(role) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        if is_service_linked(role) {
            return Ok(Outcome::not_applicable());
        }
        if role.trust_policy.is_null() {
            return Ok(Outcome::not_collected("trust_policy"));
        }
        let doc = Document::parse(&role.trust_policy)
            .map_err(|e| RuleError(format!("trust policy of role {}: {e}", role.role_name)))?;
        let service_statements: Vec<_> = doc
            .statements
            .iter()
            .filter(|s| s.allows_action("sts:AssumeRole"))
            .filter(|s| {
                s.principal
                    .as_ref()
                    .is_some_and(|p| !p.negated && !p.service.is_empty())
            })
            .collect();
        if service_statements.is_empty() {
            return Ok(Outcome::not_applicable());
        }
        let mut open = Vec::new();
        let mut guarded = Vec::new();
        for s in &service_statements {
            let services = s
                .principal
                .as_ref()
                .map(|p| p.service.clone())
                .unwrap_or_default();
            let keys = s.source_keys();
            if keys.is_empty() {
                open.extend(services);
            } else {
                guarded.push(
                    json!({"statement": s.label(), "services": services, "condition_keys": keys}),
                );
            }
        }
        let name = &role.role_name;
        Ok(if open.is_empty() {
            Outcome::pass(format!(
                "role {name} restricts every trusted service with a source condition"
            ))
        } else {
            Outcome::fail(format!(
                "role {name} trusts {} without an aws:SourceAccount or aws:SourceArn condition",
                open.join(", ")
            ))
        }
        .with_evidence(json!({"unrestricted_services": open, "restricted": guarded})))
    }
}
