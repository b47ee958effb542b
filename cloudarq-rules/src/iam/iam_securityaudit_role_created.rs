//! `iam_securityaudit_role_created`: a role gives auditors read access to security configuration.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::role_with_aws_policy;
use crate::controls::nist;

/// Some IAM role has the AWS-managed `SecurityAudit` policy attached.
///
/// Same completeness rules as `iam_support_role_created`. No CIS or FSBP
/// control asks for it; it is mapped to NIST 800-53 AC-5b (access
/// authorizations support separation of duties): without it, auditors share
/// operators' or administrators' access.
pub(crate) struct IamSecurityauditRoleCreated;

static META: RuleMeta = RuleMeta {
    id: "iam_securityaudit_role_created",
    title: "An IAM role with SecurityAudit exists for security auditors",
    severity: Severity::Low,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "Auditors and security tools need read access to configuration and metadata. A \
        dedicated role with the SecurityAudit policy gives it without write access or data access, \
        instead of reusing administrator credentials.",
    remediation: Remediation {
        cli: "aws iam create-role --role-name security-audit \\\n\
              --assume-role-policy-document '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::<auditor-account>:root\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"<external-id>\"}}}]}'\n\
              aws iam attach-role-policy --role-name security-audit \\\n\
              --policy-arn arn:aws:iam::aws:policy/SecurityAudit",
        console: "IAM > Roles > Create role > AWS account > attach SecurityAudit > name it and create.",
        url: "https://docs.aws.amazon.com/aws-managed-policy/latest/reference/SecurityAudit.html",
    },
    controls: &[nist("AC-5b")],
};

impl Rule for IamSecurityauditRoleCreated {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(role_with_aws_policy(resource, snapshot, "SecurityAudit"))
    }
}
