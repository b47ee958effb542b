//! Second factors of users (migration 0010): a TOTP seed (encrypted, in
//! `users.totp_secret`) with its enrolment and confirmation times and the
//! last time step accepted, and ten single-use backup codes
//! (`backup_codes`, Argon2id hashes the service computes).
//!
//! Replay protection is one conditional `UPDATE`: a step is accepted only
//! when it is later than the last accepted one, so a code is accepted once,
//! and of two concurrent submissions of one code exactly one wins. A backup
//! code is spent the same way (`used_at_ms IS NULL` in the `UPDATE`).

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;
use crate::users::{UserId, not_found};

/// A user's TOTP enrolment.
#[derive(Debug)]
pub struct Totp {
    /// The seed (base32), if an enrolment exists.
    pub seed: Option<SecretString>,
    /// When the enrolment began.
    pub enrolled_at: Option<OffsetDateTime>,
    /// Whether a valid code confirmed it.
    pub confirmed: bool,
}

/// (sealed seed, enrolled at, confirmed at).
type TotpRow = (Option<Vec<u8>>, Option<i64>, Option<i64>);

impl Store {
    /// Starts (or restarts) a TOTP enrolment with `seed`; refused when the
    /// user has a confirmed one (reset it first).
    pub async fn begin_totp(
        &self,
        scope: &TenantScope,
        user: UserId,
        seed: &SecretString,
        now: OffsetDateTime,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let mut sealer = self.keys.sealer(&mut tx, tenant, 1).await?;
        let ct = sealer.seal(
            "users",
            "totp_secret",
            user.0,
            seed.expose_secret().as_bytes(),
        )?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE users SET totp_secret = $3, totp_enrolled_at_ms = $4, totp_confirmed_at_ms = NULL, \
                 totp_last_step = NULL WHERE tenant_id = $1 AND id = $2 AND totp_confirmed_at_ms IS NULL",
            )
            .bind(tenant)
            .bind(user.0)
            .bind(ct)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("starting a TOTP enrolment")?
            .rows_affected()
        });
        if n != 1 {
            return Err(StoreError::InvalidInput {
                field: "totp",
                detail: "two-factor authentication is already enrolled".into(),
            });
        }
        tx.commit().await
    }

    /// The user's enrolment, seed decrypted.
    pub async fn totp(&self, scope: &TenantScope, user: UserId) -> Result<Totp> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let row: Option<TotpRow> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT totp_secret, totp_enrolled_at_ms, totp_confirmed_at_ms FROM users WHERE tenant_id = $1 AND id = $2",
            )
            .bind(tenant)
            .bind(user.0)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a TOTP enrolment")?
        });
        let (ct, enrolled, confirmed) = row.ok_or_else(|| not_found(user))?;
        let seed = match ct {
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
        Ok(Totp {
            seed,
            enrolled_at: enrolled.map(from_ms).transpose()?,
            confirmed: confirmed.is_some(),
        })
    }

    /// Confirms a pending enrolment with the step of the code that proved
    /// it, and stores the first set of backup codes. Returns false when
    /// there is no pending enrolment (confirmed meanwhile).
    pub async fn confirm_totp(
        &self,
        scope: &TenantScope,
        user: UserId,
        step: i64,
        backup_code_hashes: &[String],
        now: OffsetDateTime,
    ) -> Result<bool> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE users SET totp_confirmed_at_ms = $3, totp_last_step = $4 \
                 WHERE tenant_id = $1 AND id = $2 AND totp_secret IS NOT NULL AND totp_confirmed_at_ms IS NULL",
            )
            .bind(tenant)
            .bind(user.0)
            .bind(ms(now))
            .bind(step)
            .execute(&mut *c)
            .await
            .ctx("confirming a TOTP enrolment")?
            .rows_affected()
        });
        if n != 1 {
            return Ok(false);
        }
        replace_codes(&mut tx, tenant, user, backup_code_hashes, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Accepts the code of time step `step` if it is later than the last
    /// accepted one (replay protection); returns whether it was accepted.
    pub async fn accept_totp_step(
        &self,
        scope: &TenantScope,
        user: UserId,
        step: i64,
    ) -> Result<bool> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query(
                "UPDATE users SET totp_last_step = $3 WHERE tenant_id = $1 AND id = $2 \
                 AND totp_confirmed_at_ms IS NOT NULL AND (totp_last_step IS NULL OR totp_last_step < $3)",
            )
            .bind(tenant)
            .bind(user.0)
            .bind(step)
            .execute(&mut *c)
            .await
            .ctx("accepting a TOTP code")?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// The user's unused backup codes: (id, Argon2id hash).
    pub async fn unused_backup_codes(
        &self,
        scope: &TenantScope,
        user: UserId,
    ) -> Result<Vec<(Uuid, String)>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let rows = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, code_hash FROM backup_codes WHERE tenant_id = $1 AND user_id = $2 AND used_at_ms IS NULL ORDER BY id",
            )
            .bind(tenant)
            .bind(user.0)
            .fetch_all(&mut *c)
            .await
            .ctx("reading backup codes")?
        });
        tx.commit().await?;
        Ok(rows)
    }

    /// Spends a backup code; returns false when it was spent already.
    pub async fn use_backup_code(
        &self,
        scope: &TenantScope,
        code: Uuid,
        now: OffsetDateTime,
    ) -> Result<bool> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = on_tx!(&mut tx, c => {
            sqlx::query("UPDATE backup_codes SET used_at_ms = $3 WHERE tenant_id = $1 AND id = $2 AND used_at_ms IS NULL")
                .bind(tenant)
                .bind(code)
                .bind(ms(now))
                .execute(&mut *c)
                .await
                .ctx("spending a backup code")?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Replaces the user's backup codes with a new set (the old ones stop).
    pub async fn replace_backup_codes(
        &self,
        scope: &TenantScope,
        user: UserId,
        hashes: &[String],
        now: OffsetDateTime,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        replace_codes(&mut tx, tenant, user, hashes, now).await?;
        tx.commit().await
    }
}

async fn replace_codes(
    tx: &mut crate::db::Tx,
    tenant: Uuid,
    user: UserId,
    hashes: &[String],
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("DELETE FROM backup_codes WHERE tenant_id = $1 AND user_id = $2")
            .bind(tenant)
            .bind(user.0)
            .execute(&mut *c)
            .await
            .ctx("replacing backup codes")?;
        for h in hashes {
            sqlx::query(
                "INSERT INTO backup_codes (id, tenant_id, user_id, code_hash, created_at_ms) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Uuid::now_v7())
            .bind(tenant)
            .bind(user.0)
            .bind(h)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("storing a backup code")?;
        }
    });
    Ok(())
}
