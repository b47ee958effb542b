//! A scan's findings (table `findings`): stored with their details sealed,
//! paged and filtered (C6), and read back whole for a result.
//!
//! A finding's metadata (rule, severity, status, service, resource, region) is
//! plaintext so it can be filtered; its details (message, evidence, resource
//! name, severity reason, controls, mute reason) are encrypted.

use cloudarq_model::finding::{ControlId, Finding};
use cloudarq_model::rule::{Severity, Status};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::db::{Tx, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scans::{ScanId, name, parse};
use crate::scope::TenantScope;

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

    pub(crate) async fn decode_finding(
        &self,
        tx: &mut Tx,
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

    /// Stores `findings` of scan `scan`, their details sealed under the
    /// tenant's data key, inside the scan's transaction.
    pub(crate) async fn insert_findings(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: Uuid,
        findings: &[Finding],
    ) -> Result<()> {
        let mut sealer = self.keys.sealer(tx, tenant, findings.len().max(1)).await?;
        for f in findings {
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
            on_tx!(tx, c => {
                sqlx::query(
                    "INSERT INTO findings (id, tenant_id, scan_id, rule_id, title, service, resource_type, resource_arn, \
                     region, status, severity, severity_rank, details) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(fid)
                .bind(tenant)
                .bind(scan)
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
        Ok(())
    }

    /// Every finding of scan `scan`, decrypted, in id order.
    pub(crate) async fn scan_findings(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: Uuid,
    ) -> Result<Vec<Finding>> {
        let rows: Vec<FindingRow> = on_tx!(tx, c => {
            sqlx::query_as(
                "SELECT id, rule_id, title, service, resource_type, resource_arn, region, status, severity, severity_rank, details \
                 FROM findings WHERE tenant_id = $1 AND scan_id = $2 ORDER BY id",
            )
            .bind(tenant)
            .bind(scan)
            .fetch_all(&mut *c)
            .await
            .ctx("reading findings")?
        });
        let mut findings = Vec::with_capacity(rows.len());
        for row in rows {
            findings.push(self.decode_finding(tx, tenant, row).await?);
        }
        Ok(findings)
    }
}
