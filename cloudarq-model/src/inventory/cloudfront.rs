//! Amazon CloudFront inventory kinds: the account's distributions (a global
//! service: no region).
//!
//! | kind | ARN | filled by |
//! |---|---|---|
//! | [`Distribution`] (`AWS::CloudFront::Distribution`) | `arn:aws:cloudfront::<account>:distribution/<id>` | `ListDistributions`, `GetDistributionConfig`, CloudWatch Logs `DescribeDeliverySources` and `DescribeDeliveries` (in `us-east-1`) |
//!
//! Every distribution `ListDistributions` lists (every page) is one
//! resource, named by its id; its tags are not collected. A listing that
//! failed leaves the distributions out, with a gap.
//!
//! **`Collected` fields** (the gap's `action` is the IAM action in
//! parentheses):
//! [`standard_logging`](Distribution::standard_logging) from
//! `GetDistributionConfig` (`cloudfront:GetDistributionConfig`), the legacy
//! standard logging to an S3 bucket;
//! [`log_deliveries`](Distribution::log_deliveries) from CloudWatch Logs'
//! vended log deliveries in `us-east-1`, where CloudFront's live
//! (`logs:DescribeDeliverySources`, `logs:DescribeDeliveries`, every page):
//! not collected for every distribution when either listing failed.
//!
//! Enumerated values are CloudFront's strings: status (`Deployed`,
//! `InProgress`), viewer protocol policies (`allow-all`,
//! `redirect-to-https`, `https-only`), origin protocol policies
//! (`http-only`, `match-viewer`, `https-only`), TLS versions (`SSLv3`,
//! `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.2_2021`, …) and SSL support
//! methods (`sni-only`, `vip`, `static-ip`).
//!
//! ```
//! use cloudarq_model::inventory::cloudfront::Distribution;
//! use cloudarq_model::{Collected, Properties, Resource};
//!
//! let r: Resource = serde_json::from_value(serde_json::json!({
//!     "arn": "arn:aws:cloudfront::123456789012:distribution/E1ABCDEF2GHIJ3",
//!     "name": "E1ABCDEF2GHIJ3",
//!     "properties": {"AWS::CloudFront::Distribution": {
//!         "distribution_id": "E1ABCDEF2GHIJ3", "domain_name": "d111.cloudfront.net",
//!         "status": "Deployed", "enabled": true,
//!         "default_cache_behavior": {"target_origin_id": "web",
//!             "viewer_protocol_policy": "redirect-to-https"},
//!         "standard_logging": {"value": {"enabled": false}},
//!         "log_deliveries": {"value": []}}}
//! }))?;
//! let Properties::CloudFrontDistribution(d) = &r.properties else { unreachable!() };
//! assert!(d.enabled && r.region.is_none());
//! assert!(matches!(&d.standard_logging, Collected::Value(l) if !l.enabled));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::common::{Collected, Timestamp};

/// `AWS::CloudFront::Distribution`: one CloudFront distribution (global),
/// ARN `arn:aws:cloudfront::<account>:distribution/<id>`, named by its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    /// The distribution id (`E…`).
    pub distribution_id: String,
    /// Its CloudFront domain name (`d….cloudfront.net`).
    pub domain_name: String,
    /// `Deployed` or `InProgress`.
    pub status: String,
    /// Whether it accepts viewer requests.
    pub enabled: bool,
    /// Alternate domain names (CNAMEs).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// The AWS WAF web ACL (an ARN for WAFv2, an id for WAF Classic);
    /// `None` when none is associated.
    #[serde(default)]
    pub web_acl_id: Option<String>,
    /// The default cache behavior (its `path_pattern` is `None`).
    pub default_cache_behavior: CacheBehavior,
    /// The other cache behaviors, in precedence order.
    #[serde(default)]
    pub cache_behaviors: Vec<CacheBehavior>,
    /// The origins.
    #[serde(default)]
    pub origins: Vec<Origin>,
    /// How viewers' TLS is set up.
    #[serde(default)]
    pub viewer_certificate: ViewerCertificate,
    /// When it was last changed.
    #[serde(default)]
    pub last_modified: Option<Timestamp>,
    /// Legacy standard logging to an S3 bucket (`GetDistributionConfig`).
    /// Not collected when the call failed or was denied
    /// (`cloudfront:GetDistributionConfig`).
    #[serde(default)]
    pub standard_logging: Collected<StandardLogging>,
    /// CloudWatch Logs vended log deliveries whose source is this
    /// distribution (standard logging v2, to CloudWatch Logs, S3 or
    /// Firehose): one per delivery. Not collected when either listing
    /// failed or was denied (`logs:DescribeDeliverySources`,
    /// `logs:DescribeDeliveries`).
    #[serde(default)]
    pub log_deliveries: Collected<Vec<LogDelivery>>,
}

/// One cache behavior of a distribution.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheBehavior {
    /// The path pattern it matches; `None` for the default behavior.
    #[serde(default)]
    pub path_pattern: Option<String>,
    /// The origin it forwards to.
    pub target_origin_id: String,
    /// `allow-all`, `redirect-to-https` or `https-only`.
    pub viewer_protocol_policy: String,
    /// The real-time log configuration that receives its requests, if any.
    #[serde(default)]
    pub realtime_log_config_arn: Option<String>,
    /// The field-level encryption configuration, if any.
    #[serde(default)]
    pub field_level_encryption_id: Option<String>,
}

/// One origin of a distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// The origin's id within the distribution.
    pub id: String,
    /// Its domain name.
    pub domain_name: String,
    /// The origin access control, if any (S3 and other AWS origins).
    #[serde(default)]
    pub origin_access_control_id: Option<String>,
    /// The legacy origin access identity of an S3 origin
    /// (`origin-access-identity/cloudfront/<id>`), if any.
    #[serde(default)]
    pub s3_origin_access_identity: Option<String>,
    /// For a custom origin: `http-only`, `match-viewer` or `https-only`.
    #[serde(default)]
    pub origin_protocol_policy: Option<String>,
    /// For a custom origin: the TLS versions CloudFront may use with it.
    #[serde(default)]
    pub origin_ssl_protocols: Vec<String>,
}

/// A distribution's viewer TLS settings.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewerCertificate {
    /// Whether it uses the `*.cloudfront.net` certificate.
    #[serde(default)]
    pub cloudfront_default_certificate: bool,
    /// The lowest TLS version viewers may use (`TLSv1.2_2021`, …).
    #[serde(default)]
    pub minimum_protocol_version: Option<String>,
    /// `sni-only`, `vip` or `static-ip`; `None` with the default certificate.
    #[serde(default)]
    pub ssl_support_method: Option<String>,
}

/// Legacy standard logging (`DistributionConfig.Logging`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandardLogging {
    /// Whether access logs are written.
    pub enabled: bool,
    /// The bucket (`<bucket>.s3.amazonaws.com`); `None` when not set.
    #[serde(default)]
    pub bucket: Option<String>,
    /// The key prefix, if any.
    #[serde(default)]
    pub prefix: Option<String>,
    /// Whether cookies are logged.
    #[serde(default)]
    pub include_cookies: bool,
}

/// One CloudWatch Logs vended log delivery of a distribution.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogDelivery {
    /// The delivery id.
    pub delivery_id: String,
    /// The delivery source's name.
    pub delivery_source: String,
    /// The log type of the source (`ACCESS_LOGS` for CloudFront's access
    /// logs).
    pub log_type: String,
    /// Where the logs go (a log group, bucket or Firehose stream ARN).
    #[serde(default)]
    pub destination_arn: Option<String>,
}

impl Distribution {
    /// Every cache behavior, the default one first.
    pub fn behaviors(&self) -> impl Iterator<Item = &CacheBehavior> {
        std::iter::once(&self.default_cache_behavior).chain(&self.cache_behaviors)
    }
}
