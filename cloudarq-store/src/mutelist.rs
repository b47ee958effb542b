//! Mutelist entries kept per tenant (and optionally per connection) for the
//! hosted service. Each is a [`MuteEntry`], the one entry type a mutelist
//! file also parses into: the engine builds its `Mutelist` from the rows
//! ([`Store::mute_entries`]) exactly as from a file.

use cloudarq_model::Timestamp;
pub use cloudarq_model::mute::{Expiry, MuteEntry};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;

/// One stored entry: the entry, and where it applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMuteEntry {
    /// Its id.
    pub id: Uuid,
    /// Only this connection; `None` for every connection of the tenant.
    pub connection: Option<ConnectionId>,
    /// The entry.
    pub entry: MuteEntry,
}

/// The longest rule id, glob or reason stored.
const MAX_FIELD_BYTES: usize = 2048;

impl Store {
    /// Adds an entry for every connection of the tenant, or only for
    /// `connection`. The caller checks the glob and the rule id by building
    /// the engine's `Mutelist` with it (as for a file); this refuses empty,
    /// oversized and control-character fields.
    pub async fn add_mute_entry(
        &self,
        scope: &TenantScope,
        connection: Option<ConnectionId>,
        entry: &MuteEntry,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        let rule = entry.rule.as_deref().unwrap_or("*");
        for (field, v) in [
            ("mute rule id", rule),
            ("mute resource glob", entry.resource.as_str()),
            ("mute reason", entry.reason.as_str()),
        ] {
            if v.trim().is_empty()
                || v.len() > MAX_FIELD_BYTES
                || !cloudarq_model::text::is_inert(v)
            {
                return Err(StoreError::InvalidInput {
                    field,
                    detail: format!(
                        "must be 1 to {MAX_FIELD_BYTES} bytes without control or bidirectional characters"
                    ),
                });
            }
        }
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        if let Some(c) = connection {
            self.live_connection(&mut tx, tenant, c).await?;
        }
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO mutelist_entries (id, tenant_id, connection_id, rule_id, resource_glob, reason, expires_at_ms, created_at_ms, region) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(tenant)
            .bind(connection.map(|c| c.0))
            .bind(rule)
            .bind(&entry.resource)
            .bind(&entry.reason)
            .bind(entry.expires.as_ref().map(|e| ms(e.at.get())))
            .bind(ms(now))
            .bind(entry.region.as_ref().map(|r| r.as_str()))
            .execute(&mut *c)
            .await
            .ctx("storing a mutelist entry")?;
        });
        tx.commit().await?;
        Ok(id)
    }

    /// The tenant's entries that apply to `connection` (its own and the
    /// tenant-wide ones), oldest first. Expired entries are included: the
    /// engine reports them as expired.
    pub async fn mute_entries(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
    ) -> Result<Vec<StoredMuteEntry>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (
            Uuid,
            Option<Uuid>,
            String,
            String,
            String,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, connection_id, rule_id, resource_glob, reason, expires_at_ms, region FROM mutelist_entries \
                 WHERE tenant_id = $1 AND (connection_id IS NULL OR connection_id = $2) ORDER BY created_at_ms, id",
            )
            .bind(tenant)
            .bind(connection.0)
            .fetch_all(&mut *c)
            .await
            .ctx("reading the mutelist")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, conn, rule, resource, reason, exp, region)| {
                let region = region.map(|r| r.parse()).transpose().map_err(
                    |e: cloudarq_model::ModelError| StoreError::Corrupt {
                        what: "mutelist entry region",
                        detail: e.to_string(),
                    },
                )?;
                Ok(StoredMuteEntry {
                    id,
                    connection: conn.map(ConnectionId),
                    entry: MuteEntry {
                        rule: (rule != "*").then_some(rule),
                        resource,
                        reason,
                        expires: exp
                            .map(from_ms)
                            .transpose()?
                            .map(|at| Expiry::at(Timestamp::new(at))),
                        region,
                    },
                })
            })
            .collect()
    }

    /// Removes an entry of the tenant.
    pub async fn delete_mute_entry(&self, scope: &TenantScope, id: Uuid) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM mutelist_entries WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(id)
                .execute(&mut *c)
                .await
                .ctx("deleting a mutelist entry")?
                .rows_affected()
        });
        if n != 1 {
            return Err(StoreError::NotFound {
                what: "mutelist entry",
                id: id.to_string(),
            });
        }
        tx.commit().await
    }
}
