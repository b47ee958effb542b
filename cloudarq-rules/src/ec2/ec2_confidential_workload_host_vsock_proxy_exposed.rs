//! `ec2_confidential_workload_host_vsock_proxy_exposed`: no security group
//! of an instance hosting Nitro Enclaves admits `0.0.0.0/0` or `::/0` on a
//! TCP port a vsock proxy usually listens on: 5000, 8000 to 8090 and 9000
//! (the peer's default list; a heuristic, since any service may use them).
//!
//! vsock is not reachable over IP, but a vsock proxy on the host bridges
//! TCP to the enclave's channel. Judged as the instance port rules are
//! (`exposure::instance`); pending and terminated or terminating hosts are
//! not judged.

use cloudarq_model::rule::{Outcome, Remediation, Rule, RuleError, RuleMeta, Severity};
use cloudarq_model::{Resource, ResourceType, Service, Snapshot};

use super::enclave;
use super::exposure::Traffic;
use crate::controls::nist;

/// The TCP ports vsock proxies usually listen on.
const VSOCK_PROXY_PORTS: &[(i32, i32)] = &[(5000, 5000), (8000, 8090), (9000, 9000)];

static META: RuleMeta = RuleMeta {
    id: "ec2_confidential_workload_host_vsock_proxy_exposed",
    title: "Nitro Enclave host does not expose vsock proxy ports to the internet",
    severity: Severity::High,
    service: Service::Ec2,
    resource_types: &[ResourceType::Ec2Instance],
    rationale: "A vsock proxy on an enclave's host turns TCP connections into traffic on the \
                enclave's vsock channel (the Nitro Enclaves SDK's proxy forwards to KMS this \
                way). Open to the internet, its port lets anyone talk to the enclave's channel \
                or use the proxy to reach what it forwards to.",
    remediation: Remediation {
        cli: "aws ec2 revoke-security-group-ingress --group-id <sg-id> --ip-permissions \
              '[{\"IpProtocol\":\"tcp\",\"FromPort\":8000,\"ToPort\":8090,\"IpRanges\":\
              [{\"CidrIp\":\"0.0.0.0/0\"}]}]'\n\
              # bind vsock proxies to 127.0.0.1 on the host; they need no inbound rule",
        console: "EC2 console > Instances > the enclave host > Security > the security group > \
                  Edit inbound rules; remove 0.0.0.0/0 and ::/0 sources on 5000, 8000-8090 and \
                  9000.",
        url: "https://docs.aws.amazon.com/enclaves/latest/user/nitro-enclave-concepts.html",
    },
    controls: &[nist("SC-7(11)")],
};

/// A Nitro Enclave host does not expose vsock proxy ports.
pub(crate) struct Ec2ConfidentialWorkloadHostVsockProxyExposed;

impl Rule for Ec2ConfidentialWorkloadHostVsockProxyExposed {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, resource: &Resource, snapshot: &Snapshot) -> Result<Outcome, RuleError> {
        Ok(enclave::exposure(
            &META,
            resource,
            snapshot,
            Traffic::TcpRanges {
                service: "vsock proxies",
                ranges: VSOCK_PROXY_PORTS,
            },
        ))
    }
}
