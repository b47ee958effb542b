//! Confidential-workload hosts: EC2 instances with Nitro Enclaves enabled,
//! the parents of the enclaves they run. The five
//! `ec2_confidential_workload_host_*` rules judge the host environment (its
//! metadata service, addresses, security groups and state), never the
//! enclave's own isolation, which these settings do not weaken.
//!
//! Whether enclaves are enabled comes from the instance's
//! `AWS::EC2::InstanceConfiguration` companion; an instance whose companion
//! is not in the snapshot is *not collected* by every rule here.

use cloudarq_model::inventory::ec2::{Instance, InstanceConfiguration};
use cloudarq_model::rule::{Outcome, RuleMeta};
use cloudarq_model::{Properties, Resource, Snapshot};

use super::exposure::{self, Traffic};
use crate::related;

/// What every host finding says about its scope.
pub(crate) const HOST_SCOPE: &str =
    "This concerns the enclave's host instance; the enclave's own isolation is unaffected.";

/// An instance that hosts confidential workloads, with its configuration.
pub(crate) struct Host<'a> {
    pub(crate) instance: &'a Instance,
    pub(crate) configuration: &'a InstanceConfiguration,
}

/// The instance as an enclave host: `Err` with the outcome to return when
/// it is not one (not applicable) or when it cannot be told (not
/// collected). `states` are the instance states a rule judges.
pub(crate) fn host<'a>(
    resource: &'a Resource,
    snapshot: &'a Snapshot,
    states: &[&str],
) -> Result<Host<'a>, Outcome> {
    let Properties::Ec2Instance(instance) = &resource.properties else {
        return Err(Outcome::not_applicable());
    };
    let Some(configuration) = related::instance_configuration(snapshot, resource) else {
        return Err(Outcome::not_collected("instance configuration"));
    };
    if !configuration.enclaves_enabled {
        return Err(Outcome::not_applicable());
    }
    match instance.state.as_deref() {
        Some(s) if states.contains(&s) => Ok(Host {
            instance,
            configuration,
        }),
        Some(_) => Err(Outcome::not_applicable()),
        None => Err(Outcome::not_collected("state")),
    }
}

/// The states in which a host is judged for its exposure and metadata
/// service: all but pending and the terminated or terminating ones (as the
/// peer).
pub(crate) const LIVE_STATES: &[&str] = &["running", "stopping", "stopped"];

/// An enclave host's internet exposure to `traffic` through its security
/// groups, judged as the instance port rules judge it
/// ([`exposure::instance`]); other instances are not applicable.
pub(crate) fn exposure(
    meta: &RuleMeta,
    resource: &Resource,
    snapshot: &Snapshot,
    traffic: Traffic,
) -> Outcome {
    match host(resource, snapshot, LIVE_STATES) {
        Ok(_) => exposure::instance(meta, resource, snapshot, traffic),
        Err(outcome) => outcome,
    }
}
