//! `iam_policy_no_wildcard_marketplace_subscribe`: no customer policy lets
//! its holder subscribe to any AWS Marketplace product.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::customer_policy_statements;
use crate::controls::nist;

/// A customer-managed policy does not allow `aws-marketplace:Subscribe` on
/// every resource without pinning `aws-marketplace:ProductId`.
///
/// Wildcards (`aws-marketplace:*`, `*`) and `NotAction` statements that
/// leave the action in count; a positive condition on
/// `aws-marketplace:ProductId` with named products passes. An unattached
/// policy fails at low severity. AWS-managed policies (such as
/// `AWSMarketplaceFullAccess`) are not applicable: their attachment is the
/// finding of the administrator-access rules' kind, not of this one.
pub(crate) struct IamPolicyNoWildcardMarketplaceSubscribe;

static META: RuleMeta = RuleMeta {
    id: "iam_policy_no_wildcard_marketplace_subscribe",
    title: "Customer-managed IAM policy does not allow subscribing to any AWS Marketplace product",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamManagedPolicy],
    rationale: "A Marketplace subscription starts charges on the account's bill and can bring \
        third-party software (AMIs, containers, SaaS) into it. Subscribing should be limited to \
        approved products, through an aws-marketplace:ProductId condition or a Private \
        Marketplace, not granted on every product.",
    remediation: Remediation {
        cli: "aws iam create-policy-version --policy-arn <policy-arn> \\\n\
              --policy-document file://scoped.json --set-as-default\n\
              # scoped.json: aws-marketplace:Subscribe only with a Condition\n\
              # {\"StringEquals\": {\"aws-marketplace:ProductId\": [\"<product-id>\"]}}",
        console: "IAM > Policies > <policy> > Edit; remove aws-marketplace:Subscribe (or the \
                  wildcard that grants it) or add a condition on aws-marketplace:ProductId naming \
                  the approved products, and save as the default version.",
        url: "https://docs.aws.amazon.com/marketplace/latest/buyerguide/buyer-iam-users-groups-policies.html",
    },
    controls: &[nist("AC-6")],
};

impl Rule for IamPolicyNoWildcardMarketplaceSubscribe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        customer_policy_statements(
            resource,
            |d| d.marketplace_subscribe_any_statements(),
            "does not allow aws-marketplace:Subscribe on every product",
            "allows aws-marketplace:Subscribe on every product",
        )
    }
}
