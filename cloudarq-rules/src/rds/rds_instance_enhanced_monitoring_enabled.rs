//! `rds_instance_enhanced_monitoring_enabled`: every DB instance has Enhanced
//! Monitoring on (a monitoring interval above zero).
//!
//! Enhanced Monitoring is set per instance, Aurora included. A missing interval
//! is *not collected*.

use crate::controls::{fsbp, nist};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_enhanced_monitoring_enabled",
    title: "RDS DB instance has Enhanced Monitoring enabled",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsDbInstance],
    rationale: "Enhanced Monitoring reports operating-system metrics (processes, memory, I/O) at \
                up to one-second granularity from an agent on the host, which shows incidents and \
                resource abuse that one-minute hypervisor metrics miss.",
    remediation: Remediation {
        cli: "aws rds modify-db-instance --db-instance-identifier <db-id> --monitoring-interval \
              60 --monitoring-role-arn <rds-monitoring-role-arn> --apply-immediately",
        console: "RDS console > Databases > select the instance > Modify > Monitoring > Enable \
                  Enhanced Monitoring > Granularity 60 seconds or less > Continue > Modify DB \
                  instance.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Monitoring.OS.Enabling.html",
    },
    controls: &[fsbp("RDS.6"), nist("CA-7"), nist("CA-7b")],
};

/// RDS DB instance has Enhanced Monitoring enabled.
pub(crate) struct RdsInstanceEnhancedMonitoringEnabled;

impl Rule for RdsInstanceEnhancedMonitoringEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::RdsDbInstance(db) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let id = &db.identifier;
        let Some(interval) = db.monitoring_interval else {
            return Ok(Outcome::not_collected("monitoring_interval"));
        };
        Ok(Outcome::check(
            interval > 0,
            format!("RDS instance {id} sends Enhanced Monitoring metrics every {interval} s"),
            format!("RDS instance {id} has Enhanced Monitoring disabled"),
        )
        .with_evidence(json!({ "monitoring_interval": interval })))
    }
}
