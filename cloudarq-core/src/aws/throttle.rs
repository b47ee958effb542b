//! A client-side token bucket per service × region, so a large account is
//! paced below AWS's limits instead of being throttled into failure.
//!
//! Each bucket adapts (AIMD): a throttling answer halves its rate and empties
//! its burst, every other answer adds a tenth of the configured rate back, so
//! it recovers gradually; the configured rate is the ceiling and a twentieth
//! of it the floor. A throttle in one bucket leaves every other bucket alone.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use cloudarq_model::Region;

use super::actions::ApiService;

/// Requests per second and burst for each API.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimits {
    /// IAM (global, account-wide limits are low).
    pub iam: f64,
    /// S3 per region.
    pub s3: f64,
    /// EC2 per region (Describe* share one bucket at AWS).
    pub ec2: f64,
    /// RDS per region.
    pub rds: f64,
    /// KMS per region (well below its per-account request quotas, which
    /// the keys' own users share).
    pub kms: f64,
    /// STS per region.
    pub sts: f64,
    /// Burst size of every bucket.
    pub burst: f64,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            iam: 10.0,
            s3: 50.0,
            ec2: 20.0,
            rds: 10.0,
            kms: 20.0,
            sts: 10.0,
            burst: 20.0,
        }
    }
}

impl RateLimits {
    /// The ceiling of `svc`'s buckets, in requests per second: what a
    /// collection's wall time is bounded by (requests beyond the burst,
    /// divided by this, per bucket).
    pub fn per_second(&self, svc: ApiService) -> f64 {
        self.rate(svc)
    }

    fn rate(&self, svc: ApiService) -> f64 {
        match svc {
            ApiService::Iam => self.iam,
            ApiService::S3 => self.s3,
            ApiService::Ec2 => self.ec2,
            ApiService::Rds => self.rds,
            ApiService::Kms => self.kms,
            ApiService::Sts => self.sts,
            ApiService::Organizations | ApiService::OrganizationsAudit => ORGANIZATIONS_RATE,
            ApiService::CloudTrail => CLOUDTRAIL_RATE,
            ApiService::Logs => LOGS_RATE,
            ApiService::CloudWatch => CLOUDWATCH_RATE,
            ApiService::Sns => SNS_RATE,
            ApiService::Efs => EFS_RATE,
            ApiService::Backup => BACKUP_RATE,
            ApiService::Ssm => SSM_RATE,
            ApiService::CloudFront => CLOUDFRONT_RATE,
            ApiService::Elbv2 => ELBV2_RATE,
            ApiService::ApiGateway => APIGATEWAY_RATE,
            ApiService::Config
            | ApiService::SecurityHub
            | ApiService::AccessAnalyzer
            | ApiService::Macie
            | ApiService::Account => SETTINGS_RATE,
        }
    }
}

/// Requests per second to AWS Organizations: a few listings per scan, and
/// the service throttles low (a handful per second per account).
const ORGANIZATIONS_RATE: f64 = 5.0;

/// Requests per second to CloudTrail per region: its describe and status
/// calls have low quotas (about 10 per second), shared with the account's
/// own tools.
const CLOUDTRAIL_RATE: f64 = 5.0;

/// Requests per second to CloudWatch Logs per region (`DescribeLogGroups`
/// and `DescribeMetricFilters` allow about 5 to 10 per second).
const LOGS_RATE: f64 = 4.0;

/// Requests per second to CloudWatch per region (`DescribeAlarms` allows
/// about 9 per second).
const CLOUDWATCH_RATE: f64 = 4.0;

/// Requests per second to SNS per region (`GetTopicAttributes` allows 30
/// per second).
const SNS_RATE: f64 = 15.0;
/// Requests per second to AWS Config, Security Hub, IAM Access Analyzer and
/// Macie in one region, and to Account Management (global): a scan makes a
/// handful of reads of each per region, and their quotas are low (Security
/// Hub's `DescribeHub` and `GetEnabledStandards` allow about one request
/// per second sustained).
const SETTINGS_RATE: f64 = 1.0;

/// Requests per second to Amazon EFS per region: one listing page per 100
/// file systems and one policy read per file system, against a describe
/// quota shared with the account's own tools.
const EFS_RATE: f64 = 5.0;

/// Requests per second to AWS Backup per region: one listing of plans and
/// of protected resources, then a listing and a read per plan and
/// selection; its control-plane reads are throttled at a few per second.
const BACKUP_RATE: f64 = 5.0;

/// Requests per second to Systems Manager per region: one listing page per
/// 50 managed nodes (`DescribeInstanceInformation` shares a low
/// per-account quota, about 10 per second, with Session Manager and
/// the console).
const SSM_RATE: f64 = 5.0;

/// Requests per second to CloudFront (global): one listing page per 100
/// distributions and one configuration read per distribution, against
/// control-plane read quotas of a few per second.
const CLOUDFRONT_RATE: f64 = 4.0;

/// Requests per second to Elastic Load Balancing per region: a listing
/// page per 400 load balancers, then an attributes and a listeners read per
/// load balancer and a tags read per 20 (the describe calls share about 10
/// per second per account).
const ELBV2_RATE: f64 = 8.0;

/// Requests per second to API Gateway per region: one listing page per 500
/// REST APIs and a stages read per API, against a `GET` quota of about 10
/// per second per account shared with the console and deploy tools.
const APIGATEWAY_RATE: f64 = 5.0;

/// One bucket per API and region (`None` for global APIs).
pub(crate) type BucketKey = (ApiService, Option<Region>);

/// A throttle multiplies the rate by this.
const DECREASE: f64 = 0.5;
/// Each unthrottled answer adds this fraction of the ceiling to the rate.
const INCREASE: f64 = 0.1;
/// The rate never drops below this fraction of the ceiling.
const FLOOR: f64 = 0.05;
/// Throttles this close after a decrease belong to the same congestion (the
/// requests that were already in flight) and do not decrease it again.
const DECREASE_INTERVAL: Duration = Duration::from_millis(200);

#[derive(Debug)]
struct State {
    /// The current rate (requests per second).
    rate: f64,
    /// Tokens available now.
    tokens: f64,
    /// When `tokens` was last brought up to date.
    at: Instant,
    /// When the rate was last decreased.
    decreased_at: Option<Instant>,
}

/// The token bucket of one service × region.
#[derive(Debug)]
pub(crate) struct Bucket {
    ceiling: f64,
    floor: f64,
    burst: f64,
    state: Mutex<State>,
}

impl Bucket {
    fn new(ceiling: f64, burst: f64) -> Self {
        let ceiling = ceiling.max(0.01);
        Self {
            ceiling,
            floor: ceiling * FLOOR,
            burst: burst.max(1.0),
            state: Mutex::new(State {
                rate: ceiling,
                tokens: burst.max(1.0),
                at: Instant::now(),
                decreased_at: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means another task panicked mid-update of a
        // few plain numbers; the values are still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Takes a token, or says how long to wait for one.
    fn try_take(&self) -> Option<Duration> {
        let mut s = self.state();
        let now = Instant::now();
        let elapsed = now.duration_since(s.at).as_secs_f64();
        s.tokens = (s.tokens + elapsed * s.rate).min(self.burst);
        s.at = now;
        if s.tokens >= 1.0 {
            s.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - s.tokens) / s.rate))
        }
    }

    /// Waits until a request may go.
    pub(crate) async fn acquire(&self) {
        while let Some(wait) = self.try_take() {
            tokio::time::sleep(wait).await;
        }
    }

    /// The service throttled a request: halve the rate (once per congestion)
    /// and drop the saved burst, so the slowdown starts now.
    pub(crate) fn throttled(&self) {
        let mut s = self.state();
        let now = Instant::now();
        if s.decreased_at
            .is_some_and(|at| now.duration_since(at) < DECREASE_INTERVAL)
        {
            return;
        }
        s.rate = (s.rate * DECREASE).max(self.floor);
        s.tokens = 0.0;
        s.decreased_at = Some(now);
    }

    /// The service answered without throttling: recover a step.
    pub(crate) fn answered(&self) {
        let mut s = self.state();
        s.rate = (s.rate + self.ceiling * INCREASE).min(self.ceiling);
    }

    /// The current rate (requests per second).
    #[cfg(test)]
    fn rate(&self) -> f64 {
        self.state().rate
    }
}

/// All buckets of one scan.
#[derive(Debug, Default)]
pub struct Throttle {
    limits: RateLimits,
    buckets: Mutex<HashMap<BucketKey, Arc<Bucket>>>,
}

impl Throttle {
    /// Buckets with these limits.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            buckets: Mutex::default(),
        }
    }

    /// The bucket of `svc` in `region`, created on first use.
    pub(crate) fn bucket(&self, svc: ApiService, region: Option<&Region>) -> Arc<Bucket> {
        let mut map = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry((svc, region.cloned()))
            .or_insert_with(|| Arc::new(Bucket::new(self.limits.rate(svc), self.limits.burst)))
            .clone()
    }

    /// Waits until a request to `svc` in `region` may go (the lanes of
    /// `retry.rs` wait on their bucket directly).
    #[cfg(test)]
    pub async fn acquire(&self, svc: ApiService, region: Option<&Region>) {
        self.bucket(svc, region).acquire().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> RateLimits {
        RateLimits {
            ec2: 10.0,
            burst: 5.0,
            ..RateLimits::default()
        }
    }

    /// Takes `n` tokens and says how long that took.
    async fn take(bucket: &Bucket, n: u32) -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            bucket.acquire().await;
        }
        start.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn paces_after_the_burst() {
        let t = Throttle::new(RateLimits {
            iam: 10.0,
            burst: 5.0,
            ..RateLimits::default()
        });
        let start = tokio::time::Instant::now();
        for _ in 0..15 {
            t.acquire(ApiService::Iam, None).await;
        }
        // 5 from the burst, 10 more at 10/s: about one second.
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(900), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_slows_only_its_own_bucket() {
        let r1: Region = "eu-west-1".parse().unwrap();
        let r2: Region = "us-east-1".parse().unwrap();
        let t = Throttle::new(limits());
        let hit = t.bucket(ApiService::Ec2, Some(&r1));
        let other_region = t.bucket(ApiService::Ec2, Some(&r2));
        let other_service = t.bucket(ApiService::Rds, Some(&r1));
        hit.throttled();
        assert_eq!(hit.rate(), 5.0);
        assert_eq!(other_region.rate(), 10.0);
        assert_eq!(other_service.rate(), 10.0);
        // The hit bucket lost its burst and runs at 5/s: 10 tokens take 2 s.
        assert_eq!(take(&hit, 10).await, Duration::from_secs(2));
        // The others still have their burst of 5, then 10/s: 10 take 0.5 s.
        assert_eq!(take(&other_region, 10).await, Duration::from_millis(500));
        assert_eq!(take(&other_service, 10).await, Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn decreases_multiplicatively_to_the_floor_and_recovers_additively() {
        let t = Throttle::new(limits());
        let b = t.bucket(ApiService::Ec2, None);
        // Requests already in flight when the first throttle came back count once.
        b.throttled();
        b.throttled();
        assert_eq!(b.rate(), 5.0);
        let mut rates = Vec::new();
        for _ in 0..6 {
            tokio::time::advance(DECREASE_INTERVAL).await;
            b.throttled();
            rates.push(b.rate());
        }
        assert_eq!(rates, [2.5, 1.25, 0.625, 0.5, 0.5, 0.5]);
        // Each answer adds a tenth of the ceiling, up to the ceiling.
        let mut rates = Vec::new();
        for _ in 0..11 {
            b.answered();
            rates.push(b.rate());
        }
        let expect = [1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.0, 10.0];
        for (got, want) in rates.iter().zip(expect) {
            assert!((got - want).abs() < 1e-9, "{rates:?}");
        }
    }
}
