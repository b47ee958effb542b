//! The moto test harness: `loopback.rs` (moto, the fault proxy, the
//! loopback HTTP client) and SDK clients that seed moto directly.

use std::net::SocketAddr;

use cloudarq_core::engine::Engine;
use cloudarq_core::{Auditor, AuditorBuilder, CredentialSource, StaticKeys};
use cloudarq_model::rule::Status;
use cloudarq_model::{Arn, Region, Service, Snapshot};

pub use crate::loopback::*;

/// moto plus the proxy, and ways to seed and scan them.
pub struct Env {
    pub moto: Moto,
    pub proxy: Proxy,
}

pub fn region(r: &str) -> Region {
    r.parse().expect("region")
}

/// The status of `rule`'s finding on `arn` when the built-in rules
/// evaluate `snap`; `None` when there is no finding (not applicable, or
/// not collected: an evaluation gap).
pub fn rule_status(snap: &Snapshot, rule: &str, arn: &Arn) -> Option<Status> {
    Engine::new(cloudarq_rules::all())
        .evaluate(snap)
        .findings
        .iter()
        .find(|f| f.rule_id == rule && &f.resource_arn == arn)
        .map(|f| f.status)
}

/// Whether `rule` could not judge `arn` for want of data (an evaluation
/// gap, no finding).
pub fn rule_not_collected(snap: &Snapshot, rule: &str, arn: &Arn) -> bool {
    let result = Engine::new(cloudarq_rules::all()).evaluate(snap);
    let gap = result
        .evaluation_gaps
        .iter()
        .any(|g| g.rule_id == rule && &g.resource_arn == arn);
    let finding = result
        .findings
        .iter()
        .any(|f| f.rule_id == rule && &f.resource_arn == arn);
    gap && !finding
}

pub const R1: &str = "eu-west-1";
pub const R2: &str = "us-east-1";

impl Env {
    pub async fn start() -> Env {
        let moto = Moto::start();
        let proxy = Proxy::start(moto.port).await;
        // FIXME(moto): moto lacks IAM's ListOrganizationsFeatures; answer as
        // AWS does for an account in no organization (tests that need
        // another answer set their own).
        proxy.fault(
            "iam:ListOrganizationsFeatures",
            crate::loopback::Fault::Error {
                code: "OrganizationNotFoundException",
                status: 400,
            },
        );
        // FIXME(moto): moto lacks IAM's service last accessed reports;
        // answer every principal with a completed report of no service used
        // (tests that need another answer set their own).
        proxy.fault(
            "iam:GenerateServiceLastAccessedDetails",
            crate::loopback::Fault::Respond {
                status: 200,
                body: crate::loopback::IAM_LAST_ACCESSED_JOB,
            },
        );
        proxy.fault(
            "iam:GetServiceLastAccessedDetails",
            crate::loopback::Fault::Respond {
                status: 200,
                body: crate::loopback::IAM_LAST_ACCESSED_NOTHING,
            },
        );
        answer_missing_ec2_reads(&proxy);
        // FIXME(moto): moto lacks RDS's DescribeCertificates and
        // DescribeDBEngineVersions, and a default DB cluster parameter group
        // (DescribeDBClusterParameters answers DBParameterGroupNotFound);
        // answer as AWS does (tests that need another answer set their own).
        proxy.fault(
            "rds:DescribeCertificates",
            crate::loopback::Fault::Respond {
                status: 200,
                body: RDS_CERTIFICATES,
            },
        );
        proxy.fault(
            "rds:DescribeDBEngineVersions",
            crate::loopback::Fault::Respond {
                status: 200,
                body: RDS_ENGINE_VERSIONS,
            },
        );
        proxy.fault(
            "rds:DescribeDBClusterParameters",
            crate::loopback::Fault::Respond {
                status: 200,
                body: RDS_DEFAULT_CLUSTER_PARAMETERS,
            },
        );
        // FIXME(moto): moto names the root element of these S3 Control
        // answers `…Response`; AWS (and the SDK) `…Result`.
        for op in [
            "ListAccessPoints",
            "GetAccessPoint",
            "ListMultiRegionAccessPoints",
        ] {
            proxy.rewrite_response(
                &format!("s3control:{op}"),
                &format!("{op}Response"),
                &format!("{op}Result"),
            );
        }
        // FIXME(moto): moto answers a bucket without notifications with a
        // `GetBucketNotificationResponse` root; AWS with an empty
        // `NotificationConfiguration`.
        proxy.rewrite_response(
            "s3:GetBucketNotificationConfiguration",
            "GetBucketNotificationResponse",
            "NotificationConfiguration",
        );
        Env { moto, proxy }
    }

    /// Has the proxy correct moto's `GetBucketVersioning` answers to the
    /// root element AWS sends (see the table in `s3.rs`).
    pub fn correct_moto_versioning(&self) {
        // FIXME(moto): moto's GetBucketVersioning root element is wrong; fix it as AWS sends it.
        self.proxy.rewrite_response(
            "s3:GetBucketVersioning",
            "GetBucketVersioningResponse",
            "VersioningConfiguration",
        );
    }

    /// An SDK config that talks to moto directly (for seeding).
    pub async fn seed_config(&self, region: &str) -> aws_types::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_types::region::Region::new(region.to_owned()))
            .credentials_provider(aws_credential_types::Credentials::new(
                FAKE_KEY,
                FAKE_SECRET,
                None,
                None,
                "test",
            ))
            .endpoint_url(self.moto.url())
            .http_client(http_client())
            .load()
            .await
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.seed_config(R2).await)
    }
    pub async fn s3(&self, region: &str) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.seed_config(region).await)
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
    /// A `CreateBucket` of `name` in `region`, its location constraint set
    /// outside us-east-1 as S3 requires, to add options to and send.
    pub async fn create_bucket(
        &self,
        region: &str,
        name: &str,
    ) -> aws_sdk_s3::operation::create_bucket::builders::CreateBucketFluentBuilder {
        let req = self.s3(region).await.create_bucket().bucket(name);
        if region == "us-east-1" {
            return req;
        }
        req.create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::from(region))
                .build(),
        )
    }

    pub async fn s3control(&self) -> aws_sdk_s3control::Client {
        aws_sdk_s3control::Client::new(&self.seed_config(R2).await)
    }
    pub async fn ec2(&self, region: &str) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.seed_config(region).await)
    }
    pub async fn rds(&self, region: &str) -> aws_sdk_rds::Client {
        aws_sdk_rds::Client::new(&self.seed_config(region).await)
    }
    pub async fn kms(&self, region: &str) -> aws_sdk_kms::Client {
        aws_sdk_kms::Client::new(&self.seed_config(region).await)
    }
    pub async fn config(&self, region: &str) -> aws_sdk_config::Client {
        aws_sdk_config::Client::new(&self.seed_config(region).await)
    }
    pub async fn securityhub(&self, region: &str) -> aws_sdk_securityhub::Client {
        aws_sdk_securityhub::Client::new(&self.seed_config(region).await)
    }
    pub async fn efs(&self, region: &str) -> aws_sdk_efs::Client {
        aws_sdk_efs::Client::new(&self.seed_config(region).await)
    }
    pub async fn macie2(&self, region: &str) -> aws_sdk_macie2::Client {
        aws_sdk_macie2::Client::new(&self.seed_config(region).await)
    }
    pub async fn backup(&self, region: &str) -> aws_sdk_backup::Client {
        aws_sdk_backup::Client::new(&self.seed_config(region).await)
    }
    pub async fn elbv2(&self, region: &str) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.seed_config(region).await)
    }
    pub async fn apigateway(&self, region: &str) -> aws_sdk_apigateway::Client {
        aws_sdk_apigateway::Client::new(&self.seed_config(region).await)
    }
    pub async fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        aws_sdk_cloudfront::Client::new(&self.seed_config(R2).await)
    }
    pub async fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.seed_config(region).await)
    }
    pub async fn account(&self) -> aws_sdk_account::Client {
        aws_sdk_account::Client::new(&self.seed_config(R2).await)
    }

    /// Static fake credentials.
    pub fn static_source() -> CredentialSource {
        CredentialSource::Static(StaticKeys {
            access_key_id: FAKE_KEY.to_owned().into(),
            secret_access_key: FAKE_SECRET.to_owned().into(),
            session_token: None,
        })
    }

    /// An auditor that scans through the proxy, in both test regions.
    /// Collects `services` in both test regions with the static test
    /// credentials.
    pub async fn collect(&self, services: &[Service]) -> Snapshot {
        self.auditor(Self::static_source())
            .services(services.iter().copied())
            .build()
            .expect("auditor")
            .collect()
            .await
            .expect("scan")
    }

    pub fn auditor(&self, source: CredentialSource) -> AuditorBuilder {
        Auditor::builder(source)
            .regions([region(R1), region(R2)])
            .endpoint_url(self.proxy.url())
            .http_client(http_client())
    }
}

/// AWS's answer to `GetImageBlockPublicAccessState` for an account created
/// since AWS turned the block on by default.
pub const IMAGE_BLOCK_NEW_SHARING: &str = "<GetImageBlockPublicAccessStateResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>test</requestId><imageBlockPublicAccessState>block-new-sharing</imageBlockPublicAccessState></GetImageBlockPublicAccessStateResponse>";
/// AWS's answer to `GetSnapshotBlockPublicAccessState` by default.
pub const SNAPSHOT_UNBLOCKED: &str = "<GetSnapshotBlockPublicAccessStateResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>test</requestId><state>unblocked</state></GetSnapshotBlockPublicAccessStateResponse>";
/// AWS's answer to `GetInstanceMetadataDefaults` with no default set.
pub const IMDS_NO_PREFERENCE: &str = "<GetInstanceMetadataDefaultsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>test</requestId><accountLevel/></GetInstanceMetadataDefaultsResponse>";
/// AWS's answer to `DescribeClientVpnEndpoints` in a region without any.
pub const NO_CLIENT_VPN_ENDPOINTS: &str = "<DescribeClientVpnEndpointsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>test</requestId><clientVpnEndpoint/></DescribeClientVpnEndpointsResponse>";

/// FIXME(moto): moto 5.2 lacks `GetImageBlockPublicAccessState`,
/// `GetSnapshotBlockPublicAccessState`, `GetInstanceMetadataDefaults` and
/// `DescribeClientVpnEndpoints`; the proxy answers them as AWS does for a
/// new account (tests that need another answer set their own).
fn answer_missing_ec2_reads(proxy: &Proxy) {
    for (operation, body) in [
        (
            "ec2:GetImageBlockPublicAccessState",
            IMAGE_BLOCK_NEW_SHARING,
        ),
        ("ec2:GetSnapshotBlockPublicAccessState", SNAPSHOT_UNBLOCKED),
        ("ec2:GetInstanceMetadataDefaults", IMDS_NO_PREFERENCE),
        ("ec2:DescribeClientVpnEndpoints", NO_CLIENT_VPN_ENDPOINTS),
    ] {
        proxy.fault(operation, Fault::Respond { status: 200, body });
    }
}

/// A socket address nothing listens on.
pub fn dead_endpoint() -> String {
    let port = free_port();
    let _ = SocketAddr::from(([127, 0, 0, 1], port));
    format!("http://127.0.0.1:{port}")
}

/// `DescribeCertificates` as AWS answers it in every region: the current CAs
/// and one long expired. moto's instances name `rds-ca-default`, which AWS
/// has no CA of, so their certificates are not collected.
pub const RDS_CERTIFICATES: &str = r#"<DescribeCertificatesResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeCertificatesResult>
    <DefaultCertificateForNewLaunches>rds-ca-rsa2048-g1</DefaultCertificateForNewLaunches>
    <Certificates>
      <Certificate>
        <CertificateIdentifier>rds-ca-rsa2048-g1</CertificateIdentifier>
        <CertificateType>CA</CertificateType>
        <CertificateArn>arn:aws:rds:eu-west-1::cert:rds-ca-rsa2048-g1</CertificateArn>
        <ValidFrom>2021-05-25T23:34:57Z</ValidFrom>
        <ValidTill>2061-05-25T23:34:57Z</ValidTill>
      </Certificate>
      <Certificate>
        <CertificateIdentifier>rds-ca-2019</CertificateIdentifier>
        <CertificateType>CA</CertificateType>
        <CertificateArn>arn:aws:rds:eu-west-1::cert:rds-ca-2019</CertificateArn>
        <ValidFrom>2019-09-19T18:16:53Z</ValidFrom>
        <ValidTill>2024-08-22T17:08:50Z</ValidTill>
      </Certificate>
    </Certificates>
  </DescribeCertificatesResult>
  <ResponseMetadata><RequestId>certificates-1</RequestId></ResponseMetadata>
</DescribeCertificatesResponse>"#;

/// `DescribeDBEngineVersions` (with `IncludeAll`): a current version of each
/// engine the tests use, and one deprecated; the collector keeps the entry
/// of the engine and version it asked about, so versions not listed here
/// (moto's defaults, `postgres` 9.3.3 among them) are "no longer offered",
/// as AWS answers for them.
pub const RDS_ENGINE_VERSIONS: &str = r#"<DescribeDBEngineVersionsResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBEngineVersionsResult>
    <DBEngineVersions>
      <DBEngineVersion><Engine>postgres</Engine><EngineVersion>16.3</EngineVersion><Status>available</Status></DBEngineVersion>
      <DBEngineVersion><Engine>postgres</Engine><EngineVersion>11.22</EngineVersion><Status>deprecated</Status></DBEngineVersion>
      <DBEngineVersion><Engine>mysql</Engine><EngineVersion>8.0.39</EngineVersion><Status>available</Status></DBEngineVersion>
    </DBEngineVersions>
  </DescribeDBEngineVersionsResult>
  <ResponseMetadata><RequestId>engine-versions-1</RequestId></ResponseMetadata>
</DescribeDBEngineVersionsResponse>"#;

/// `DescribeDBClusterParameters` of a default DB cluster parameter group,
/// filtered to the TLS parameters: the engine defaults, TLS not enforced.
pub const RDS_DEFAULT_CLUSTER_PARAMETERS: &str = r#"<DescribeDBClusterParametersResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/">
  <DescribeDBClusterParametersResult>
    <Parameters>
      <Parameter><ParameterName>require_secure_transport</ParameterName><ParameterValue>OFF</ParameterValue><Source>engine-default</Source></Parameter>
    </Parameters>
  </DescribeDBClusterParametersResult>
  <ResponseMetadata><RequestId>cluster-parameters-1</RequestId></ResponseMetadata>
</DescribeDBClusterParametersResponse>"#;
