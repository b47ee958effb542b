//! The typed inventory: one [`Resource`] per ARN, whose [`Properties`] hold
//! the kind-specific data, named by CloudFormation-style [`ResourceType`]s.

pub mod ec2;
pub mod iam;
pub mod rds;
pub mod s3;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::common::{Service, Tags};
use crate::error::ModelError;
use crate::ids::{Arn, Region};

macro_rules! resource_kinds {
    ($( $variant:ident => $name:literal, $service:ident, $ty:ty; )*) => {
        /// The kind of a resource, displayed CloudFormation-style (`AWS::S3::Bucket`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum ResourceType {
            $(
                #[doc = $name]
                #[serde(rename = $name)]
                $variant,
            )*
        }

        impl ResourceType {
            /// Every resource type.
            pub const ALL: &'static [ResourceType] = &[$(ResourceType::$variant),*];

            /// The CloudFormation-style name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $name,)* }
            }

            /// The service that owns the type.
            pub fn service(self) -> Service {
                match self { $(Self::$variant => Service::$service,)* }
            }
        }

        /// The kind-specific data of a resource, tagged with its type name.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum Properties {
            $(
                #[doc = $name]
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
    S3AccountPublicAccessBlock => "AWS::S3::AccountPublicAccessBlock", S3, s3::S3AccountPublicAccessBlock;
    S3Bucket => "AWS::S3::Bucket", S3, s3::S3Bucket;
    Ec2RegionSettings => "AWS::EC2::RegionSettings", Ec2, ec2::Ec2RegionSettings;
    Ec2SecurityGroup => "AWS::EC2::SecurityGroup", Ec2, ec2::SecurityGroup;
    Ec2Instance => "AWS::EC2::Instance", Ec2, ec2::Instance;
    Ec2NetworkInterface => "AWS::EC2::NetworkInterface", Ec2, ec2::NetworkInterface;
    Ec2Volume => "AWS::EC2::Volume", Ec2, ec2::Volume;
    Ec2Snapshot => "AWS::EC2::Snapshot", Ec2, ec2::Snapshot;
    Ec2Vpc => "AWS::EC2::VPC", Ec2, ec2::Vpc;
    Ec2NetworkAcl => "AWS::EC2::NetworkAcl", Ec2, ec2::NetworkAcl;
    RdsDbInstance => "AWS::RDS::DBInstance", Rds, rds::DbInstance;
    RdsDbCluster => "AWS::RDS::DBCluster", Rds, rds::DbCluster;
    RdsDbSnapshot => "AWS::RDS::DBSnapshot", Rds, rds::DbSnapshot;
    RdsDbClusterSnapshot => "AWS::RDS::DBClusterSnapshot", Rds, rds::DbSnapshot;
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

/// One collected resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource's ARN, its key in the snapshot.
    pub arn: Arn,
    /// The region it lives in; `None` for global resources (IAM).
    pub region: Option<Region>,
    /// A human-readable name or id.
    pub name: String,
    /// Tags.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    /// Kind-specific data.
    pub properties: Properties,
}

impl Resource {
    /// The resource's type.
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
