//! A scan's findings, one page at a time (keyset pagination: most severe
//! first, then by id; `next` continues where the page ended).

use axum::Json;
use axum::extract::State;
use cloudarq_model::rule::{Severity, Status};
use cloudarq_store::findings::{Cursor, FindingFilter};
use cloudarq_store::scans::ScanId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::error::{ApiError, ApiPath, ApiQuery, Problem};

/// Filters and position.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Only this severity.
    pub severity: Option<SeverityParam>,
    /// Only this status.
    pub status: Option<StatusParam>,
    /// Only this service (`iam`, `s3`, …).
    #[param(max_length = 64)]
    pub service: Option<String>,
    /// Only this rule.
    #[param(max_length = 200)]
    pub rule_id: Option<String>,
    /// Only this region.
    #[param(max_length = 64)]
    pub region: Option<String>,
    /// Case-insensitive text in the rule id, title or resource ARN.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// The `next` of the previous page.
    #[param(pattern = "^[0-4]\\.[0-9a-f]{32}$")]
    pub after: Option<String>,
    /// Page size, 1–1000 (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// A severity, as the reports name it.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SeverityParam {
    /// Critical.
    Critical,
    /// High.
    High,
    /// Medium.
    Medium,
    /// Low.
    Low,
    /// Informational.
    Informational,
}

impl From<SeverityParam> for Severity {
    fn from(s: SeverityParam) -> Self {
        match s {
            SeverityParam::Critical => Self::Critical,
            SeverityParam::High => Self::High,
            SeverityParam::Medium => Self::Medium,
            SeverityParam::Low => Self::Low,
            SeverityParam::Informational => Self::Informational,
        }
    }
}

/// A finding status, as the reports name it.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum StatusParam {
    /// Passed.
    Pass,
    /// Failed.
    Fail,
    /// The rule could not decide.
    Error,
    /// Failed, but muted.
    Muted,
}

impl From<StatusParam> for Status {
    fn from(s: StatusParam) -> Self {
        match s {
            StatusParam::Pass => Self::Pass,
            StatusParam::Fail => Self::Fail,
            StatusParam::Error => Self::Error,
            StatusParam::Muted => Self::Muted,
        }
    }
}

/// One page.
#[derive(Serialize, ToSchema)]
pub struct FindingsPage {
    /// The findings (the JSON report's finding objects).
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<cloudarq_model::finding::Finding>,
    /// Where the next page starts; absent on the last page.
    pub next: Option<String>,
}

fn bounded(field: &str, v: Option<String>, max: usize) -> Result<Option<String>, ApiError> {
    match v {
        Some(s) if s.chars().count() > max => Err(ApiError::BadRequest(format!(
            "{field}: longer than {max} characters"
        ))),
        other => Ok(other),
    }
}

/// A page of a scan's findings.
#[utoipa::path(get, path = "/api/v1/scans/{scan_id}/findings", tag = "findings",
    security(("bearer" = [])),
    params(("scan_id" = Uuid, Path, description = "The scan"), PageQuery),
    responses(
        (status = 200, description = "A page", body = FindingsPage),
        (status = 400, description = "A bad filter or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such scan", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn page(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(scan_id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<FindingsPage>, ApiError> {
    let filter = FindingFilter {
        severity: q.severity.map(Severity::from),
        status: q.status.map(Status::from),
        service: bounded("service", q.service, 64)?,
        rule_id: bounded("rule_id", q.rule_id, 200)?,
        region: bounded("region", q.region, 64)?,
        text: bounded("q", q.q, 200)?,
    };
    let after = q
        .after
        .as_deref()
        .map(|t| {
            if t.len() > 100 {
                return Err(ApiError::BadRequest(
                    "after: not a cursor from a previous page".into(),
                ));
            }
            Cursor::from_token(t).map_err(ApiError::from)
        })
        .transpose()?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit: {limit} is outside 1..=1000"
        )));
    }
    let scan = ScanId(scan_id);
    let page = state
        .store()
        .findings_page(&id.scope, scan, &filter, after, limit)
        .await?;
    // An empty page may be an empty result or another tenant's (or no) scan:
    // only the latter is a 404.
    if page.findings.is_empty() && state.store().scan(&id.scope, scan).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(Json(FindingsPage {
        findings: page.findings,
        next: page.next.map(|c| c.to_token()),
    }))
}
