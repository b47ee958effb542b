//! Sign-in sessions and their refresh tokens (tables `sessions`,
//! `refresh_tokens`, migration 0008), for the hosted service's
//! authentication layer.
//!
//! - A session is one sign-in. Access tokens name it; [`Store::session_valid`]
//!   is the one indexed query the service runs per request, so logout,
//!   removal, a disabled user and a role change take effect at once.
//! - Refresh tokens are opaque random values the service hashes (SHA-256)
//!   before calling; the store never sees one in clear. Each is used once:
//!   [`Store::rotate_refresh`] marks it rotated and stores its successor in
//!   the same transaction, and presenting a rotated token again revokes the
//!   whole session (reuse detection, RFC 9700 §4.14.2).

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Store;
use crate::db::{ms, on_tx, whole_ms};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;
use crate::tenants::TenantSettings;
use crate::users::{Role, UserId, not_found};

/// A session's id (the access token's `sid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionId(pub Uuid);

/// What the sign-in path needs to know of a user.
#[derive(Clone, Debug)]
pub struct LoginUser {
    /// The user.
    pub id: UserId,
    /// Its role.
    pub role: Role,
    /// Its Argon2id PHC string; `None` for a user who has not set one.
    pub password_hash: Option<String>,
    /// Whether it has a confirmed TOTP enrolment.
    pub has_totp: bool,
    /// The version its tokens carry (bumped by any change of rights).
    pub authz_version: i64,
    /// Whether it is disabled.
    pub disabled: bool,
}

/// What a live session's requests must also meet.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Its tenant's settings.
    pub settings: TenantSettings,
    /// Whether its tenant is the operators' (migration 0014).
    pub operator: bool,
}

/// Why a session ended; stored with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RevokeReason {
    /// The user signed out.
    Logout,
    /// A rotated refresh token of the session was presented again.
    RefreshReuse,
    /// The user's password changed.
    PasswordChange,
    /// The user's second factor was reset.
    MfaReset,
    /// The user's role changed.
    RoleChange,
    /// The user was removed or disabled.
    UserRemoved,
}

impl RevokeReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Logout => "logout",
            Self::RefreshReuse => "refresh-token-reuse",
            Self::PasswordChange => "password-change",
            Self::MfaReset => "mfa-reset",
            Self::RoleChange => "role-change",
            Self::UserRemoved => "user-removed",
        }
    }
}

/// The outcome of presenting a refresh token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// It was current: it is now rotated, and its successor is stored.
    Rotated {
        /// The session.
        session: SessionId,
        /// Its user.
        user: UserId,
        /// The user's role now.
        role: Role,
        /// The user's authorisation version now.
        authz_version: i64,
        /// Whether the session was opened with a second factor.
        mfa: bool,
    },
    /// It had been rotated already: the session is now revoked.
    Reused {
        /// The session revoked.
        session: SessionId,
        /// Its user.
        user: UserId,
    },
    /// Unknown, or its session is revoked, expired, idle too long, its user
    /// disabled or its tenant deleted.
    Invalid,
}

/// How long a session lives: `absolute` from sign-in, and at most `idle`
/// between two refreshes.
#[derive(Clone, Copy, Debug)]
pub struct SessionLimits {
    /// From sign-in to the end, whatever the activity.
    pub absolute: Duration,
    /// Between two uses of the refresh token.
    pub idle: Duration,
}

type LoginRow = (Uuid, String, Option<String>, bool, i64, Option<i64>);
type RefreshRow = (
    Uuid,
    Option<i64>,
    Uuid,
    i64,
    i64,
    Option<i64>,
    String,
    i64,
    Option<i64>,
    bool,
);

impl Store {
    /// The user of this tenant with `email` (compared case-insensitively),
    /// for sign-in.
    pub async fn login_user(&self, scope: &TenantScope, email: &str) -> Result<Option<LoginUser>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let row: Option<LoginRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, role, password_hash, totp_confirmed_at_ms IS NOT NULL, authz_version, disabled_at_ms \
                 FROM users WHERE tenant_id = $1 AND lower(email) = lower($2)",
            )
            .bind(tenant)
            .bind(email)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a user for sign-in")?
        });
        tx.commit().await?;
        row.map(login_row).transpose()
    }

    /// The user with this id, as [`Store::login_user`] reads it (the
    /// second step of a sign-in).
    pub async fn login_user_by_id(
        &self,
        scope: &TenantScope,
        user: UserId,
    ) -> Result<Option<LoginUser>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let row: Option<LoginRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, role, password_hash, totp_confirmed_at_ms IS NOT NULL, authz_version, disabled_at_ms \
                 FROM users WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(user.0)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a user")?
        });
        tx.commit().await?;
        row.map(login_row).transpose()
    }

    /// Replaces a user's password hash (a new password, or the same one
    /// rehashed with stronger parameters at sign-in).
    pub async fn set_password_hash(
        &self,
        scope: &TenantScope,
        user: UserId,
        password_hash: &str,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query("UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(user.0)
                .bind(password_hash)
                .execute(&mut *c)
                .await
                .ctx("storing a password hash")?
                .rows_affected()
        });
        if n != 1 {
            return Err(not_found(user));
        }
        tx.commit().await
    }

    /// A user's new password: the hash replaced, the authorisation version
    /// bumped and every session of the user ended, in one transaction (the
    /// caller signs in again). Returns how many sessions ended.
    pub async fn change_password(
        &self,
        scope: &TenantScope,
        user: UserId,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        on_tx!(&mut tx, c => {
            let changed = sqlx::query(
                "UPDATE users SET password_hash = $3, authz_version = authz_version + 1 \
                 WHERE tenant_id = $1 AND id = $2 AND disabled_at_ms IS NULL",
            )
            .bind(tenant)
            .bind(user.0)
            .bind(password_hash)
            .execute(&mut *c)
            .await
            .ctx("storing a password hash")?
            .rows_affected();
            if changed != 1 {
                return Err(not_found(user));
            }
        });
        let n =
            end_user_sessions(&mut tx, tenant, user, RevokeReason::PasswordChange, ms(now)).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Starts a session for `user` with its first refresh token (`refresh`,
    /// the token's SHA-256).
    pub async fn start_session(
        &self,
        scope: &TenantScope,
        user: UserId,
        refresh: &[u8; 32],
        mfa: bool,
        limits: SessionLimits,
        now: OffsetDateTime,
    ) -> Result<SessionId> {
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO sessions (id, tenant_id, user_id, created_at_ms, last_used_at_ms, expires_at_ms, mfa) \
                 VALUES ($1, $2, $3, $4, $4, $5, $6)",
            )
            .bind(id)
            .bind(tenant)
            .bind(user.0)
            .bind(ms(now))
            .bind(ms(now + limits.absolute))
            .bind(mfa)
            .execute(&mut *c)
            .await
            .ctx("starting a session")?;
            sqlx::query(
                "INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, issued_at_ms) VALUES ($1, $2, $3, $4)",
            )
            .bind(tenant)
            .bind(&refresh[..])
            .bind(id)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("storing a refresh token")?;
        });
        tx.commit().await?;
        Ok(SessionId(id))
    }

    /// Presents the refresh token hashed as `presented`; if it is current,
    /// rotates it to `next` in the same transaction (see [`Refresh`]).
    pub async fn rotate_refresh(
        &self,
        scope: &TenantScope,
        presented: &[u8; 32],
        next: &[u8; 32],
        limits: SessionLimits,
        now: OffsetDateTime,
    ) -> Result<Refresh> {
        let tenant = scope.tenant().as_uuid();
        let now_ms = ms(now);
        let mut tx = self.begin_tenant(tenant).await?;
        let row: Option<RefreshRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT s.id, t.rotated_at_ms, s.user_id, s.last_used_at_ms, s.expires_at_ms, s.revoked_at_ms, \
                 u.role, u.authz_version, u.disabled_at_ms, s.mfa \
                 FROM refresh_tokens t \
                 JOIN sessions s ON s.tenant_id = t.tenant_id AND s.id = t.session_id \
                 JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
                 JOIN tenants tn ON tn.id = s.tenant_id AND tn.deleted_at_ms IS NULL \
                 WHERE t.tenant_id = $1 AND t.token_hash = $2",
            )
            .bind(tenant)
            .bind(&presented[..])
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a refresh token")?
        });
        let Some((
            session,
            rotated,
            user,
            last_used,
            expires,
            revoked,
            role,
            version,
            disabled,
            mfa,
        )) = row
        else {
            tx.commit().await?;
            return Ok(Refresh::Invalid);
        };
        let session = SessionId(session);
        let user = UserId(user);
        if revoked.is_some() {
            tx.commit().await?;
            return Ok(Refresh::Invalid);
        }
        if rotated.is_some() {
            revoke_in(&mut tx, tenant, session, RevokeReason::RefreshReuse, now_ms).await?;
            tx.commit().await?;
            return Ok(Refresh::Reused { session, user });
        }
        if disabled.is_some()
            || expires <= now_ms
            || last_used.saturating_add(whole_ms(limits.idle)) <= now_ms
        {
            tx.commit().await?;
            return Ok(Refresh::Invalid);
        }
        // Only one of two concurrent presentations of the same token wins;
        // the other sees it rotated, as a replay would.
        let won = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE refresh_tokens SET rotated_at_ms = $3 \
                 WHERE tenant_id = $1 AND token_hash = $2 AND rotated_at_ms IS NULL",
            )
            .bind(tenant)
            .bind(&presented[..])
            .bind(now_ms)
            .execute(&mut *c)
            .await
            .ctx("rotating a refresh token")?
            .rows_affected()
        });
        if won != 1 {
            revoke_in(&mut tx, tenant, session, RevokeReason::RefreshReuse, now_ms).await?;
            tx.commit().await?;
            return Ok(Refresh::Reused { session, user });
        }
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO refresh_tokens (tenant_id, token_hash, session_id, issued_at_ms) VALUES ($1, $2, $3, $4)",
            )
            .bind(tenant)
            .bind(&next[..])
            .bind(session.0)
            .bind(now_ms)
            .execute(&mut *c)
            .await
            .ctx("storing a refresh token")?;
            sqlx::query("UPDATE sessions SET last_used_at_ms = $3 WHERE tenant_id = $1 AND id = $2")
                .bind(tenant)
                .bind(session.0)
                .bind(now_ms)
                .execute(&mut *c)
                .await
                .ctx("touching a session")?;
        });
        tx.commit().await?;
        Ok(Refresh::Rotated {
            session,
            user,
            role: stored_role(&role)?,
            authz_version: version,
            mfa,
        })
    }

    /// Whether an access token naming `session`, `user` and `authz_version`
    /// may still act: the session is live and unexpired, the user enabled and
    /// its rights unchanged since the token was issued, and the tenant not
    /// deleted (deleting a tenant ends its sessions at once).
    pub async fn session_valid(
        &self,
        scope: &TenantScope,
        session: SessionId,
        user: UserId,
        authz_version: i64,
        now: OffsetDateTime,
    ) -> Result<bool> {
        Ok(self
            .session_check(scope, session, user, authz_version, now)
            .await?
            .is_some())
    }

    /// [`Self::session_valid`], answering with what else the request must
    /// meet (the tenant's settings, and whether it is the operators'
    /// tenant), read in the same query; `None` when the session may not act.
    pub async fn session_check(
        &self,
        scope: &TenantScope,
        session: SessionId,
        user: UserId,
        authz_version: i64,
        now: OffsetDateTime,
    ) -> Result<Option<SessionPolicy>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let found: Option<(bool, bool)> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT tn.require_client_mfa, EXISTS (SELECT 1 FROM operator_tenant o WHERE o.id = s.tenant_id) \
                 FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id \
                 JOIN tenants tn ON tn.id = s.tenant_id AND tn.deleted_at_ms IS NULL \
                 WHERE s.tenant_id = $1 AND s.id = $2 AND s.user_id = $3 AND s.revoked_at_ms IS NULL \
                 AND s.expires_at_ms > $4 AND u.disabled_at_ms IS NULL AND u.authz_version = $5",
            )
            .bind(tenant)
            .bind(session.0)
            .bind(user.0)
            .bind(ms(now))
            .bind(authz_version)
            .fetch_optional(&mut *c)
            .await
            .ctx("checking a session")?
        });
        tx.commit().await?;
        Ok(found.map(|(require_client_mfa, operator)| SessionPolicy {
            settings: TenantSettings { require_client_mfa },
            operator,
        }))
    }

    /// Ends one session (logout). Returns whether it was live.
    pub async fn revoke_session(
        &self,
        scope: &TenantScope,
        session: SessionId,
        reason: RevokeReason,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = revoke_in(&mut tx, tenant, session, reason, ms(now)).await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Ends every session of a user and bumps its authorisation version, so
    /// its access tokens stop at once too (password change, 2FA reset, role
    /// change, removal). Returns how many sessions were live.
    pub async fn revoke_user_sessions(
        &self,
        scope: &TenantScope,
        user: UserId,
        reason: RevokeReason,
        now: OffsetDateTime,
    ) -> Result<u64> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        on_tx!(&mut tx, c => {
            let bumped = sqlx::query(
                "UPDATE users SET authz_version = authz_version + 1 WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(user.0)
            .execute(&mut *c)
            .await
            .ctx("bumping a user's authorisation version")?
            .rows_affected();
            if bumped != 1 {
                return Err(not_found(user));
            }
        });
        let n = end_user_sessions(&mut tx, tenant, user, reason, ms(now)).await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// Ends every live session of `user` inside the caller's transaction (a
/// password change, role change or removal, with the user's row change).
pub(crate) async fn end_user_sessions(
    tx: &mut crate::db::Tx,
    tenant: Uuid,
    user: UserId,
    reason: RevokeReason,
    now_ms: i64,
) -> Result<u64> {
    Ok(on_tx!(tx, c => {
        sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $3, revoked_reason = $4 \
             WHERE tenant_id = $1 AND user_id = $2 AND revoked_at_ms IS NULL",
        )
        .bind(tenant)
        .bind(user.0)
        .bind(now_ms)
        .bind(reason.as_str())
        .execute(&mut *c)
        .await
        .ctx("revoking sessions")?
        .rows_affected()
    }))
}

async fn revoke_in(
    tx: &mut crate::db::Tx,
    tenant: Uuid,
    session: SessionId,
    reason: RevokeReason,
    now_ms: i64,
) -> Result<u64> {
    Ok(on_tx!(tx, c => {
        sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $3, revoked_reason = $4 \
             WHERE tenant_id = $1 AND id = $2 AND revoked_at_ms IS NULL",
        )
        .bind(tenant)
        .bind(session.0)
        .bind(now_ms)
        .bind(reason.as_str())
        .execute(&mut *c)
        .await
        .ctx("revoking a session")?
        .rows_affected()
    }))
}

fn login_row(
    (id, role, password_hash, has_totp, authz_version, disabled): LoginRow,
) -> Result<LoginUser> {
    Ok(LoginUser {
        id: UserId(id),
        role: stored_role(&role)?,
        password_hash,
        has_totp,
        authz_version,
        disabled: disabled.is_some(),
    })
}

fn stored_role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt {
        what: "user role",
        detail: format!("{s:?} is not a role"),
    })
}
