//! The typed inventory: one [`Resource`] per ARN, whose [`Properties`] hold
//! the kind-specific data, named by CloudFormation-style [`ResourceType`]s.
//!
//! A rule receives one [`Resource`] of a type it declared and the
//! [`Snapshot`](crate::Snapshot) it belongs to; it matches
//! [`Resource::properties`] against the variant of its type to get the
//! kind's struct (see [`Properties`]).
//!
//! # The kinds
//!
//! ARNs are shown for the `aws` partition (`aws-cn`, `aws-us-gov`, … in
//! others); `<account>` is the audited account's 12-digit id, `<region>` a
//! scanned region. [`Resource::region`] is `None` exactly for the kinds
//! marked *global*.
//!
//! | [`ResourceType`] | struct | ARN | region | [`Resource::name`] |
//! |---|---|---|---|---|
//! | `AWS::IAM::Account` | [`iam::IamAccount`] | `arn:aws:iam::<account>:root` | global | the account id |
//! | `AWS::IAM::User` | [`iam::IamUser`] | `arn:aws:iam::<account>:user/<path><name>` | global | user name |
//! | `AWS::IAM::Group` | [`iam::IamGroup`] | `arn:aws:iam::<account>:group/<path><name>` | global | group name |
//! | `AWS::IAM::Role` | [`iam::IamRole`] | `arn:aws:iam::<account>:role/<path><name>` | global | role name |
//! | `AWS::IAM::ManagedPolicy` | [`iam::IamManagedPolicy`] | `arn:aws:iam::<account>:policy/<path><name>`, or `arn:aws:iam::aws:policy/<path><name>` for AWS-managed ones | global | policy name |
//! | `AWS::IAM::ServerCertificate` | [`iam::IamServerCertificate`] | `arn:aws:iam::<account>:server-certificate/<path><name>` | global | certificate name |
//! | `AWS::IAM::OrganizationsFeatures` | [`iam::IamOrganizationsFeatures`] | `arn:aws:iam::<account>:organizations-features` | global | the account id |
//! | `AWS::IAM::ServiceLastAccessed` | [`iam::IamServiceLastAccessed`] | `arn:aws:iam::<account>:service-last-accessed` | global | the account id |
//! | `AWS::S3::AccountPublicAccessBlock` | [`s3::S3AccountPublicAccessBlock`] | `arn:aws:s3::<account>:account` | global | the account id |
//! | `AWS::S3::Bucket` | [`s3::S3Bucket`] | `arn:aws:s3:::<bucket>` (no region, no account) | the bucket's region | bucket name |
//! | `AWS::S3::BucketManagement` | [`s3::S3BucketManagement`] | `arn:aws:s3::<account>:bucket-management/<bucket>` (no region) | the bucket's region | bucket name |
//! | `AWS::S3::AccessPoint` | [`s3::S3AccessPoint`] | `arn:aws:s3:<region>:<account>:accesspoint/<name>` | its region | access point name |
//! | `AWS::S3::MultiRegionAccessPoint` | [`s3::S3MultiRegionAccessPoint`] | `arn:aws:s3::<account>:accesspoint/<alias>` | global | access point name |
//! | `AWS::EC2::RegionSettings` | [`ec2::Ec2RegionSettings`] | `arn:aws:ec2:<region>:<account>:account` | its region | the account id |
//! | `AWS::EC2::SecurityGroup` | [`ec2::SecurityGroup`] | `arn:aws:ec2:<region>:<account>:security-group/<sg-id>` | its region | `Name` tag, else group name |
//! | `AWS::EC2::Instance` | [`ec2::Instance`] | `arn:aws:ec2:<region>:<account>:instance/<i-id>` | its region | `Name` tag, else id |
//! | `AWS::EC2::InstanceConfiguration` | [`ec2::InstanceConfiguration`] | `arn:aws:ec2:<region>:<account>:instance-configuration/<i-id>` | its region | its instance's name |
//! | `AWS::EC2::NetworkInterface` | [`ec2::NetworkInterface`] | `arn:aws:ec2:<region>:<account>:network-interface/<eni-id>` | its region | `Name` tag, else id |
//! | `AWS::EC2::Volume` | [`ec2::Volume`] | `arn:aws:ec2:<region>:<account>:volume/<vol-id>` | its region | `Name` tag, else id |
//! | `AWS::EC2::Snapshot` | [`ec2::Snapshot`] | `arn:aws:ec2:<region>::snapshot/<snap-id>` (no account) | its region | `Name` tag, else id |
//! | `AWS::EC2::VPC` | [`ec2::Vpc`] | `arn:aws:ec2:<region>:<account>:vpc/<vpc-id>` | its region | `Name` tag, else id |
//! | `AWS::EC2::NetworkAcl` | [`ec2::NetworkAcl`] | `arn:aws:ec2:<region>:<account>:network-acl/<acl-id>` | its region | `Name` tag, else id |
//! | `AWS::EC2::VPCPeeringConnection` | [`ec2::VpcPeeringConnection`] | `arn:aws:ec2:<region>:<account>:vpc-peering-connection/<pcx-id>` | its region (once per scanned region it joins) | `Name` tag, else id |
//! | `AWS::EC2::Image` | [`ec2::Image`] | `arn:aws:ec2:<region>::image/<ami-id>` (no account) | its region | `Name` tag, else AMI name, else id |
//! | `AWS::EC2::LaunchTemplate` | [`ec2::LaunchTemplate`] | `arn:aws:ec2:<region>:<account>:launch-template/<lt-id>` | its region | template name |
//! | `AWS::EC2::SecurityDefaults` | [`ec2::Ec2SecurityDefaults`] | `arn:aws:ec2:<region>:<account>:account/security-defaults` | its region | the account id |
//! | `AWS::EC2::EIP` | [`ec2::ElasticIp`] | `arn:aws:ec2:<region>:<account>:elastic-ip/<eipalloc-id>` | its region | `Name` tag, else allocation id |
//! | `AWS::EC2::ClientVpnEndpoint` | [`ec2::ClientVpnEndpoint`] | `arn:aws:ec2:<region>:<account>:client-vpn-endpoint/<cvpn-endpoint-id>` | its region | `Name` tag, else id |
//! | `AWS::EC2::TransitGateway` | [`ec2::TransitGateway`] | `arn:aws:ec2:<region>:<account>:transit-gateway/<tgw-id>` | its region | `Name` tag, else id |
//! | `AWS::RDS::DBInstance` | [`rds::DbInstance`] | `arn:aws:rds:<region>:<account>:db:<identifier>` | its region | identifier |
//! | `AWS::RDS::DBCluster` | [`rds::DbCluster`] | `arn:aws:rds:<region>:<account>:cluster:<identifier>` | its region | identifier |
//! | `AWS::RDS::DBSnapshot` | [`rds::DbSnapshot`] | `arn:aws:rds:<region>:<account>:snapshot:<identifier>` | its region | identifier |
//! | `AWS::RDS::DBClusterSnapshot` | [`rds::DbSnapshot`] | `arn:aws:rds:<region>:<account>:cluster-snapshot:<identifier>` | its region | identifier |
//! | `AWS::RDS::DBInstanceConfiguration` | [`rds::DbInstanceConfiguration`] | `arn:aws:rds:<region>:<account>:db-configuration:<identifier>` | its region | identifier |
//! | `AWS::RDS::DBClusterConfiguration` | [`rds::DbClusterConfiguration`] | `arn:aws:rds:<region>:<account>:cluster-configuration:<identifier>` | its region | identifier |
//! | `AWS::RDS::DBParameterGroup` | [`rds::DbParameterGroup`] | `arn:aws:rds:<region>:<account>:pg:<name>` | its region | name |
//! | `AWS::RDS::DBClusterParameterGroup` | [`rds::DbParameterGroup`] | `arn:aws:rds:<region>:<account>:cluster-pg:<name>` | its region | name |
//! | `AWS::RDS::RegionSettings` | [`rds::RdsRegionSettings`] | `arn:aws:rds:<region>:<account>:account` | its region | the account id |
//! | `AWS::KMS::Key` | [`kms::KmsKey`] | `arn:aws:kms:<region>:<account>:key/<key-id>` (customer managed keys only) | its region | key id |
//! | `AWS::CloudTrail::Account` | [`cloudtrail::CloudTrailAccount`] | `arn:aws:cloudtrail::<account>:account` | global | the account id |
//! | `AWS::CloudTrail::Trail` | [`cloudtrail::Trail`] | `arn:aws:cloudtrail:<region>:<account>:trail/<name>` (an organization trail's names the management account) | its home region | trail name |
//! | `AWS::CloudWatch::Account` | [`cloudwatch::CloudWatchAccount`] | `arn:aws:cloudwatch::<account>:account` | global | the account id |
//! | `AWS::Logs::LogGroup` | [`cloudwatch::LogGroup`] | `arn:aws:logs:<region>:<account>:log-group:<name>` | its region | log group name |
//! | `AWS::CloudWatch::Alarm` | [`cloudwatch::Alarm`] | `arn:aws:cloudwatch:<region>:<account>:alarm:<name>` | its region | alarm name |
//! | `AWS::SNS::Topic` | [`sns::Topic`] | `arn:aws:sns:<region>:<account>:<name>` | its region | topic name |
//! | `AWS::Config::RegionSettings` | [`config::ConfigRegionSettings`] | `arn:aws:config:<region>:<account>:account` | its region | the account id |
//! | `AWS::SecurityHub::Hub` | [`securityhub::SecurityHubHub`] | `arn:aws:securityhub:<region>:<account>:hub/default` | its region | the account id |
//! | `AWS::AccessAnalyzer::RegionSettings` | [`accessanalyzer::AccessAnalyzerRegionSettings`] | `arn:aws:access-analyzer:<region>:<account>:account` | its region | the account id |
//! | `AWS::Organizations::Account` | [`organizations::OrganizationsAccount`] | `arn:aws:organizations::<account>:account` | global | the account id |
//! | `AWS::EFS::FileSystem` | [`efs::FileSystem`] | `arn:aws:elasticfilesystem:<region>:<account>:file-system/<id>` | its region | `Name` tag, else id |
//! | `AWS::Macie::Session` | [`macie::MacieSession`] | `arn:aws:macie2:<region>:<account>:account` | its region | the account id |
//! | `AWS::Account::Contacts` | [`account::AccountContacts`] | `arn:aws:account::<account>:account` | global | the account id |
//! | `AWS::Backup::RegionSettings` | [`backup::BackupRegionSettings`] | `arn:aws:backup:<region>:<account>:account` | its region | the account id |
//! | `AWS::Backup::BackupPlan` | [`backup::BackupPlan`] | `arn:aws:backup:<region>:<account>:backup-plan:<id>` | its region | plan name |
//! | `AWS::SSM::ManagedInstance` | [`ssm::ManagedInstance`] | `arn:aws:ssm:<region>:<account>:managed-instance/<id>` | its region | node id |
//! | `AWS::CloudFront::Distribution` | [`cloudfront::Distribution`] | `arn:aws:cloudfront::<account>:distribution/<id>` | global | distribution id |
//! | `AWS::ElasticLoadBalancingV2::LoadBalancer` | [`elbv2::LoadBalancer`] | `arn:aws:elasticloadbalancing:<region>:<account>:loadbalancer/<type>/<name>/<id>` | its region | name |
//! | `AWS::ApiGateway::Account` | [`apigateway::ApiGatewayAccount`] | `arn:aws:apigateway:<region>:<account>:account` | its region | the account id |
//! | `AWS::ApiGateway::Stage` | [`apigateway::Stage`] | `arn:aws:apigateway:<region>::/restapis/<api-id>/stages/<stage>` (no account) | its region | `<api name>/<stage name>` |
//!
//! IAM ARNs are the ones IAM returns (the path is part of them, `/` by
//! default); RDS ARNs are the ones RDS returns. A rule that looks a related
//! resource up by id builds this canonical ARN with
//! [`Arn::build`](crate::Arn::build).
//!
//! # Absent, not collected, or a value
//!
//! Each kind comes from one listing call per region (or one per account for
//! IAM and S3), and some of its fields from further calls; each module
//! names them. Three outcomes matter to a rule:
//!
//! - **The listing failed:** the kind's resources of that region are absent
//!   from the snapshot (those read before a failed page are kept) and a
//!   [`CoverageGap`](crate::CoverageGap) names the call. No rule runs on
//!   what is absent, but a rule that looks for a *related* resource and does
//!   not find it must treat it as not collected, not as "does not exist".
//! - **A field's own call failed:** the field is
//!   [`Collected::NotCollected`](crate::Collected::NotCollected) and a gap
//!   names the call and the resource. The rule returns
//!   [`Outcome::not_collected`](crate::rule::Outcome::not_collected).
//! - **Otherwise:** the value as AWS returned it. `Option` fields are `None`
//!   when AWS did not return the attribute.
//!
//! Only [`Collected`](crate::Collected) fields can be not collected; every
//! other field is always present on a resource that is in the snapshot.
//! The account settings (`AWS::IAM::Account`,
//! `AWS::S3::AccountPublicAccessBlock`, and per scanned region
//! `AWS::EC2::RegionSettings`, `AWS::EC2::SecurityDefaults`, `AWS::Config::RegionSettings`,
//! `AWS::SecurityHub::Hub`, `AWS::AccessAnalyzer::RegionSettings`,
//! `AWS::Macie::Session`, `AWS::Backup::RegionSettings`, `AWS::ApiGateway::Account` and
//! `AWS::RDS::RegionSettings`, and the global `AWS::Account::Contacts`) are
//! always in a snapshot that collected their service, with every field
//! `Collected` (the RDS settings' engine versions: a `Collected` status per
//! version in use).
//!
//! # Units and formats
//!
//! Times are [`Timestamp`](crate::Timestamp)s (UTC, RFC 3339 in JSON).
//! Enumerated AWS values (states, algorithms, protocols) are kept as the
//! strings AWS uses (`running`, `aws:kms`, `tcp`), compared case-sensitively.
//! CIDRs are strings as AWS returned them (`10.0.0.0/16`, `::/0`). Port
//! ranges are inclusive at both ends. Sizes say their unit in the field
//! name (`size_gib`). Policy documents are decoded JSON
//! ([`serde_json::Value`]).

pub mod cloudtrail;
pub mod cloudwatch;
pub mod ec2;
pub mod iam;
pub mod kms;
pub mod organizations;
pub mod rds;
pub mod s3;
pub mod sns;

pub mod accessanalyzer;
pub mod config;
pub mod securityhub;

pub mod account;
pub mod efs;
pub mod macie;

pub mod backup;
pub mod ssm;

pub mod apigateway;
pub mod cloudfront;
pub mod elbv2;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::common::{Service, Tags};
use crate::error::ModelError;
use crate::ids::{Arn, Region};

macro_rules! resource_kinds {
    ($( $variant:ident => $name:literal, $service:ident, $ty:ty; )*) => {
        /// The kind of a resource, displayed CloudFormation-style (`AWS::S3::Bucket`).
        ///
        /// A rule lists the types it evaluates in its `RuleMeta::resource_types`
        /// and gets resources of one type with
        /// [`Snapshot::of_type`](crate::Snapshot::of_type). It parses from and
        /// displays as its CloudFormation-style name, and serializes as it.
        /// The module docs list every type with its ARN form. Non-exhaustive:
        /// later versions add kinds.
        ///
        /// ```
        /// use cloudarq_model::{ResourceType, Service};
        /// let t: ResourceType = "AWS::EC2::SecurityGroup".parse()?;
        /// assert_eq!(t, ResourceType::Ec2SecurityGroup);
        /// assert_eq!(t.service(), Service::Ec2);
        /// assert_eq!(t.to_string(), "AWS::EC2::SecurityGroup");
        /// # Ok::<(), cloudarq_model::ModelError>(())
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum ResourceType {
            $(
                #[doc = concat!("`", $name, "`: properties [`", stringify!($ty), "`].")]
                #[serde(rename = $name)]
                $variant,
            )*
        }

        impl ResourceType {
            /// Every resource type, in the order of the module's table.
            pub const ALL: &'static [ResourceType] = &[$(ResourceType::$variant),*];

            /// The CloudFormation-style name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The service that owns the type (its
            /// [`arn_namespace`](Service::arn_namespace) is the ARN's service part).
            pub fn service(self) -> Service {
                match self { $(Self::$variant => Service::$service,)* }
            }
        }

        /// The kind-specific data of a resource, tagged with its type name.
        ///
        /// One variant per [`ResourceType`], each boxing its kind's struct.
        /// A rule matches the variant of its type and treats any other as
        /// not applicable; the enum is non-exhaustive, so a `match` needs a
        /// `_` arm. In JSON it is an object with one key, the type name:
        /// `{"AWS::S3::Bucket": {…}}`.
        ///
        /// ```
        /// use cloudarq_model::{Properties, Resource};
        /// use cloudarq_model::rule::Outcome;
        ///
        /// fn versioning(r: &Resource) -> Outcome {
        ///     let Properties::S3Bucket(b) = &r.properties else {
        ///         return Outcome::not_applicable();
        ///     };
        ///     let Some(v) = b.versioning.value() else {
        ///         return Outcome::not_collected("versioning");
        ///     };
        ///     let on = v.status.as_deref() == Some("Enabled");
        ///     Outcome::check(on, "versioning is enabled", "versioning is not enabled")
        /// }
        ///
        /// let r: Resource = serde_json::from_value(serde_json::json!({
        ///     "arn": "arn:aws:s3:::logs", "region": "eu-west-1", "name": "logs",
        ///     "properties": {"AWS::S3::Bucket": {"name": "logs",
        ///         "versioning": {"value": {"status": "Suspended"}}}}
        /// }))?;
        /// assert_eq!(versioning(&r), Outcome::fail("versioning is not enabled"));
        /// # Ok::<(), serde_json::Error>(())
        /// ```
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum Properties {
            $(
                #[doc = concat!("`", $name, "`: see [`", stringify!($ty), "`].")]
                #[serde(rename = $name)]
                $variant(Box<$ty>),
            )*
        }

        impl Properties {
            /// The resource type of these properties.
            pub fn resource_type(&self) -> ResourceType {
                match self { $(Self::$variant(_) => ResourceType::$variant,)* }
            }
        }
    };
}

resource_kinds! {
    IamAccount => "AWS::IAM::Account", Iam, iam::IamAccount;
    IamUser => "AWS::IAM::User", Iam, iam::IamUser;
    IamGroup => "AWS::IAM::Group", Iam, iam::IamGroup;
    IamRole => "AWS::IAM::Role", Iam, iam::IamRole;
    IamManagedPolicy => "AWS::IAM::ManagedPolicy", Iam, iam::IamManagedPolicy;
    IamServerCertificate => "AWS::IAM::ServerCertificate", Iam, iam::IamServerCertificate;
    IamOrganizationsFeatures => "AWS::IAM::OrganizationsFeatures", Iam, iam::IamOrganizationsFeatures;
    IamServiceLastAccessed => "AWS::IAM::ServiceLastAccessed", Iam, iam::IamServiceLastAccessed;
    S3AccountPublicAccessBlock => "AWS::S3::AccountPublicAccessBlock", S3, s3::S3AccountPublicAccessBlock;
    S3Bucket => "AWS::S3::Bucket", S3, s3::S3Bucket;
    S3BucketManagement => "AWS::S3::BucketManagement", S3, s3::S3BucketManagement;
    S3AccessPoint => "AWS::S3::AccessPoint", S3, s3::S3AccessPoint;
    S3MultiRegionAccessPoint => "AWS::S3::MultiRegionAccessPoint", S3, s3::S3MultiRegionAccessPoint;
    Ec2RegionSettings => "AWS::EC2::RegionSettings", Ec2, ec2::Ec2RegionSettings;
    Ec2SecurityGroup => "AWS::EC2::SecurityGroup", Ec2, ec2::SecurityGroup;
    Ec2Instance => "AWS::EC2::Instance", Ec2, ec2::Instance;
    Ec2NetworkInterface => "AWS::EC2::NetworkInterface", Ec2, ec2::NetworkInterface;
    Ec2Volume => "AWS::EC2::Volume", Ec2, ec2::Volume;
    Ec2Snapshot => "AWS::EC2::Snapshot", Ec2, ec2::Snapshot;
    Ec2Vpc => "AWS::EC2::VPC", Ec2, ec2::Vpc;
    Ec2NetworkAcl => "AWS::EC2::NetworkAcl", Ec2, ec2::NetworkAcl;
    Ec2VpcPeeringConnection => "AWS::EC2::VPCPeeringConnection", Ec2, ec2::VpcPeeringConnection;
    Ec2Image => "AWS::EC2::Image", Ec2, ec2::Image;
    Ec2LaunchTemplate => "AWS::EC2::LaunchTemplate", Ec2, ec2::LaunchTemplate;
    Ec2SecurityDefaults => "AWS::EC2::SecurityDefaults", Ec2, ec2::Ec2SecurityDefaults;
    Ec2Eip => "AWS::EC2::EIP", Ec2, ec2::ElasticIp;
    Ec2ClientVpnEndpoint => "AWS::EC2::ClientVpnEndpoint", Ec2, ec2::ClientVpnEndpoint;
    Ec2TransitGateway => "AWS::EC2::TransitGateway", Ec2, ec2::TransitGateway;
    RdsDbInstance => "AWS::RDS::DBInstance", Rds, rds::DbInstance;
    RdsDbCluster => "AWS::RDS::DBCluster", Rds, rds::DbCluster;
    RdsDbSnapshot => "AWS::RDS::DBSnapshot", Rds, rds::DbSnapshot;
    RdsDbClusterSnapshot => "AWS::RDS::DBClusterSnapshot", Rds, rds::DbSnapshot;
    RdsDbInstanceConfiguration => "AWS::RDS::DBInstanceConfiguration", Rds, rds::DbInstanceConfiguration;
    RdsDbClusterConfiguration => "AWS::RDS::DBClusterConfiguration", Rds, rds::DbClusterConfiguration;
    RdsDbParameterGroup => "AWS::RDS::DBParameterGroup", Rds, rds::DbParameterGroup;
    RdsDbClusterParameterGroup => "AWS::RDS::DBClusterParameterGroup", Rds, rds::DbParameterGroup;
    RdsRegionSettings => "AWS::RDS::RegionSettings", Rds, rds::RdsRegionSettings;
    KmsKey => "AWS::KMS::Key", Kms, kms::KmsKey;
    CloudTrailAccount => "AWS::CloudTrail::Account", Cloudtrail, cloudtrail::CloudTrailAccount;
    CloudTrailTrail => "AWS::CloudTrail::Trail", Cloudtrail, cloudtrail::Trail;
    CloudWatchAccount => "AWS::CloudWatch::Account", Cloudwatch, cloudwatch::CloudWatchAccount;
    LogsLogGroup => "AWS::Logs::LogGroup", Cloudwatch, cloudwatch::LogGroup;
    CloudWatchAlarm => "AWS::CloudWatch::Alarm", Cloudwatch, cloudwatch::Alarm;
    SnsTopic => "AWS::SNS::Topic", Sns, sns::Topic;
    ConfigRegionSettings => "AWS::Config::RegionSettings", Config, config::ConfigRegionSettings;
    SecurityHubHub => "AWS::SecurityHub::Hub", SecurityHub, securityhub::SecurityHubHub;
    AccessAnalyzerRegionSettings => "AWS::AccessAnalyzer::RegionSettings", AccessAnalyzer, accessanalyzer::AccessAnalyzerRegionSettings;
    OrganizationsAccount => "AWS::Organizations::Account", Organizations, organizations::OrganizationsAccount;
    EfsFileSystem => "AWS::EFS::FileSystem", Efs, efs::FileSystem;
    MacieSession => "AWS::Macie::Session", Macie, macie::MacieSession;
    AccountContacts => "AWS::Account::Contacts", Account, account::AccountContacts;
    BackupRegionSettings => "AWS::Backup::RegionSettings", Backup, backup::BackupRegionSettings;
    BackupPlan => "AWS::Backup::BackupPlan", Backup, backup::BackupPlan;
    SsmManagedInstance => "AWS::SSM::ManagedInstance", Ssm, ssm::ManagedInstance;
    CloudFrontDistribution => "AWS::CloudFront::Distribution", CloudFront, cloudfront::Distribution;
    Elbv2LoadBalancer => "AWS::ElasticLoadBalancingV2::LoadBalancer", Elbv2, elbv2::LoadBalancer;
    ApiGatewayAccount => "AWS::ApiGateway::Account", ApiGateway, apigateway::ApiGatewayAccount;
    ApiGatewayStage => "AWS::ApiGateway::Stage", ApiGateway, apigateway::Stage;
    Ec2InstanceConfiguration => "AWS::EC2::InstanceConfiguration", Ec2, ec2::InstanceConfiguration;
}

impl ResourceType {
    /// The service part of this kind's ARNs: the owning
    /// [`service`](Self::service)'s [ARN namespace](Service::arn_namespace),
    /// except for CloudWatch Logs log groups (`logs`), which CloudArq
    /// collects with CloudWatch.
    pub fn arn_service(self) -> &'static str {
        match self {
            Self::LogsLogGroup => "logs",
            other => other.service().arn_namespace(),
        }
    }

    /// The kind this kind is the companion of: data about a resource that
    /// came after rule contract 1.0 froze its kind, kept under an ARN of its
    /// own ([`Snapshot::companion`](crate::Snapshot::companion) finds it).
    /// `None` for every other kind.
    ///
    /// ```
    /// use cloudarq_model::ResourceType;
    /// assert_eq!(ResourceType::S3BucketManagement.companion_of(), Some(ResourceType::S3Bucket));
    /// assert_eq!(ResourceType::S3Bucket.companion_of(), None);
    /// ```
    pub fn companion_of(self) -> Option<ResourceType> {
        match self {
            Self::S3BucketManagement => Some(Self::S3Bucket),
            Self::RdsDbInstanceConfiguration => Some(Self::RdsDbInstance),
            Self::RdsDbClusterConfiguration => Some(Self::RdsDbCluster),
            Self::Ec2InstanceConfiguration => Some(Self::Ec2Instance),
            _ => None,
        }
    }

    /// Whether resources of this kind live in a region (their ARN names
    /// it); account-wide kinds (IAM, the S3 and CloudTrail/CloudWatch
    /// account resources, the account's contacts) do not, nor do S3
    /// buckets and their companions (whose ARNs name no region) and
    /// Multi-Region Access Points; S3 access points do.
    pub fn is_regional(self) -> bool {
        match self.service() {
            Service::S3 => self == Self::S3AccessPoint,
            Service::Iam | Service::Organizations | Service::Account | Service::CloudFront => false,
            _ => !matches!(self, Self::CloudTrailAccount | Self::CloudWatchAccount),
        }
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ResourceType {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ModelError::UnknownResourceType(s.to_owned()))
    }
}

/// One collected resource: what every kind shares (ARN, region, name,
/// tags) and its kind-specific [`Properties`].
///
/// In JSON, `tags` may be left out (empty); the `properties` object holds
/// one key, the type name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource's ARN, its key in the snapshot (forms in the
    /// [module docs](self)). Findings name the resource by it.
    pub arn: Arn,
    /// The region it lives in: set for every kind the module table marks
    /// regional, and for S3 buckets (the bucket's region, although its ARN
    /// names none); `None` for the kinds it marks *global* (IAM resources,
    /// the S3, CloudTrail and CloudWatch account settings, the account's
    /// contacts).
    pub region: Option<Region>,
    /// A display name for messages (see the module table): a name, an id,
    /// or an EC2 resource's `Name` tag. Not unique and not an identifier:
    /// use the ARN or the kind's id field to identify a resource.
    pub name: String,
    /// The resource's tags, key to value; empty for kinds whose tags are not
    /// collected (IAM managed policies among them: see [`Tags`]).
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// The kind-specific data; its variant gives the resource type.
    pub properties: Properties,
}

impl Resource {
    /// The resource's type, from its properties' variant.
    pub fn resource_type(&self) -> ResourceType {
        self.properties.resource_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_roundtrip() {
        for t in ResourceType::ALL {
            assert_eq!(t.as_str().parse::<ResourceType>().unwrap(), *t);
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.as_str()));
            assert!(t.as_str().starts_with("AWS::"));
        }
        assert!("AWS::Nope::Thing".parse::<ResourceType>().is_err());
    }
}
