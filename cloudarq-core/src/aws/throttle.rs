//! A client-side token bucket per service × region, so a large account is
//! paced below AWS's limits instead of being throttled into failure.

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
            sts: 10.0,
            burst: 20.0,
        }
    }
}

impl RateLimits {
    fn rate(&self, svc: ApiService) -> f64 {
        match svc {
            ApiService::Iam => self.iam,
            ApiService::S3 => self.s3,
            ApiService::Ec2 => self.ec2,
            ApiService::Rds => self.rds,
            ApiService::Sts => self.sts,
        }
    }
}

/// One bucket per API and region (`None` for global APIs).
type BucketKey = (ApiService, Option<Region>);

#[derive(Debug)]
struct Bucket {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    /// Takes a token, or says how long to wait for one.
    fn try_take(&self) -> Option<Duration> {
        // A poisoned lock only means another task panicked mid-update of two
        // plain numbers; the values are still usable.
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        let elapsed = now.duration_since(s.1).as_secs_f64();
        s.0 = (s.0 + elapsed * self.rate).min(self.burst);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - s.0) / self.rate))
        }
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

    fn bucket(&self, svc: ApiService, region: Option<&Region>) -> Arc<Bucket> {
        let mut map = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry((svc, region.cloned()))
            .or_insert_with(|| {
                let rate = self.limits.rate(svc).max(0.01);
                let burst = self.limits.burst.max(1.0);
                Arc::new(Bucket {
                    rate,
                    burst,
                    state: Mutex::new((burst, Instant::now())),
                })
            })
            .clone()
    }

    /// Waits until a request to `svc` in `region` may go.
    pub async fn acquire(&self, svc: ApiService, region: Option<&Region>) {
        let bucket = self.bucket(svc, region);
        while let Some(wait) = bucket.try_take() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
