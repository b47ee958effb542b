//! `iam_no_expired_server_certificates_stored`: no SSL/TLS certificate
//! stored in IAM has expired.
//!
//! Judged per certificate against the snapshot's `collected_at`. A
//! certificate whose expiration IAM did not return is *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7};

static META: RuleMeta = RuleMeta {
    id: "iam_no_expired_server_certificates_stored",
    title: "No expired SSL/TLS certificate is stored in IAM",
    severity: Severity::Medium,
    service: Service::Iam,
    resource_types: &[ResourceType::IamServerCertificate],
    rationale: "An expired certificate left in IAM can still be attached to a load balancer \
                or CloudFront distribution by mistake, which breaks TLS for its users or \
                trains them to click through warnings. Deleting expired certificates keeps \
                only usable ones selectable.",
    remediation: Remediation {
        cli: "aws iam list-server-certificates\n\
              aws iam delete-server-certificate --server-certificate-name <name>",
        console: "IAM has no console page for server certificates: use the CLI or API to list \
                  them and delete the expired ones (after checking nothing still uses them).",
        url: "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_server-certs.html",
    },
    controls: &[cis3("1.19"), cis7("2.17")],
};

/// No expired certificate is stored.
pub(crate) struct IamNoExpiredServerCertificatesStored;

impl Rule for IamNoExpiredServerCertificatesStored {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::IamServerCertificate(c) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Some(expiration) = c.expiration else {
            return Ok(Outcome::not_collected("expiration"));
        };
        let now = snapshot.collected_at;
        Ok(Outcome::check(
            expiration > now,
            format!("server certificate {} is valid until {expiration}", c.name),
            format!("server certificate {} expired on {expiration}", c.name),
        )
        .with_evidence(
            json!({"expiration": expiration, "expired_days": expiration.days_until(now).max(0)}),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, resource, snapshot};

    const ARN: &str = "arn:aws:iam::123456789012:server-certificate/web";

    fn verdict(expiration: serde_json::Value) -> &'static str {
        let snap = snapshot(vec![resource(
            json!({"arn": ARN, "region": null, "name": "web",
            "properties": {"AWS::IAM::ServerCertificate": {"name": "web", "id": "ASCA1",
                "path": "/", "expiration": expiration}}}),
        )]);
        kind(&eval(&IamNoExpiredServerCertificatesStored, &snap, ARN))
    }

    #[test]
    fn expired_fails_valid_passes_unknown_is_not_collected() {
        // The test snapshot is taken at 2026-06-01T00:00:00Z.
        assert_eq!(verdict(json!("2026-05-31T23:59:59Z")), "fail");
        assert_eq!(verdict(json!("2026-06-01T00:00:00Z")), "fail");
        assert_eq!(verdict(json!("2027-01-01T00:00:00Z")), "pass");
        assert_eq!(verdict(json!(null)), "not_collected");
    }
}
