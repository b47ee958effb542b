//! `config_recorder_all_regions_enabled`: in every collected region, AWS
//! Config records every supported resource type, and some region records
//! the global IAM resource types.
//!
//! The check runs once per region (`AWS::Config::RegionSettings`). A region
//! passes when one of its customer managed recorders records all supported
//! resource types (`allSupported`, and the `ALL_SUPPORTED_RESOURCE_TYPES`
//! strategy when one is set), is recording, and its latest recording event
//! did not fail (`lastStatus` is not `Failure`). Service-linked recorders,
//! which record only for the service that owns them, do not count.
//!
//! Global IAM resource types need recording in one region only, so a
//! region whose recorder leaves them out still passes when another
//! collected region has a passing recorder that includes them; when none
//! does, the region fails, and when another region's recorders could not
//! be read, it is not collected. The judgment covers the scanned regions
//! only: a recorder in a region the scan skipped is not seen.
//!
//! Delivery channels are evidence, not a condition: Config refuses to start
//! a recorder without one and to delete the last one while it records.

use cloudarq_model::inventory::config::{ConfigRegionSettings, ConfigurationRecorder};
use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis3, cis7, nist};

static META: RuleMeta = RuleMeta {
    id: "config_recorder_all_regions_enabled",
    title: "AWS Config records every supported resource type in the region",
    severity: Severity::Medium,
    service: Service::Config,
    resource_types: &[ResourceType::ConfigRegionSettings],
    rationale: "AWS Config keeps the configuration history of the account's resources and \
                records every change. Without it in a region, nobody can tell what a resource \
                looked like before an incident, who changed it, or which resources exist at all; \
                a recorder that is stopped, failing, or limited to some resource types leaves the \
                same blind spots.",
    remediation: Remediation {
        cli: "aws configservice put-configuration-recorder --region <region> \
              --configuration-recorder name=default,roleARN=<role-arn> \
              --recording-group allSupported=true,includeGlobalResourceTypes=true\n\
              aws configservice put-delivery-channel --region <region> \
              --delivery-channel name=default,s3BucketName=<bucket>\n\
              aws configservice start-configuration-recorder --region <region> \
              --configuration-recorder-name default",
        console: "AWS Config console (in each region) > Settings > Edit > Recording strategy: \
                  All resource types with customizable overrides (no overrides), include \
                  globally recorded IAM resource types in one region > choose a delivery bucket \
                  > Save, then Start recording.",
        url: "https://docs.aws.amazon.com/config/latest/developerguide/stop-start-recorder.html",
    },
    controls: &[cis3("3.3"), cis7("4.3"), nist("CM-8(2)")],
};

/// AWS Config records every supported resource type in the region.
pub(crate) struct ConfigRecorderAllRegionsEnabled;

/// What a region's recorders show.
enum Recording<'a> {
    /// This recorder records everything and is healthy.
    Yes(&'a ConfigurationRecorder),
    /// No recorder records everything and is healthy; why not.
    No(String),
    /// A field that decides it was not collected.
    Unknown(&'static str),
}

/// Whether the region's recorders record every supported resource type;
/// among several that do, one that includes the global types is preferred.
fn recording(s: &ConfigRegionSettings) -> Recording<'_> {
    let Collected::Value(recorders) = &s.recorders else {
        return Recording::Unknown("recorders");
    };
    let mut unknown = false;
    let mut best: Option<&ConfigurationRecorder> = None;
    let mut why = None;
    for r in recorders.iter().filter(|r| r.records_all_resource_types()) {
        match &r.status {
            Collected::NotCollected => unknown = true,
            Collected::Value(Some(st)) if st.healthy() => {
                if best.is_none_or(|b| !b.include_global_resource_types) {
                    best = Some(r);
                }
            }
            Collected::Value(Some(st)) if st.recording => {
                why = Some(format!("its recorder {} failed its last recording", r.name));
            }
            Collected::Value(_) => {
                why = Some(format!("its recorder {} is not recording", r.name));
            }
        }
    }
    if let Some(r) = best {
        return Recording::Yes(r);
    }
    if unknown {
        return Recording::Unknown("recorders.status");
    }
    Recording::No(why.unwrap_or_else(|| {
        if recorders
            .iter()
            .any(ConfigurationRecorder::customer_managed)
        {
            "no recorder records every supported resource type".to_owned()
        } else {
            "it has no configuration recorder".to_owned()
        }
    }))
}

fn settings(r: &Resource) -> Option<&ConfigRegionSettings> {
    match &r.properties {
        Properties::ConfigRegionSettings(s) => Some(s),
        _ => None,
    }
}

/// What the evidence shows of the region's recorders and channels.
fn evidence(s: &ConfigRegionSettings) -> serde_json::Value {
    let recorders = match &s.recorders {
        Collected::Value(rs) => json!(
            rs.iter()
                .map(|r| {
                    let status = match &r.status {
                        Collected::Value(Some(st)) => json!({
                            "recording": st.recording,
                            "last_status": st.last_status,
                            "last_error_code": st.last_error_code,
                        }),
                        Collected::Value(None) => json!(null),
                        Collected::NotCollected => json!("not_collected"),
                    };
                    json!({
                        "name": r.name,
                        "all_supported": r.all_supported,
                        "include_global_resource_types": r.include_global_resource_types,
                        "recording_strategy": r.recording_strategy,
                        "service_principal": r.service_principal,
                        "status": status,
                    })
                })
                .collect::<Vec<_>>()
        ),
        Collected::NotCollected => json!("not_collected"),
    };
    let channels = match &s.delivery_channels {
        Collected::Value(cs) => json!(cs.iter().map(|c| &c.name).collect::<Vec<_>>()),
        Collected::NotCollected => json!("not_collected"),
    };
    json!({"recorders": recorders, "delivery_channels": channels})
}

impl Rule for ConfigRecorderAllRegionsEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Some(s) = settings(resource) else {
            return Ok(Outcome::not_applicable());
        };
        let region = resource
            .region
            .as_ref()
            .map_or("the region", |r| r.as_str());
        let recorder = match recording(s) {
            Recording::Unknown(field) => return Ok(Outcome::not_collected(field)),
            Recording::No(why) => {
                return Ok(Outcome::fail(format!(
                    "AWS Config does not record every resource type in {region}: {why}"
                ))
                .with_evidence(evidence(s)));
            }
            Recording::Yes(r) => r,
        };
        let pass = |global: String| {
            Ok(Outcome::pass(format!(
                "AWS Config recorder {} records every supported resource type in {region}; {global}",
                recorder.name
            ))
            .with_evidence(evidence(s)))
        };
        if recorder.include_global_resource_types {
            return pass("it also records the global IAM resource types".to_owned());
        }
        // Global IAM types: one region's recorder is enough.
        let mut unknown = None;
        for other in snapshot.of_type(ResourceType::ConfigRegionSettings) {
            if other.arn == resource.arn {
                continue;
            }
            let Some(os) = settings(other) else { continue };
            match recording(os) {
                Recording::Yes(r) if r.include_global_resource_types => {
                    let at = other.region.as_ref().map_or("", |r| r.as_str());
                    return pass(format!("global IAM resource types are recorded in {at}"));
                }
                Recording::Unknown(field) => unknown = Some(field),
                Recording::Yes(_) | Recording::No(_) => {}
            }
        }
        if let Some(field) = unknown {
            return Ok(Outcome::not_collected(field));
        }
        Ok(Outcome::fail(format!(
            "AWS Config records every regional resource type in {region}, but no scanned region \
             records the global IAM resource types"
        ))
        .with_evidence(evidence(s)))
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    reason = "a test that unwraps fails loudly, which is the point"
)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    fn arn(region: &str) -> String {
        format!("arn:aws:config:{region}:123456789012:account")
    }

    fn settings_in(region: &str, recorders: serde_json::Value) -> Resource {
        resource(
            json!({"arn": arn(region), "region": region, "name": "123456789012",
            "properties": {"AWS::Config::RegionSettings": {
                "recorders": recorders, "delivery_channels": {"value": []}}}}),
        )
    }

    fn recorder(fields: serde_json::Value) -> serde_json::Value {
        let mut r = json!({"name": "default", "all_supported": true,
            "include_global_resource_types": true,
            "recording_strategy": "ALL_SUPPORTED_RESOURCE_TYPES",
            "status": {"value": {"recording": true, "last_status": "Success"}}});
        for (k, v) in fields.as_object().unwrap() {
            r[k] = v.clone();
        }
        r
    }

    fn verdict(recorders: serde_json::Value) -> &'static str {
        let snap = snapshot(vec![settings_in("eu-west-1", recorders)]);
        kind(&eval(
            &ConfigRecorderAllRegionsEnabled,
            &snap,
            &arn("eu-west-1"),
        ))
    }

    #[test]
    fn a_healthy_recorder_of_everything_passes() {
        assert_eq!(verdict(json!({"value": [recorder(json!({}))]})), "pass");
        // Recorders set up before recording strategies existed.
        assert_eq!(
            verdict(json!({"value": [recorder(json!({"recording_strategy": null}))]})),
            "pass"
        );
        // Pending right after a start is not a failure.
        let pending = json!({"value": {"recording": true, "last_status": "Pending"}});
        assert_eq!(
            verdict(json!({"value": [recorder(json!({"status": pending}))]})),
            "pass"
        );
    }

    #[test]
    fn missing_partial_stopped_failing_and_service_linked_recorders_fail() {
        assert_eq!(verdict(json!({"value": []})), "fail");
        assert_eq!(
            verdict(json!({"value": [recorder(json!({"all_supported": false,
                "recording_strategy": "INCLUSION_BY_RESOURCE_TYPES",
                "resource_types": ["AWS::S3::Bucket"]}))]})),
            "fail"
        );
        assert_eq!(
            verdict(json!({"value": [recorder(json!({
                "recording_strategy": "EXCLUSION_BY_RESOURCE_TYPES"}))]})),
            "fail"
        );
        let stopped = json!({"value": {"recording": false, "last_status": "Success"}});
        assert_eq!(
            verdict(json!({"value": [recorder(json!({"status": stopped}))]})),
            "fail"
        );
        for failure in ["Failure", "FAILURE"] {
            let failing = json!({"value": {"recording": true, "last_status": failure}});
            assert_eq!(
                verdict(json!({"value": [recorder(json!({"status": failing}))]})),
                "fail",
                "{failure}"
            );
        }
        assert_eq!(
            verdict(json!({"value": [recorder(json!({"status": {"value": null}}))]})),
            "fail"
        );
        let linked = recorder(
            json!({"service_principal": "observabilityadmin.amazonaws.com",
            "recording_scope": "INTERNAL"}),
        );
        let snap = snapshot(vec![settings_in("eu-west-1", json!({"value": [linked]}))]);
        let out = eval(&ConfigRecorderAllRegionsEnabled, &snap, &arn("eu-west-1"));
        assert_eq!(kind(&out), "fail");
        assert!(message(&out).contains("eu-west-1"), "{}", message(&out));
        assert!(message(&out).contains("no configuration recorder"));
    }

    #[test]
    fn unread_recorders_or_statuses_are_not_collected() {
        assert_eq!(verdict(json!("not_collected")), "not_collected");
        assert_eq!(
            verdict(json!({"value": [recorder(json!({"status": "not_collected"}))]})),
            "not_collected"
        );
        // A partial recorder's unread status does not matter: it fails anyway.
        assert_eq!(
            verdict(json!({"value": [recorder(json!({"all_supported": false,
                "status": "not_collected"}))]})),
            "fail"
        );
    }

    #[test]
    fn global_types_are_needed_in_one_scanned_region() {
        let no_global =
            json!({"value": [recorder(json!({"include_global_resource_types": false}))]});
        let global = json!({"value": [recorder(json!({}))]});
        let eval_in = |others: Vec<Resource>| {
            let mut all = vec![settings_in("eu-west-1", no_global.clone())];
            all.extend(others);
            let snap = snapshot(all);
            eval(&ConfigRecorderAllRegionsEnabled, &snap, &arn("eu-west-1"))
        };
        assert_eq!(kind(&eval_in(vec![])), "fail");
        let out = eval_in(vec![settings_in("us-east-1", global.clone())]);
        assert_eq!(kind(&out), "pass");
        assert!(
            message(&out).contains("recorded in us-east-1"),
            "{}",
            message(&out)
        );
        // Another region that includes them but does not record: no help.
        let stopped = json!({"value": [recorder(json!({
            "status": {"value": {"recording": false}}}))]});
        assert_eq!(
            kind(&eval_in(vec![settings_in("us-east-1", stopped)])),
            "fail"
        );
        assert_eq!(
            kind(&eval_in(vec![settings_in(
                "us-east-1",
                json!("not_collected")
            )])),
            "not_collected"
        );
    }
}
