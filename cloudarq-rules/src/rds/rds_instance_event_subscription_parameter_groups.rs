//! `rds_instance_event_subscription_parameter_groups`: an enabled RDS event
//! subscription in the region sends the configuration changes of DB
//! parameter groups (FSBP RDS.21).
//!
//! Judged once per region (`AWS::RDS::RegionSettings`): a subscription
//! counts when it is enabled, its source type is `db-parameter-group` (or
//! it covers every source type and category), and its categories include
//! `configuration change` (or are all). As for the peer and FSBP, a
//! subscription limited to some groups (`SourceIds`) counts. Subscriptions
//! that could not be read are *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::events;
use crate::controls::fsbp;

static META: RuleMeta = RuleMeta {
    id: "rds_instance_event_subscription_parameter_groups",
    title: "An RDS event subscription covers parameter group configuration changes",
    severity: Severity::Low,
    service: Service::Rds,
    resource_types: &[ResourceType::RdsRegionSettings],
    rationale: "A changed parameter group can turn off TLS enforcement, logging or auditing \
                for every database that uses it. An event subscription tells the team when \
                that happens, instead of the next audit.",
    remediation: Remediation {
        cli: "aws rds create-event-subscription --subscription-name rds-parameter-groups \
              --sns-topic-arn <topic-arn> --source-type db-parameter-group \
              --event-categories \"configuration change\" --enabled --region <region>",
        console: "RDS console > Event subscriptions > Create event subscription > Source type: \
                  Parameter groups > All parameter groups > Specific event categories: \
                  configuration change > Create.",
        url: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Subscribing.html",
    },
    controls: &[fsbp("RDS.21")],
};

/// An RDS event subscription covers parameter group configuration changes.
pub(crate) struct RdsInstanceEventSubscriptionParameterGroups;

impl Rule for RdsInstanceEventSubscriptionParameterGroups {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(events::evaluate(
            resource,
            "db-parameter-group",
            &["configuration change"],
            "parameter group configuration changes",
        ))
    }
}
