//! Users of a tenant (the server's logins) and the tenant's audit log.
//! A user's TOTP seed is encrypted; password hashes are stored as given
//! (the server hashes with Argon2id before calling).

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;

/// A user's role in its tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Manages connections, users, scans and the mutelist.
    Admin,
    /// Reads results.
    Client,
}

impl Role {
    fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Client => "client",
        }
    }
}

/// A user's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub Uuid);

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
    /// `success` or `denied` or `error`.
    pub outcome: String,
    /// When.
    pub at: OffsetDateTime,
}

impl Store {
    /// Adds a user, encrypting its TOTP seed.
    pub async fn create_user(
        &self,
        scope: &TenantScope,
        email: &str,
        role: Role,
        password_hash: Option<&str>,
        totp_seed: Option<&SecretString>,
        now: OffsetDateTime,
    ) -> Result<UserId> {
        if !email.contains('@') || email.len() > 320 {
            return Err(StoreError::InvalidInput {
                field: "email",
                detail: format!("{email:?} is not an email address"),
            });
        }
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        let seed = match totp_seed {
            Some(s) => {
                let mut sealer = self.keys.sealer(&mut tx, tenant, 1).await?;
                Some(sealer.seal("users", "totp_secret", id, s.expose_secret().as_bytes())?)
            }
            None => None,
        };
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO users (id, tenant_id, email, role, password_hash, totp_secret, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(tenant)
            .bind(email)
            .bind(role.as_str())
            .bind(password_hash)
            .bind(seed)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("storing a user")?;
        });
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// A user's decrypted TOTP seed.
    pub async fn totp_seed(
        &self,
        scope: &TenantScope,
        user: UserId,
    ) -> Result<Option<SecretString>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let ct: Option<Option<Vec<u8>>> = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1 AND tenant_id = $2")
                .bind(user.0)
                .bind(tenant)
                .fetch_optional(&mut *c)
                .await
                .ctx("reading a user")?
        });
        let Some(ct) = ct else {
            return Err(StoreError::NotFound {
                what: "user",
                id: user.0.to_string(),
            });
        };
        let out = match ct {
            Some(ct) => {
                let pt = self
                    .keys
                    .open(&mut tx, tenant, "users", "totp_secret", user.0, &ct)
                    .await?;
                Some(SecretString::from(String::from_utf8(pt.to_vec()).map_err(
                    |_| StoreError::Corrupt {
                        what: "totp seed",
                        detail: "not UTF-8".into(),
                    },
                )?))
            }
            None => None,
        };
        tx.commit().await?;
        Ok(out)
    }

    /// Appends to the tenant's audit log.
    pub async fn audit(&self, scope: &TenantScope, entry: &AuditEntry) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO audit_log (id, tenant_id, actor, action, target, source_ip, outcome, at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(Uuid::now_v7())
            .bind(tenant)
            .bind(&entry.actor)
            .bind(&entry.action)
            .bind(&entry.target)
            .bind(&entry.source_ip)
            .bind(&entry.outcome)
            .bind(ms(entry.at))
            .execute(&mut *c)
            .await
            .ctx("writing the audit log")?;
        });
        tx.commit().await
    }

    /// The tenant's audit log, oldest first.
    pub async fn audit_log(&self, scope: &TenantScope) -> Result<Vec<AuditEntry>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (String, String, String, Option<String>, String, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT actor, action, target, source_ip, outcome, at_ms FROM audit_log \
                 WHERE tenant_id = $1 ORDER BY at_ms, id",
            )
            .bind(tenant)
            .fetch_all(&mut *c)
            .await
            .ctx("reading the audit log")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(actor, action, target, source_ip, outcome, at)| {
                Ok(AuditEntry {
                    actor,
                    action,
                    target,
                    source_ip,
                    outcome,
                    at: from_ms(at)?,
                })
            })
            .collect()
    }
}
