//! The one AWS layer: builds clients per region, paces, counts and retries
//! requests (`retry.rs`), follows paginators to the end, bounds each service ×
//! region by a deadline, and turns failures into coverage gaps. A collector
//! only lists its calls and maps responses.

pub mod actions;
pub mod gap;
mod regions;
pub mod retry;
pub mod throttle;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use cloudarq_model::{AccountId, Arn, Collected, CoverageGap, GapKind, Partition, Region};
use tokio::time::Instant;

pub use actions::{Action, ApiService};
pub use gap::CallError;
pub(crate) use regions::discover_regions;
pub use retry::RetryPolicy;
pub(crate) use retry::Transport;
pub use throttle::RateLimits;

/// Counts every HTTP attempt (retries included); the lanes of `retry.rs`
/// add to it.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestCounter(Arc<AtomicU64>);

impl RequestCounter {
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
    pub(crate) fn add(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// An STS client; its configuration carries the STS lane of the transport.
pub(crate) fn sts_client(conf: &SdkConfig) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(conf)
}

/// The SDK does not retry: `retry.rs` does, under every client.
pub(crate) fn retry_config() -> RetryConfig {
    RetryConfig::disabled()
}

/// Timeouts: a dead endpoint fails fast instead of hanging a scan. Each
/// attempt is bounded by the retry policy; one SDK call, retries included,
/// by `operation_timeout`.
pub(crate) fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .operation_timeout(Duration::from_secs(300))
        .build()
}

/// Everything a collector needs to call AWS for one scan.
#[derive(Debug)]
pub struct AwsContext {
    base: SdkConfig,
    endpoint_override: bool,
    partition: Partition,
    account_id: AccountId,
    home_region: Region,
    transport: Transport,
    gaps: Mutex<Vec<CoverageGap>>,
    concurrency: usize,
    /// How long each service × region may take, from its first call.
    service_deadline: Option<Duration>,
    deadlines: Mutex<HashMap<throttle::BucketKey, Option<Instant>>>,
}

/// Pages read before a call failed, and the failure.
pub struct Paged<P> {
    /// Every page read.
    pub pages: Vec<P>,
    /// The error that stopped paging, if any.
    pub error: Option<CallError>,
}

impl<P> Paged<P> {
    /// The items of every page, collected only when paging reached the end:
    /// a partial listing cannot show that something is absent, so a failed
    /// page (already recorded as a gap by [`AwsContext::paginate`]) makes
    /// the whole list not collected.
    pub fn complete<T>(&self, items: impl Fn(&P) -> Vec<T>) -> Collected<Vec<T>> {
        if self.error.is_some() {
            return Collected::NotCollected;
        }
        Collected::Value(self.pages.iter().flat_map(items).collect())
    }
}

macro_rules! client_fn {
    ($name:ident, $krate:ident, $svc:ident, $doc:literal) => {
        #[doc = $doc]
        pub fn $name(&self, region: &Region) -> $krate::Client {
            let conf = $krate::config::Builder::from(&self.regional(region))
                .http_client(self.transport.client(ApiService::$svc, Some(region)))
                .build();
            $krate::Client::from_conf(conf)
        }
    };
}

impl AwsContext {
    #[allow(
        clippy::too_many_arguments,
        reason = "one private constructor, called once by the auditor"
    )]
    pub(crate) fn new(
        base: SdkConfig,
        endpoint_override: bool,
        partition: Partition,
        account_id: AccountId,
        home_region: Region,
        transport: Transport,
        concurrency: usize,
        service_deadline: Option<Duration>,
    ) -> Self {
        Self {
            base,
            endpoint_override,
            partition,
            account_id,
            home_region,
            transport,
            gaps: Mutex::default(),
            concurrency: concurrency.max(1),
            service_deadline,
            deadlines: Mutex::default(),
        }
    }

    fn regional(&self, region: &Region) -> SdkConfig {
        self.base
            .to_builder()
            .region(aws_types::region::Region::new(region.as_str().to_owned()))
            .build()
    }

    /// The audited account.
    pub fn account_id(&self) -> &AccountId {
        &self.account_id
    }
    /// The account's partition.
    pub fn partition(&self) -> &Partition {
        &self.partition
    }
    /// The region for global services (IAM) and S3 Control.
    pub fn home_region(&self) -> &Region {
        &self.home_region
    }
    /// How many requests may run at once within one collector.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    client_fn!(ec2, aws_sdk_ec2, Ec2, "An EC2 client for `region`.");
    client_fn!(rds, aws_sdk_rds, Rds, "An RDS client for `region`.");
    client_fn!(kms, aws_sdk_kms, Kms, "A KMS client for `region`.");
    client_fn!(
        cloudtrail,
        aws_sdk_cloudtrail,
        CloudTrail,
        "A CloudTrail client for `region`."
    );
    client_fn!(
        logs,
        aws_sdk_cloudwatchlogs,
        Logs,
        "A CloudWatch Logs client for `region`."
    );
    client_fn!(
        cloudwatch,
        aws_sdk_cloudwatch,
        CloudWatch,
        "A CloudWatch client for `region`."
    );
    client_fn!(sns, aws_sdk_sns, Sns, "An SNS client for `region`.");
    client_fn!(
        s3control,
        aws_sdk_s3control,
        S3,
        "An S3 Control client for `region`."
    );
    client_fn!(
        config,
        aws_sdk_config,
        Config,
        "An AWS Config client for `region`."
    );
    client_fn!(
        securityhub,
        aws_sdk_securityhub,
        SecurityHub,
        "A Security Hub client for `region`."
    );
    client_fn!(
        accessanalyzer,
        aws_sdk_accessanalyzer,
        AccessAnalyzer,
        "An IAM Access Analyzer client for `region`."
    );
    client_fn!(efs, aws_sdk_efs, Efs, "An Amazon EFS client for `region`.");
    client_fn!(
        macie2,
        aws_sdk_macie2,
        Macie,
        "An Amazon Macie client for `region`."
    );
    client_fn!(
        backup,
        aws_sdk_backup,
        Backup,
        "An AWS Backup client for `region`."
    );
    client_fn!(
        ssm,
        aws_sdk_ssm,
        Ssm,
        "An AWS Systems Manager client for `region`."
    );

    client_fn!(
        elbv2,
        aws_sdk_elasticloadbalancingv2,
        Elbv2,
        "An Elastic Load Balancing v2 client for `region`."
    );
    client_fn!(
        apigateway,
        aws_sdk_apigateway,
        ApiGateway,
        "An API Gateway client for `region`."
    );

    /// The CloudFront client (global; signed for the home region).
    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        let conf = aws_sdk_cloudfront::config::Builder::from(&self.regional(&self.home_region))
            .http_client(self.transport.client(ApiService::CloudFront, None))
            .build();
        aws_sdk_cloudfront::Client::from_conf(conf)
    }

    /// The Account Management client (global; signed for the home region).
    pub fn account(&self) -> aws_sdk_account::Client {
        let conf = aws_sdk_account::config::Builder::from(&self.regional(&self.home_region))
            .http_client(self.transport.client(ApiService::Account, None))
            .build();
        aws_sdk_account::Client::from_conf(conf)
    }

    /// The Organizations client (global; signed for the home region).
    pub fn organizations(&self) -> aws_sdk_organizations::Client {
        let conf = aws_sdk_organizations::config::Builder::from(&self.regional(&self.home_region))
            .http_client(self.transport.client(ApiService::Organizations, None))
            .build();
        aws_sdk_organizations::Client::from_conf(conf)
    }

    /// The IAM client (global; signed for the home region).
    pub fn iam(&self) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::config::Builder::from(&self.regional(&self.home_region))
            .http_client(self.transport.client(ApiService::Iam, None))
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    /// An S3 client for `region`; path-style when an endpoint override is set
    /// (emulators and S3-compatible stores need it).
    pub fn s3(&self, region: &Region) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.regional(region))
            .http_client(self.transport.client(ApiService::S3, Some(region)))
            .force_path_style(self.endpoint_override)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// When calls to `svc` in `region` must have finished: the service
    /// deadline after the first call, fixed then (`None`: no deadline, or
    /// one too far away to represent).
    fn deadline(&self, svc: ApiService, region: Option<&Region>) -> Option<Instant> {
        let limit = self.service_deadline?;
        let mut map = self
            .deadlines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = map
            .entry((svc, region.cloned()))
            .or_insert_with(|| Instant::now().checked_add(limit));
        *at
    }

    /// The error of a call the service deadline cut off (or never started).
    fn deadline_error(&self, svc: ApiService, region: Option<&Region>) -> CallError {
        let limit = self.service_deadline.unwrap_or_default();
        CallError {
            kind: GapKind::DeadlineExceeded,
            code: None,
            message: format!(
                "{} in {} did not finish within the service deadline of {} s",
                svc.name(),
                region.map_or("global", Region::as_str),
                limit.as_secs_f64()
            ),
        }
    }

    /// Runs `fut` unless the deadline of `svc` in `region` has passed, and
    /// cuts it off when it passes.
    async fn within_deadline<T>(
        &self,
        svc: ApiService,
        region: Option<&Region>,
        fut: impl Future<Output = T>,
    ) -> Result<T, CallError> {
        let Some(deadline) = self.deadline(svc, region) else {
            return Ok(fut.await);
        };
        if Instant::now() >= deadline {
            return Err(self.deadline_error(svc, region));
        }
        tokio::time::timeout_at(deadline, fut)
            .await
            .map_err(|_| self.deadline_error(svc, region))
    }

    /// Sends one request through its service × region lane (paced, counted,
    /// retried: `retry.rs`), within the service deadline, and classifies a
    /// failure.
    pub async fn call<T, E, R, Fut>(
        &self,
        action: Action,
        region: Option<&Region>,
        fut: Fut,
    ) -> Result<T, CallError>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        // Boxed: an SDK call's future is large, and the collectors join many.
        let out = match self
            .within_deadline(action.service(), region, Box::pin(fut))
            .await
        {
            Ok(out) => out.map_err(|e| gap::classify(&e)),
            Err(deadline) => Err(deadline),
        };
        if let Err(e) = &out {
            tracing::debug!(action = action.iam_action(), region = region.map(Region::as_str), error = %e, "aws call failed");
        }
        out
    }

    /// Like [`call`](Self::call), but the error codes in `absent` mean "not
    /// configured" and become `Ok(None)` (for example `NoSuchBucketPolicy`).
    pub async fn call_optional<T, E, R, Fut>(
        &self,
        action: Action,
        region: Option<&Region>,
        absent: &[&str],
        fut: Fut,
    ) -> Result<Option<T>, CallError>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        match self.call(action, region, fut).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code.as_deref().is_some_and(|c| absent.contains(&c)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Follows a paginator to the end, or to the first failure, which it
    /// records as a coverage gap; the pages read before it are kept.
    pub async fn paginate<P, E, R>(
        &self,
        action: Action,
        region: Option<&Region>,
        mut stream: PaginationStream<Result<P, SdkError<E, R>>>,
    ) -> Paged<P>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let mut pages = Vec::new();
        loop {
            let next = self
                .within_deadline(action.service(), region, stream.next())
                .await;
            let error = match next {
                Ok(None) => return Paged { pages, error: None },
                Ok(Some(Ok(p))) => {
                    pages.push(p);
                    continue;
                }
                Ok(Some(Err(e))) => gap::classify(&e),
                Err(deadline) => deadline,
            };
            self.record_gap(action, region, None, &error);
            return Paged {
                pages,
                error: Some(error),
            };
        }
    }

    /// The one place a failed read becomes a coverage gap: `Ok(v)` is
    /// `Collected::Value(v)`; an error is recorded as one gap (the service of
    /// `action`, `region`, `resource`, the error's kind, code and message)
    /// and the value is `Collected::NotCollected`, never a default.
    ///
    /// `region` and `resource` name what the gap is about, which may differ
    /// from where the call went (a bucket of unknown region is asked about
    /// in the home region). [`read`](Self::read) and
    /// [`read_optional`](Self::read_optional) call and settle in one step.
    pub fn settle<T>(
        &self,
        action: Action,
        region: Option<&Region>,
        resource: Option<&Arn>,
        res: Result<T, CallError>,
    ) -> Collected<T> {
        match res {
            Ok(v) => Collected::Value(v),
            Err(err) => {
                self.record_gap(action, region, resource, &err);
                Collected::NotCollected
            }
        }
    }

    /// [`call`](Self::call)s `action` in `region`, then
    /// [`settle`](Self::settle)s the answer: a failure is a gap naming
    /// `region` and `resource`, and the value is not collected.
    pub async fn read<T, E, R, Fut>(
        &self,
        action: Action,
        region: Option<&Region>,
        resource: Option<&Arn>,
        fut: Fut,
    ) -> Collected<T>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let res = self.call(action, region, fut).await;
        self.settle(action, region, resource, res)
    }

    /// Like [`read`](Self::read), but the error codes in `absent` mean "not
    /// configured": `Value(None)`, and no gap.
    pub async fn read_optional<T, E, R, Fut>(
        &self,
        action: Action,
        region: Option<&Region>,
        resource: Option<&Arn>,
        absent: &[&str],
        fut: Fut,
    ) -> Collected<Option<T>>
    where
        Fut: Future<Output = Result<T, SdkError<E, R>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        let res = self.call_optional(action, region, absent, fut).await;
        self.settle(action, region, resource, res)
    }

    /// Records that `action` failed, so what it would have read is a gap.
    /// Private to the AWS layer: collectors record gaps only through
    /// [`settle`](Self::settle), [`read`](Self::read),
    /// [`read_optional`](Self::read_optional) and [`paginate`](Self::paginate).
    fn record_gap(
        &self,
        action: Action,
        region: Option<&Region>,
        resource: Option<&Arn>,
        err: &CallError,
    ) {
        let Some(service) = action.service().audited() else {
            return;
        };
        let gap = CoverageGap {
            service,
            region: region.cloned(),
            action: action.iam_action().to_owned(),
            resource: resource.cloned(),
            kind: err.kind,
            error_code: err.code.clone(),
            message: err.message.chars().take(500).collect(),
        };
        tracing::warn!(
            service = %service,
            region = region.map(Region::as_str).unwrap_or("global"),
            action = action.iam_action(),
            resource_arn = resource.map(Arn::as_str).unwrap_or(""),
            kind = ?err.kind,
            "coverage gap"
        );
        self.gaps
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(gap);
    }

    /// Takes the recorded gaps.
    pub(crate) fn take_gaps(&self) -> Vec<CoverageGap> {
        std::mem::take(
            &mut *self
                .gaps
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Builds an ARN in this account and partition.
    pub fn arn(&self, service: &str, region: Option<&Region>, resource: &str) -> Option<Arn> {
        Arn::build(
            &self.partition,
            service,
            region,
            Some(&self.account_id),
            resource,
        )
        .ok()
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_s3::operation::get_bucket_acl::GetBucketAclError;
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use cloudarq_model::Service;

    use super::*;

    /// A context that never reaches the network: every call below is a
    /// future that is already decided.
    fn context() -> AwsContext {
        let transport = Transport::new(
            retry::default_http_client(),
            throttle::Throttle::new(RateLimits::default()),
            RetryPolicy::default(),
            RequestCounter::default(),
        );
        AwsContext::new(
            SdkConfig::builder().build(),
            false,
            "aws".parse().expect("a partition"),
            "123456789012".parse().expect("an account id"),
            "eu-west-1".parse().expect("a region"),
            transport,
            1,
            None,
        )
    }

    /// A service error with this AWS error code, as the SDK returns it.
    fn refused(code: &str) -> SdkError<GetBucketAclError, Response> {
        let meta = ErrorMetadata::builder()
            .code(code)
            .message("refused by the test")
            .build();
        let status = StatusCode::try_from(403).expect("a status");
        SdkError::service_error(
            GetBucketAclError::generic(meta),
            Response::new(status, SdkBody::empty()),
        )
    }

    fn region() -> Region {
        "eu-west-1".parse().expect("a region")
    }

    fn bucket() -> Arn {
        "arn:aws:s3:::b".parse().expect("an ARN")
    }

    #[tokio::test]
    async fn a_successful_read_passes_through_without_a_gap() {
        let ctx = context();
        let out = ctx
            .read(
                Action::S3GetBucketAcl,
                Some(&region()),
                Some(&bucket()),
                async { Ok::<_, SdkError<GetBucketAclError, Response>>(7) },
            )
            .await;
        assert_eq!(out, Collected::Value(7));
        assert_eq!(ctx.take_gaps(), Vec::new());
    }

    #[tokio::test]
    async fn a_failed_read_is_one_gap_and_not_collected() {
        let ctx = context();
        let out: Collected<u8> = ctx
            .read(
                Action::S3GetBucketAcl,
                Some(&region()),
                Some(&bucket()),
                async { Err(refused("AccessDenied")) },
            )
            .await;
        assert_eq!(out, Collected::NotCollected);
        assert_eq!(
            ctx.take_gaps(),
            vec![CoverageGap {
                service: Service::S3,
                region: Some(region()),
                action: "s3:GetBucketAcl".to_owned(),
                resource: Some(bucket()),
                kind: GapKind::AccessDenied,
                error_code: Some("AccessDenied".to_owned()),
                message: "refused by the test".to_owned(),
            }]
        );
    }

    #[tokio::test]
    async fn gaps_are_classified_by_code() {
        let ctx = context();
        for code in ["AccessDenied", "Throttling", "SlowDown", "NoSuchThing"] {
            let out: Collected<u8> = ctx
                .read(Action::S3GetBucketAcl, None, None, async {
                    Err(refused(code))
                })
                .await;
            assert_eq!(out, Collected::NotCollected);
        }
        let kinds: Vec<GapKind> = ctx.take_gaps().into_iter().map(|g| g.kind).collect();
        assert_eq!(
            kinds,
            [
                GapKind::AccessDenied,
                GapKind::ThrottledOut,
                GapKind::ThrottledOut,
                GapKind::Other
            ]
        );
    }

    #[tokio::test]
    async fn an_absent_code_is_a_value_of_none_and_no_gap() {
        let ctx = context();
        let absent: Collected<Option<u8>> = ctx
            .read_optional(
                Action::S3GetBucketAcl,
                None,
                None,
                &["NoSuchThing"],
                async { Err(refused("NoSuchThing")) },
            )
            .await;
        assert_eq!(absent, Collected::Value(None));
        assert_eq!(ctx.take_gaps(), Vec::new());
        let denied: Collected<Option<u8>> = ctx
            .read_optional(
                Action::S3GetBucketAcl,
                None,
                None,
                &["NoSuchThing"],
                async { Err(refused("AccessDenied")) },
            )
            .await;
        assert_eq!(denied, Collected::NotCollected);
        assert_eq!(ctx.take_gaps().len(), 1);
    }

    #[test]
    fn settle_names_the_region_and_resource_it_is_given() {
        let ctx = context();
        let err = CallError {
            kind: GapKind::Other,
            code: None,
            message: "x".repeat(600),
        };
        let out: Collected<u8> =
            ctx.settle(Action::S3GetBucketLocation, None, Some(&bucket()), Err(err));
        assert_eq!(out, Collected::NotCollected);
        let gaps = ctx.take_gaps();
        assert_eq!(gaps.len(), 1);
        let gap = &gaps[0];
        assert_eq!(gap.region, None);
        assert_eq!(gap.resource, Some(bucket()));
        assert_eq!(gap.action, "s3:GetBucketLocation");
        // The message is cut to 500 characters, as every gap's is.
        assert_eq!(gap.message.chars().count(), 500);
        assert_eq!(
            ctx.settle(Action::S3GetBucketLocation, None, None, Ok(3)),
            Collected::Value(3)
        );
        assert!(ctx.take_gaps().is_empty());
    }
}
