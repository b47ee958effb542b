//! `elbv2_logging_enabled`: an Application Load Balancer, or a Network Load
//! Balancer with a TLS listener, writes access logs to S3.
//!
//! ELB writes access logs only for what it terminates: every request of an
//! Application Load Balancer, and the TLS connections of a Network Load
//! Balancer (a TCP or UDP listener produces none). So a Network Load
//! Balancer without a TLS listener, and every Gateway Load Balancer (which
//! has no access logs), is not judged; the peer fails both, which no
//! setting can fix. `access_logs.s3.enabled` must be `"true"`: ELB leaving
//! the attribute out is logging off. Attributes, or for a Network Load
//! Balancer its listeners, that could not be read are *not collected*.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Collected, Properties, Resource, ResourceType, Service, Snapshot};
use serde_json::json;

use crate::controls::{cis7, nist};

/// The attribute that turns access logging on.
const ACCESS_LOGS: &str = "access_logs.s3.enabled";

static META: RuleMeta = RuleMeta {
    id: "elbv2_logging_enabled",
    title: "Application and TLS Network Load Balancers write access logs",
    severity: Severity::Medium,
    service: Service::Elbv2,
    resource_types: &[ResourceType::Elbv2LoadBalancer],
    rationale: "Access logs record each request (Application Load Balancer) or TLS \
                connection (Network Load Balancer): the client address, time, path, \
                response and TLS details. Without them there is no record of who reached \
                the application through the load balancer, for incident response or for \
                spotting scans and abuse.",
    remediation: Remediation {
        cli: "aws elbv2 modify-load-balancer-attributes --load-balancer-arn <arn> --attributes \
              Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=<bucket> \
              [Key=access_logs.s3.prefix,Value=<prefix>]\n\
              # the bucket policy must let the region's ELB log delivery principal write to it",
        console: "EC2 console > Load Balancers > <load balancer> > Attributes > Edit > \
                  Monitoring: turn on Access logs, choose the S3 bucket > Save changes.",
        url: "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html",
    },
    controls: &[cis7("4.10"), nist("AU-12a"), nist("AU-12c")],
};

/// Application and TLS Network Load Balancers write access logs.
pub(crate) struct Elbv2LoggingEnabled;

impl Rule for Elbv2LoggingEnabled {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, _snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        let Properties::Elbv2LoadBalancer(lb) = &resource.properties else {
            return Ok(Outcome::not_applicable());
        };
        let kind = lb.load_balancer_type.as_str();
        let tls_ports: Vec<u16> = match kind {
            "application" => Vec::new(),
            "network" => {
                let Collected::Value(listeners) = &lb.listeners else {
                    return Ok(Outcome::not_collected("listeners"));
                };
                let tls: Vec<u16> = listeners
                    .iter()
                    .filter(|l| l.protocol.as_deref() == Some("TLS"))
                    .filter_map(|l| l.port)
                    .collect();
                if tls.is_empty() {
                    // TCP and UDP listeners produce no access logs.
                    return Ok(Outcome::not_applicable());
                }
                tls
            }
            _ => return Ok(Outcome::not_applicable()),
        };
        let enabled = match lb.attribute(ACCESS_LOGS) {
            Collected::NotCollected => return Ok(Outcome::not_collected("attributes")),
            Collected::Value(v) => v == Some("true"),
        };
        let bucket = match lb.attribute("access_logs.s3.bucket") {
            Collected::Value(Some(b)) if !b.is_empty() => Some(b),
            _ => None,
        };
        let evidence = json!({
            "type": kind,
            "access_logs_enabled": enabled,
            "bucket": bucket,
            "tls_listener_ports": tls_ports,
        });
        let name = &resource.name;
        let label = if kind == "network" {
            "Network Load Balancer"
        } else {
            "Application Load Balancer"
        };
        let outcome = if enabled {
            Outcome::pass(format!(
                "{label} {name} writes access logs to S3 bucket {}",
                bucket.unwrap_or("(not named)")
            ))
        } else {
            Outcome::fail(format!("{label} {name} does not write access logs"))
        };
        Ok(outcome.with_evidence(evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{eval, kind, message, resource, snapshot};

    const ARN: &str =
        "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/web/50dc6c495c0c9188";

    fn outcome(props: serde_json::Value) -> Outcome {
        let r = resource(json!({"arn": ARN, "region": "eu-west-1", "name": "web",
            "properties": {"AWS::ElasticLoadBalancingV2::LoadBalancer": props}}));
        eval(&Elbv2LoggingEnabled, &snapshot(vec![r]), ARN)
    }

    #[test]
    fn application_load_balancers_need_access_logs() {
        let on = outcome(json!({"load_balancer_type": "application",
            "attributes": {"value": {"access_logs.s3.enabled": "true",
                "access_logs.s3.bucket": "elb-logs"}},
            "listeners": "not_collected"}));
        assert_eq!(kind(&on), "pass");
        assert_eq!(
            message(&on),
            "Application Load Balancer web writes access logs to S3 bucket elb-logs"
        );
        let off = outcome(json!({"load_balancer_type": "application",
            "attributes": {"value": {"access_logs.s3.enabled": "false"}}}));
        assert_eq!(kind(&off), "fail");
        // ELB leaving the attribute out is logging off, not unknown.
        let absent = outcome(json!({"load_balancer_type": "application",
            "attributes": {"value": {}}}));
        assert_eq!(kind(&absent), "fail");
        let unread = outcome(json!({"load_balancer_type": "application",
            "attributes": "not_collected"}));
        assert_eq!(kind(&unread), "not_collected");
    }

    #[test]
    fn network_load_balancers_are_judged_only_with_a_tls_listener() {
        let tcp = outcome(json!({"load_balancer_type": "network",
            "attributes": {"value": {"access_logs.s3.enabled": "false"}},
            "listeners": {"value": [{"port": 80, "protocol": "TCP"}]}}));
        assert_eq!(kind(&tcp), "not_applicable");
        let tls = outcome(json!({"load_balancer_type": "network",
            "attributes": {"value": {"access_logs.s3.enabled": "false"}},
            "listeners": {"value": [{"port": 80, "protocol": "TCP"},
                {"port": 443, "protocol": "TLS", "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}]}}));
        assert_eq!(kind(&tls), "fail");
        assert_eq!(
            message(&tls),
            "Network Load Balancer web does not write access logs"
        );
        let unread = outcome(json!({"load_balancer_type": "network",
            "attributes": {"value": {"access_logs.s3.enabled": "false"}},
            "listeners": "not_collected"}));
        assert_eq!(kind(&unread), "not_collected");
        let gwlb = outcome(json!({"load_balancer_type": "gateway",
            "attributes": {"value": {}}, "listeners": {"value": []}}));
        assert_eq!(kind(&gwlb), "not_applicable");
    }
}
