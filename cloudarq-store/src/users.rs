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
            let r = sqlx::query(
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
            .await;
            if let Err(sqlx::Error::Database(d)) = &r
                && d.is_unique_violation()
            {
                return Err(StoreError::Conflict {
                    what: "email",
                    detail: "a user of this tenant already has this e-mail address".into(),
                });
            }
            r.ctx("storing a user")?;
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

/// A user as an admin lists it (no secrets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// Its id.
    pub id: UserId,
    /// Its e-mail address (its sign-in name).
    pub email: String,
    /// Its role.
    pub role: Role,
    /// Whether it has a confirmed second factor.
    pub second_factor: bool,
    /// Whether it was removed (removed users keep their row, so the audit
    /// log's references stay meaningful, but cannot sign in).
    pub removed: bool,
    /// When it was added.
    pub created_at: OffsetDateTime,
}

/// What [`Store::change_user`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserChange {
    /// Give it this role.
    Role(Role),
    /// Remove it (it can no longer sign in).
    Remove,
}

impl Store {
    /// The tenant's users, oldest first, removed ones included.
    pub async fn users(&self, scope: &TenantScope) -> Result<Vec<UserInfo>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (Uuid, String, String, Option<i64>, Option<i64>, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, email, role, totp_confirmed_at_ms, disabled_at_ms, created_at_ms \
                 FROM users WHERE tenant_id = $1 ORDER BY created_at_ms, id",
            )
            .bind(tenant)
            .fetch_all(&mut *c)
            .await
            .ctx("listing users")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, email, role, confirmed, disabled, created)| {
                Ok(UserInfo {
                    id: UserId(id),
                    email,
                    role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt {
                        what: "users.role",
                        detail: format!("{role:?}"),
                    })?,
                    second_factor: confirmed.is_some(),
                    removed: disabled.is_some(),
                    created_at: crate::db::from_ms(created)?,
                })
            })
            .collect()
    }

    /// Changes a user's role or removes it, and in the same transaction
    /// ends its sessions and bumps its authorisation version (its access
    /// tokens stop at once). Refused, changing nothing, when it would leave
    /// the tenant without an admin who can sign in: changes of one tenant's
    /// users are serialised (an advisory lock on PostgreSQL, the write lock
    /// on SQLite), so two admins demoting each other cannot both succeed.
    /// Returns how many sessions ended.
    pub async fn change_user(
        &self,
        scope: &TenantScope,
        user: UserId,
        change: UserChange,
        now: OffsetDateTime,
    ) -> Result<u64> {
        use crate::sessions::RevokeReason;
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        if let crate::db::Tx::Postgres(t) = &mut tx {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtextextended('cloudarq.users:' || $1::text, 0))",
            )
            .bind(tenant)
            .execute(&mut **t)
            .await
            .ctx("locking the tenant's users")?;
        }
        let (role, reason) = match change {
            UserChange::Role(r) => (Some(r), RevokeReason::RoleChange),
            UserChange::Remove => (None, RevokeReason::UserRemoved),
        };
        on_tx!(&mut tx, c => {
            let current: Option<(String,)> = sqlx::query_as(
                "SELECT role FROM users WHERE tenant_id = $1 AND id = $2 AND disabled_at_ms IS NULL",
            )
            .bind(tenant)
            .bind(user.0)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a user")?;
            let Some((current,)) = current else {
                return Err(not_found(user));
            };
            if role.is_some_and(|r| r.as_str() == current) {
                // Already so: nothing changes, no session ends.
                return Ok(0);
            }
            let stays_admin = role == Some(Role::Admin);
            if current == Role::Admin.as_str() && !stays_admin {
                let others: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM users WHERE tenant_id = $1 AND id <> $2 \
                     AND role = 'admin' AND disabled_at_ms IS NULL",
                )
                .bind(tenant)
                .bind(user.0)
                .fetch_one(&mut *c)
                .await
                .ctx("counting admins")?;
                if others == 0 {
                    return Err(StoreError::Conflict {
                        what: "user",
                        detail: "this is the tenant's last admin: make another user admin first".into(),
                    });
                }
            }
            sqlx::query(
                "UPDATE users SET role = COALESCE($3, role), \
                 disabled_at_ms = CASE WHEN $4 THEN $5 ELSE disabled_at_ms END, \
                 authz_version = authz_version + 1 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(user.0)
            .bind(role.map(Role::as_str))
            .bind(role.is_none())
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("changing a user")?;
        });
        let n = crate::sessions::end_user_sessions(&mut tx, tenant, user, reason, ms(now)).await?;
        tx.commit().await?;
        Ok(n)
    }
}

impl Store {
    /// Adds a user without a password and an invitation to set one: only
    /// `invite_hash` (the SHA-256 of the token the caller hands out) is
    /// stored, valid until `expires`.
    pub async fn invite_user(
        &self,
        scope: &TenantScope,
        email: &str,
        role: Role,
        invite_hash: [u8; 32],
        expires: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<UserId> {
        let user = self
            .create_user(scope, email, role, None, None, now)
            .await?;
        self.reinvite_user(scope, user, invite_hash, expires)
            .await?;
        Ok(user)
    }

    /// Replaces a not yet activated user's invitation (the old token stops
    /// working). Refused for a user who has set a password, or was removed.
    pub async fn reinvite_user(
        &self,
        scope: &TenantScope,
        user: UserId,
        invite_hash: [u8; 32],
        expires: OffsetDateTime,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE users SET invite_hash = $3, invite_expires_at_ms = $4 \
                 WHERE tenant_id = $1 AND id = $2 AND password_hash IS NULL AND disabled_at_ms IS NULL",
            )
            .bind(tenant)
            .bind(user.0)
            .bind(invite_hash.to_vec())
            .bind(ms(expires))
            .execute(&mut *c)
            .await
            .ctx("storing an invitation")?
            .rows_affected()
        });
        if n != 1 {
            return Err(StoreError::Conflict {
                what: "invitation",
                detail: "only a user who has not set a password yet can be invited".into(),
            });
        }
        tx.commit().await
    }

    /// Accepts an invitation: sets the password of the user whose live
    /// invitation has `invite_hash` and ends the invitation, in one
    /// conditional UPDATE (a token works once). `None` when no live
    /// invitation matches (unknown, used, expired, or the user removed).
    pub async fn accept_invitation(
        &self,
        scope: &TenantScope,
        invite_hash: [u8; 32],
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<UserId>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let id: Option<Uuid> = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "UPDATE users SET password_hash = $3, invite_hash = NULL, invite_expires_at_ms = NULL \
                 WHERE tenant_id = $1 AND invite_hash = $2 AND invite_expires_at_ms > $4 \
                 AND password_hash IS NULL AND disabled_at_ms IS NULL RETURNING id",
            )
            .bind(tenant)
            .bind(invite_hash.to_vec())
            .bind(password_hash)
            .bind(ms(now))
            .fetch_optional(&mut *c)
            .await
            .ctx("accepting an invitation")?
        });
        tx.commit().await?;
        Ok(id.map(UserId))
    }
}

impl Store {
    /// The user a live invitation belongs to, and its e-mail address (the
    /// password policy reads it), without accepting it.
    pub async fn invitation(
        &self,
        scope: &TenantScope,
        invite_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> Result<Option<(UserId, String)>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let row: Option<(Uuid, String)> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, email FROM users WHERE tenant_id = $1 AND invite_hash = $2 \
                 AND invite_expires_at_ms > $3 AND password_hash IS NULL AND disabled_at_ms IS NULL",
            )
            .bind(tenant)
            .bind(invite_hash.to_vec())
            .bind(ms(now))
            .fetch_optional(&mut *c)
            .await
            .ctx("reading an invitation")?
        });
        tx.commit().await?;
        Ok(row.map(|(id, email)| (UserId(id), email)))
    }
}
