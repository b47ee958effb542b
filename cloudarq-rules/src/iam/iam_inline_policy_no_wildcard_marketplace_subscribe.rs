//! `iam_inline_policy_no_wildcard_marketplace_subscribe`: no inline policy
//! lets its holder subscribe to any AWS Marketplace product.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::inline_grant;
use crate::controls::nist;

/// No inline policy of the user, group or role allows
/// `aws-marketplace:Subscribe` on every resource without pinning
/// `aws-marketplace:ProductId`.
///
/// `aws-marketplace:*`, `*` and a `NotAction` that leaves the action in
/// count as well as the literal action; a `StringEquals` (or similar)
/// condition on `aws-marketplace:ProductId` with named products passes.
/// Principals without inline policies are not applicable; a missing (`null`)
/// document makes the outcome *not collected* unless another policy already
/// fails.
pub(crate) struct IamInlinePolicyNoWildcardMarketplaceSubscribe;

static META: RuleMeta = RuleMeta {
    id: "iam_inline_policy_no_wildcard_marketplace_subscribe",
    title: "Inline IAM policy does not allow subscribing to any AWS Marketplace product",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[
        ResourceType::IamUser,
        ResourceType::IamGroup,
        ResourceType::IamRole,
    ],
    rationale: "A Marketplace subscription starts charges on the account's bill and can bring \
        third-party software (AMIs, containers, SaaS) into it. Subscribing should be limited to \
        approved products, through an aws-marketplace:ProductId condition or a Private \
        Marketplace, not granted on every product.",
    remediation: Remediation {
        cli: "aws iam put-role-policy --role-name <role> --policy-name <policy> \\\n\
              --policy-document file://scoped.json   # or put-user-policy / put-group-policy\n\
              # scoped.json: aws-marketplace:Subscribe only with a Condition\n\
              # {\"StringEquals\": {\"aws-marketplace:ProductId\": [\"<product-id>\"]}}",
        console: "IAM > Users (or User groups, Roles) > <name> > Permissions > the inline policy > \
                  Edit; remove aws-marketplace:Subscribe (or the wildcard that grants it) or add a \
                  condition on aws-marketplace:ProductId naming the approved products.",
        url: "https://docs.aws.amazon.com/marketplace/latest/buyerguide/buyer-iam-users-groups-policies.html",
    },
    controls: &[nist("AC-6")],
};

impl Rule for IamInlinePolicyNoWildcardMarketplaceSubscribe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        inline_grant(
            resource,
            snapshot,
            |d| d.marketplace_subscribe_any_statements(),
            "aws-marketplace:Subscribe on every product",
        )
    }
}
