//! Mutelist entries kept per tenant (and optionally per connection) for the
//! hosted service: rule id, resource ARN glob, reason, optional expiry — the
//! same fields as a mutelist file (`cloudarq_core::engine::Mutelist`).

use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;

/// One stored entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MuteEntry {
    /// Its id.
    pub id: Uuid,
    /// Only this connection; `None` for every connection of the tenant.
    pub connection: Option<ConnectionId>,
    /// The rule muted.
    pub rule_id: String,
    /// ARN glob of the resources muted.
    pub resource_glob: String,
    /// Why.
    pub reason: String,
    /// Stops muting at this time.
    pub expires_at: Option<OffsetDateTime>,
}

impl Store {
    /// Adds an entry. The caller validates the rule id and glob against the
    /// rule catalogue (as `Mutelist` does); this checks they are present.
    pub async fn add_mute_entry(
        &self,
        scope: &TenantScope,
        entry: &MuteEntry,
        now: OffsetDateTime,
    ) -> Result<Uuid> {
        for (field, v) in [
            ("mute rule id", &entry.rule_id),
            ("mute resource glob", &entry.resource_glob),
            ("mute reason", &entry.reason),
        ] {
            if v.trim().is_empty() || v.len() > 2048 {
                return Err(StoreError::InvalidInput {
                    field,
                    detail: "must be 1 to 2048 characters".into(),
                });
            }
        }
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        if let Some(c) = entry.connection {
            self.live_connection(&mut tx, tenant, c).await?;
        }
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO mutelist_entries (id, tenant_id, connection_id, rule_id, resource_glob, reason, expires_at_ms, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(tenant)
            .bind(entry.connection.map(|c| c.0))
            .bind(&entry.rule_id)
            .bind(&entry.resource_glob)
            .bind(&entry.reason)
            .bind(entry.expires_at.map(ms))
            .bind(ms(now))
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
    ) -> Result<Vec<MuteEntry>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (Uuid, Option<Uuid>, String, String, String, Option<i64>);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, connection_id, rule_id, resource_glob, reason, expires_at_ms FROM mutelist_entries \
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
            .map(|(id, conn, rule_id, resource_glob, reason, exp)| {
                Ok(MuteEntry {
                    id,
                    connection: conn.map(ConnectionId),
                    rule_id,
                    resource_glob,
                    reason,
                    expires_at: exp.map(from_ms).transpose()?,
                })
            })
            .collect()
    }
}
