//! Scans, their findings and compliance scores; score history, paged and
//! filtered findings, and whole results read back for diffs (C6).
//!
//! A finding's metadata (rule, severity, status, service, resource, region) is
//! plaintext so it can be filtered; its details (message, evidence, resource
//! name, severity reason, controls, mute reason) are encrypted.

use cloudarq_model::finding::{
    ControlId, EvaluationGap, Finding, FrameworkScore, RESULT_FORMAT, RESULT_FORMAT_VERSION,
    ScanResult, SectionScore,
};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{CoverageGap, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;

/// A scan's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScanId(pub Uuid);

impl std::fmt::Display for ScanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A scan's lifecycle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanStatus {
    /// Waiting for a worker.
    Queued,
    /// Collecting or evaluating.
    Running,
    /// Finished with a result.
    Succeeded,
    /// Finished without a result.
    Failed,
    /// Cancelled (e.g. its connection was deleted).
    Cancelled,
}

impl ScanStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// A scan as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct ScanSummary {
    /// Its id.
    pub id: ScanId,
    /// Its connection.
    pub connection: ConnectionId,
    /// Its state.
    pub status: ScanStatus,
    /// When the inventory was collected, for finished scans.
    pub collected_at: Option<OffsetDateTime>,
    /// When it was queued or recorded.
    pub created_at: OffsetDateTime,
    /// Findings stored.
    pub findings: u64,
    /// FAIL findings.
    pub failed: u64,
}

/// When a recorded scan ran.
#[derive(Clone, Copy, Debug)]
pub struct ScanTimes {
    /// Start of collection.
    pub started_at: OffsetDateTime,
    /// End of evaluation.
    pub finished_at: OffsetDateTime,
}

/// One point of a score trend.
#[derive(Clone, Debug, PartialEq)]
pub struct ScorePoint {
    /// The scan.
    pub scan: ScanId,
    /// Collection time of the scan.
    pub collected_at: OffsetDateTime,
    /// Share of automated controls passing, 0–100; `None` when nothing was
    /// automated.
    pub score: Option<f64>,
    /// Controls passing.
    pub passed: u32,
    /// Controls failing.
    pub failed: u32,
}

/// Which findings a page shows. `None` means any.
#[derive(Clone, Debug, Default)]
pub struct FindingFilter {
    /// Only this severity.
    pub severity: Option<Severity>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only this service (`iam`, `s3`, …).
    pub service: Option<String>,
    /// Only this rule.
    pub rule_id: Option<String>,
    /// Only this region.
    pub region: Option<String>,
    /// Case-insensitive substring of the rule id, title or resource ARN.
    pub text: Option<String>,
}

/// Where the next page starts: after this (severity rank, id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    rank: i64,
    id: Uuid,
}

impl Cursor {
    /// The cursor as an opaque token for an API.
    pub fn to_token(&self) -> String {
        format!("{}.{}", self.rank, self.id.simple())
    }

    /// Parses a token made by [`Cursor::to_token`].
    pub fn from_token(token: &str) -> Result<Self> {
        let bad = || StoreError::InvalidInput {
            field: "page cursor",
            detail: format!("{token:?} is not a cursor from a previous page"),
        };
        let (rank, id) = token.split_once('.').ok_or_else(bad)?;
        Ok(Self {
            rank: rank.parse().map_err(|_| bad())?,
            id: Uuid::parse_str(id).map_err(|_| bad())?,
        })
    }
}

/// One page of findings, most severe first.
#[derive(Clone, Debug)]
pub struct FindingPage {
    /// The findings, decrypted.
    pub findings: Vec<Finding>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// The encrypted part of a finding.
#[derive(Serialize, Deserialize)]
struct Details {
    resource_name: String,
    severity_reason: Option<String>,
    message: String,
    evidence: serde_json::Value,
    controls: Vec<ControlId>,
    muted_reason: Option<String>,
}

fn rank(s: Severity) -> i64 {
    match s {
        Severity::Informational => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// The serde name of a model enum or id (`"fail"`, `"s3"`, …).
fn name<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(StoreError::InvalidInput {
            field: "finding",
            detail: "a field does not serialize to a string".into(),
        }),
    }
}

fn parse<T: DeserializeOwned>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|e| {
        StoreError::Corrupt {
            what,
            detail: format!("{s:?}: {e}"),
        }
    })
}

fn json<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::InvalidInput {
        field: "scan result",
        detail: e.to_string(),
    })
}

fn unjson<T: DeserializeOwned>(what: &'static str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt {
        what,
        detail: e.to_string(),
    })
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for ch in s.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

type FindingRow = (
    Uuid,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Vec<u8>,
);

impl Store {
    /// Queues a scan of a live connection.
    pub async fn queue_scan(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
        now: OffsetDateTime,
    ) -> Result<ScanId> {
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        self.live_connection(&mut tx, tenant, connection).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms) VALUES ($1, $2, $3, 'queued', $4)",
            )
            .bind(id)
            .bind(tenant)
            .bind(connection.0)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("queueing a scan")?;
        });
        tx.commit().await?;
        Ok(ScanId(id))
    }

    /// Fails with `NotFound` unless `connection` is a live connection of `tenant`.
    pub(crate) async fn live_connection(
        &self,
        tx: &mut crate::db::Tx,
        tenant: Uuid,
        connection: ConnectionId,
    ) -> Result<()> {
        let found: Option<Uuid> = on_tx!(tx, c => {
            sqlx::query_scalar(
                "SELECT id FROM connections WHERE id = $1 AND tenant_id = $2 AND deleted_at_ms IS NULL",
            )
            .bind(connection.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a connection")?
        });
        found.map(|_| ()).ok_or(StoreError::NotFound {
            what: "connection",
            id: connection.to_string(),
        })
    }

    /// Stores a finished scan: its result, every finding (details encrypted)
    /// and every score, in one transaction.
    pub async fn record_scan(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
        result: &ScanResult,
        times: ScanTimes,
    ) -> Result<ScanId> {
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let regions = json(&result.regions)?;
        let coverage = json(&result.coverage_gaps)?;
        let evaluation = json(&result.evaluation_gaps)?;
        let mut tx = self.begin_tenant(tenant).await?;
        self.live_connection(&mut tx, tenant, connection).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO scans (id, tenant_id, connection_id, status, progress, account_id, collected_at_ms, regions, \
                 rules_evaluated, resources, coverage_gaps, evaluation_gaps, created_at_ms, started_at_ms, finished_at_ms) \
                 VALUES ($1, $2, $3, 'succeeded', 100, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(id)
            .bind(tenant)
            .bind(connection.0)
            .bind(result.account_id.as_str())
            .bind(ms(result.collected_at.get()))
            .bind(&regions)
            .bind(i64::from(result.rules_evaluated))
            .bind(i64::from(result.resources))
            .bind(&coverage)
            .bind(&evaluation)
            .bind(ms(times.finished_at))
            .bind(ms(times.started_at))
            .bind(ms(times.finished_at))
            .execute(&mut *c)
            .await
            .ctx("storing a scan")?;
        });
        let mut sealer = self
            .keys
            .sealer(&mut tx, tenant, result.findings.len().max(1))
            .await?;
        for f in &result.findings {
            let fid = Uuid::now_v7();
            let details = serde_json::to_vec(&Details {
                resource_name: f.resource_name.clone(),
                severity_reason: f.severity_reason.clone(),
                message: f.message.clone(),
                evidence: f.evidence.clone(),
                controls: f.controls.clone(),
                muted_reason: f.muted_reason.clone(),
            })
            .map_err(|e| StoreError::InvalidInput {
                field: "finding",
                detail: e.to_string(),
            })?;
            let sealed = sealer.seal("findings", "details", fid, &details)?;
            let service = name(&f.service)?;
            let rtype = name(&f.resource_type)?;
            let status = name(&f.status)?;
            on_tx!(&mut tx, c => {
                sqlx::query(
                    "INSERT INTO findings (id, tenant_id, scan_id, rule_id, title, service, resource_type, resource_arn, \
                     region, status, severity, severity_rank, details) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(fid)
                .bind(tenant)
                .bind(id)
                .bind(&f.rule_id)
                .bind(&f.title)
                .bind(&service)
                .bind(&rtype)
                .bind(f.resource_arn.as_str())
                .bind(f.region.as_ref().map(|r| r.as_str()))
                .bind(&status)
                .bind(f.severity.as_str())
                .bind(rank(f.severity))
                .bind(sealed)
                .execute(&mut *c)
                .await
                .ctx("storing a finding")?;
            });
        }
        for (fw_pos, fw) in result.scores.iter().enumerate() {
            let rows = std::iter::once(&fw.total).chain(fw.sections.iter());
            for (pos, s) in rows.enumerate() {
                let section = if pos == 0 { "" } else { s.section.as_str() };
                on_tx!(&mut tx, c => {
                    sqlx::query(
                        "INSERT INTO scores (tenant_id, scan_id, framework, framework_title, position, section, passed, failed, manual, score) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(tenant)
                    .bind(id)
                    .bind(&fw.framework)
                    .bind(&fw.title)
                    // Framework order, then total (0) and sections in order.
                    .bind((fw_pos * 100_000 + pos) as i64)
                    .bind(section)
                    .bind(i64::from(s.passed))
                    .bind(i64::from(s.failed))
                    .bind(i64::from(s.manual))
                    .bind(s.score)
                    .execute(&mut *c)
                    .await
                    .ctx("storing a score")?;
                });
            }
        }
        tx.commit().await?;
        tracing::info!(scan = %id, findings = result.findings.len(), "scan stored");
        Ok(ScanId(id))
    }

    /// The scans of a connection (or of every connection), newest first.
    pub async fn scans(
        &self,
        scope: &TenantScope,
        connection: Option<ConnectionId>,
    ) -> Result<Vec<ScanSummary>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (Uuid, Uuid, String, Option<i64>, i64, i64, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT s.id, s.connection_id, s.status, s.collected_at_ms, s.created_at_ms, \
                 (SELECT count(*) FROM findings f WHERE f.scan_id = s.id AND f.tenant_id = s.tenant_id), \
                 (SELECT count(*) FROM findings f WHERE f.scan_id = s.id AND f.tenant_id = s.tenant_id AND f.status = 'FAIL') \
                 FROM scans s JOIN connections co ON co.id = s.connection_id AND co.deleted_at_ms IS NULL \
                 WHERE s.tenant_id = $1 AND ($2 IS NULL OR s.connection_id = $2) \
                 ORDER BY s.created_at_ms DESC, s.id DESC",
            )
            .bind(tenant)
            .bind(connection.map(|c| c.0))
            .fetch_all(&mut *c)
            .await
            .ctx("listing scans")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, conn, status, collected, created, n, failed)| {
                Ok(ScanSummary {
                    id: ScanId(id),
                    connection: ConnectionId(conn),
                    status: parse("scan status", &status)?,
                    collected_at: collected.map(from_ms).transpose()?,
                    created_at: from_ms(created)?,
                    findings: n.max(0) as u64,
                    failed: failed.max(0) as u64,
                })
            })
            .collect()
    }

    /// The total score of `framework` for each succeeded scan of `connection`
    /// collected in `[from, to]`, oldest first.
    pub async fn score_history(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
        framework: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<ScorePoint>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (Uuid, i64, Option<f64>, i64, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT s.id, s.collected_at_ms, sc.score, sc.passed, sc.failed FROM scans s \
                 JOIN scores sc ON sc.scan_id = s.id AND sc.tenant_id = s.tenant_id \
                 JOIN connections co ON co.id = s.connection_id AND co.deleted_at_ms IS NULL \
                 WHERE s.tenant_id = $1 AND s.connection_id = $2 AND s.status = 'succeeded' \
                 AND sc.framework = $3 AND sc.section = '' \
                 AND s.collected_at_ms >= $4 AND s.collected_at_ms <= $5 \
                 ORDER BY s.collected_at_ms, s.id",
            )
            .bind(tenant)
            .bind(connection.0)
            .bind(framework)
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(&mut *c)
            .await
            .ctx("reading score history")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, at, score, passed, failed)| {
                Ok(ScorePoint {
                    scan: ScanId(id),
                    collected_at: from_ms(at)?,
                    score,
                    passed: u32::try_from(passed).unwrap_or(u32::MAX),
                    failed: u32::try_from(failed).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// One page of a scan's findings matching `filter`, most severe first,
    /// then by id; `after` is the previous page's [`FindingPage::next`].
    pub async fn findings_page(
        &self,
        scope: &TenantScope,
        scan: ScanId,
        filter: &FindingFilter,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<FindingPage> {
        if !(1..=1000).contains(&limit) {
            return Err(StoreError::InvalidInput {
                field: "page size",
                detail: format!("{limit} is outside 1..=1000"),
            });
        }
        let tenant = scope.tenant().as_uuid();
        let status = filter.status.as_ref().map(name).transpose()?;
        let text = filter.text.as_deref().map(escape_like);
        // Past the last possible position when there is no cursor.
        let (after_rank, after_id) = match after {
            Some(c) => (c.rank, c.id),
            None => (i64::MAX, Uuid::nil()),
        };
        let mut tx = self.begin_tenant(tenant).await?;
        let rows: Vec<FindingRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, rule_id, title, service, resource_type, resource_arn, region, status, severity, severity_rank, details \
                 FROM findings WHERE tenant_id = $1 AND scan_id = $2 \
                 AND scan_id IN (SELECT s.id FROM scans s JOIN connections co ON co.id = s.connection_id \
                      WHERE co.deleted_at_ms IS NULL) \
                 AND ($3 IS NULL OR severity = $3) AND ($4 IS NULL OR status = $4) \
                 AND ($5 IS NULL OR service = $5) AND ($6 IS NULL OR rule_id = $6) \
                 AND ($7 IS NULL OR region = $7) \
                 AND ($8 IS NULL OR lower(rule_id) LIKE $8 ESCAPE '\\' OR lower(title) LIKE $8 ESCAPE '\\' \
                      OR lower(resource_arn) LIKE $8 ESCAPE '\\') \
                 AND (severity_rank < $9 OR (severity_rank = $9 AND id > $10)) \
                 ORDER BY severity_rank DESC, id LIMIT $11",
            )
            .bind(tenant)
            .bind(scan.0)
            .bind(filter.severity.map(|s| s.as_str()))
            .bind(status)
            .bind(&filter.service)
            .bind(&filter.rule_id)
            .bind(&filter.region)
            .bind(text)
            .bind(after_rank)
            .bind(after_id)
            .bind(i64::from(limit) + 1)
            .fetch_all(&mut *c)
            .await
            .ctx("reading findings")?
        });
        let more = rows.len() > limit as usize;
        let mut findings = Vec::with_capacity(rows.len().min(limit as usize));
        let mut last = None;
        for row in rows.into_iter().take(limit as usize) {
            last = Some(Cursor {
                rank: row.9,
                id: row.0,
            });
            findings.push(self.decode_finding(&mut tx, tenant, row).await?);
        }
        tx.commit().await?;
        Ok(FindingPage {
            findings,
            next: if more { last } else { None },
        })
    }

    async fn decode_finding(
        &self,
        tx: &mut crate::db::Tx,
        tenant: Uuid,
        row: FindingRow,
    ) -> Result<Finding> {
        let (id, rule_id, title, service, rtype, arn, region, status, severity, _rank, details) =
            row;
        let plain = self
            .keys
            .open(tx, tenant, "findings", "details", id, &details)
            .await?;
        let d: Details = serde_json::from_slice(&plain).map_err(|e| StoreError::Corrupt {
            what: "finding details",
            detail: e.to_string(),
        })?;
        Ok(Finding {
            rule_id,
            title,
            service: parse("service", &service)?,
            resource_arn: parse("resource ARN", &arn)?,
            resource_type: parse("resource type", &rtype)?,
            resource_name: d.resource_name,
            region: region.map(|r| parse("region", &r)).transpose()?,
            status: parse("status", &status)?,
            severity: parse("severity", &severity)?,
            severity_reason: d.severity_reason,
            message: d.message,
            evidence: d.evidence,
            controls: d.controls,
            muted_reason: d.muted_reason,
        })
    }

    /// A stored scan read back as the result it was recorded from (findings
    /// decrypted), e.g. to diff two scans with `cloudarq_core::engine::diff`.
    pub async fn load_result(&self, scope: &TenantScope, scan: ScanId) -> Result<ScanResult> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type ScanRow = (
            Option<String>,
            Option<i64>,
            String,
            i64,
            i64,
            String,
            String,
            String,
        );
        let head: Option<ScanRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT account_id, collected_at_ms, regions, rules_evaluated, resources, coverage_gaps, evaluation_gaps, status \
                 FROM scans WHERE id = $1 AND tenant_id = $2 \
                 AND connection_id IN (SELECT id FROM connections WHERE deleted_at_ms IS NULL)",
            )
            .bind(scan.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a scan")?
        });
        let not_found = || StoreError::NotFound {
            what: "finished scan",
            id: scan.to_string(),
        };
        let Some((
            Some(account),
            Some(collected),
            regions,
            rules,
            resources,
            coverage,
            evaluation,
            status,
        )) = head
        else {
            return Err(not_found());
        };
        if status != ScanStatus::Succeeded.as_str() {
            return Err(not_found());
        }
        let rows: Vec<FindingRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, rule_id, title, service, resource_type, resource_arn, region, status, severity, severity_rank, details \
                 FROM findings WHERE tenant_id = $1 AND scan_id = $2 ORDER BY id",
            )
            .bind(tenant)
            .bind(scan.0)
            .fetch_all(&mut *c)
            .await
            .ctx("reading findings")?
        });
        let mut findings = Vec::with_capacity(rows.len());
        for row in rows {
            findings.push(self.decode_finding(&mut tx, tenant, row).await?);
        }
        type ScoreRow = (String, String, String, i64, i64, i64, Option<f64>);
        let score_rows: Vec<ScoreRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT framework, framework_title, section, passed, failed, manual, score FROM scores \
                 WHERE tenant_id = $1 AND scan_id = $2 ORDER BY position",
            )
            .bind(tenant)
            .bind(scan.0)
            .fetch_all(&mut *c)
            .await
            .ctx("reading scores")?
        });
        tx.commit().await?;
        let mut scores: Vec<FrameworkScore> = Vec::new();
        for (fw, title, section, passed, failed, manual, score) in score_rows {
            let s = SectionScore {
                section,
                passed: u32::try_from(passed).unwrap_or(0),
                failed: u32::try_from(failed).unwrap_or(0),
                manual: u32::try_from(manual).unwrap_or(0),
                score,
            };
            match scores.last_mut() {
                Some(last) if last.framework == fw => last.sections.push(s),
                _ => scores.push(FrameworkScore {
                    framework: fw,
                    total: SectionScore {
                        section: title.clone(),
                        ..s
                    },
                    title,
                    sections: Vec::new(),
                }),
            }
        }
        let collected_at = Timestamp::new(from_ms(collected)?);
        Ok(ScanResult {
            format: RESULT_FORMAT.to_string(),
            version: RESULT_FORMAT_VERSION,
            account_id: parse("account id", &account)?,
            collected_at,
            regions: unjson("scan regions", &regions)?,
            rules_evaluated: u32::try_from(rules).unwrap_or(0),
            resources: u32::try_from(resources).unwrap_or(0),
            findings,
            evaluation_gaps: unjson::<Vec<EvaluationGap>>("evaluation gaps", &evaluation)?,
            coverage_gaps: unjson::<Vec<CoverageGap>>("coverage gaps", &coverage)?,
            scores,
        })
    }
}
