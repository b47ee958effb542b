//! Every AWS action CloudArq calls, in one place.
//!
//! **Architecture Invariant:** a collector can only call AWS through
//! [`AwsContext::call`](super::AwsContext::call) and friends, which take an
//! [`Action`]; so this list is complete by construction. The CloudFormation
//! template in `cloudformation/` grants exactly [`Action::role_permissions`],
//! and a test compares the two.

use cloudarq_model::Service;

macro_rules! actions {
    ($( $variant:ident => $svc:ident, $iam:literal, $perm:literal, $doc:literal; )*) => {
        /// An AWS API operation CloudArq may call.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Action {
            $( #[doc = $doc] $variant, )*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];

            /// The IAM action that authorizes the call, for example `s3:GetBucketPolicy`.
            pub fn iam_action(self) -> &'static str {
                match self { $(Self::$variant => $iam,)* }
            }

            /// The service whose rate limits and coverage the call counts against.
            pub fn service(self) -> ApiService {
                match self { $(Self::$variant => ApiService::$svc,)* }
            }

            /// Whether the audited role needs this permission. `false` for calls
            /// that need none (`sts:GetCallerIdentity`) or that the *caller*
            /// makes before holding the role (`sts:AssumeRole`).
            pub fn needs_role_permission(self) -> bool {
                match self { $(Self::$variant => $perm,)* }
            }
        }
    };
}

actions! {
    StsAssumeRole => Sts, "sts:AssumeRole", false, "Assume the customer's read-only role.";
    StsGetCallerIdentity => Sts, "sts:GetCallerIdentity", false, "Learn the account id; needs no permission.";
    IamGetAccountAuthorizationDetails => Iam, "iam:GetAccountAuthorizationDetails", true, "Users, groups, roles, customer policies and their documents, in bulk.";
    IamGetAccountSummary => Iam, "iam:GetAccountSummary", true, "Account-wide IAM counters.";
    IamGetAccountPasswordPolicy => Iam, "iam:GetAccountPasswordPolicy", true, "The password policy.";
    IamGenerateCredentialReport => Iam, "iam:GenerateCredentialReport", true, "Start building the credential report.";
    IamGetCredentialReport => Iam, "iam:GetCredentialReport", true, "Fetch the credential report (root and every user's credentials).";
    IamListVirtualMfaDevices => Iam, "iam:ListVirtualMFADevices", true, "Virtual MFA devices, to tell hardware MFA apart.";
    IamListSamlProviders => Iam, "iam:ListSAMLProviders", true, "SAML identity providers.";
    IamListPolicies => Iam, "iam:ListPolicies", true, "Attached AWS-managed policies.";
    IamGetPolicyVersion => Iam, "iam:GetPolicyVersion", true, "The document of an attached AWS-managed policy.";
    IamListServerCertificates => Iam, "iam:ListServerCertificates", true, "Metadata (name, expiration) of the SSL/TLS certificates stored in IAM.";
    S3ListBuckets => S3, "s3:ListAllMyBuckets", true, "Every bucket of the account.";
    S3GetBucketLocation => S3, "s3:GetBucketLocation", true, "A bucket's region.";
    S3GetBucketEncryption => S3, "s3:GetEncryptionConfiguration", true, "Default encryption.";
    S3GetBucketPublicAccessBlock => S3, "s3:GetBucketPublicAccessBlock", true, "Bucket-level Block Public Access.";
    S3GetBucketPolicy => S3, "s3:GetBucketPolicy", true, "Bucket policy.";
    S3GetBucketAcl => S3, "s3:GetBucketAcl", true, "Bucket ACL.";
    S3GetBucketOwnershipControls => S3, "s3:GetBucketOwnershipControls", true, "Object Ownership.";
    S3GetBucketVersioning => S3, "s3:GetBucketVersioning", true, "Versioning and MFA Delete.";
    S3GetBucketLogging => S3, "s3:GetBucketLogging", true, "Server access logging.";
    S3GetObjectLockConfiguration => S3, "s3:GetBucketObjectLockConfiguration", true, "Object Lock.";
    S3GetBucketTagging => S3, "s3:GetBucketTagging", true, "Bucket tags.";
    S3ControlGetPublicAccessBlock => S3, "s3:GetAccountPublicAccessBlock", true, "Account-level Block Public Access.";
    S3GetBucketLifecycleConfiguration => S3, "s3:GetLifecycleConfiguration", true, "A bucket's lifecycle rules.";
    S3GetBucketReplication => S3, "s3:GetReplicationConfiguration", true, "A bucket's replication rules.";
    S3GetBucketNotificationConfiguration => S3, "s3:GetBucketNotification", true, "Where a bucket's event notifications go.";
    S3ControlListAccessPoints => S3, "s3:ListAccessPoints", true, "A region's access points.";
    S3ControlGetAccessPoint => S3, "s3:GetAccessPoint", true, "An access point's Block Public Access.";
    S3ControlListMultiRegionAccessPoints => S3, "s3:ListMultiRegionAccessPoints", true, "Multi-Region Access Points, with their Block Public Access.";
    Ec2DescribeRegions => Ec2, "ec2:DescribeRegions", true, "Regions and their opt-in status.";
    Ec2DescribeSecurityGroups => Ec2, "ec2:DescribeSecurityGroups", true, "Security groups with their rules.";
    Ec2DescribeInstances => Ec2, "ec2:DescribeInstances", true, "Instances with IMDS options, IPs, profiles.";
    Ec2DescribeNetworkInterfaces => Ec2, "ec2:DescribeNetworkInterfaces", true, "Network interfaces: which groups are in use, public IPs.";
    Ec2DescribeVolumes => Ec2, "ec2:DescribeVolumes", true, "EBS volumes.";
    Ec2DescribeSnapshots => Ec2, "ec2:DescribeSnapshots", true, "Owned EBS snapshots, and the publicly restorable ones.";
    Ec2DescribeSnapshotAttribute => Ec2, "ec2:DescribeSnapshotAttribute", true, "Who may create volumes from a snapshot, when the restorable-by-all listing cannot be trusted.";
    Ec2GetEbsEncryptionByDefault => Ec2, "ec2:GetEbsEncryptionByDefault", true, "EBS encryption by default.";
    Ec2GetEbsDefaultKmsKeyId => Ec2, "ec2:GetEbsDefaultKmsKeyId", true, "Default EBS KMS key.";
    Ec2DescribeVpcs => Ec2, "ec2:DescribeVpcs", true, "VPCs.";
    Ec2DescribeFlowLogs => Ec2, "ec2:DescribeFlowLogs", true, "VPC flow logs.";
    Ec2DescribeNetworkAcls => Ec2, "ec2:DescribeNetworkAcls", true, "Network ACLs.";
    Ec2DescribeVpcPeeringConnections => Ec2, "ec2:DescribeVpcPeeringConnections", true, "VPC peering connections with both sides' CIDRs.";
    Ec2DescribeRouteTables => Ec2, "ec2:DescribeRouteTables", true, "Route tables, for the routes that use a peering connection.";
    Ec2DescribeImages => Ec2, "ec2:DescribeImages", true, "Owned AMIs, and the AMIs instances were launched from (public flag, virtualization type, deprecation time).";
    Ec2DescribeLaunchTemplateVersions => Ec2, "ec2:DescribeLaunchTemplateVersions", true, "The default and latest version of every launch template (only metadata options and public-IP flags are kept).";
    Ec2GetImageBlockPublicAccessState => Ec2, "ec2:GetImageBlockPublicAccessState", true, "Block public access for AMIs.";
    Ec2GetSnapshotBlockPublicAccessState => Ec2, "ec2:GetSnapshotBlockPublicAccessState", true, "Block public access for EBS snapshots.";
    Ec2GetInstanceMetadataDefaults => Ec2, "ec2:GetInstanceMetadataDefaults", true, "The account's instance metadata defaults.";
    Ec2DescribeAddresses => Ec2, "ec2:DescribeAddresses", true, "Elastic IP addresses and their associations.";
    Ec2DescribeClientVpnEndpoints => Ec2, "ec2:DescribeClientVpnEndpoints", true, "Client VPN endpoints with their connection logging.";
    Ec2DescribeTransitGateways => Ec2, "ec2:DescribeTransitGateways", true, "Transit gateways with their attachment auto-accept option.";
    RdsDescribeDbInstances => Rds, "rds:DescribeDBInstances", true, "DB instances.";
    RdsDescribeDbClusters => Rds, "rds:DescribeDBClusters", true, "DB clusters.";
    RdsDescribeDbSnapshots => Rds, "rds:DescribeDBSnapshots", true, "Manual and automated DB snapshots.";
    RdsDescribeDbClusterSnapshots => Rds, "rds:DescribeDBClusterSnapshots", true, "DB cluster snapshots.";
    RdsDescribeDbSnapshotAttributes => Rds, "rds:DescribeDBSnapshotAttributes", true, "Who may restore a manual DB snapshot.";
    RdsDescribeDbClusterSnapshotAttributes => Rds, "rds:DescribeDBClusterSnapshotAttributes", true, "Who may restore a manual cluster snapshot.";
    RdsDescribeDbParameters => Rds, "rds:DescribeDBParameters", true, "The TLS parameters of a DB parameter group an instance uses.";
    RdsDescribeDbClusterParameters => Rds, "rds:DescribeDBClusterParameters", true, "The TLS parameters of a DB cluster parameter group a cluster uses.";
    RdsDescribeEventSubscriptions => Rds, "rds:DescribeEventSubscriptions", true, "A region's RDS event subscriptions.";
    RdsDescribeCertificates => Rds, "rds:DescribeCertificates", true, "The CA certificates RDS offers in a region, with their validity.";
    RdsDescribeDbEngineVersions => Rds, "rds:DescribeDBEngineVersions", true, "Whether RDS still offers an engine version instances run.";
    KmsListKeys => Kms, "kms:ListKeys", true, "Every KMS key of a region, AWS managed ones included.";
    KmsDescribeKey => Kms, "kms:DescribeKey", true, "A key's manager, state, spec, usage, origin and deletion date.";
    KmsGetKeyRotationStatus => Kms, "kms:GetKeyRotationStatus", true, "Whether a customer managed key's material is rotated automatically.";
    KmsGetKeyPolicy => Kms, "kms:GetKeyPolicy", true, "A customer managed key's key policy.";
    KmsListResourceTags => Kms, "kms:ListResourceTags", true, "A customer managed key's tags.";
    OrganizationsDescribeOrganization => Organizations, "organizations:DescribeOrganization", true, "The organization's id and management account (organization connections only).";
    OrganizationsListRoots => Organizations, "organizations:ListRoots", true, "The organization's root.";
    OrganizationsListOrganizationalUnitsForParent => Organizations, "organizations:ListOrganizationalUnitsForParent", true, "The OUs under a root or an OU, to place every account in its OU path.";
    OrganizationsListAccountsForParent => Organizations, "organizations:ListAccountsForParent", true, "The member accounts under a root or an OU, with their `State`.";
    CloudTrailDescribeTrails => CloudTrail, "cloudtrail:DescribeTrails", true, "A region's trails, shadow copies of multi-region and organization trails included.";
    CloudTrailGetTrailStatus => CloudTrail, "cloudtrail:GetTrailStatus", true, "Whether a trail is logging, and its last deliveries.";
    CloudTrailGetEventSelectors => CloudTrail, "cloudtrail:GetEventSelectors", true, "Which management and data events a trail logs.";
    LogsDescribeLogGroups => Logs, "logs:DescribeLogGroups", true, "A region's log groups, with retention and KMS key.";
    LogsDescribeMetricFilters => Logs, "logs:DescribeMetricFilters", true, "A region's metric filters, with their patterns and metrics.";
    CloudWatchDescribeAlarms => CloudWatch, "cloudwatch:DescribeAlarms", true, "A region's metric alarms, with their metrics and actions.";
    SnsListTopics => Sns, "sns:ListTopics", true, "A region's SNS topics.";
    SnsGetTopicAttributes => Sns, "sns:GetTopicAttributes", true, "A topic's subscription counts, encryption key and access policy.";
    ConfigDescribeConfigurationRecorders => Config, "config:DescribeConfigurationRecorders", true, "A region's AWS Config recorders and what they record.";
    ConfigDescribeConfigurationRecorderStatus => Config, "config:DescribeConfigurationRecorderStatus", true, "Whether each recorder of a region is recording, and its last status.";
    ConfigDescribeDeliveryChannels => Config, "config:DescribeDeliveryChannels", true, "Where a region's AWS Config delivers what it records.";
    SecurityHubDescribeHub => SecurityHub, "securityhub:DescribeHub", true, "Whether Security Hub is enabled in a region.";
    SecurityHubGetEnabledStandards => SecurityHub, "securityhub:GetEnabledStandards", true, "The security standards enabled in a region's Security Hub.";
    AccessAnalyzerListAnalyzers => AccessAnalyzer, "access-analyzer:ListAnalyzers", true, "A region's IAM Access Analyzer analyzers, with their type and status.";
    IamListOrganizationsFeatures => Iam, "iam:ListOrganizationsFeatures", true, "Which IAM features (centralized root access) the organization manages.";
    IamGenerateServiceLastAccessedDetails => Iam, "iam:GenerateServiceLastAccessedDetails", true, "Start a service last accessed report for a user or role (read-only: it builds a report).";
    IamGetServiceLastAccessedDetails => Iam, "iam:GetServiceLastAccessedDetails", true, "Read a service last accessed report: when the principal last used each service it may use.";
    OrganizationsAuditDescribeOrganization => OrganizationsAudit, "organizations:DescribeOrganization", true, "The audited account's organization, if any.";
    OrganizationsAuditListDelegatedAdministrators => OrganizationsAudit, "organizations:ListDelegatedAdministrators", true, "The organization's delegated administrators (management account only).";
    OrganizationsAuditDescribeResourcePolicy => OrganizationsAudit, "organizations:DescribeResourcePolicy", true, "Whether Organizations policy management is delegated (management account only).";
    EfsDescribeFileSystems => Efs, "elasticfilesystem:DescribeFileSystems", true, "A region's EFS file systems, with their encryption and tags.";
    EfsDescribeFileSystemPolicy => Efs, "elasticfilesystem:DescribeFileSystemPolicy", true, "An EFS file system's resource policy.";
    MacieGetMacieSession => Macie, "macie2:GetMacieSession", true, "Whether Amazon Macie is enabled (or paused) in a region.";
    AccountGetContactInformation => Account, "account:GetContactInformation", true, "The account's primary contact (CloudArq keeps only which fields are filled).";
    AccountGetAlternateContact => Account, "account:GetAlternateContact", true, "One alternate contact of the account: security, billing or operations (CloudArq keeps only which fields are filled).";
    BackupListBackupPlans => Backup, "backup:ListBackupPlans", true, "A region's AWS Backup plans.";
    BackupListBackupSelections => Backup, "backup:ListBackupSelections", true, "The resource selections of one backup plan.";
    BackupGetBackupSelection => Backup, "backup:GetBackupSelection", true, "One selection's resources, exclusions and tag conditions.";
    BackupDescribeRegionSettings => Backup, "backup:DescribeRegionSettings", true, "Which resource types AWS Backup may back up in a region (the opt-in).";
    BackupListProtectedResources => Backup, "backup:ListProtectedResources", true, "A region's resources that have AWS Backup recovery points, with their last backup time.";
    SsmDescribeInstanceInformation => Ssm, "ssm:DescribeInstanceInformation", true, "A region's Systems Manager managed nodes (CloudArq keeps id, ping status, agent version, last ping and platform type only).";
    CloudFrontListDistributions => CloudFront, "cloudfront:ListDistributions", true, "The account's CloudFront distributions, with their behaviors, origins and TLS settings.";
    CloudFrontGetDistributionConfig => CloudFront, "cloudfront:GetDistributionConfig", true, "A distribution's configuration, for its standard (S3) logging.";
    LogsDescribeDeliverySources => Logs, "logs:DescribeDeliverySources", true, "CloudWatch Logs vended-log sources (which resources send logs), for CloudFront's logging v2.";
    LogsDescribeDeliveries => Logs, "logs:DescribeDeliveries", true, "CloudWatch Logs vended-log deliveries (source to destination), for CloudFront's logging v2.";
    Elbv2DescribeLoadBalancers => Elbv2, "elasticloadbalancing:DescribeLoadBalancers", true, "A region's Application, Network and Gateway Load Balancers.";
    Elbv2DescribeLoadBalancerAttributes => Elbv2, "elasticloadbalancing:DescribeLoadBalancerAttributes", true, "A load balancer's attributes (access logs, deletion protection, header handling).";
    Elbv2DescribeListeners => Elbv2, "elasticloadbalancing:DescribeListeners", true, "A load balancer's listeners: port, protocol and TLS policy.";
    Elbv2DescribeTags => Elbv2, "elasticloadbalancing:DescribeTags", true, "The tags of up to 20 load balancers.";
    ApiGatewayGetRestApis => ApiGateway, "apigateway:GET", true, "A region's REST APIs (`GET /restapis`).";
    ApiGatewayGetStages => ApiGateway, "apigateway:GET", true, "A REST API's stages, with their logging settings (`GET /restapis/<id>/stages`).";
    ApiGatewayGetAccount => ApiGateway, "apigateway:GET", true, "The region's API Gateway account settings: the CloudWatch logging role (`GET /account`).";
}

/// The API a call goes to; STS and Organizations are not audited
/// [`Service`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiService {
    /// Security Token Service.
    Sts,
    /// IAM.
    Iam,
    /// S3 and S3 Control.
    S3,
    /// EC2.
    Ec2,
    /// RDS.
    Rds,
    /// KMS.
    Kms,
    /// AWS Organizations (listing an organization's accounts).
    Organizations,
    /// CloudTrail.
    CloudTrail,
    /// CloudWatch Logs.
    Logs,
    /// CloudWatch (alarms).
    CloudWatch,
    /// SNS.
    Sns,
    /// AWS Config.
    Config,
    /// AWS Security Hub.
    SecurityHub,
    /// IAM Access Analyzer.
    AccessAnalyzer,
    /// AWS Organizations as an audited service: what the account sees of
    /// its organization's governance (distinct from [`Organizations`](Self::Organizations),
    /// the listing of an organization connection's accounts).
    OrganizationsAudit,
    /// Amazon EFS.
    Efs,
    /// Amazon Macie.
    Macie,
    /// AWS Account Management (global).
    Account,
    /// AWS Backup.
    Backup,
    /// AWS Systems Manager.
    Ssm,
    /// Amazon CloudFront (global).
    CloudFront,
    /// Elastic Load Balancing v2.
    Elbv2,
    /// Amazon API Gateway.
    ApiGateway,
}

impl ApiService {
    /// Its name in messages (`sts`, `organizations`, or the audited
    /// service's).
    pub fn name(self) -> &'static str {
        match self {
            Self::Sts => "sts",
            Self::Organizations | Self::OrganizationsAudit => "organizations",
            Self::Logs => "logs",
            other => other.audited().map_or("aws", |s| s.as_str()),
        }
    }

    /// The audited service, `None` for STS and Organizations.
    pub fn audited(self) -> Option<Service> {
        match self {
            Self::Sts => None,
            Self::Iam => Some(Service::Iam),
            Self::S3 => Some(Service::S3),
            Self::Ec2 => Some(Service::Ec2),
            Self::Rds => Some(Service::Rds),
            Self::Kms => Some(Service::Kms),
            Self::Organizations => None,
            Self::CloudTrail => Some(Service::Cloudtrail),
            Self::Logs | Self::CloudWatch => Some(Service::Cloudwatch),
            Self::Sns => Some(Service::Sns),
            Self::Config => Some(Service::Config),
            Self::SecurityHub => Some(Service::SecurityHub),
            Self::AccessAnalyzer => Some(Service::AccessAnalyzer),
            Self::OrganizationsAudit => Some(Service::Organizations),
            Self::Efs => Some(Service::Efs),
            Self::Macie => Some(Service::Macie),
            Self::Account => Some(Service::Account),
            Self::Backup => Some(Service::Backup),
            Self::Ssm => Some(Service::Ssm),
            Self::CloudFront => Some(Service::CloudFront),
            Self::Elbv2 => Some(Service::Elbv2),
            Self::ApiGateway => Some(Service::ApiGateway),
        }
    }
}

impl Action {
    /// The IAM actions the audited role of every account must grant on
    /// `"*"`, sorted and deduplicated (the member role, `cloudformation/`);
    /// the actions granted on some resources only are
    /// [`scoped_role_permissions`](Self::scoped_role_permissions).
    pub fn role_permissions() -> Vec<&'static str> {
        Self::permissions(|a| a.service() != ApiService::Organizations)
    }

    /// The actions the management (or delegated administrator) account's
    /// role grants on top of [`role_permissions`](Self::role_permissions)
    /// to list the organization: `organizations:` reads only.
    pub fn organization_permissions() -> Vec<&'static str> {
        Self::permissions(|a| a.service() == ApiService::Organizations)
    }

    /// The resource ARN pattern the role grants this action on, when the
    /// action would reach more than CloudArq reads on `"*"`:
    /// `apigateway:GET` on every resource would also read API key values
    /// and client certificates, so the role grants it on the three paths
    /// the collector reads only. `${AWS::Partition}` is CloudFormation's
    /// substitution. `None`: the action is granted on `"*"`.
    pub fn resource_scope(self) -> Option<&'static str> {
        match self {
            Self::ApiGatewayGetRestApis => Some("arn:${AWS::Partition}:apigateway:*::/restapis"),
            Self::ApiGatewayGetStages => {
                Some("arn:${AWS::Partition}:apigateway:*::/restapis/*/stages")
            }
            Self::ApiGatewayGetAccount => Some("arn:${AWS::Partition}:apigateway:*::/account"),
            _ => None,
        }
    }

    /// The IAM actions the audited role grants only on some resources, each
    /// with its sorted resource patterns ([`resource_scope`](Self::resource_scope));
    /// [`role_permissions`](Self::role_permissions) leaves them out.
    pub fn scoped_role_permissions() -> Vec<(&'static str, Vec<&'static str>)> {
        let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for a in Self::ALL.iter().filter(|a| a.needs_role_permission()) {
            let Some(scope) = a.resource_scope() else {
                continue;
            };
            match out.iter_mut().find(|(iam, _)| *iam == a.iam_action()) {
                Some((_, resources)) => resources.push(scope),
                None => out.push((a.iam_action(), vec![scope])),
            }
        }
        for (_, resources) in &mut out {
            resources.sort_unstable();
            resources.dedup();
        }
        out.sort_unstable();
        out
    }

    fn permissions(keep: impl Fn(Action) -> bool) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = Self::ALL
            .iter()
            .filter(|a| a.needs_role_permission() && a.resource_scope().is_none() && keep(**a))
            .map(|a| a.iam_action())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_read_only() {
        for a in Action::ALL {
            let name = a.iam_action().split(':').nth(1).unwrap_or_default();
            // API Gateway's IAM actions are HTTP verbs: `GET` is its read.
            let ok = ["List", "Get", "Describe", "Generate"]
                .iter()
                .any(|p| name.starts_with(p))
                || *a == Action::StsAssumeRole
                || a.iam_action() == "apigateway:GET";
            assert!(ok, "{name} is not a read-only action");
        }
    }

    #[test]
    fn api_gateway_reads_are_granted_on_the_paths_read_only() {
        for a in Action::ALL {
            if a.iam_action().starts_with("apigateway:") {
                assert_eq!(a.iam_action(), "apigateway:GET");
                assert!(a.resource_scope().is_some(), "{a:?} is not scoped");
            }
        }
        assert!(!Action::role_permissions().contains(&"apigateway:GET"));
        assert_eq!(
            Action::scoped_role_permissions(),
            [(
                "apigateway:GET",
                vec![
                    "arn:${AWS::Partition}:apigateway:*::/account",
                    "arn:${AWS::Partition}:apigateway:*::/restapis",
                    "arn:${AWS::Partition}:apigateway:*::/restapis/*/stages",
                ]
            )]
        );
    }
}
