//! Results over time (V8): a scan's report in every file format, what
//! changed since the connection's previous scan, and score trends.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderName, header};
use cloudarq_core::engine::{DiffEntry, ScanDiff, diff};
use cloudarq_core::report::{OutputFormat, RuleIndex, render, report_file_name};
use cloudarq_store::connections::ConnectionId;
use cloudarq_store::scans::{ScanId, ScanStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::error::{ApiError, ApiPath, ApiQuery, Problem};

/// A report's format.
#[derive(Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// The scan result (JSON, versioned).
    Json,
    /// OCSF 1.x Compliance Findings (JSON).
    Ocsf,
    /// One line per finding (CSV, spreadsheet-safe).
    Csv,
    /// A self-contained HTML page.
    Html,
}

/// Which report.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The format (default `html`).
    pub format: Option<ReportFormat>,
}

/// The scan, if it finished with a result; 404 for another tenant's or a
/// made-up id, 409 for one without a result yet.
async fn finished(state: &AppState, id: &Identity, scan: Uuid) -> Result<ConnectionId, ApiError> {
    let summary = state
        .store()
        .scan(&id.scope, ScanId(scan))
        .await?
        .ok_or(ApiError::NotFound)?;
    if summary.status != ScanStatus::Succeeded {
        return Err(ApiError::Conflict(format!(
            "the scan is {}: only a succeeded scan has a report",
            summary.status.as_str()
        )));
    }
    Ok(summary.connection)
}

/// A scan's report, as a file to download.
#[utoipa::path(get, path = "/api/v1/scans/{scan_id}/report", tag = "reports",
    security(("bearer" = [])),
    params(("scan_id" = Uuid, Path, description = "The scan"), ReportQuery),
    responses(
        (status = 200, description = "The report (`Content-Disposition: attachment`)", content(
            (String = "text/html"),
            (String = "text/csv"),
            (serde_json::Value = "application/json"),
        )),
        (status = 400, description = "An unknown query key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such scan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The scan has no result (yet)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn report(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(scan_id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<([(HeaderName, String); 3], Vec<u8>), ApiError> {
    finished(&state, &id, scan_id).await?;
    let result = state
        .store()
        .load_result(&id.scope, ScanId(scan_id))
        .await?;
    let format = match q.format.unwrap_or(ReportFormat::Html) {
        ReportFormat::Json => OutputFormat::Json,
        ReportFormat::Ocsf => OutputFormat::Ocsf,
        ReportFormat::Csv => OutputFormat::Csv,
        ReportFormat::Html => OutputFormat::Html,
    };
    let (name, bytes) = tokio::task::spawn_blocking(move || {
        let rules = RuleIndex::builtin();
        let bytes = render(&result, &rules, format)
            .map_err(|e| ApiError::Internal(format!("rendering a report: {e}")))?
            .unwrap_or_default();
        Ok::<_, ApiError>((report_file_name(&result, format), bytes))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("report task: {e}")))??;
    let content_type = match format {
        OutputFormat::Html => "text/html; charset=utf-8",
        OutputFormat::Csv => "text/csv; charset=utf-8",
        _ => "application/json",
    };
    // The file name is built from the account id and a time: ASCII only.
    let name = name.unwrap_or_else(|| "cloudarq-report".into());
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    ))
}

/// One (rule, resource) pair that changed or still fails.
#[derive(Serialize, ToSchema)]
pub struct Change {
    /// The rule.
    pub rule_id: String,
    /// The resource's ARN.
    pub resource_arn: String,
    /// The rule's title.
    pub title: String,
    /// `critical`, `high`, `medium`, `low` or `informational`.
    pub severity: String,
    /// The status before (`PASS`, `FAIL`, …), absent when there was no finding.
    pub before: Option<String>,
    /// The status now, absent when the finding is gone.
    pub after: Option<String>,
}

impl From<DiffEntry> for Change {
    fn from(e: DiffEntry) -> Self {
        Self {
            rule_id: e.rule_id,
            resource_arn: e.resource_arn.as_str().to_owned(),
            title: e.title,
            severity: e.severity.as_str().to_owned(),
            before: e.before.map(|s| s.as_str().to_owned()),
            after: e.after.map(|s| s.as_str().to_owned()),
        }
    }
}

/// What changed since the connection's previous succeeded scan.
#[derive(Serialize, ToSchema)]
pub struct Diff {
    /// This scan.
    pub scan_id: Uuid,
    /// The scan compared with; absent for a connection's first scan (every
    /// list is then empty).
    pub previous_scan_id: Option<Uuid>,
    /// FAIL now, not FAIL before.
    pub new_failures: Vec<Change>,
    /// FAIL before, PASS or gone now (with its service and region collected).
    pub resolved: Vec<Change>,
    /// FAIL before and now.
    pub still_failing: Vec<Change>,
    /// MUTED now.
    pub muted: Vec<Change>,
    /// FAIL before; now ERROR or not collected: neither resolved nor failing.
    pub unverified: Vec<Change>,
}

/// A scan compared with its connection's previous succeeded scan.
#[utoipa::path(get, path = "/api/v1/scans/{scan_id}/diff", tag = "reports",
    security(("bearer" = [])),
    params(("scan_id" = Uuid, Path, description = "The scan")),
    responses(
        (status = 200, description = "The changes", body = Diff),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such scan", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The scan has no result (yet)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn scan_diff(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(scan_id): ApiPath<Uuid>,
) -> Result<Json<Diff>, ApiError> {
    let connection = finished(&state, &id, scan_id).await?;
    // Newest first: the previous scan is the next succeeded one after this.
    let scans = state.store().scans(&id.scope, Some(connection)).await?;
    let previous = scans
        .iter()
        .skip_while(|s| s.id.0 != scan_id)
        .skip(1)
        .find(|s| s.status == ScanStatus::Succeeded)
        .map(|s| s.id);
    let mut out = Diff {
        scan_id,
        previous_scan_id: previous.map(|p| p.0),
        new_failures: Vec::new(),
        resolved: Vec::new(),
        still_failing: Vec::new(),
        muted: Vec::new(),
        unverified: Vec::new(),
    };
    let Some(previous) = previous else {
        return Ok(Json(out));
    };
    // Both sides as verdicts: the findings' plaintext fields, nothing
    // decrypted (for a large account a fraction of two whole results).
    let after = state
        .store()
        .load_verdicts(&id.scope, ScanId(scan_id))
        .await?;
    let before = state.store().load_verdicts(&id.scope, previous).await?;
    let d: ScanDiff = tokio::task::spawn_blocking(move || diff(&before, &after))
        .await
        .map_err(|e| ApiError::Internal(format!("diff task: {e}")))?
        .map_err(|e| ApiError::Conflict(format!("the scans cannot be compared: {e}")))?;
    let list = |v: Vec<DiffEntry>| v.into_iter().map(Change::from).collect();
    out.new_failures = list(d.new_failures);
    out.resolved = list(d.resolved);
    out.still_failing = list(d.still_failing);
    out.muted = list(d.muted);
    out.unverified = list(d.unverified);
    Ok(Json(out))
}

/// A framework the built-in rules are mapped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
pub enum FrameworkParam {
    /// CIS AWS Foundations Benchmark v3.0.
    #[serde(rename = "cis_aws_3.0")]
    CisAws30,
    /// CIS AWS Foundations Benchmark v7.0.
    #[serde(rename = "cis_aws_7.0")]
    CisAws70,
    /// AWS Foundational Security Best Practices.
    #[serde(rename = "aws_fsbp")]
    AwsFsbp,
    /// NIST SP 800-53 Rev. 5.
    #[serde(rename = "nist_800_53_r5")]
    Nist80053R5,
}

impl FrameworkParam {
    /// Every framework, in the order of the framework files.
    pub const ALL: [FrameworkParam; 4] = [
        Self::CisAws30,
        Self::CisAws70,
        Self::AwsFsbp,
        Self::Nist80053R5,
    ];

    /// The framework's id, as stored with each score.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CisAws30 => "cis_aws_3.0",
            Self::CisAws70 => "cis_aws_7.0",
            Self::AwsFsbp => "aws_fsbp",
            Self::Nist80053R5 => "nist_800_53_r5",
        }
    }
}

/// Which trend.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// The framework.
    pub framework: FrameworkParam,
    /// How many days back (1 to 3660, default 90).
    #[param(minimum = 1, maximum = 3660)]
    pub days: Option<u32>,
}

/// One point of a score trend.
#[derive(Serialize, ToSchema)]
pub struct ScorePoint {
    /// The scan.
    pub scan_id: Uuid,
    /// When the scan collected the account (RFC 3339).
    pub collected_at: String,
    /// Share of automated controls passing, 0 to 100; absent when nothing was
    /// automated.
    pub score: Option<f64>,
    /// Controls passing.
    pub passed: u32,
    /// Controls failing.
    pub failed: u32,
}

/// A framework's total score for each succeeded scan of a connection,
/// oldest first.
#[utoipa::path(get, path = "/api/v1/connections/{connection_id}/scores", tag = "reports",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection"), ScoreQuery),
    responses(
        (status = 200, description = "The trend", body = Vec<ScorePoint>),
        (status = 400, description = "An unknown framework or query key, or days out of range", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn scores(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
    ApiQuery(q): ApiQuery<ScoreQuery>,
) -> Result<Json<Vec<ScorePoint>>, ApiError> {
    let days = q.days.unwrap_or(90);
    if !(1..=3660).contains(&days) {
        return Err(ApiError::BadRequest(format!(
            "days: {days} is not between 1 and 3660"
        )));
    }
    let connection = ConnectionId(connection_id);
    super::connections::listed(&state, &id, connection).await?;
    let now = OffsetDateTime::now_utc();
    let points = state
        .store()
        .score_history(
            &id.scope,
            connection,
            q.framework.as_str(),
            now - time::Duration::days(i64::from(days)),
            now,
        )
        .await?;
    Ok(Json(
        points
            .into_iter()
            .map(|p| ScorePoint {
                scan_id: p.scan.0,
                collected_at: super::rfc3339(p.collected_at),
                score: p.score,
                passed: p.passed,
                failed: p.failed,
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_parameter_names_every_framework_file() {
        let files: Vec<String> = cloudarq_rules::frameworks::frameworks()
            .unwrap()
            .into_iter()
            .map(|f| f.id)
            .collect();
        let param: Vec<String> = FrameworkParam::ALL
            .iter()
            .map(|f| f.as_str().to_owned())
            .collect();
        assert_eq!(param, files);
        for f in FrameworkParam::ALL {
            let back: FrameworkParam =
                serde_json::from_value(serde_json::Value::from(f.as_str())).unwrap();
            assert_eq!(back, f);
        }
    }
}
