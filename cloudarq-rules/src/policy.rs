//! IAM policy-document analysis shared by the IAM, S3 and KMS rules.
//!
//! [`Document::parse`] normalizes a policy (identity, trust or bucket policy)
//! once: `Statement` may be an object or an array, every string-or-array
//! element becomes a list, `Action`/`NotAction`, `Resource`/`NotResource` and
//! `Principal`/`NotPrincipal` become [`Matcher`]s and [`Principals`], and the
//! `Condition` block becomes flat [`Clause`]s. The questions rules ask
//! ("is this `*` on `*`?", "does it grant `kms:*`?", "is the principal
//! public?", "does it deny plain HTTP?") are methods on the result.
//!
//! **Architecture Invariant:** this module never decides PASS or FAIL; it
//! answers questions about documents. Rules own the verdict and the wording.
//!
//! Wildcards follow IAM: `*` matches any run of characters, `?` exactly one.
//! Action names match case-insensitively, resource ARNs case-sensitively.

use cloudarq_model::rule::RuleError;
use serde_json::Value;

/// Why a policy document could not be analyzed.
///
/// Policy analysis's error type (frameworks have theirs, `FrameworkError`);
/// rules turn it into a [`RuleError`], which the engine reports as an ERROR
/// finding (never a PASS or FAIL).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum PolicyError {
    /// The document is a string that is not JSON.
    #[error("policy document is a string but not JSON text: {0}")]
    InvalidJson(String),
    /// The document is JSON but not an object.
    #[error("policy document is a JSON {0}, expected an object")]
    NotAnObject(&'static str),
    /// A statement has the wrong shape.
    #[error("statement {index} of the policy document is malformed: {reason}")]
    BadStatement {
        /// Zero-based statement index.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
}

impl From<PolicyError> for RuleError {
    fn from(e: PolicyError) -> Self {
        RuleError(e.to_string())
    }
}

/// A statement's effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

/// `Action` / `Resource` (a list of patterns that match) or `NotAction` /
/// `NotResource` (everything except the patterns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Matcher {
    /// Matches what any pattern matches.
    Only(Vec<String>),
    /// Matches what no pattern matches.
    AllBut(Vec<String>),
}

/// `Principal` or `NotPrincipal`, normalized.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Principals {
    /// Given as `NotPrincipal`.
    pub negated: bool,
    /// `"Principal": "*"`.
    pub any: bool,
    /// `AWS` entries: account ids, ARNs or `*`.
    pub aws: Vec<String>,
    /// `Service` entries such as `ec2.amazonaws.com`.
    pub service: Vec<String>,
    /// `Federated` entries.
    pub federated: Vec<String>,
    /// `CanonicalUser` entries.
    pub canonical: Vec<String>,
}

/// One `operator: { key: values }` entry of a `Condition` block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Clause {
    /// The operator as written, such as `StringEquals` or `ForAnyValue:StringLike`.
    pub operator: String,
    /// The condition key as written, such as `aws:SourceAccount`.
    pub key: String,
    /// The values, rendered as strings (`true`, `123`, …).
    pub values: Vec<String>,
}

/// One normalized statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Statement {
    /// Its position in the document.
    pub index: usize,
    /// `Sid`, when present.
    pub sid: Option<String>,
    /// Allow or deny.
    pub effect: Effect,
    /// `Action` / `NotAction`; an empty `Only` when neither is present.
    pub actions: Matcher,
    /// `Resource` / `NotResource`, when present.
    pub resources: Option<Matcher>,
    /// `Principal` / `NotPrincipal`, when present (resource and trust policies).
    pub principal: Option<Principals>,
    /// The `Condition` block, flattened.
    pub conditions: Vec<Clause>,
}

/// A parsed policy document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Document {
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// Access a policy grants outside its own account; see
/// [`Document::cross_account_access`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CrossAccount {
    /// Other accounts named in `AWS` principals, sorted and deduplicated.
    pub accounts: Vec<String>,
    /// Labels of statements open to every principal with no narrowing condition.
    pub public_wildcard: Vec<String>,
    /// Labels of wildcard statements narrowed by a condition that does not
    /// pin the caller to the owning account.
    pub narrowed_wildcard: Vec<String>,
}

/// A combination of actions that, granted together, lets a principal raise
/// its own privileges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EscalationPath {
    /// A short name for the technique.
    pub name: &'static str,
    /// Every action the technique needs.
    pub actions: &'static [&'static str],
}

/// Known privilege-escalation combinations, from the public research on IAM
/// escalation (for example Rhino Security Labs' list of methods).
///
/// `iam:PassRole` alone is deliberately absent: passing a role needs a
/// service to pass it to, so it appears only in combinations.
pub(crate) static ESCALATION_PATHS: &[EscalationPath] = &[
    path("CreatePolicyVersion", &["iam:CreatePolicyVersion"]),
    path("SetDefaultPolicyVersion", &["iam:SetDefaultPolicyVersion"]),
    path("CreateAccessKey", &["iam:CreateAccessKey"]),
    path("CreateLoginProfile", &["iam:CreateLoginProfile"]),
    path("UpdateLoginProfile", &["iam:UpdateLoginProfile"]),
    path("AttachUserPolicy", &["iam:AttachUserPolicy"]),
    path("AttachGroupPolicy", &["iam:AttachGroupPolicy"]),
    path("AttachRolePolicy", &["iam:AttachRolePolicy"]),
    path("PutUserPolicy", &["iam:PutUserPolicy"]),
    path("PutGroupPolicy", &["iam:PutGroupPolicy"]),
    path("PutRolePolicy", &["iam:PutRolePolicy"]),
    path("AddUserToGroup", &["iam:AddUserToGroup"]),
    path(
        "UpdateAssumeRolePolicy+AssumeRole",
        &["iam:UpdateAssumeRolePolicy", "sts:AssumeRole"],
    ),
    path("PassRole+EC2", &["iam:PassRole", "ec2:RunInstances"]),
    path(
        "PassRole+Lambda+Invoke",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:InvokeFunction",
        ],
    ),
    path(
        "PassRole+Lambda+EventSourceMapping",
        &[
            "iam:PassRole",
            "lambda:CreateFunction",
            "lambda:CreateEventSourceMapping",
        ],
    ),
    path("UpdateFunctionCode", &["lambda:UpdateFunctionCode"]),
    path(
        "UpdateFunctionConfiguration",
        &["lambda:UpdateFunctionConfiguration"],
    ),
    path(
        "PassRole+GlueDevEndpoint",
        &["iam:PassRole", "glue:CreateDevEndpoint"],
    ),
    path("GlueUpdateDevEndpoint", &["glue:UpdateDevEndpoint"]),
    path(
        "PassRole+CloudFormation",
        &["iam:PassRole", "cloudformation:CreateStack"],
    ),
    path(
        "PassRole+DataPipeline",
        &[
            "iam:PassRole",
            "datapipeline:CreatePipeline",
            "datapipeline:PutPipelineDefinition",
        ],
    ),
    path(
        "PassRole+CodeStar",
        &["iam:PassRole", "codestar:CreateProject"],
    ),
    path(
        "CodeStarCreateProjectFromTemplate",
        &["codestar:CreateProjectFromTemplate"],
    ),
    path(
        "PassRole+SageMakerNotebook",
        &[
            "iam:PassRole",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreatePresignedNotebookInstanceUrl",
        ],
    ),
    path(
        "PassRole+ECS",
        &["iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"],
    ),
    path(
        "PassRole+CodeBuild",
        &[
            "iam:PassRole",
            "codebuild:CreateProject",
            "codebuild:StartBuild",
        ],
    ),
];

const fn path(name: &'static str, actions: &'static [&'static str]) -> EscalationPath {
    EscalationPath { name, actions }
}

/// Condition keys whose positive, non-wildcard use narrows a `*` principal
/// to known callers (after AWS's definition of a "public" policy).
const RESTRICTING_KEYS: &[&str] = &[
    "aws:SourceIp",
    "aws:SourceArn",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:userid",
    "s3:DataAccessPointArn",
    "s3:DataAccessPointAccount",
    // KMS's own key for the calling account, which AWS managed key policies
    // use to share a key with `*` inside one account.
    "kms:CallerAccount",
];

/// Condition keys that tie a service principal to the calling account or
/// resource (cross-service confused-deputy prevention).
const SOURCE_KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

impl Document {
    /// Parses a policy document: a JSON object, or a string holding one.
    pub(crate) fn parse(doc: &Value) -> Result<Self, PolicyError> {
        let owned;
        let doc = match doc {
            Value::String(s) => {
                owned = serde_json::from_str::<Value>(s)
                    .map_err(|e| PolicyError::InvalidJson(e.to_string()))?;
                &owned
            }
            v => v,
        };
        let Value::Object(map) = doc else {
            return Err(PolicyError::NotAnObject(json_kind(doc)));
        };
        let raw: Vec<&Value> = match map.get("Statement") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
        };
        let statements = raw
            .into_iter()
            .enumerate()
            .map(|(index, v)| Statement::parse(index, v))
            .collect::<Result<_, _>>()?;
        Ok(Self { statements })
    }

    /// Allow statements that grant every action (`*` or `*:*`) on every
    /// resource: full administrator access.
    pub(crate) fn admin_statements(&self) -> Vec<&Statement> {
        self.allows()
            .filter(|s| s.grants_every_action() && s.applies_to_all_resources())
            .collect()
    }

    /// Allow statements that grant every action of `service` (such as `kms`)
    /// on every resource, whether through `service:*`, `*`, or a `NotAction`
    /// that leaves the service untouched.
    pub(crate) fn full_service_statements(&self, service: &str) -> Vec<&Statement> {
        self.allows()
            .filter(|s| s.grants_all_of_service(service) && s.applies_to_all_resources())
            .collect()
    }

    /// Allow statements that let the holder assume any role: `sts:AssumeRole`
    /// on `*`, on `arn:aws:iam::*:role/*`, or through `NotResource`.
    pub(crate) fn assume_any_role_statements(&self) -> Vec<&Statement> {
        self.allows()
            .filter(|s| s.allows_action("sts:AssumeRole") && s.applies_to_any_role())
            .collect()
    }

    /// Whether some Allow statement grants some action of `service` (on
    /// some resource, under any condition): `service:Get*`, `*`, or a
    /// `NotAction` that does not exclude the whole service.
    pub(crate) fn allows_some_action_of(&self, service: &str) -> bool {
        let prefix = format!("{service}:");
        self.allows().any(|s| match &s.actions {
            Matcher::Only(ps) => ps.iter().any(|p| touches_service(p, service)),
            Matcher::AllBut(ps) => !ps.iter().any(|p| covers_prefix(p, &prefix, true)),
        })
    }

    /// Allow statements that let the holder subscribe to any AWS Marketplace
    /// product: `aws-marketplace:Subscribe` (or a wildcard or `NotAction`
    /// covering it) on every resource, with no positive condition pinning
    /// `aws-marketplace:ProductId` to named products.
    pub(crate) fn marketplace_subscribe_any_statements(&self) -> Vec<&Statement> {
        self.allows()
            .filter(|s| {
                s.allows_action("aws-marketplace:Subscribe")
                    && s.applies_to_all_resources()
                    && !s.narrows_key("aws-marketplace:ProductId")
            })
            .collect()
    }

    /// Allow statements whose principal is public and whose conditions do
    /// not narrow it (see [`Statement::is_public`]).
    pub(crate) fn public_statements(&self) -> Vec<&Statement> {
        self.statements.iter().filter(|s| s.is_public()).collect()
    }

    /// Whether a Deny statement for every principal refuses every S3 action on
    /// the objects under `object_prefix` (`arn:aws:s3:::bucket/`) when
    /// `aws:SecureTransport` is `false`.
    pub(crate) fn denies_insecure_transport(&self, object_prefix: &str) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Deny
                && s.principal.as_ref().is_some_and(|p| !p.negated && p.is_everyone())
                && matches!(&s.actions, Matcher::Only(ps) if ps.iter().any(|p| covers_prefix(p, "s3:", true)))
                && matches!(&s.resources, Some(Matcher::Only(ps)) if ps.iter().any(|p| covers_prefix(p, object_prefix, false)))
                && s.conditions.iter().any(|c| {
                    let op = c.operator.to_ascii_lowercase();
                    (op == "bool" || op == "boolifexists")
                        && c.key.eq_ignore_ascii_case("aws:SecureTransport")
                        && c.values.iter().any(|v| v.eq_ignore_ascii_case("false"))
                })
        })
    }

    /// Who outside account `own` the Allow statements grant access to.
    ///
    /// Named `AWS` principals of other accounts are listed by 12-digit id. A
    /// wildcard or negated principal counts unless a condition pins the
    /// caller to `own`; it is *public* when no condition narrows it at all,
    /// and *narrowed* otherwise (say, to an organization, whose other
    /// accounts still get in). Service principals are not accounts.
    pub(crate) fn cross_account_access(&self, own: &str) -> CrossAccount {
        let mut out = CrossAccount::default();
        for s in self.allows() {
            let Some(p) = &s.principal else { continue };
            if p.negated || p.is_everyone() {
                if s.is_public() {
                    out.public_wildcard.push(s.label());
                } else if !s.pins_account(own) {
                    out.narrowed_wildcard.push(s.label());
                }
                continue;
            }
            out.accounts.extend(
                p.aws
                    .iter()
                    .filter_map(|a| principal_account(a))
                    .filter(|a| *a != own)
                    .map(str::to_owned),
            );
        }
        out.accounts.sort();
        out.accounts.dedup();
        out
    }

    fn allows(&self) -> impl Iterator<Item = &Statement> {
        self.statements.iter().filter(|s| s.effect == Effect::Allow)
    }
}

/// Escalation paths that `docs`, taken together, grant.
///
/// An action counts as granted when an Allow statement of any document
/// matches it (on any resource, under any condition: scoping `iam:PassRole`
/// to one role still passes that role) and no unconditional Deny on every
/// resource removes it.
pub(crate) fn escalation_paths(docs: &[&Document]) -> Vec<&'static EscalationPath> {
    let granted = |action: &str| {
        let allowed = docs
            .iter()
            .flat_map(|d| d.allows())
            .any(|s| s.allows_action(action));
        let denied = docs.iter().flat_map(|d| d.statements.iter()).any(|s| {
            s.effect == Effect::Deny
                && s.conditions.is_empty()
                && s.applies_to_all_resources()
                && s.actions_match(action)
        });
        allowed && !denied
    };
    ESCALATION_PATHS
        .iter()
        .filter(|p| p.actions.iter().all(|a| granted(a)))
        .collect()
}

impl Statement {
    fn parse(index: usize, v: &Value) -> Result<Self, PolicyError> {
        let bad = |reason: &str| PolicyError::BadStatement {
            index,
            reason: reason.to_owned(),
        };
        let Value::Object(m) = v else {
            return Err(bad(&format!(
                "expected an object, found a JSON {}",
                json_kind(v)
            )));
        };
        let effect = match m.get("Effect").and_then(Value::as_str) {
            Some("Allow") => Effect::Allow,
            Some("Deny") => Effect::Deny,
            _ => return Err(bad("Effect must be \"Allow\" or \"Deny\"")),
        };
        let actions = match (m.get("Action"), m.get("NotAction")) {
            (Some(_), Some(_)) => return Err(bad("both Action and NotAction")),
            (Some(a), None) => Matcher::Only(
                strings(a).ok_or_else(|| bad("Action is not a string or list of strings"))?,
            ),
            (None, Some(a)) => Matcher::AllBut(
                strings(a).ok_or_else(|| bad("NotAction is not a string or list of strings"))?,
            ),
            (None, None) => Matcher::Only(Vec::new()),
        };
        let resources = match (m.get("Resource"), m.get("NotResource")) {
            (Some(_), Some(_)) => return Err(bad("both Resource and NotResource")),
            (Some(r), None) => {
                Some(Matcher::Only(strings(r).ok_or_else(|| {
                    bad("Resource is not a string or list of strings")
                })?))
            }
            (None, Some(r)) => {
                Some(Matcher::AllBut(strings(r).ok_or_else(|| {
                    bad("NotResource is not a string or list of strings")
                })?))
            }
            (None, None) => None,
        };
        let principal = match (m.get("Principal"), m.get("NotPrincipal")) {
            (Some(_), Some(_)) => return Err(bad("both Principal and NotPrincipal")),
            (Some(p), None) => Some(
                Principals::parse(p, false)
                    .ok_or_else(|| bad("Principal has an unexpected shape"))?,
            ),
            (None, Some(p)) => Some(
                Principals::parse(p, true)
                    .ok_or_else(|| bad("NotPrincipal has an unexpected shape"))?,
            ),
            (None, None) => None,
        };
        let conditions = match m.get("Condition") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Object(ops)) => {
                let mut out = Vec::new();
                for (operator, keys) in ops {
                    let Value::Object(keys) = keys else {
                        return Err(bad("a Condition operator does not map to an object"));
                    };
                    for (key, values) in keys {
                        let values = scalars(values).ok_or_else(|| {
                            bad("a Condition value is not a scalar or list of scalars")
                        })?;
                        out.push(Clause {
                            operator: operator.clone(),
                            key: key.clone(),
                            values,
                        });
                    }
                }
                out
            }
            Some(_) => return Err(bad("Condition is not an object")),
        };
        let sid = m.get("Sid").and_then(Value::as_str).map(str::to_owned);
        Ok(Self {
            index,
            sid,
            effect,
            actions,
            resources,
            principal,
            conditions,
        })
    }

    /// `Sid`, or `#<index>` when there is none: a label for messages and evidence.
    pub(crate) fn label(&self) -> String {
        match &self.sid {
            Some(s) if !s.is_empty() => s.clone(),
            _ => format!("#{}", self.index),
        }
    }

    /// Whether the `Action`/`NotAction` element matches `action`.
    pub(crate) fn actions_match(&self, action: &str) -> bool {
        match &self.actions {
            Matcher::Only(ps) => ps.iter().any(|p| glob_match(p, action, true)),
            Matcher::AllBut(ps) => !ps.iter().any(|p| glob_match(p, action, true)),
        }
    }

    /// Whether this is an Allow statement whose actions include `action`.
    pub(crate) fn allows_action(&self, action: &str) -> bool {
        self.effect == Effect::Allow && self.actions_match(action)
    }

    /// Whether `Action` holds `*` or `*:*`.
    pub(crate) fn grants_every_action(&self) -> bool {
        matches!(&self.actions, Matcher::Only(ps) if ps.iter().any(|p| matches_every_action(p)))
    }

    /// Whether the actions cover every action of `service`.
    pub(crate) fn grants_all_of_service(&self, service: &str) -> bool {
        match &self.actions {
            Matcher::Only(ps) => {
                let prefix = format!("{service}:");
                ps.iter().any(|p| covers_prefix(p, &prefix, true))
            }
            Matcher::AllBut(ps) => !ps.iter().any(|p| touches_service(p, service)),
        }
    }

    /// Whether `Resource` is `*` (or `arn:*`), or a `NotResource` that does
    /// not exclude everything.
    pub(crate) fn applies_to_all_resources(&self) -> bool {
        match &self.resources {
            Some(Matcher::Only(ps)) => ps.iter().any(|p| covers_prefix(p, "arn:", false)),
            Some(Matcher::AllBut(ps)) => !ps.iter().any(|p| covers_prefix(p, "arn:", false)),
            None => false,
        }
    }

    /// Whether the resources include every role of every account.
    fn applies_to_any_role(&self) -> bool {
        match &self.resources {
            Some(Matcher::Only(ps)) => ps.iter().any(|p| {
                if covers_prefix(p, "arn:", false) {
                    return true;
                }
                let parts: Vec<&str> = p.splitn(6, ':').collect();
                parts.len() == 6
                    && parts[0] == "arn"
                    && glob_match(parts[2], "iam", true)
                    && is_all_stars(parts[4])
                    && covers_prefix(parts[5], "role/", false)
            }),
            Some(Matcher::AllBut(_)) => true,
            None => false,
        }
    }

    /// Whether this Allow statement's principal is everyone (`*`,
    /// `{"AWS": "*"}` or a `NotPrincipal`) and no condition narrows it with a
    /// fixed value of a restricting key (`aws:SourceIp`, `aws:SourceVpce`,
    /// `aws:PrincipalOrgID`, `aws:SourceAccount`, …).
    pub(crate) fn is_public(&self) -> bool {
        self.effect == Effect::Allow
            && self
                .principal
                .as_ref()
                .is_some_and(|p| p.negated || p.is_everyone())
            && self.restricting_keys().is_empty()
    }

    /// Restricting condition keys this statement uses positively with a
    /// fixed (non-wildcard, non-`/0`) value.
    pub(crate) fn restricting_keys(&self) -> Vec<&str> {
        self.conditions
            .iter()
            .filter(|c| is_positive_operator(&c.operator))
            .filter(|c| {
                RESTRICTING_KEYS
                    .iter()
                    .any(|k| k.eq_ignore_ascii_case(&c.key))
            })
            .filter(|c| !c.values.is_empty() && c.values.iter().all(|v| !is_unrestricted_value(v)))
            .map(|c| c.key.as_str())
            .collect()
    }

    /// Whether a positive condition gives `key` fixed values (none of them a
    /// bare wildcard).
    pub(crate) fn narrows_key(&self, key: &str) -> bool {
        self.conditions.iter().any(|c| {
            is_positive_operator(&c.operator)
                && c.key.eq_ignore_ascii_case(key)
                && !c.values.is_empty()
                && c.values.iter().all(|v| !is_all_stars(v))
        })
    }

    /// Source keys (`aws:SourceAccount`, `aws:SourceArn`, …) this statement
    /// uses positively.
    pub(crate) fn source_keys(&self) -> Vec<&str> {
        self.conditions
            .iter()
            .filter(|c| is_positive_operator(&c.operator))
            .filter(|c| SOURCE_KEYS.iter().any(|k| k.eq_ignore_ascii_case(&c.key)))
            .filter(|c| !c.values.is_empty() && c.values.iter().all(|v| !is_unrestricted_value(v)))
            .map(|c| c.key.as_str())
            .collect()
    }

    /// Whether a positive condition pins the caller to account `own`:
    /// `aws:PrincipalAccount`/`aws:SourceAccount`/`aws:SourceOwner` equal to
    /// it, or `aws:PrincipalArn` values all in it.
    fn pins_account(&self, own: &str) -> bool {
        self.conditions
            .iter()
            .filter(|c| is_positive_operator(&c.operator))
            .any(|c| {
                let key = c.key.to_ascii_lowercase();
                let vals = &c.values;
                if vals.is_empty() {
                    return false;
                }
                match key.as_str() {
                    "aws:principalaccount" | "aws:sourceaccount" | "aws:sourceowner" => {
                        vals.iter().all(|v| v == own)
                    }
                    "aws:principalarn" => vals.iter().all(|v| principal_account(v) == Some(own)),
                    _ => false,
                }
            })
    }
}

impl Principals {
    fn parse(v: &Value, negated: bool) -> Option<Self> {
        let mut p = Self {
            negated,
            ..Self::default()
        };
        match v {
            Value::String(s) if s == "*" => p.any = true,
            Value::Object(m) => {
                for (k, vals) in m {
                    let vals = strings(vals)?;
                    match k.as_str() {
                        "AWS" => p.aws = vals,
                        "Service" => p.service = vals,
                        "Federated" => p.federated = vals,
                        "CanonicalUser" => p.canonical = vals,
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
        Some(p)
    }

    /// `"*"`, or `*` among the `AWS` or `CanonicalUser` entries.
    pub(crate) fn is_everyone(&self) -> bool {
        self.any || self.aws.iter().chain(&self.canonical).any(|a| a == "*")
    }
}

/// The 12-digit account of an `AWS` principal entry (an account id or an
/// IAM ARN); `None` for `*`, service identities and anything else.
pub(crate) fn principal_account(entry: &str) -> Option<&str> {
    let acct = if entry.starts_with("arn:") {
        entry.split(':').nth(4)?
    } else {
        entry
    };
    (acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit())).then_some(acct)
}

/// IAM wildcard match of `text` against `pattern` (`*` any run, `?` one char).
pub(crate) fn glob_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let states = states_after(&p, text, ignore_case);
    states.last().copied().unwrap_or(false)
}

/// Whether `pattern` matches `prefix` followed by *any* text: `s3:*` covers
/// `s3:`, `*` covers everything, `s3:Get*` does not cover `s3:`.
pub(crate) fn covers_prefix(pattern: &str, prefix: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let states = states_after(&p, prefix, ignore_case);
    (0..p.len()).any(|i| states[i] && p[i..].iter().all(|c| *c == '*'))
}

/// The pattern positions reachable after matching all of `text`
/// (a glob NFA; `states[p.len()]` means a full match).
fn states_after(p: &[char], text: &str, ignore_case: bool) -> Vec<bool> {
    let close = |s: &mut Vec<bool>| {
        for i in 0..p.len() {
            if s[i] && p[i] == '*' {
                s[i + 1] = true;
            }
        }
    };
    let eq = |a: char, b: char| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let mut states = vec![false; p.len() + 1];
    states[0] = true;
    close(&mut states);
    for c in text.chars() {
        let mut next = vec![false; p.len() + 1];
        for i in 0..p.len() {
            if !states[i] {
                continue;
            }
            match p[i] {
                '*' => next[i] = true,
                '?' => next[i + 1] = true,
                pc if eq(pc, c) => next[i + 1] = true,
                _ => {}
            }
        }
        close(&mut next);
        states = next;
    }
    states
}

fn is_all_stars(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '*')
}

/// `*`, `**`, `*:*`: patterns that match every action.
fn matches_every_action(p: &str) -> bool {
    is_all_stars(p)
        || p.split_once(':')
            .is_some_and(|(a, b)| is_all_stars(a) && is_all_stars(b))
}

/// Whether an action pattern can match some action of `service`.
fn touches_service(p: &str, service: &str) -> bool {
    let svc = p.split_once(':').map_or(p, |(s, _)| s);
    glob_match(svc, service, true) || is_all_stars(p)
}

/// Operators whose clause must hold for the statement to apply, even when
/// the key is absent from the request. Negated operators, `…IfExists`,
/// `ForAllValues:` (vacuously true on a missing key) and `Null` do not
/// restrict.
fn is_positive_operator(op: &str) -> bool {
    let op = op.to_ascii_lowercase();
    let op = op.strip_prefix("foranyvalue:").unwrap_or(&op);
    matches!(
        op,
        "stringequals"
            | "stringequalsignorecase"
            | "stringlike"
            | "arnequals"
            | "arnlike"
            | "ipaddress"
    )
}

fn is_unrestricted_value(v: &str) -> bool {
    is_all_stars(v) || v.ends_with("/0")
}

fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

fn scalars(v: &Value) -> Option<Vec<String>> {
    let one = |x: &Value| match x {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        Value::Array(a) => a.iter().map(one).collect(),
        x => one(x).map(|s| vec![s]),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is the point"
)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(v: Value) -> Document {
        Document::parse(&v).unwrap()
    }

    #[test]
    fn globs_match_like_iam() {
        assert!(glob_match("s3:Get*", "s3:GetObject", true));
        assert!(glob_match("S3:get*", "s3:GetObject", true));
        assert!(!glob_match("s3:Get*", "s3:PutObject", true));
        assert!(glob_match("iam:?assRole", "iam:PassRole", true));
        assert!(glob_match("*", "", true));
        assert!(!glob_match("arn:aws:s3:::B/*", "arn:aws:s3:::b/x", false));
        assert!(glob_match("a*b*c", "aXXbYYc", false));
        assert!(!glob_match("a*b*c", "aXXbYY", false));
    }

    #[test]
    fn prefix_cover_needs_a_trailing_star() {
        assert!(covers_prefix("s3:*", "s3:", true));
        assert!(covers_prefix("*", "kms:", true));
        assert!(covers_prefix("*:*", "kms:", true));
        assert!(covers_prefix("k*", "kms:", true));
        assert!(!covers_prefix("s3:Get*", "s3:", true));
        assert!(!covers_prefix("kms:Decrypt", "kms:", true));
        assert!(covers_prefix("arn:aws:s3:::b/*", "arn:aws:s3:::b/", false));
        assert!(covers_prefix("arn:aws:s3:::b*", "arn:aws:s3:::b/", false));
        assert!(!covers_prefix(
            "arn:aws:s3:::b/logs/*",
            "arn:aws:s3:::b/",
            false
        ));
    }

    #[test]
    fn statements_normalize_strings_and_arrays() {
        let one = doc(
            json!({"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}),
        );
        let many = doc(
            json!({"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"]}]}),
        );
        assert_eq!(one, many);
        assert!(doc(json!({"Version": "2012-10-17"})).statements.is_empty());
        let text = json!(
            "{\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":\"iam:*\",\"NotResource\":\"arn:aws:s3:::x\"}]}"
        );
        let s = &doc(text).statements[0];
        assert_eq!(s.effect, Effect::Deny);
        assert_eq!(s.actions, Matcher::AllBut(vec!["iam:*".into()]));
    }

    #[test]
    fn malformed_documents_are_errors_naming_the_fault() {
        assert_eq!(
            Document::parse(&json!([1])),
            Err(PolicyError::NotAnObject("array"))
        );
        assert!(matches!(
            Document::parse(&json!("{nope")),
            Err(PolicyError::InvalidJson(_))
        ));
        let e = Document::parse(
            &json!({"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "Maybe"}]}),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "statement 1 of the policy document is malformed: Effect must be \"Allow\" or \"Deny\""
        );
        let e =
            Document::parse(&json!({"Statement": {"Effect": "Allow", "Action": [1]}})).unwrap_err();
        assert!(e.to_string().contains("Action is not a string"), "{e}");
    }

    #[test]
    fn admin_is_star_on_star_only() {
        let admin =
            doc(json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}));
        assert_eq!(admin.admin_statements().len(), 1);
        let colon = doc(
            json!({"Statement": [{"Effect": "Allow", "Action": ["s3:*", "*:*"], "Resource": ["arn:aws:s3:::x", "*"]}]}),
        );
        assert_eq!(colon.admin_statements().len(), 1);
        for not_admin in [
            json!({"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::x"}]}),
            json!({"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}),
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
            // PowerUserAccess-style: everything but IAM; not `*:*`.
            json!({"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}),
        ] {
            assert!(
                doc(not_admin.clone()).admin_statements().is_empty(),
                "{not_admin}"
            );
        }
    }

    #[test]
    fn full_service_access_sees_wildcards_and_not_action() {
        let kms = |v: Value| {
            doc(json!({"Statement": [v]}))
                .full_service_statements("kms")
                .len()
        };
        assert_eq!(
            kms(json!({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})),
            1
        );
        assert_eq!(
            kms(json!({"Effect": "Allow", "Action": "KMS:*", "Resource": "*"})),
            1
        );
        assert_eq!(
            kms(json!({"Effect": "Allow", "Action": "*", "Resource": "*"})),
            1
        );
        assert_eq!(
            kms(json!({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})),
            1
        );
        assert_eq!(
            kms(json!({"Effect": "Allow", "NotAction": "kms:Decrypt", "Resource": "*"})),
            0
        );
        assert_eq!(
            kms(
                json!({"Effect": "Allow", "Action": "kms:*", "Resource": "arn:aws:kms:eu-west-1:1:key/k"})
            ),
            0
        );
        assert_eq!(
            kms(json!({"Effect": "Allow", "Action": "kms:Get*", "Resource": "*"})),
            0
        );
        assert_eq!(
            kms(json!({"Effect": "Deny", "Action": "kms:*", "Resource": "*"})),
            0
        );
    }

    #[test]
    fn assume_any_role() {
        let n = |v: Value| {
            doc(json!({"Statement": [v]}))
                .assume_any_role_statements()
                .len()
        };
        assert_eq!(
            n(json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"})),
            1
        );
        assert_eq!(
            n(json!({"Effect": "Allow", "Action": "sts:*", "Resource": "arn:aws:iam::*:role/*"})),
            1
        );
        assert_eq!(
            n(
                json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/*"})
            ),
            0
        );
        assert_eq!(
            n(json!({"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"})),
            0
        );
    }

    #[test]
    fn public_principals_and_narrowing_conditions() {
        let public = |v: Value| {
            !doc(json!({"Statement": [v]}))
                .public_statements()
                .is_empty()
        };
        assert!(public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"})
        ));
        assert!(public(
            json!({"Effect": "Allow", "Principal": {"AWS": ["111122223333", "*"]}, "Action": "s3:*"})
        ));
        assert!(public(
            json!({"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"})
        ));
        assert!(!public(
            json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*"})
        ));
        assert!(!public(
            json!({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:*"})
        ));
        assert!(!public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}})
        ));
        // Negated, IfExists and wildcard values do not narrow.
        assert!(public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}}})
        ));
        assert!(public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"StringEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}})
        ));
        assert!(public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}})
        ));
        assert!(public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"StringLike": {"aws:SourceArn": "*"}}})
        ));
        assert!(!public(
            json!({"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"ForAnyValue:IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}})
        ));
    }

    #[test]
    fn secure_transport_deny() {
        let prefix = "arn:aws:s3:::b/";
        let deny = |extra: Value| {
            let mut s = json!({"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}});
            if let (Value::Object(m), Value::Object(e)) = (&mut s, extra) {
                m.extend(e);
            }
            doc(json!({"Statement": [s]})).denies_insecure_transport(prefix)
        };
        assert!(deny(json!({})));
        assert!(deny(
            json!({"Condition": {"Bool": {"aws:SecureTransport": false}}})
        ));
        assert!(deny(json!({"Principal": {"AWS": "*"}, "Action": "*"})));
        assert!(!deny(json!({"Effect": "Allow"})));
        assert!(!deny(json!({"Principal": {"AWS": "111122223333"}})));
        assert!(!deny(json!({"Action": "s3:GetObject"})));
        assert!(!deny(json!({"Resource": "arn:aws:s3:::b"})));
        assert!(!deny(json!({"Resource": "arn:aws:s3:::other/*"})));
        assert!(!deny(
            json!({"Condition": {"Bool": {"aws:SecureTransport": "true"}}})
        ));
        assert!(!deny(
            json!({"Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}})
        ));
    }

    #[test]
    fn cross_account_access() {
        let own = "123456789012";
        let d = doc(json!({"Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:root", "arn:aws:iam::111122223333:role/r", "444455556666"]}, "Action": "s3:GetObject"},
            {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject"},
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::cloudfront:user/CloudFront Origin Access Identity E1"}, "Action": "s3:GetObject"},
            {"Effect": "Deny", "Principal": {"AWS": "999988887777"}, "Action": "s3:*"}
        ]}));
        let x = d.cross_account_access(own);
        assert_eq!(x.accounts, vec!["111122223333", "444455556666"]);
        assert!(x.public_wildcard.is_empty() && x.narrowed_wildcard.is_empty());
        let pinned = doc(
            json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"StringEquals": {"aws:PrincipalAccount": own}}}]}),
        );
        assert_eq!(pinned.cross_account_access(own), CrossAccount::default());
        let org = doc(
            json!({"Statement": [{"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": "s3:*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}]}),
        );
        assert_eq!(org.cross_account_access(own).narrowed_wildcard, vec!["Org"]);
        let public = doc(
            json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:GetObject"}]}),
        );
        assert_eq!(public.cross_account_access(own).public_wildcard, vec!["#0"]);
    }

    #[test]
    fn escalation_needs_every_action_of_a_path() {
        let paths = |v: Value| {
            let d = doc(v);
            escalation_paths(&[&d])
                .iter()
                .map(|p| p.name)
                .collect::<Vec<_>>()
        };
        assert!(
            paths(
                json!({"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}})
            )
            .is_empty()
        );
        assert_eq!(
            paths(
                json!({"Statement": {"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"], "Resource": "*"}})
            ),
            vec!["PassRole+EC2"]
        );
        let iam_put =
            paths(json!({"Statement": {"Effect": "Allow", "Action": "iam:Put*", "Resource": "*"}}));
        assert_eq!(
            iam_put,
            vec!["PutUserPolicy", "PutGroupPolicy", "PutRolePolicy"]
        );
        // An unconditional Deny on everything removes the action.
        assert!(
            paths(json!({"Statement": [
                {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"},
                {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}
            ]}))
            .is_empty()
        );
        // Two documents together complete a path.
        let a = doc(
            json!({"Statement": {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::1:role/x"}}),
        );
        let b =
            doc(json!({"Statement": {"Effect": "Allow", "Action": "ec2:Run*", "Resource": "*"}}));
        assert_eq!(escalation_paths(&[&a, &b]).len(), 1);
        assert!(
            paths(json!({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})).len()
                == ESCALATION_PATHS.len()
        );
    }

    #[test]
    fn principal_accounts() {
        assert_eq!(principal_account("111122223333"), Some("111122223333"));
        assert_eq!(
            principal_account("arn:aws:iam::111122223333:user/a"),
            Some("111122223333")
        );
        assert_eq!(principal_account("*"), None);
        assert_eq!(principal_account("arn:aws:iam::cloudfront:user/x"), None);
    }
}
