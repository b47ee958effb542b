//! Tenants: created by the job runner, each with its own data key.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::{JobRunner, TenantId, TenantScope};

/// A tenant as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    /// Its id.
    pub id: TenantId,
    /// Its name.
    pub name: String,
    /// When it was deleted (access revoked), if it was.
    pub deleted_at: Option<OffsetDateTime>,
}

impl Store {
    /// Creates a tenant and its first data key.
    pub async fn create_tenant(
        &self,
        _runner: &JobRunner,
        name: &str,
        now: OffsetDateTime,
    ) -> Result<TenantId> {
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(StoreError::InvalidInput {
                field: "tenant name",
                detail: format!("{name:?} must be 1 to 200 characters"),
            });
        }
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(id).await?;
        on_tx!(&mut tx, c => {
            let r = sqlx::query("INSERT INTO tenants (id, name, created_at_ms) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(name)
                .bind(ms(now))
                .execute(&mut *c)
                .await;
            if let Err(sqlx::Error::Database(d)) = &r
                && d.is_unique_violation()
            {
                return Err(StoreError::Conflict {
                    what: "tenant name",
                    detail: format!("{name:?} is already used by a live tenant"),
                });
            }
            r.ctx("creating a tenant")?;
        });
        self.keys.new_data_key(&mut tx, id, ms(now)).await?;
        tx.commit().await?;
        tracing::info!(tenant = %id, "tenant created");
        Ok(TenantId(id))
    }

    /// The live (not deleted) tenant with this name, if any. For the
    /// single-user CLI, which keeps its scans under one local tenant.
    pub async fn tenant_by_name(
        &self,
        _runner: &JobRunner,
        name: &str,
    ) -> Result<Option<TenantId>> {
        let mut tx = self.pool.begin_operator().await?;
        let id: Option<Uuid> = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "SELECT id FROM tenants WHERE name = $1 AND deleted_at_ms IS NULL ORDER BY created_at_ms LIMIT 1",
            )
            .bind(name)
            .fetch_optional(&mut *c)
            .await
            .ctx("looking up a tenant")?
        });
        tx.commit().await?;
        Ok(id.map(TenantId))
    }

    /// Every tenant, deleted ones included (until purged).
    pub async fn tenants(&self, _runner: &JobRunner) -> Result<Vec<Tenant>> {
        let mut tx = self.pool.begin_operator().await?;
        let rows: Vec<(Uuid, String, Option<i64>)> = on_tx!(&mut tx, c => {
            sqlx::query_as("SELECT id, name, deleted_at_ms FROM tenants ORDER BY created_at_ms, id")
                .fetch_all(&mut *c)
                .await
                .ctx("listing tenants")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, name, d)| {
                Ok(Tenant {
                    id: TenantId(id),
                    name,
                    deleted_at: d.map(crate::db::from_ms).transpose()?,
                })
            })
            .collect()
    }
}

/// A tenant's settings, which its admins change.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TenantSettings {
    /// Clients too must sign in with a second factor before they read
    /// anything (admins always must).
    pub require_client_mfa: bool,
}

impl Store {
    /// The tenant's settings.
    pub async fn tenant_settings(&self, scope: &TenantScope) -> Result<TenantSettings> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let row: Option<(bool,)> = on_tx!(&mut tx, c => {
            sqlx::query_as("SELECT require_client_mfa FROM tenants WHERE id = $1 AND deleted_at_ms IS NULL")
                .bind(tenant)
                .fetch_optional(&mut *c)
                .await
                .ctx("reading tenant settings")?
        });
        tx.commit().await?;
        let (require_client_mfa,) = row.ok_or_else(|| StoreError::NotFound {
            what: "tenant",
            id: tenant.to_string(),
        })?;
        Ok(TenantSettings { require_client_mfa })
    }

    /// Replaces the tenant's settings.
    pub async fn set_tenant_settings(
        &self,
        scope: &TenantScope,
        settings: TenantSettings,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query("UPDATE tenants SET require_client_mfa = $2 WHERE id = $1 AND deleted_at_ms IS NULL")
                .bind(tenant)
                .bind(settings.require_client_mfa)
                .execute(&mut *c)
                .await
                .ctx("storing tenant settings")?
                .rows_affected()
        });
        if n != 1 {
            return Err(StoreError::NotFound {
                what: "tenant",
                id: tenant.to_string(),
            });
        }
        tx.commit().await
    }
}

/// The reserved name of the operators' tenant (a name the API refuses for
/// customer tenants, which start with a letter).
pub const OPERATOR_TENANT: &str = "_operators";

impl Store {
    /// The operators' tenant, created on first use (migration 0014): its
    /// admins are the service's operators.
    pub async fn operator_tenant(
        &self,
        runner: &JobRunner,
        now: OffsetDateTime,
    ) -> Result<TenantId> {
        if let Some(t) = self.find_operator_tenant().await? {
            return Ok(t);
        }
        let id = match self.tenant_by_name(runner, OPERATOR_TENANT).await? {
            Some(t) => t,
            None => self.create_tenant(runner, OPERATOR_TENANT, now).await?,
        };
        let mut tx = self.pool.begin_operator().await?;
        let r = on_tx!(&mut tx, c => {
            sqlx::query("INSERT INTO operator_tenant (id) VALUES ($1)")
                .bind(id.as_uuid())
                .execute(&mut *c)
                .await
                .map(|_| ())
        });
        match r {
            Ok(_) => {
                tx.commit().await?;
                Ok(id)
            }
            // Another first run named one a moment before: that one.
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                drop(tx);
                self.find_operator_tenant()
                    .await?
                    .ok_or(StoreError::NotFound {
                        what: "operator tenant",
                        id: OPERATOR_TENANT.into(),
                    })
            }
            Err(e) => Err(StoreError::Database {
                context: "naming the operator tenant",
                source: e,
            }),
        }
    }

    async fn find_operator_tenant(&self) -> Result<Option<TenantId>> {
        let mut tx = self.pool.begin_operator().await?;
        let id: Option<Uuid> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT id FROM operator_tenant")
                .fetch_optional(&mut *c)
                .await
                .ctx("reading the operator tenant")?
        });
        tx.commit().await?;
        Ok(id.map(TenantId))
    }
}
