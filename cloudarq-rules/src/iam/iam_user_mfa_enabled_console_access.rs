//! `iam_user_mfa_enabled_console_access`: users who can sign in to the console have MFA.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7, fsbp, nist};

/// Every IAM user with a console password has an MFA device.
///
/// A user without a console password passes: it cannot sign in to the
/// console at all.
pub(crate) struct IamUserMfaEnabledConsoleAccess;

static META: RuleMeta = RuleMeta {
    id: "iam_user_mfa_enabled_console_access",
    title: "IAM user with console access has MFA enabled",
    severity: Severity::High,
    service: Service::Iam,
    resource_types: &[ResourceType::IamUser],
    rationale: "A console password can be phished, guessed or reused from another breach. MFA keeps \
        a stolen password alone from opening the console.",
    remediation: Remediation {
        cli: "aws iam create-virtual-mfa-device --virtual-mfa-device-name <user> \\\n\
              --outfile <user>-qr.png --bootstrap-method QRCodePNG\n\
              aws iam enable-mfa-device --user-name <user> \\\n\
              --serial-number arn:aws:iam::<account>:mfa/<user> \\\n\
              --authentication-code1 <code1> --authentication-code2 <code2>\n\
              # or, if the user does not need the console:\n\
              aws iam delete-login-profile --user-name <user>",
        console: "IAM > Users > <user> > Security credentials > Multi-factor authentication (MFA) > \
                  Assign MFA device. Or Console access > Disable, if the user does not need it.",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable_virtual.html",
    },
    controls: &[
        cis3("1.10"),
        cis7("2.10"),
        fsbp("IAM.5"),
        nist("IA-2(1)"),
        nist("IA-2(2)"),
        nist("IA-2(6)"),
        nist("IA-2(6)(a)"),
        nist("IA-2(8)"),
    ],
};

impl Rule for IamUserMfaEnabledConsoleAccess {
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
        let evidence = json!({"password_enabled": c.password_enabled, "mfa_active": c.mfa_active});
        if !c.password_enabled {
            return Ok(
                Outcome::pass(format!("user {name} has no console password"))
                    .with_evidence(evidence),
            );
        }
        Ok(Outcome::check(
            c.mfa_active,
            format!("user {name} has console access and MFA enabled"),
            format!("user {name} has console access without MFA"),
        )
        .with_evidence(evidence))
    }
}
