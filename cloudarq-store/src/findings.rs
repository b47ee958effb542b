//! A scan's findings (table `findings`): stored with their details sealed,
//! paged and filtered (C6), and read back whole for a result.
//!
//! A finding's metadata (rule, severity, status, service, resource, region) is
//! plaintext so it can be filtered; its details (message, evidence, resource
//! name, severity reason, controls, mute reason) are encrypted.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use cloudarq_model::finding::{ControlId, Finding, ResultSource, Verdict};
use cloudarq_model::rule::{Severity, Status};
use cloudarq_model::{Arn, Region};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::Store;
use crate::db::{Tx, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::keys::Sealer;
use crate::scans::{ScanId, name, parse};
use crate::scope::TenantScope;

/// The SQLite insert of `$rows` rows (see [`sqlite_insert_text`]), as a
/// `&'static str` computed at compile time.
macro_rules! sqlite_insert {
    ($rows:expr) => {{
        const LEN: usize = sqlite_insert_text($rows, &mut []);
        const BYTES: [u8; LEN] = {
            let mut b = [0u8; LEN];
            sqlite_insert_text($rows, &mut b);
            b
        };
        match std::str::from_utf8(&BYTES) {
            Ok(s) => s,
            Err(_) => panic!("the SQLite insert is ASCII"),
        }
    }};
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

/// The encrypted part of a finding, as read. [`DetailsRef`] writes the same
/// JSON without copying the finding.
#[derive(Deserialize)]
struct Details {
    resource_name: String,
    severity_reason: Option<String>,
    message: String,
    evidence: serde_json::Value,
    controls: Vec<ControlId>,
    muted_reason: Option<String>,
}

/// [`Details`] borrowed from a finding, for writing: the same fields, in the
/// same order, so the same JSON.
#[derive(Serialize)]
struct DetailsRef<'a> {
    resource_name: &'a str,
    severity_reason: Option<&'a str>,
    message: &'a str,
    evidence: &'a serde_json::Value,
    controls: &'a [ControlId],
    muted_reason: Option<&'a str>,
}

/// Rows per PostgreSQL insert: one statement of arrays, unnested into rows
/// (a few MB at most, well under the protocol's 1 GB message limit).
///
/// `COPY ... FROM STDIN` would be faster still, but PostgreSQL refuses COPY
/// FROM into a table with row-level security for a role it applies to
/// ("COPY FROM not supported with row-level security"), and `findings` has
/// row-level security enabled and forced (migration 0001) for the tenant
/// transactions that write it.
pub(crate) const PG_BATCH: usize = 2_000;

/// PostgreSQL: one batch of findings. Tenant and scan are the same for every
/// row; the other columns come as one array each.
const PG_INSERT: &str = "INSERT INTO findings (id, tenant_id, scan_id, rule_id, title, service, resource_type, \
     resource_arn, region, status, severity, severity_rank, details) \
     SELECT f.id, $1, $2, f.rule_id, f.title, f.service, f.resource_type, f.resource_arn, f.region, \
     f.status, f.severity, f.severity_rank, f.details \
     FROM UNNEST($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], \
     $10::text[], $11::text[], $12::int8[], $13::bytea[]) \
     AS f(id, rule_id, title, service, resource_type, resource_arn, region, status, severity, severity_rank, details)";

/// Rows per SQLite insert, largest first: a scan is written in statements of
/// 256 rows and its remainder in 32, 4 and 1, so a connection caches four
/// statement texts whatever the scan's size. 256 rows bind 13 × 256 = 3,328
/// parameters, well under SQLite's limit of 32,766.
pub(crate) const SQLITE_CHUNKS: [usize; 4] = [256, 32, 4, 1];

/// SQLite: the multi-row inserts of [`SQLITE_CHUNKS`], built at compile time
/// (every statement stays a `&'static str`; see [`crate::db`]).
const SQLITE_INSERTS: [&str; 4] = [
    sqlite_insert!(256),
    sqlite_insert!(32),
    sqlite_insert!(4),
    sqlite_insert!(1),
];

/// The largest chunk that fits in `left` (> 0) rows, and its statement.
fn sqlite_chunk(left: usize) -> (usize, &'static str) {
    let mut i = 0;
    while i + 1 < SQLITE_CHUNKS.len() && SQLITE_CHUNKS[i] > left {
        i += 1;
    }
    (SQLITE_CHUNKS[i], SQLITE_INSERTS[i])
}

const SQLITE_HEAD: &[u8] =
    b"INSERT INTO findings (id, tenant_id, scan_id, rule_id, title, service, resource_type, \
resource_arn, region, status, severity, severity_rank, details) VALUES ";
/// One row's parameters: SQLite-only anonymous `?`, bound in order. Named
/// ones (`$1`, or `?NNN`) would let rows share the tenant and scan, but
/// binding by name makes SQLite look each name up in a list, which costs
/// O(parameters²) per statement: at 256 rows, more than the insert itself.
const SQLITE_ROW: &[u8] = b"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// Writes the SQLite insert of `rows` rows into `out` as far as it fits, and
/// returns its full length: `INSERT ... VALUES (?, ..., ?), (?, ..., ?)`.
const fn sqlite_insert_text(rows: usize, out: &mut [u8]) -> usize {
    let mut pos = put(out, 0, SQLITE_HEAD);
    let mut r = 0;
    while r < rows {
        if r > 0 {
            pos = put(out, pos, b", ");
        }
        pos = put(out, pos, SQLITE_ROW);
        r += 1;
    }
    pos
}

const fn put(out: &mut [u8], mut pos: usize, s: &[u8]) -> usize {
    let mut i = 0;
    while i < s.len() {
        if pos < out.len() {
            out[pos] = s[i];
        }
        pos += 1;
        i += 1;
    }
    pos
}

/// One batch of findings, sealed: each finding (borrowed from a
/// [`ScanResult`](cloudarq_model::finding::ScanResult), or made from a
/// leaner form as it was read) with its new id and its sealed details.
struct Sealed<'a> {
    findings: Vec<Cow<'a, Finding>>,
    id: Vec<Uuid>,
    details: Vec<Vec<u8>>,
}

/// A sealed batch column by column (PostgreSQL binds each column as one
/// array; SQLite binds them row by row), text borrowed from the findings.
struct Rows<'a> {
    id: &'a [Uuid],
    rule_id: Vec<&'a str>,
    title: Vec<&'a str>,
    service: Vec<&'static str>,
    resource_type: Vec<&'static str>,
    resource_arn: Vec<&'a str>,
    region: Vec<Option<&'a str>>,
    status: Vec<&'static str>,
    severity: Vec<&'static str>,
    severity_rank: Vec<i64>,
    details: &'a [Vec<u8>],
}

impl<'a> Sealed<'a> {
    /// Gives each finding an id (UUIDv7: ascending, so reading by id gives
    /// the scan's order back) and seals its details; `plain` is the reused
    /// (and finally zeroized) buffer of the details' JSON.
    fn seal(
        sealer: &mut Sealer,
        plain: &mut Vec<u8>,
        findings: Vec<Cow<'a, Finding>>,
    ) -> Result<Self> {
        let n = findings.len();
        let (mut id, mut details) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for f in &findings {
            let row = Uuid::now_v7();
            plain.clear();
            serde_json::to_writer(
                &mut *plain,
                &DetailsRef {
                    resource_name: &f.resource_name,
                    severity_reason: f.severity_reason.as_deref(),
                    message: &f.message,
                    evidence: &f.evidence,
                    controls: &f.controls,
                    muted_reason: f.muted_reason.as_deref(),
                },
            )
            .map_err(|e| StoreError::InvalidInput {
                field: "finding",
                detail: e.to_string(),
            })?;
            details.push(sealer.seal("findings", "details", row, plain)?);
            id.push(row);
        }
        Ok(Self {
            findings,
            id,
            details,
        })
    }

    fn columns(&self) -> Rows<'_> {
        let column = |get: &dyn Fn(&Finding) -> &'static str| -> Vec<&'static str> {
            self.findings.iter().map(|f| get(f)).collect()
        };
        Rows {
            id: &self.id,
            rule_id: self.findings.iter().map(|f| f.rule_id.as_str()).collect(),
            title: self.findings.iter().map(|f| f.title.as_str()).collect(),
            service: column(&|f| f.service.as_str()),
            resource_type: column(&|f| f.resource_type.as_str()),
            resource_arn: self
                .findings
                .iter()
                .map(|f| f.resource_arn.as_str())
                .collect(),
            region: self
                .findings
                .iter()
                .map(|f| f.region.as_ref().map(|r| r.as_str()))
                .collect(),
            status: column(&|f| f.status.as_str()),
            severity: column(&|f| f.severity.as_str()),
            severity_rank: self.findings.iter().map(|f| rank(f.severity)).collect(),
            details: &self.details,
        }
    }
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
    /// tenant's data key, inside the scan's transaction: many rows per
    /// statement ([`PG_BATCH`] on PostgreSQL, [`SQLITE_CHUNKS`] on SQLite),
    /// each batch sealed in full before its one round trip, while the batch
    /// before it is inserted. A failing batch fails the call, and the
    /// caller's transaction (scan row and earlier batches included) is
    /// rolled back when it is dropped.
    pub(crate) async fn insert_findings(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: Uuid,
        result: &(impl ResultSource + Sync + ?Sized),
    ) -> Result<()> {
        let count = result.finding_count();
        let mut findings = result.findings();
        // Every encryption of the scan is counted before the first is made.
        let mut sealer = self.keys.sealer(tx, tenant, count.max(1)).await?;
        let mut plain = Zeroizing::new(Vec::with_capacity(4096));
        // The next `n` findings, sealed; `None` at the end. A source that
        // yields fewer findings than it counted is refused (SQLite's
        // statement was chosen for `n`).
        let mut batch = |n: usize, sealer: &mut Sealer, plain: &mut Vec<u8>| {
            let chunk: Vec<Cow<'_, Finding>> = findings.by_ref().take(n).collect();
            if chunk.is_empty() {
                return Ok(None);
            }
            if chunk.len() < n {
                return Err(StoreError::InvalidInput {
                    field: "result",
                    detail: format!(
                        "it counted {count} findings but yielded fewer ({} missing in a batch of {n})",
                        n - chunk.len()
                    ),
                });
            }
            Sealed::seal(sealer, plain, chunk).map(Some)
        };
        // Each batch is made and sealed while the one before it is being
        // inserted (the database works in its own process, or SQLite's
        // worker thread, meanwhile): `join!` polls the insert first, which
        // sends it, then seals the next batch, then waits for the insert.
        match tx {
            Tx::Postgres(t) => {
                let mut left = count;
                let take = |left: &mut usize| {
                    let n = (*left).min(PG_BATCH);
                    *left -= n;
                    n
                };
                let mut next = batch(take(&mut left), &mut sealer, &mut plain)?;
                while let Some(sealed) = next.take() {
                    let rows = sealed.columns();
                    let insert = sqlx::query(PG_INSERT)
                        .bind(tenant)
                        .bind(scan)
                        .bind(rows.id)
                        .bind(&rows.rule_id)
                        .bind(&rows.title)
                        .bind(&rows.service)
                        .bind(&rows.resource_type)
                        .bind(&rows.resource_arn)
                        .bind(&rows.region)
                        .bind(&rows.status)
                        .bind(&rows.severity)
                        .bind(&rows.severity_rank)
                        .bind(rows.details)
                        .execute(&mut **t);
                    let n = take(&mut left);
                    let seal_next = async { batch(n, &mut sealer, &mut plain) };
                    let (inserted, sealed) = tokio::join!(insert, seal_next);
                    inserted.ctx("storing findings")?;
                    next = sealed?;
                }
            }
            Tx::Sqlite(t) => {
                let mut left = count;
                let take = |left: &mut usize| {
                    if *left == 0 {
                        return (0, SQLITE_INSERTS[0]);
                    }
                    let (n, sql) = sqlite_chunk(*left);
                    *left -= n;
                    (n, sql)
                };
                let (n, mut sql) = take(&mut left);
                let mut next = batch(n, &mut sealer, &mut plain)?;
                while let Some(sealed) = next.take() {
                    let rows = sealed.columns();
                    let mut q = sqlx::query(sql);
                    for (i, details) in rows.details.iter().enumerate() {
                        q = q
                            .bind(rows.id[i])
                            .bind(tenant)
                            .bind(scan)
                            .bind(rows.rule_id[i])
                            .bind(rows.title[i])
                            .bind(rows.service[i])
                            .bind(rows.resource_type[i])
                            .bind(rows.resource_arn[i])
                            .bind(rows.region[i])
                            .bind(rows.status[i])
                            .bind(rows.severity[i])
                            .bind(rows.severity_rank[i])
                            .bind(details.as_slice());
                    }
                    let insert = q.execute(&mut **t);
                    let (n, upcoming) = take(&mut left);
                    let seal_next = async { batch(n, &mut sealer, &mut plain) };
                    let (inserted, sealed) = tokio::join!(insert, seal_next);
                    inserted.ctx("storing findings")?;
                    next = sealed?;
                    sql = upcoming;
                }
            }
        }
        if findings.next().is_some() {
            return Err(StoreError::InvalidInput {
                field: "result",
                detail: format!("it counted {count} findings but yielded more"),
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

    /// The verdict of every finding of scan `scan`, in id order: the
    /// plaintext columns only, read row by row (nothing is decrypted, and
    /// no more than one row is held as it was read); findings of one rule
    /// share its id and title, findings about one resource its ARN, and
    /// findings in one region the region (a resource has a finding of
    /// about nine rules on a large estate: its ARN is held once, not nine
    /// times).
    pub(crate) async fn scan_verdicts(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: Uuid,
        shared: &mut Shared,
    ) -> Result<Vec<Verdict>> {
        use futures::TryStreamExt as _;
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            String,
            String,
        );
        let mut verdicts = Vec::new();
        on_tx!(tx, c => {
            let mut rows = sqlx::query_as::<_, Row>(
                "SELECT rule_id, title, service, resource_arn, region, status, severity \
                 FROM findings WHERE tenant_id = $1 AND scan_id = $2 ORDER BY id",
            )
            .bind(tenant)
            .bind(scan)
            .fetch(&mut *c);
            while let Some((rule_id, title, service, arn, region, status, severity)) =
                rows.try_next().await.ctx("reading findings")?
            {
                verdicts.push(Verdict {
                    rule_id: shared.name(rule_id),
                    title: shared.name(title),
                    service: parse("service", &service)?,
                    resource_arn: shared.arn(arn)?,
                    region: region.map(|r| shared.region(r)).transpose()?,
                    status: parse("status", &status)?,
                    severity: parse("severity", &severity)?,
                });
            }
        });
        Ok(verdicts)
    }
}

/// The values a stored scan's verdicts and gaps share: each distinct rule
/// id, title or field, ARN and region is made once per scan, and every
/// later one that carries the same text gets a reference to it.
#[derive(Default)]
pub(crate) struct Shared {
    names: HashMap<String, Arc<str>>,
    arns: HashMap<String, Arc<Arn>>,
    regions: HashMap<String, Arc<Region>>,
}

impl Shared {
    /// A rule id, title or field.
    pub(crate) fn name(&mut self, text: String) -> Arc<str> {
        let Ok(name) = once(&mut self.names, text, |s| {
            Ok::<_, std::convert::Infallible>(Arc::from(s))
        });
        name
    }

    /// An ARN, parsed the first time it is seen.
    pub(crate) fn arn(&mut self, text: String) -> Result<Arc<Arn>> {
        once(&mut self.arns, text, |s| {
            parse("resource ARN", s).map(Arc::new)
        })
    }

    /// A region, parsed the first time it is seen.
    pub(crate) fn region(&mut self, text: String) -> Result<Arc<Region>> {
        once(&mut self.regions, text, |s| {
            parse("region", s).map(Arc::new)
        })
    }
}

/// The shared value of `text`: made by `make` once per distinct text, and
/// cloned (a reference count) for every later one.
fn once<V: Clone, E>(
    known: &mut HashMap<String, V>,
    text: String,
    make: impl FnOnce(&str) -> Result<V, E>,
) -> Result<V, E> {
    if let Some(value) = known.get(&text) {
        return Ok(value.clone());
    }
    let value = make(&text)?;
    known.insert(text, value.clone());
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudarq_model::ResourceType;
    use cloudarq_model::Service;

    #[test]
    fn the_one_row_sqlite_insert_is_the_plain_insert() {
        assert_eq!(
            sqlite_insert!(1),
            "INSERT INTO findings (id, tenant_id, scan_id, rule_id, title, service, resource_type, \
             resource_arn, region, status, severity, severity_rank, details) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        );
    }

    #[test]
    fn sqlite_inserts_have_a_parameter_per_column_of_every_row() {
        for (n, sql) in SQLITE_CHUNKS.iter().zip(SQLITE_INSERTS) {
            let (_, values) = sql.split_once(" VALUES ").unwrap();
            let rows: Vec<&str> = values.split("), (").collect();
            assert_eq!(rows.len(), *n);
            for row in rows {
                let params: Vec<&str> = row
                    .trim_matches(|c| c == '(' || c == ')')
                    .split(", ")
                    .collect();
                assert_eq!(params, ["?"; 13]);
            }
            assert!(13 * n < 32_766, "SQLite's limit");
        }
    }

    #[test]
    fn chunks_cover_any_count_with_few_statements() {
        for total in [1, 3, 4, 31, 255, 256, 257, 4_567, 100_000] {
            let (mut left, mut statements, mut sizes) = (total, 0, Vec::new());
            while left > 0 {
                let (n, sql) = sqlite_chunk(left);
                assert!(n <= left);
                assert_eq!(sql.matches("), (").count() + 1, n);
                sizes.push(n);
                left -= n;
                statements += 1;
            }
            assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{sizes:?}");
            // At most 7 of 32 rows, 7 of 4 and 3 of 1 after the 256s.
            assert!(
                statements <= total / 256 + 7 + 7 + 3,
                "{total}: {statements}"
            );
        }
    }

    #[test]
    fn stored_names_are_the_serde_names() {
        for s in [Status::Pass, Status::Fail, Status::Error, Status::Muted] {
            assert_eq!(s.as_str(), name(&s).unwrap());
        }
        for s in Service::EVERY {
            assert_eq!(s.as_str(), name(&s).unwrap());
        }
        for t in ResourceType::ALL {
            assert_eq!(t.as_str(), name(t).unwrap());
        }
        for s in [
            Severity::Informational,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ] {
            assert_eq!(s.as_str(), name(&s).unwrap());
        }
    }

    #[test]
    fn details_written_borrowed_read_back_owned() {
        let evidence = serde_json::json!({"a": [1, "x\"y"], "b": null});
        let controls: Vec<ControlId> = Vec::new();
        let json = serde_json::to_vec(&DetailsRef {
            resource_name: "bucket \u{1F600}",
            severity_reason: None,
            message: "m",
            evidence: &evidence,
            controls: &controls,
            muted_reason: Some("r"),
        })
        .unwrap();
        let d: Details = serde_json::from_slice(&json).unwrap();
        assert_eq!(d.resource_name, "bucket \u{1F600}");
        assert_eq!(d.evidence, evidence);
        assert_eq!(d.muted_reason.as_deref(), Some("r"));
        assert!(d.severity_reason.is_none());
    }
}
