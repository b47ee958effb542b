//! `iam_root_hardware_mfa_enabled`: the root user's MFA is a hardware device.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use super::account;
use crate::controls::{cis3, cis7, fsbp, nist};

/// The root user's MFA is a hardware device, not a virtual one.
///
/// No MFA at all is a FAIL. An active MFA device is hardware when it is not
/// among the account's virtual MFA devices; when that list could not be read
/// the outcome is *not collected*, never a guess.
pub(crate) struct IamRootHardwareMfaEnabled;

static META: RuleMeta = RuleMeta {
    id: "iam_root_hardware_mfa_enabled",
    title: "Root user uses a hardware MFA device",
    severity: Severity::Critical,
    service: Service::Iam,
    resource_types: &[ResourceType::IamAccount],
    rationale: "A virtual MFA app lives on a phone or computer that can be lost, cloned or \
        compromised along with other credentials. A dedicated hardware device (FIDO security key or \
        hardware TOTP token) keeps the root user's second factor off general-purpose devices.",
    remediation: Remediation {
        cli: "# Root MFA is managed only by the root user itself; there is no IAM API call for it.\n\
              # Check which devices are virtual:\n\
              aws iam list-virtual-mfa-devices --assignment-status Assigned",
        console: "Sign in as the root user > Security credentials > Multi-factor authentication (MFA) > \
                  Assign MFA device > Passkey or security key / Hardware TOTP token; then remove the \
                  virtual device.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-hw-mfa-for-root.html",
    },
    controls: &[cis3("1.6"), cis7("2.6"), fsbp("IAM.6"), nist("IA-2(6)")],
};

impl Rule for IamRootHardwareMfaEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(acct) = account(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let id = snapshot.account_id.as_str();
        let Some(root) = acct.root.value() else {
            return Ok(Outcome::not_collected("root"));
        };
        if !root.mfa_active {
            return Ok(Outcome::fail(format!(
                "root user of account {id} has no MFA device at all"
            ))
            .with_evidence(json!({"root_mfa_active": false})));
        }
        Ok(match root.virtual_mfa {
            Collected::NotCollected => Outcome::not_collected("root.virtual_mfa"),
            Collected::Value(true) => Outcome::fail(format!(
                "root user of account {id} uses a virtual MFA device, not a hardware one"
            ))
            .with_evidence(json!({"root_mfa_active": true, "virtual_mfa": true})),
            Collected::Value(false) => Outcome::pass(format!(
                "root user of account {id} uses a hardware MFA device"
            ))
            .with_evidence(json!({"root_mfa_active": true, "virtual_mfa": false})),
        })
    }
}
