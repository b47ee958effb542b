//! The tenant's audit log (table `audit_log`): append-only and hash-chained.
//!
//! The application role may only INSERT and SELECT, and a trigger refuses
//! UPDATE, TRUNCATE and any DELETE but the purge of a deleted tenant
//! (migration 0002). Since migration 0011 each tenant's rows also form a
//! chain: row `seq` (1, 2, …, without gaps) carries the SHA-256 of the row
//! before it and of its own fields ([`chain_hash`]), so a row edited,
//! removed or reordered by someone who got past the privileges (the schema
//! owner, a restored backup, a disk edit) is found by
//! [`Store::verify_audit_log`] (`cloudarq audit verify`). The chain proves
//! the log's integrity up to its newest row; keep the head that verify prints
//! somewhere else (a ticket, a log shipper) to also detect a cut tail.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::{JobRunner, TenantScope};
use crate::{Store, TenantId};

/// One audit-log entry: who did what, when, from where, with what outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Who (user id or `job-runner`).
    pub actor: String,
    /// What (e.g. `connection.delete`).
    pub action: String,
    /// On what.
    pub target: String,
    /// From where (client address), if known.
    pub source_ip: Option<String>,
    /// The client's `User-Agent`, if known.
    pub user_agent: Option<String>,
    /// `success` or `denied` or `error`.
    pub outcome: String,
    /// When.
    pub at: OffsetDateTime,
}

/// A stored entry with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainedEntry {
    /// Its position in the tenant's chain (from 1); `None` for a row written
    /// before the chain existed (migration 0011).
    pub seq: Option<i64>,
    /// SHA-256 over the previous row's hash and this row's fields.
    pub row_hash: Option<[u8; 32]>,
    /// The entry.
    pub entry: AuditEntry,
}

/// The first row's `prev_hash`.
pub const GENESIS: [u8; 32] = [0; 32];

/// The chain hash of a row: SHA-256 over a domain tag, `prev`, and each
/// field length-prefixed (absent optional fields are distinguishable from
/// empty ones), so no two different rows encode alike.
///
/// ```
/// use cloudarq_store::audit_log::{chain_hash, AuditEntry, GENESIS};
/// let e = AuditEntry {
///     actor: "user:1".into(), action: "scan.request".into(), target: "scan:2".into(),
///     source_ip: None, user_agent: None, outcome: "success".into(),
///     at: time::OffsetDateTime::UNIX_EPOCH,
/// };
/// let (tenant, id) = (uuid::Uuid::nil(), uuid::Uuid::nil());
/// let h = chain_hash(&GENESIS, tenant, 1, id, &e);
/// assert_ne!(h, chain_hash(&GENESIS, tenant, 2, id, &e));
/// assert_ne!(h, chain_hash(&h, tenant, 1, id, &e));
/// ```
pub fn chain_hash(prev: &[u8; 32], tenant: Uuid, seq: i64, id: Uuid, e: &AuditEntry) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"cloudarq audit_log v1\0");
    h.update(prev);
    h.update(tenant.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(id.as_bytes());
    let mut field = |v: Option<&str>| match v {
        None => h.update([0u8]),
        Some(s) => {
            h.update([1u8]);
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        }
    };
    field(Some(&e.actor));
    field(Some(&e.action));
    field(Some(&e.target));
    field(e.source_ip.as_deref());
    field(e.user_agent.as_deref());
    field(Some(&e.outcome));
    h.update(ms(e.at).to_be_bytes());
    h.finalize().into()
}

/// What [`Store::verify_audit_log`] found for one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// The tenant.
    pub tenant: TenantId,
    /// Rows written before the chain existed (outside it).
    pub unchained: u64,
    /// Chained rows checked.
    pub chained: u64,
    /// The newest row's seq and hash (hex), when there is one.
    pub head: Option<(i64, String)>,
    /// The first break, if any: the seq where the chain stops holding, and why.
    pub broken: Option<(i64, String)>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hash32(v: Option<Vec<u8>>, what: &'static str) -> Result<Option<[u8; 32]>> {
    v.map(|b| {
        <[u8; 32]>::try_from(b.as_slice()).map_err(|_| StoreError::Corrupt {
            what,
            detail: format!("{} bytes, not 32", b.len()),
        })
    })
    .transpose()
}

type Row = (
    Uuid,
    Uuid,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    i64,
    Option<i64>,
    Option<Vec<u8>>,
    Option<Vec<u8>>,
);

/// The columns of [`Row`], in order (a macro, so each query stays one
/// `&'static str`).
macro_rules! columns {
    () => {
        "id, tenant_id, actor, action, target, source_ip, user_agent, outcome, at_ms, seq, prev_hash, row_hash"
    };
}

fn entry(r: &Row) -> Result<AuditEntry> {
    Ok(AuditEntry {
        actor: r.2.clone(),
        action: r.3.clone(),
        target: r.4.clone(),
        source_ip: r.5.clone(),
        user_agent: r.6.clone(),
        outcome: r.7.clone(),
        at: from_ms(r.8)?,
    })
}

impl Store {
    /// Appends to the tenant's audit log, chained to its newest row. Appends
    /// of one tenant are serialised (an advisory lock on PostgreSQL, the
    /// write lock on SQLite), and the unique `(tenant_id, seq)` index refuses
    /// a fork should anything get past that.
    pub async fn audit(&self, scope: &TenantScope, entry: &AuditEntry) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        if let crate::db::Tx::Postgres(t) = &mut tx {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtextextended('cloudarq.audit_log:' || $1::text, 0))",
            )
            .bind(tenant)
            .execute(&mut **t)
            .await
            .ctx("locking the audit chain")?;
        }
        on_tx!(&mut tx, c => {
            let last: Option<(i64, Vec<u8>)> = sqlx::query_as(
                "SELECT seq, row_hash FROM audit_log WHERE tenant_id = $1 AND seq IS NOT NULL \
                 ORDER BY seq DESC LIMIT 1",
            )
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading the audit chain's head")?;
            let (seq, prev) = match last {
                None => (1, GENESIS),
                Some((s, h)) => (
                    s + 1,
                    hash32(Some(h), "audit_log.row_hash")?.unwrap_or(GENESIS),
                ),
            };
            let hash = chain_hash(&prev, tenant, seq, id, entry);
            sqlx::query(
                "INSERT INTO audit_log (id, tenant_id, actor, action, target, source_ip, user_agent, outcome, at_ms, seq, prev_hash, row_hash) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id)
            .bind(tenant)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(&entry.source_ip)
            .bind(&entry.user_agent)
            .bind(&entry.outcome)
            .bind(ms(entry.at))
            .bind(seq)
            .bind(prev.to_vec())
            .bind(hash.to_vec())
            .execute(&mut *c)
            .await
            .ctx("writing the audit log")?;
        });
        tx.commit().await
    }

    /// The tenant's audit log, oldest first (rows from before the chain
    /// first, by time; then the chain in order).
    pub async fn audit_log(&self, scope: &TenantScope) -> Result<Vec<ChainedEntry>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(concat!(
                "SELECT ",
                columns!(),
                " FROM audit_log WHERE tenant_id = $1 ORDER BY seq IS NOT NULL, seq, at_ms, id"
            ))
            .bind(tenant)
            .fetch_all(&mut *c)
            .await
            .ctx("reading the audit log")?
        });
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(ChainedEntry {
                    seq: r.9,
                    row_hash: hash32(r.11.clone(), "audit_log.row_hash")?,
                    entry: entry(r)?,
                })
            })
            .collect()
    }

    /// Checks every tenant's chain (the maintenance view: every row of every
    /// tenant). A tenant's report names the first row where the chain stops
    /// holding: a seq missing (a row removed), a `prev_hash` that is not the
    /// previous row's hash (removed or reordered), a `row_hash` that does not
    /// match the row (edited), or an unchained row written after the chain
    /// began (inserted past the trigger).
    pub async fn verify_audit_log(&self, _runner: &JobRunner) -> Result<Vec<ChainReport>> {
        let mut tx = self.pool.begin_operator().await?;
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(concat!(
                "SELECT ",
                columns!(),
                " FROM audit_log ORDER BY tenant_id, seq IS NOT NULL, seq, at_ms, id"
            ))
            .fetch_all(&mut *c)
            .await
            .ctx("reading the audit log")?
        });
        tx.commit().await?;
        let mut reports: Vec<ChainReport> = Vec::new();
        // The time of each tenant's first chained row: an unchained row
        // after it was not written by a build that predates the chain.
        let mut first_chained: std::collections::HashMap<Uuid, i64> =
            std::collections::HashMap::new();
        for r in rows.iter().filter(|r| r.9 == Some(1)) {
            first_chained.insert(r.1, r.8);
        }
        let mut prev = GENESIS;
        for r in &rows {
            let tenant = TenantId(r.1);
            if reports.last().is_none_or(|rep| rep.tenant != tenant) {
                reports.push(ChainReport {
                    tenant,
                    unchained: 0,
                    chained: 0,
                    head: None,
                    broken: None,
                });
                prev = GENESIS;
            }
            let Some(rep) = reports.last_mut() else {
                continue;
            };
            if rep.broken.is_some() {
                continue;
            }
            let Some(seq) = r.9 else {
                rep.unchained += 1;
                if first_chained.get(&r.1).is_some_and(|&t| r.8 > t) {
                    rep.broken = Some((
                        0,
                        format!(
                            "row {} has no place in the chain but was written after it began",
                            r.0
                        ),
                    ));
                }
                continue;
            };
            let expected = rep.chained as i64 + 1;
            let stored_prev = hash32(r.10.clone(), "audit_log.prev_hash")?;
            let stored_hash = hash32(r.11.clone(), "audit_log.row_hash")?;
            let why = if seq != expected {
                Some(format!("seq {expected} is missing (a row was removed)"))
            } else if stored_prev != Some(prev) {
                Some(
                    "prev_hash is not the previous row's hash (a row was removed or replaced)"
                        .to_owned(),
                )
            } else {
                let computed = chain_hash(&prev, r.1, seq, r.0, &entry(r)?);
                if stored_hash != Some(computed) {
                    Some("row_hash does not match the row (it was edited)".to_owned())
                } else {
                    prev = computed;
                    None
                }
            };
            match why {
                Some(w) => rep.broken = Some((expected.min(seq), w)),
                None => {
                    rep.chained += 1;
                    rep.head = Some((seq, hex(&prev)));
                }
            }
        }
        Ok(reports)
    }
}
