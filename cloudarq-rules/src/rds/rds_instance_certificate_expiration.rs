//! `rds_instance_certificate_expiration`: the CA certificate of the DB
//! instance's server certificate stays valid for more than three months.
//!
//! The instance names its CA (`CACertificateIdentifier`); the region's
//! `DescribeCertificates` gives the CA's `ValidTill`, measured against the
//! snapshot's time. As the peer does: 90 days or more PASS; less FAILs, at
//! the rule's medium severity under 90 days, high under 30 days and
//! critical once expired (clients that verify the server can no longer
//! connect, and clients that stop verifying can be intercepted). A CA the
//! region's listing does not name, or a listing that failed, is *not
//! collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::nist;
use crate::related;

/// Days of validity below which the rule fails.
const WARN_DAYS: i64 = 90;

/// Days of validity below which the failure is of high severity.
const URGENT_DAYS: i64 = 30;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_certificate_expiration",
    title: "RDS DB instance's CA certificate is valid for more than three months",
    severity: Severity::Medium,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "When the CA of an instance's server certificate expires, clients that verify \
                the server refuse to connect, and the usual quick fix, turning verification \
                off, lets anyone on the network path impersonate the database. Rotating to a \
                current CA ahead of time avoids both.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> \
              --ca-certificate-identifier rds-ca-rsa2048-g1 --apply-immediately \
              (update the clients' trust store with the new CA bundle first)",
        console: "RDS console > Databases > the instance > Modify > Connectivity > \
                  Certificate authority: a current CA (for example rds-ca-rsa2048-g1) > \
                  Continue > Apply immediately or in the maintenance window.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL-certificate-rotation.html",
    },
    controls: &[nist("SC-23")],
};

/// RDS DB instance's CA certificate is valid for more than three months.
pub(crate) struct RdsInstanceCertificateExpiration;

impl Rule for RdsInstanceCertificateExpiration {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let Some(ca) = db.ca_certificate.as_deref() else {
            return Ok(Outcome::not_collected("ca_certificate"));
        };
        let Some(settings) = related::rds_region_settings(snapshot, resource.region.as_ref())
        else {
            return Ok(Outcome::not_collected("RDS region settings"));
        };
        let Collected::Value(certificates) = &settings.certificates else {
            return Ok(Outcome::not_collected("certificates"));
        };
        let Some(valid_till) = certificates
            .iter()
            .find(|c| c.identifier == ca)
            .and_then(|c| c.valid_till)
        else {
            return Ok(Outcome::not_collected(format!("certificate {ca}")));
        };
        let id = &db.identifier;
        let days = snapshot.collected_at.days_until(valid_till);
        let evidence = json!({"ca_certificate": ca, "valid_till": valid_till, "days_left": days});
        let outcome = if snapshot.collected_at >= valid_till {
            Outcome::fail(format!(
                "RDS instance {id} uses CA {ca}, which expired on {valid_till}"
            ))
            .with_severity(Severity::Critical, "the CA certificate has expired")
        } else if days < URGENT_DAYS {
            Outcome::fail(format!(
                "RDS instance {id} uses CA {ca}, which expires in {days} day(s), on {valid_till}"
            ))
            .with_severity(Severity::High, "the CA certificate expires within 30 days")
        } else if days < WARN_DAYS {
            Outcome::fail(format!(
                "RDS instance {id} uses CA {ca}, which expires in {days} days, on {valid_till}"
            ))
        } else {
            Outcome::pass(format!(
                "RDS instance {id} uses CA {ca}, valid for {days} more days (until {valid_till})"
            ))
        };
        Ok(outcome.with_evidence(evidence))
    }
}
