//! Users of a tenant (table `users`: the server's logins).
//! A user's TOTP seed is encrypted; password hashes are stored as given
//! (the server hashes with Argon2id before calling).

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{ms, on_tx};
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
    /// The stored name: `admin` or `client`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Client => "client",
        }
    }

    /// The role a stored (or token) name names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Self::Admin),
            "client" => Some(Self::Client),
            _ => None,
        }
    }
}

/// The error for a user id that names no user of the tenant.
pub(crate) fn not_found(user: UserId) -> StoreError {
    StoreError::NotFound {
        what: "user",
        id: user.0.to_string(),
    }
}

/// A user's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct UserId(pub Uuid);

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

    /// A user's decrypted TOTP seed (of a confirmed or pending enrolment).
    pub async fn totp_seed(
        &self,
        scope: &TenantScope,
        user: UserId,
    ) -> Result<Option<SecretString>> {
        Ok(self.totp(scope, user).await?.seed)
    }
}
