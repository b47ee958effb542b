//! A hand-built, realistic [`ScanResult`] and the rule metadata its findings
//! refer to, shared by the report tests (unit tests include this file by path).
//!
//! One account, two regions, IAM/S3/EC2/RDS findings in every status, a
//! severity lowered by context, a hostile resource name and message (an EC2
//! `Name` tag is attacker-controlled text), evaluation and coverage gaps, and
//! two framework scores. Nothing here reads a clock.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of the fixture"
)]

use cloudarq_model::finding::{
    ControlId, EvaluationGap, Finding, FrameworkScore, RESULT_FORMAT, RESULT_FORMAT_VERSION,
    ScanResult, SectionScore,
};
use cloudarq_model::rule::{ControlRef, Remediation, RuleMeta, Severity, Status};
use cloudarq_model::{CoverageGap, GapKind, ResourceType, Service};

/// The account of the sample.
pub const ACCOUNT: &str = "123456789012";

/// The hostile `Name` tag of one instance.
pub const HOSTILE_NAME: &str = "web-1 <img src=x onerror=alert(1)>";

/// The hostile part of one message.
pub const HOSTILE_MESSAGE: &str = "</td><script>alert(\"pwned\")</script>";

const fn cis(control: &'static str) -> ControlRef {
    ControlRef {
        framework: "cis_aws_3.0",
        control,
    }
}

const fn fsbp(control: &'static str) -> ControlRef {
    ControlRef {
        framework: "aws_fsbp",
        control,
    }
}

macro_rules! meta {
    ($id:literal, $title:literal, $sev:ident, $svc:ident, $rt:ident, $why:literal,
     $cli:literal, $console:literal, $url:literal, [$($c:expr),*]) => {
        RuleMeta {
            id: $id,
            title: $title,
            severity: Severity::$sev,
            service: Service::$svc,
            resource_types: &[ResourceType::$rt],
            rationale: $why,
            remediation: Remediation { cli: $cli, console: $console, url: $url },
            controls: &[$($c),*],
        }
    };
}

static RULES: &[RuleMeta] = &[
    meta!(
        "iam_root_mfa_enabled",
        "Root user has MFA enabled",
        Critical,
        Iam,
        IamAccount,
        "The root user has unrestricted access; a password alone is one phish away from losing the account.",
        "aws iam enable-mfa-device --user-name root ... (root MFA is set from the console)",
        "Sign in as root > Security credentials > Multi-factor authentication > Assign MFA device.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/enable-virt-mfa-for-root.html",
        [cis("1.5"), fsbp("IAM.9")]
    ),
    meta!(
        "iam_root_access_keys_absent",
        "Root user has no access keys",
        Critical,
        Iam,
        IamAccount,
        "Root access keys cannot be scoped down and are rarely needed.",
        "Delete the keys from the root user's Security credentials page.",
        "Sign in as root > Security credentials > Access keys > Delete.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-user_manage_delete-key.html",
        [cis("1.4"), fsbp("IAM.4")]
    ),
    meta!(
        "iam_password_policy_min_length_14",
        "Password policy requires at least 14 characters",
        Medium,
        Iam,
        IamAccount,
        "Short passwords fall to guessing and credential stuffing.",
        "aws iam update-account-password-policy --minimum-password-length 14",
        "IAM > Account settings > Password policy > Edit > Minimum length 14.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html",
        [cis("1.8"), fsbp("IAM.15")]
    ),
    meta!(
        "iam_user_console_mfa_enabled",
        "IAM user with console access has MFA enabled",
        High,
        Iam,
        IamUser,
        "Console users without MFA are the most common way into an AWS account.",
        "aws iam enable-mfa-device --user-name USER --serial-number ARN --authentication-code1 ... --authentication-code2 ...",
        "IAM > Users > USER > Security credentials > Assign MFA device.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html",
        [cis("1.10"), fsbp("IAM.5")]
    ),
    meta!(
        "iam_user_access_keys_rotated_90_days",
        "IAM user access keys are rotated within 90 days",
        Medium,
        Iam,
        IamUser,
        "Old keys have had more time to leak into logs, laptops and repositories.",
        "aws iam create-access-key --user-name USER && aws iam delete-access-key --user-name USER --access-key-id OLD_KEY",
        "IAM > Users > USER > Security credentials > Create access key, then deactivate and delete the old one.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html",
        [cis("1.14"), fsbp("IAM.3")]
    ),
    meta!(
        "iam_policy_no_full_admin",
        "Customer managed policy does not grant *:* administrative access",
        High,
        Iam,
        IamManagedPolicy,
        "A policy allowing every action on every resource defeats least privilege.",
        "aws iam create-policy-version --policy-arn ARN --policy-document file://scoped.json --set-as-default",
        "IAM > Policies > POLICY > Edit > replace \"Action\": \"*\" with the actions needed.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege",
        [cis("1.16"), fsbp("IAM.1")]
    ),
    meta!(
        "iam_role_trust_no_wildcard_principal",
        "IAM role trust policy does not allow any principal",
        Critical,
        Iam,
        IamRole,
        "A trust policy with Principal \"*\" lets anyone on the internet assume the role.",
        "aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust.json",
        "IAM > Roles > ROLE > Trust relationships > Edit trust policy.",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_terms-and-concepts.html",
        [fsbp("IAM.21")]
    ),
    meta!(
        "s3_account_public_access_block_enabled",
        "Account-level S3 Block Public Access is fully enabled",
        High,
        S3,
        S3AccountPublicAccessBlock,
        "The account-level switch stops any bucket from becoming public by mistake.",
        "aws s3control put-public-access-block --account-id ACCOUNT --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        "S3 > Block Public Access settings for this account > Edit > Block all public access.",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html",
        [cis("2.1.4"), fsbp("S3.1")]
    ),
    meta!(
        "s3_bucket_default_encryption",
        "S3 bucket encrypts new objects by default",
        Medium,
        S3,
        S3Bucket,
        "Default encryption protects objects written without an encryption header.",
        "aws s3api put-bucket-encryption --bucket BUCKET --server-side-encryption-configuration '{\"Rules\":[{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\"}}]}'",
        "S3 > BUCKET > Properties > Default encryption > Edit.",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html",
        [fsbp("S3.4")]
    ),
    meta!(
        "s3_bucket_public_access_blocked",
        "S3 bucket blocks public access",
        High,
        S3,
        S3Bucket,
        "A public bucket exposes its objects to the whole internet.",
        "aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
        "S3 > BUCKET > Permissions > Block public access > Edit.",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-bucket.html",
        [fsbp("S3.8")]
    ),
    meta!(
        "s3_bucket_secure_transport_policy",
        "S3 bucket policy denies requests without TLS",
        Medium,
        S3,
        S3Bucket,
        "Without aws:SecureTransport, clients may send data and credentials in clear text.",
        "aws s3api put-bucket-policy --bucket BUCKET --policy file://deny-insecure-transport.json",
        "S3 > BUCKET > Permissions > Bucket policy > add a Deny statement for aws:SecureTransport = false.",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html",
        [cis("2.1.1"), fsbp("S3.5")]
    ),
    meta!(
        "s3_bucket_versioning_enabled",
        "S3 bucket has object versioning enabled",
        Low,
        S3,
        S3Bucket,
        "Versioning keeps prior object versions after an overwrite or delete.",
        "aws s3api put-bucket-versioning --bucket BUCKET --versioning-configuration Status=Enabled",
        "S3 > BUCKET > Properties > Bucket Versioning > Edit > Enable.",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
        [fsbp("S3.14")]
    ),
    meta!(
        "ec2_securitygroup_ssh_not_open_to_internet",
        "Security group does not allow SSH from the internet",
        High,
        Ec2,
        Ec2SecurityGroup,
        "SSH open to 0.0.0.0/0 invites brute force and exploits against sshd.",
        "aws ec2 revoke-security-group-ingress --group-id SG --protocol tcp --port 22 --cidr 0.0.0.0/0",
        "EC2 > Security Groups > SG > Inbound rules > Edit > remove 0.0.0.0/0 on port 22.",
        "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html",
        [cis("5.2"), fsbp("EC2.13")]
    ),
    meta!(
        "ec2_instance_imdsv2_required",
        "EC2 instance requires IMDSv2",
        Medium,
        Ec2,
        Ec2Instance,
        "IMDSv1 lets a server-side request forgery read the instance role's credentials.",
        "aws ec2 modify-instance-metadata-options --instance-id ID --http-tokens required",
        "EC2 > Instances > ID > Actions > Instance settings > Modify instance metadata options > IMDSv2 Required.",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html",
        [cis("5.6"), fsbp("EC2.8")]
    ),
    meta!(
        "ec2_ebs_default_encryption_enabled",
        "EBS encryption by default is enabled in the region",
        Medium,
        Ec2,
        Ec2RegionSettings,
        "New volumes and snapshot copies are encrypted without relying on each launch template.",
        "aws ec2 enable-ebs-encryption-by-default --region REGION",
        "EC2 > Settings > EBS encryption > Manage > Enable.",
        "https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html",
        [cis("2.2.1"), fsbp("EC2.7")]
    ),
    meta!(
        "ec2_volume_encrypted",
        "EBS volume is encrypted",
        Medium,
        Ec2,
        Ec2Volume,
        "Unencrypted volumes and their snapshots expose data at rest.",
        "Create an encrypted snapshot copy (aws ec2 copy-snapshot --encrypted) and a new volume from it.",
        "EC2 > Snapshots > copy with encryption > create volume > swap it in.",
        "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html",
        [fsbp("EC2.3")]
    ),
    meta!(
        "ec2_vpc_flow_logs_enabled",
        "VPC has flow logs enabled",
        Medium,
        Ec2,
        Ec2Vpc,
        "Flow logs are the network record an incident responder needs.",
        "aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC --traffic-type REJECT --log-destination-type s3 --log-destination BUCKET_ARN",
        "VPC > Your VPCs > VPC > Flow logs > Create flow log.",
        "https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs.html",
        [cis("3.7"), fsbp("EC2.6")]
    ),
    meta!(
        "ec2_snapshot_not_public",
        "EBS snapshot is not public",
        Critical,
        Ec2,
        Ec2Snapshot,
        "Anyone can copy a public snapshot and read the disk.",
        "aws ec2 modify-snapshot-attribute --snapshot-id SNAP --attribute createVolumePermission --operation-type remove --group-names all",
        "EC2 > Snapshots > SNAP > Actions > Modify permissions > Private.",
        "https://docs.aws.amazon.com/ebs/latest/userguide/ebs-modifying-snapshot-permissions.html",
        [fsbp("EC2.1")]
    ),
    meta!(
        "rds_instance_not_publicly_accessible",
        "RDS instance is not publicly accessible",
        Critical,
        Rds,
        RdsDbInstance,
        "A publicly accessible database is reachable from the internet if its security group allows it.",
        "aws rds modify-db-instance --db-instance-identifier DB --no-publicly-accessible --apply-immediately",
        "RDS > Databases > DB > Modify > Connectivity > Not publicly accessible.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html",
        [cis("2.3.3"), fsbp("RDS.2")]
    ),
    meta!(
        "rds_instance_storage_encrypted",
        "RDS instance storage is encrypted",
        High,
        Rds,
        RdsDbInstance,
        "Unencrypted storage exposes data, logs, backups and snapshots at rest.",
        "Snapshot the instance, copy the snapshot with --kms-key-id, restore from the encrypted copy.",
        "RDS > Snapshots > copy with encryption > Restore snapshot.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html",
        [cis("2.3.1"), fsbp("RDS.3")]
    ),
    meta!(
        "rds_instance_backup_enabled",
        "RDS instance has automated backups enabled",
        Medium,
        Rds,
        RdsDbInstance,
        "Without backups a deleted or corrupted database cannot be restored.",
        "aws rds modify-db-instance --db-instance-identifier DB --backup-retention-period 7 --apply-immediately",
        "RDS > Databases > DB > Modify > Backup retention period.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_WorkingWithAutomatedBackups.html",
        [fsbp("RDS.11")]
    ),
    meta!(
        "rds_instance_deletion_protection_enabled",
        "RDS instance has deletion protection enabled",
        Low,
        Rds,
        RdsDbInstance,
        "Deletion protection stops an accidental or malicious delete.",
        "aws rds modify-db-instance --db-instance-identifier DB --deletion-protection --apply-immediately",
        "RDS > Databases > DB > Modify > Enable deletion protection.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_DeleteInstance.html",
        [fsbp("RDS.8")]
    ),
    meta!(
        "rds_instance_multi_az",
        "RDS instance is deployed across availability zones",
        Medium,
        Rds,
        RdsDbInstance,
        "A single-AZ instance goes down with its zone.",
        "aws rds modify-db-instance --db-instance-identifier DB --multi-az --apply-immediately",
        "RDS > Databases > DB > Modify > Multi-AZ deployment.",
        "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.html",
        [fsbp("RDS.5")]
    ),
];

/// The metadata of the sample's rules, by id.
pub fn rule_meta(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|m| m.id == id)
}

/// The metadata of every rule of the sample.
pub fn rule_metas() -> &'static [RuleMeta] {
    RULES
}

/// Every rule id of the sample.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    RULES.iter().map(|m| m.id)
}

fn finding(rule: &str, status: Status, arn: &str, name: &str, message: &str) -> Finding {
    let meta = rule_meta(rule).unwrap_or_else(|| panic!("fixture rule {rule} has no metadata"));
    let arn: cloudarq_model::Arn = arn.parse().expect("fixture ARN parses");
    let region = (!arn.region().is_empty()).then(|| arn.region().parse().expect("fixture region"));
    Finding {
        rule_id: rule.to_owned(),
        title: meta.title.to_owned(),
        service: meta.service,
        resource_type: meta.resource_types[0],
        resource_name: name.to_owned(),
        region,
        resource_arn: arn,
        status,
        severity: meta.severity,
        severity_reason: None,
        message: message.to_owned(),
        evidence: serde_json::Value::Null,
        controls: meta.controls.iter().map(ControlId::from).collect(),
        muted_reason: None,
    }
}

fn section(name: &str, passed: u32, failed: u32, manual: u32) -> SectionScore {
    let assessed = passed + failed;
    SectionScore {
        section: name.to_owned(),
        passed,
        failed,
        manual,
        score: (assessed > 0).then(|| f64::from(passed) * 100.0 / f64::from(assessed)),
    }
}

fn framework(id: &str, title: &str, sections: Vec<SectionScore>) -> FrameworkScore {
    let sum = |f: fn(&SectionScore) -> u32| sections.iter().map(f).sum::<u32>();
    let total = section(
        title,
        sum(|s| s.passed),
        sum(|s| s.failed),
        sum(|s| s.manual),
    );
    FrameworkScore {
        framework: id.to_owned(),
        title: title.to_owned(),
        total,
        sections,
    }
}

/// The sample result: 46 findings (22 PASS, 20 FAIL, 3 MUTED, 1 ERROR; FAIL by
/// severity 3 critical, 5 high, 9 medium, 3 low), 17 failing rules, 3 coverage
/// gaps, 2 evaluation gaps and 2 framework scores.
pub fn sample_result() -> ScanResult {
    use Status::{Error, Fail, Muted, Pass};
    let a = ACCOUNT;
    let iam = |r: &str| format!("arn:aws:iam::{a}:{r}");
    let s3 = |b: &str| format!("arn:aws:s3:::{b}");
    let ec2 = |region: &str, r: &str| format!("arn:aws:ec2:{region}:{a}:{r}");
    let rds = |region: &str, db: &str| format!("arn:aws:rds:{region}:{a}:db:{db}");
    let (eu, us) = ("eu-west-1", "us-east-1");

    #[rustfmt::skip]
    let mut findings = vec![
        // IAM
        finding("iam_root_mfa_enabled", Fail, &iam("root"), "root", "the root user has no MFA device"),
        finding("iam_root_access_keys_absent", Pass, &iam("root"), "root", "the root user has no access keys"),
        finding("iam_password_policy_min_length_14", Fail, &iam("root"), "root",
            "the password policy requires 8 characters, fewer than 14"),
        finding("iam_user_console_mfa_enabled", Pass, &iam("user/alice"), "alice", "alice has a virtual MFA device"),
        finding("iam_user_console_mfa_enabled", Fail, &iam("user/bob"), "bob", "bob signs in to the console without MFA"),
        finding("iam_user_console_mfa_enabled", Muted, &iam("user/break-glass"), "break-glass",
            "break-glass signs in to the console without MFA"),
        finding("iam_user_access_keys_rotated_90_days", Pass, &iam("user/alice"), "alice",
            "alice's active key was created 12 days ago"),
        finding("iam_user_access_keys_rotated_90_days", Fail, &iam("user/ci-deploy"), "ci-deploy",
            "ci-deploy's key AKIA…XYZW was created 412 days ago"),
        finding("iam_policy_no_full_admin", Fail, &iam("policy/LegacyAdmin"), "LegacyAdmin",
            "statement 0 allows Action \"*\" on Resource \"*\""),
        finding("iam_policy_no_full_admin", Pass, &iam("policy/ReadOnlyTeam"), "ReadOnlyTeam",
            "no statement allows every action on every resource"),
        finding("iam_role_trust_no_wildcard_principal", Pass, &iam("role/vendor-audit"), "vendor-audit",
            "the trust policy names account 210987654321 and requires an external id"),
        finding("iam_role_trust_no_wildcard_principal", Fail, &iam("role/cross-acct-legacy"), "cross-acct-legacy",
            "the trust policy allows Principal \"*\" without a condition"),
        // S3
        finding("s3_account_public_access_block_enabled", Fail, &format!("arn:aws:s3::{a}:account"), "account",
            "BlockPublicPolicy and RestrictPublicBuckets are off"),
        finding("s3_bucket_default_encryption", Pass, &s3("acme-data-prod"), "acme-data-prod", "SSE-KMS by default"),
        finding("s3_bucket_default_encryption", Pass, &s3("acme-logs"), "acme-logs", "SSE-S3 by default"),
        finding("s3_bucket_default_encryption", Pass, &s3("acme-static-site"), "acme-static-site", "SSE-S3 by default"),
        finding("s3_bucket_public_access_blocked", Pass, &s3("acme-data-prod"), "acme-data-prod",
            "all four public access block settings are on"),
        finding("s3_bucket_public_access_blocked", Pass, &s3("acme-logs"), "acme-logs",
            "all four public access block settings are on"),
        finding("s3_bucket_public_access_blocked", Muted, &s3("acme-static-site"), "acme-static-site",
            "the bucket policy grants s3:GetObject to Principal \"*\""),
        finding("s3_bucket_secure_transport_policy", Fail, &s3("acme-data-prod"), "acme-data-prod",
            "no bucket policy statement denies aws:SecureTransport = false"),
        finding("s3_bucket_secure_transport_policy", Fail, &s3("acme-logs"), "acme-logs", "the bucket has no policy"),
        finding("s3_bucket_secure_transport_policy", Error, &s3("acme-static-site"), "acme-static-site",
            "rule error: the bucket policy is not a JSON object (expected `{` at line 1 column 1)"),
        finding("s3_bucket_versioning_enabled", Pass, &s3("acme-data-prod"), "acme-data-prod", "versioning is enabled"),
        finding("s3_bucket_versioning_enabled", Fail, &s3("acme-logs"), "acme-logs", "versioning is suspended"),
        // EC2
        finding("ec2_securitygroup_ssh_not_open_to_internet", Fail, &ec2(eu, "security-group/sg-0a1b2c3d4e5f60718"),
            "web-sg", "port 22 is open to 0.0.0.0/0"),
        finding("ec2_securitygroup_ssh_not_open_to_internet", Fail, &ec2(us, "security-group/sg-0f9e8d7c6b5a40312"),
            "old-bastion", "port 22 is open to 0.0.0.0/0 and ::/0"),
        finding("ec2_securitygroup_ssh_not_open_to_internet", Pass, &ec2(us, "security-group/sg-01234abcd5678ef90"),
            "default", "no ingress rule allows port 22 from the internet"),
        finding("ec2_instance_imdsv2_required", Fail, &ec2(eu, "instance/i-0abc1234def567890"), HOSTILE_NAME,
            &format!("HttpTokens is optional {HOSTILE_MESSAGE}")),
        finding("ec2_instance_imdsv2_required", Pass, &ec2(us, "instance/i-0fed9876cba543210"), "batch-1",
            "HttpTokens is required"),
        finding("ec2_ebs_default_encryption_enabled", Pass, &ec2(eu, "account"), eu, "EBS encryption by default is on"),
        finding("ec2_ebs_default_encryption_enabled", Fail, &ec2(us, "account"), us, "EBS encryption by default is off"),
        finding("ec2_volume_encrypted", Pass, &ec2(eu, "volume/vol-0aaa1111bbbb2222c"), "web-1-root", "the volume is encrypted"),
        finding("ec2_volume_encrypted", Fail, &ec2(us, "volume/vol-0ccc3333dddd4444e"), "batch-scratch",
            "the volume is not encrypted"),
        finding("ec2_vpc_flow_logs_enabled", Fail, &ec2(eu, "vpc/vpc-0123456789abcdef0"), "main", "the VPC has no flow log"),
        finding("ec2_vpc_flow_logs_enabled", Fail, &ec2(us, "vpc/vpc-0fedcba9876543210"), "default", "the VPC has no flow log"),
        finding("ec2_snapshot_not_public", Pass, &ec2(eu, "snapshot/snap-0123abcd4567ef890"), "nightly",
            "the snapshot is shared with no one"),
        // RDS
        finding("rds_instance_not_publicly_accessible", Fail, &rds(eu, "orders-prod"), "orders-prod",
            "PubliclyAccessible is true"),
        finding("rds_instance_not_publicly_accessible", Pass, &rds(us, "analytics"), "analytics",
            "PubliclyAccessible is false"),
        finding("rds_instance_storage_encrypted", Pass, &rds(eu, "orders-prod"), "orders-prod", "storage is encrypted with KMS"),
        finding("rds_instance_storage_encrypted", Fail, &rds(us, "analytics"), "analytics", "storage is not encrypted"),
        finding("rds_instance_backup_enabled", Pass, &rds(eu, "orders-prod"), "orders-prod", "backups are kept 7 days"),
        finding("rds_instance_backup_enabled", Pass, &rds(us, "analytics"), "analytics", "backups are kept 1 day"),
        finding("rds_instance_deletion_protection_enabled", Pass, &rds(eu, "orders-prod"), "orders-prod",
            "deletion protection is on"),
        finding("rds_instance_deletion_protection_enabled", Fail, &rds(us, "analytics"), "analytics",
            "deletion protection is off"),
        finding("rds_instance_multi_az", Pass, &rds(eu, "orders-prod"), "orders-prod", "the instance is Multi-AZ"),
        finding("rds_instance_multi_az", Muted, &rds(us, "analytics"), "analytics", "the instance is single-AZ"),
    ];

    for f in &mut findings {
        // A bucket ARN has no region; the collector knows it.
        if f.rule_id.starts_with("s3_bucket") {
            let region = if f.resource_name == "acme-static-site" {
                us
            } else {
                eu
            };
            f.region = Some(region.parse().expect("region"));
        }
        match (f.rule_id.as_str(), f.resource_name.as_str()) {
            ("ec2_securitygroup_ssh_not_open_to_internet", "old-bastion") => {
                f.severity = Severity::Low;
                f.severity_reason =
                    Some("the group is attached to no network interface".to_owned());
            }
            ("ec2_securitygroup_ssh_not_open_to_internet", "web-sg") => {
                f.evidence = serde_json::json!({"ip_permissions": [{"from_port": 22, "to_port": 22, "cidr": "0.0.0.0/0"}], "attached_to": ["i-0abc1234def567890"]});
            }
            ("iam_user_console_mfa_enabled", "break-glass") => {
                f.muted_reason = Some(
                    "break-glass user; MFA device kept in the safe (ticket SEC-142)".to_owned(),
                );
            }
            ("s3_bucket_public_access_blocked", "acme-static-site") => {
                f.muted_reason = Some("public website bucket, reviewed 2026-01-10".to_owned());
            }
            ("rds_instance_multi_az", "analytics") => {
                f.muted_reason = Some("analytics replica is single-AZ by design".to_owned());
            }
            _ => {}
        }
    }
    findings.sort_by(|x, y| (&x.rule_id, &x.resource_arn).cmp(&(&y.rule_id, &y.resource_arn)));

    let evaluation_gaps = vec![
        EvaluationGap {
            rule_id: "s3_bucket_versioning_enabled".to_owned(),
            resource_arn: s3("acme-static-site").parse().expect("ARN"),
            field: "versioning".to_owned(),
        },
        EvaluationGap {
            rule_id: "iam_user_access_keys_rotated_90_days".to_owned(),
            resource_arn: iam("user/bob").parse().expect("ARN"),
            field: "access_keys".to_owned(),
        },
    ];
    let coverage_gaps = vec![
        CoverageGap {
            service: Service::Iam,
            region: None,
            action: "iam:ListAccessKeys".to_owned(),
            resource: Some(iam("user/bob").parse().expect("ARN")),
            kind: GapKind::AccessDenied,
            error_code: Some("AccessDenied".to_owned()),
            message: "the audit role may not call iam:ListAccessKeys on user/bob".to_owned(),
        },
        CoverageGap {
            service: Service::S3,
            region: Some(us.parse().expect("region")),
            action: "s3:GetBucketVersioning".to_owned(),
            resource: Some(s3("acme-static-site").parse().expect("ARN")),
            kind: GapKind::AccessDenied,
            error_code: Some("AccessDenied".to_owned()),
            message: "the bucket policy denies s3:GetBucketVersioning to the audit role".to_owned(),
        },
        CoverageGap {
            service: Service::Rds,
            region: Some(eu.parse().expect("region")),
            action: "rds:DescribeDBSnapshots".to_owned(),
            resource: None,
            kind: GapKind::ThrottledOut,
            error_code: Some("Throttling".to_owned()),
            message: "throttled after 8 retries".to_owned(),
        },
    ];

    let scores = vec![
        framework(
            "cis_aws_3.0",
            "CIS Amazon Web Services Foundations Benchmark v3.0.0",
            vec![
                section("1 Identity and Access Management", 3, 5, 14),
                section("2 Storage", 2, 5, 3),
                section("3 Logging", 0, 1, 8),
                section("4 Monitoring", 0, 0, 16),
                section("5 Networking", 2, 2, 3),
            ],
        ),
        framework(
            "aws_fsbp",
            "AWS Foundational Security Best Practices",
            vec![
                section("EC2", 3, 5, 0),
                section("IAM", 3, 6, 1),
                section("RDS", 4, 2, 0),
                section("S3", 3, 3, 0),
            ],
        ),
    ];

    ScanResult {
        format: RESULT_FORMAT.to_owned(),
        version: RESULT_FORMAT_VERSION,
        account_id: a.parse().expect("account"),
        collected_at: "2026-03-14T09:26:53Z".parse().expect("timestamp"),
        regions: vec![eu.parse().expect("region"), us.parse().expect("region")],
        rules_evaluated: RULES.len() as u32,
        resources: 31,
        findings,
        evaluation_gaps,
        coverage_gaps,
        scores,
        // As a version 1 result: reports take rule text from a `RuleIndex`.
        rules: Vec::new(),
    }
}
