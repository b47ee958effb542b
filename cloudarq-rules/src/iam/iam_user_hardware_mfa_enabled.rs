//! `iam_user_hardware_mfa_enabled`: IAM users' MFA is a hardware device.

use crate::controls::nist;
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

/// The IAM user has MFA, and none of it is a virtual device.
///
/// A user with no MFA fails, as does a user with a virtual device assigned
/// (as in Prowler, even alongside a hardware one: the weaker factor still
/// signs in). When the virtual-device list could not be read, the outcome is
/// *not collected*. CIS and FSBP ask for hardware MFA for root only; mapped
/// to NIST 800-53 IA-2(6), whose separate device must meet the defined
/// strength of mechanism.
pub(crate) struct IamUserHardwareMfaEnabled;

static META: RuleMeta = RuleMeta {
    id: "iam_user_hardware_mfa_enabled",
    title: "IAM user uses a hardware MFA device",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "Hardware security keys and tokens keep the second factor off phones and computers \
        that can be cloned or compromised; FIDO keys also resist phishing.",
    remediation: Remediation {
        cli: "aws iam list-mfa-devices --user-name <user>\n\
              aws iam deactivate-mfa-device --user-name <user> --serial-number <virtual-device-arn>\n\
              aws iam enable-mfa-device --user-name <user> --serial-number <hardware-serial> \\\n\
              --authentication-code1 <code1> --authentication-code2 <code2>",
        console: "IAM > Users > <user> > Security credentials > Assign MFA device > Passkey or \
                  security key / Hardware TOTP token; then remove the virtual device.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_physical.html",
    },
    controls: &[nist("IA-2(6)")],
};

impl Rule for IamUserHardwareMfaEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamUser(u) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let name = &u.user_name;
        let Some(c) = u.credentials.value() else {
            return Ok(Outcome::not_collected("credentials"));
        };
        if !c.mfa_active {
            return Ok(Outcome::fail(format!("user {name} has no MFA device"))
                .with_evidence(json!({"mfa_active": false})));
        }
        Ok(match u.virtual_mfa {
            Collected::NotCollected => Outcome::not_collected("virtual_mfa"),
            Collected::Value(true) => Outcome::fail(format!(
                "user {name} has a virtual MFA device, not only hardware ones"
            ))
            .with_evidence(json!({"mfa_active": true, "virtual_mfa": true})),
            Collected::Value(false) => {
                Outcome::pass(format!("user {name} uses a hardware MFA device"))
                    .with_evidence(json!({"mfa_active": true, "virtual_mfa": false}))
            }
        })
    }
}
