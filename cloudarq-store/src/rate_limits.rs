//! Rate limits shared by every instance of the service (table
//! `rate_limits`, migration 0009): the generic cell rate algorithm (GCRA),
//! one row per key holding the time the next request is due.
//!
//! A [`Quota`] lets `burst` requests through at once and then one every
//! `period / …` (one per [`Quota::interval`]). Each call to
//! [`Store::rate_limit`] is one request, decided and recorded in one
//! transaction (the row locked on PostgreSQL, the database on SQLite), so
//! two instances cannot both spend the last slot. Rows whose time has
//! passed carry no state and are deleted as calls go.

use std::sync::atomic::{AtomicU64, Ordering};

use sha2::Digest;
use time::{Duration, OffsetDateTime};

use crate::db::{ms, on_tx, whole_ms};
use crate::error::{DbContext, Result, StoreError};
use crate::{JobRunner, Store};

/// How many requests a key may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    burst: u32,
    interval: Duration,
}

impl Quota {
    /// `burst` requests at once, then one per `interval`.
    pub fn new(burst: u32, interval: Duration) -> Result<Self> {
        if burst == 0
            || burst > 10_000
            || interval <= Duration::ZERO
            || interval > Duration::days(1)
        {
            return Err(StoreError::InvalidInput {
                field: "rate limit",
                detail: format!("burst {burst} must be 1..=10000 and the interval within a day"),
            });
        }
        Ok(Self { burst, interval })
    }

    /// Requests allowed at once.
    pub fn burst(&self) -> u32 {
        self.burst
    }

    /// The steady rate: one request per this.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

/// The answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Go ahead.
    Allowed,
    /// Refused: retry after this long.
    Limited {
        /// Until the next request would be allowed.
        retry_after: Duration,
    },
}

/// Calls between two sweeps of rows whose time has passed.
const SWEEP_EVERY: u64 = 256;

static CALLS: AtomicU64 = AtomicU64::new(0);

fn key_hash(key: &str) -> [u8; 32] {
    sha2::Sha256::digest(key.as_bytes()).into()
}

impl Store {
    /// Counts one request of `key` (any text: it is stored hashed) against
    /// `quota`, across every process using this database.
    pub async fn rate_limit(
        &self,
        _runner: &JobRunner,
        key: &str,
        quota: Quota,
        now: OffsetDateTime,
    ) -> Result<Decision> {
        let k = key_hash(key);
        let now_ms = ms(now);
        let t = whole_ms(quota.interval);
        let tolerance = t.saturating_mul(i64::from(quota.burst) - 1);
        let mut tx = self.pool.begin_operator().await?;
        // The row exists before it is locked: a first request of a key
        // would otherwise lock nothing, and two instances could both take
        // the last slot (a concurrent insert of the same key waits here).
        on_tx!(&mut tx, c => {
            sqlx::query("INSERT INTO rate_limits (key, tat_ms) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                .bind(&k[..])
                .bind(now_ms)
                .execute(&mut *c)
                .await
                .ctx("recording a rate limit")?;
        });
        let stored: Option<i64> = on_tx!(&mut tx, c => {
            sqlx::query_scalar(if matches!(self.backend(), crate::Backend::Postgres) {
                "SELECT tat_ms FROM rate_limits WHERE key = $1 FOR UPDATE"
            } else {
                "SELECT tat_ms FROM rate_limits WHERE key = $1"
            })
            .bind(&k[..])
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a rate limit")?
        });
        let tat = stored.unwrap_or(now_ms).max(now_ms);
        let decision = if tat - now_ms > tolerance {
            Decision::Limited {
                retry_after: Duration::milliseconds(tat - now_ms - tolerance),
            }
        } else {
            let next = tat.saturating_add(t);
            on_tx!(&mut tx, c => {
                sqlx::query("UPDATE rate_limits SET tat_ms = $2 WHERE key = $1")
                .bind(&k[..])
                .bind(next)
                .execute(&mut *c)
                .await
                .ctx("recording a rate limit")?;
            });
            Decision::Allowed
        };
        if CALLS
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(SWEEP_EVERY)
        {
            on_tx!(&mut tx, c => {
                sqlx::query("DELETE FROM rate_limits WHERE tat_ms < $1")
                    .bind(now_ms)
                    .execute(&mut *c)
                    .await
                    .ctx("sweeping rate limits")?;
            });
        }
        tx.commit().await?;
        Ok(decision)
    }

    /// Forgets `key` (a successful sign-in clears its account's failures).
    pub async fn rate_limit_reset(&self, _runner: &JobRunner, key: &str) -> Result<()> {
        let k = key_hash(key);
        let mut tx = self.pool.begin_operator().await?;
        on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM rate_limits WHERE key = $1")
                .bind(&k[..])
                .execute(&mut *c)
                .await
                .ctx("clearing a rate limit")?;
        });
        tx.commit().await
    }
}
