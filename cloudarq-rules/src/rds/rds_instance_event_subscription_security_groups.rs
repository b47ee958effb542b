//! `rds_instance_event_subscription_security_groups`: an enabled RDS event
//! subscription in the region sends the configuration changes and failures
//! of DB security groups (FSBP RDS.22).
//!
//! Judged once per region (`AWS::RDS::RegionSettings`): a subscription
//! counts when it is enabled, its source type is `db-security-group` (or it
//! covers every source type and category), and its categories include both
//! `configuration change` and `failure` (or are all). Subscriptions that
//! could not be read are *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::events;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_event_subscription_security_groups",
    title: "An RDS event subscription covers security group configuration changes and failures",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsRegionSettings],
    rationale: "A changed DB security group can open a database to new networks. An event \
                subscription tells the team when a group changes or fails to apply, instead \
                of the next audit.",
    remediation: Remediation {
        cli: "aws rds create-event-subscription --subscription-name rds-security-groups \
              --sns-topic-arn <topic-arn> --source-type db-security-group \
              --event-categories \"configuration change\" failure --enabled --region <region>",
        console: "RDS console > Event subscriptions > Create event subscription > Source type: \
                  Security groups > All security groups > Specific event categories: \
                  configuration change, failure > Create.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Subscribing.html",
    },
    controls: &[fsbp("RDS.22")],
};

/// An RDS event subscription covers security group configuration changes
/// and failures.
pub(crate) struct RdsInstanceEventSubscriptionSecurityGroups;

impl Rule for RdsInstanceEventSubscriptionSecurityGroups {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(events::evaluate(
            resource,
            "db-security-group",
            &["configuration change", "failure"],
            "security group configuration changes and failures",
        ))
    }
}
