//! Per-tenant data keys (DEKs), wrapped by the keyring's master keys and kept
//! in `tenant_keys`; unwrapped copies live only in memory, in a cache whose
//! entries expire ([`DEFAULT_KEY_CACHE_TTL`], configurable) and are zeroized
//! when they expire, are forgotten, or the store is dropped.
//!
//! Each data key has an id (the `kid` of every ciphertext it writes), one
//! state (`primary` for new writes, `retired` while rows still use it) and an
//! encryption counter, reserved inside the writing transaction before any
//! encryption, with a hard stop at [`MAX_ENCRYPTIONS_PER_KEY`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use uuid::Uuid;
use zeroize::Zeroizing;

use crate::crypto::keyring::Keyring;
use crate::crypto::{
    self, Aad, CryptoError, MAX_ENCRYPTIONS_PER_KEY, SecretKey, WARN_ENCRYPTIONS_PER_KEY,
};
use crate::db::{Tx, on_tx};
use crate::error::{DbContext, Result, StoreError};

/// How long an unwrapped data key stays in memory after it was unwrapped.
pub const DEFAULT_KEY_CACHE_TTL: Duration = Duration::from_secs(15 * 60);

pub(crate) struct KeyManager {
    keyring: RwLock<Keyring>,
    cache: Arc<Mutex<KeyCache>>,
    pub(crate) limit: i64,
}

/// Unwrapped data keys by id, each with its tenant and expiry. Keys are
/// boxed ([`SecretKey`]), so the map growing moves pointers, not key bytes;
/// an entry dropped (expired, forgotten, replaced) zeroizes its key.
pub(crate) struct KeyCache {
    ttl: Duration,
    entries: HashMap<u32, CachedKey>,
    /// The earliest expiry among the entries: sweeping before then finds
    /// nothing, so lookups stay O(1).
    next_expiry: Option<Instant>,
}

struct CachedKey {
    tenant: Uuid,
    key: SecretKey,
    expires: Instant,
}

impl KeyCache {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: HashMap::new(),
            next_expiry: None,
        }
    }

    /// The key `kid` and its tenant, unless absent or expired at `now`.
    pub(crate) fn get(&mut self, kid: u32, now: Instant) -> Option<(Uuid, SecretKey)> {
        self.sweep(now);
        self.entries.get(&kid).map(|e| (e.tenant, e.key.clone()))
    }

    /// Caches `key` until `now + ttl` (not at all with a zero TTL).
    pub(crate) fn insert(&mut self, kid: u32, tenant: Uuid, key: SecretKey, now: Instant) {
        self.sweep(now);
        let Some(expires) = now.checked_add(self.ttl).filter(|_| !self.ttl.is_zero()) else {
            self.entries.remove(&kid);
            return;
        };
        self.next_expiry = Some(self.next_expiry.map_or(expires, |n| n.min(expires)));
        self.entries.insert(
            kid,
            CachedKey {
                tenant,
                key,
                expires,
            },
        );
    }

    pub(crate) fn remove(&mut self, kid: u32) {
        self.entries.remove(&kid);
    }

    /// Drops (and so zeroizes) every entry expired at `now`.
    pub(crate) fn sweep(&mut self, now: Instant) {
        if self.next_expiry.is_none_or(|n| n > now) {
            return;
        }
        self.entries.retain(|_, e| e.expires > now);
        self.next_expiry = self.entries.values().map(|e| e.expires).min();
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Encrypts up to the number of values reserved for it, with the tenant's
/// primary data key. The cipher is set up once per sealer (one scan's
/// findings, one connection's credentials) and nonces are drawn in blocks
/// ([`crypto::BatchSealer`]); each value still gets its own fresh nonce and
/// its own associated data.
pub(crate) struct Sealer {
    tenant: Uuid,
    inner: crypto::BatchSealer,
    remaining: usize,
}

impl Sealer {
    pub(crate) fn seal(
        &mut self,
        table: &str,
        column: &str,
        row: Uuid,
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        if self.remaining == 0 {
            return Err(StoreError::InvalidInput {
                field: "encryption reservation",
                detail: "more values encrypted than reserved".into(),
            });
        }
        self.remaining -= 1;
        Ok(self.inner.seal(
            &Aad::new(table, column, self.tenant, row.as_bytes()),
            plaintext,
        )?)
    }
}

impl KeyManager {
    pub(crate) fn new(keyring: Keyring, limit: i64, cache_ttl: Duration) -> Self {
        Self {
            keyring: RwLock::new(keyring),
            cache: Arc::new(Mutex::new(KeyCache::new(cache_ttl))),
            limit,
        }
    }

    /// Zeroizes expired cache entries every `every` until the manager is
    /// dropped, so an idle process does not keep keys past their expiry.
    pub(crate) fn spawn_cache_sweeper(&self, every: Duration) {
        let weak = Arc::downgrade(&self.cache);
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        rt.spawn(async move {
            let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
            loop {
                tick.tick().await;
                let Some(cache) = weak.upgrade() else { break };
                if let Ok(mut c) = cache.lock() {
                    c.sweep(Instant::now());
                }
            }
        });
    }

    fn cache(&self) -> Result<std::sync::MutexGuard<'_, KeyCache>> {
        self.cache.lock().map_err(|_| poisoned())
    }

    /// Replaces the keyring (after the store checked the new one).
    pub(crate) fn replace_ring(&self, ring: Keyring) -> Result<()> {
        *self.ring_mut()? = ring;
        Ok(())
    }

    /// The keyring, for reading.
    pub(crate) fn ring(&self) -> Result<std::sync::RwLockReadGuard<'_, Keyring>> {
        self.keyring.read().map_err(|_| poisoned())
    }

    /// The keyring, for adding, promoting or removing master keys.
    pub(crate) fn ring_mut(&self) -> Result<std::sync::RwLockWriteGuard<'_, Keyring>> {
        self.keyring.write().map_err(|_| poisoned())
    }

    fn master(&self, data_key: u32, master_id: u32) -> Result<SecretKey> {
        let ring = self.ring()?;
        ring.get(master_id)
            .cloned()
            .ok_or(StoreError::MasterKeyMissing {
                data_key,
                master_key: master_id,
            })
    }

    /// Wraps a data key with the primary master key.
    pub(crate) fn wrap(&self, tenant: Uuid, kid: u32, key: &SecretKey) -> Result<(u32, Vec<u8>)> {
        let ring = self.ring()?;
        let (mid, master) = ring.primary();
        let k = kid.to_be_bytes();
        let wrapped = crypto::seal(
            master,
            mid,
            &Aad::new("tenant_keys", "wrapped_key", tenant, &k),
            key.expose(),
        )?;
        Ok((mid, wrapped))
    }

    fn unwrap(&self, tenant: Uuid, kid: u32, master_id: u32, wrapped: &[u8]) -> Result<SecretKey> {
        let master = self.master(kid, master_id)?;
        unwrap_with(&master, master_id, tenant, kid, wrapped)
    }

    /// Creates a fresh primary data key for `tenant`, retiring the current one.
    pub(crate) async fn new_data_key(&self, tx: &mut Tx, tenant: Uuid, now_ms: i64) -> Result<u32> {
        let key = SecretKey::generate()?;
        loop {
            let mut b = [0u8; 4];
            getrandom::fill(&mut b).map_err(|e| CryptoError::Random(e.to_string()))?;
            let kid = u32::from_be_bytes(b);
            if kid == 0 {
                continue;
            }
            let (mid, wrapped) = self.wrap(tenant, kid, &key)?;
            let inserted = on_tx!(tx, c => {
                sqlx::query("UPDATE tenant_keys SET state = 'retired' WHERE tenant_id = $1 AND state = 'primary'")
                    .bind(tenant)
                    .execute(&mut *c)
                    .await
                    .ctx("retiring the primary data key")?;
                sqlx::query(
                    "INSERT INTO tenant_keys (id, tenant_id, master_key_id, wrapped_key, state, encryptions, created_at_ms) \
                     VALUES ($1, $2, $3, $4, 'primary', 0, $5) ON CONFLICT (id) DO NOTHING",
                )
                .bind(i64::from(kid))
                .bind(tenant)
                .bind(i64::from(mid))
                .bind(wrapped)
                .bind(now_ms)
                .execute(&mut *c)
                .await
                .ctx("storing a data key")?
                .rows_affected()
            });
            if inserted == 1 {
                self.cache()?.insert(kid, tenant, key, Instant::now());
                return Ok(kid);
            }
        }
    }

    /// A sealer for `n` values with the tenant's primary data key; the
    /// encryptions are counted before any is made.
    pub(crate) async fn sealer(&self, tx: &mut Tx, tenant: Uuid, n: usize) -> Result<Sealer> {
        let limit = self.limit;
        let (kid, mid, wrapped, used) = self.reserve_on_primary(tx, tenant, n).await?;
        if used >= WARN_ENCRYPTIONS_PER_KEY.min(limit / 2) {
            tracing::warn!(
                kid,
                used,
                limit,
                "data key nears its encryption limit; run `cloudarq keys rotate`"
            );
        }
        let key = self.cached_or_unwrap(tenant, kid, to_u32(mid, "master_key_id")?, &wrapped)?;
        Ok(Sealer {
            tenant,
            inner: crypto::BatchSealer::new(&key, kid)?,
            remaining: n,
        })
    }

    /// Counts `n` encryptions on the tenant's primary data key; returns its
    /// (id, master key id, wrapped key, encryptions so far).
    ///
    /// The reservation only takes a key that is still primary: a rotation
    /// may retire the key between the read and the reservation (PostgreSQL
    /// transactions run concurrently; the UPDATE waits for the rotation's
    /// and then re-checks its condition), and rotation may then find it
    /// unused and destroy it. The primary key is then read again, up to
    /// [`RESERVE_ATTEMPTS`] times. On SQLite the transaction holds the write
    /// lock from its start (`BEGIN IMMEDIATE`), so no rotation step can come
    /// between the read and the reservation.
    async fn reserve_on_primary(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        n: usize,
    ) -> Result<(u32, i64, Vec<u8>, i64)> {
        let n_i64 = i64::try_from(n).unwrap_or(i64::MAX);
        let limit = self.limit;
        for _ in 0..RESERVE_ATTEMPTS {
            let row: Option<(i64, i64, Vec<u8>)> = on_tx!(tx, c => {
                sqlx::query_as(
                    "SELECT id, master_key_id, wrapped_key FROM tenant_keys WHERE tenant_id = $1 AND state = 'primary'",
                )
                .bind(tenant)
                .fetch_optional(&mut *c)
                .await
                .ctx("reading the primary data key")?
            });
            let Some((kid, mid, wrapped)) = row else {
                return Err(StoreError::NotFound {
                    what: "data key of tenant",
                    id: tenant.to_string(),
                });
            };
            let kid = to_u32(kid, "tenant_keys.id")?;
            #[cfg(feature = "testing")]
            crate::testing::pause_point(crate::testing::PausePoint::PrimaryKeyRead, tenant).await;
            let used: Option<i64> = on_tx!(tx, c => {
                sqlx::query_scalar(
                    "UPDATE tenant_keys SET encryptions = encryptions + $1 \
                     WHERE id = $2 AND tenant_id = $3 AND state = 'primary' AND encryptions + $1 <= $4 \
                     RETURNING encryptions",
                )
                .bind(n_i64)
                .bind(i64::from(kid))
                .bind(tenant)
                .bind(limit)
                .fetch_optional(&mut *c)
                .await
                .ctx("counting encryptions")?
            });
            if let Some(used) = used {
                return Ok((kid, mid, wrapped, used));
            }
            let now: Option<(String, i64)> = on_tx!(tx, c => {
                sqlx::query_as("SELECT state, encryptions FROM tenant_keys WHERE id = $1 AND tenant_id = $2")
                    .bind(i64::from(kid))
                    .bind(tenant)
                    .fetch_optional(&mut *c)
                    .await
                    .ctx("reading the encryption counter")?
            });
            match now {
                Some((state, used)) if state == "primary" => {
                    return Err(StoreError::KeyExhausted { kid, used, limit });
                }
                _ => tracing::debug!(
                    kid,
                    "the primary data key was retired while reserving; reading it again"
                ),
            }
        }
        Err(StoreError::KeyReservation {
            tenant: tenant.to_string(),
            attempts: RESERVE_ATTEMPTS,
        })
    }

    fn cached_or_unwrap(
        &self,
        tenant: Uuid,
        kid: u32,
        mid: u32,
        wrapped: &[u8],
    ) -> Result<SecretKey> {
        if let Some((t, k)) = self.cache()?.get(kid, Instant::now())
            && t == tenant
        {
            return Ok(k);
        }
        let key = self.unwrap(tenant, kid, mid, wrapped)?;
        self.cache()?
            .insert(kid, tenant, key.clone(), Instant::now());
        Ok(key)
    }

    /// Decrypts a value read from `table.column` of `row` for `tenant`. A
    /// ciphertext naming another tenant's key fails like a tampered one.
    pub(crate) async fn open(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        table: &str,
        column: &str,
        row: Uuid,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>> {
        let kid = crypto::key_id(ciphertext)?;
        let key = self.data_key(tx, tenant, kid, table, column).await?;
        Ok(crypto::open_with(
            &key,
            kid,
            &Aad::new(table, column, tenant, row.as_bytes()),
            ciphertext,
        )?)
    }

    async fn data_key(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        kid: u32,
        table: &str,
        column: &str,
    ) -> Result<SecretKey> {
        let cached = self.cache()?.get(kid, Instant::now());
        if let Some((t, k)) = cached {
            if t == tenant {
                return Ok(k);
            }
            // Another tenant's key: the value was moved here.
            return Err(CryptoError::Integrity {
                place: format!("{table}.{column}"),
            }
            .into());
        }
        let row: Option<(i64, Vec<u8>)> = on_tx!(tx, c => {
            sqlx::query_as(
                "SELECT master_key_id, wrapped_key FROM tenant_keys WHERE id = $1 AND tenant_id = $2",
            )
            .bind(i64::from(kid))
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a data key")?
        });
        let Some((mid, wrapped)) = row else {
            return Err(CryptoError::Integrity {
                place: format!("{table}.{column}"),
            }
            .into());
        };
        self.cached_or_unwrap(tenant, kid, to_u32(mid, "master_key_id")?, &wrapped)
    }

    /// Forgets unwrapped keys (after shredding or re-wrapping).
    pub(crate) fn forget(&self, kids: &[u32]) -> Result<()> {
        let mut cache = self.cache()?;
        for k in kids {
            cache.remove(*k);
        }
        Ok(())
    }

    /// Re-wraps a data key under the primary master key; returns the new
    /// (master id, wrapped bytes).
    pub(crate) fn rewrap(
        &self,
        tenant: Uuid,
        kid: u32,
        mid: u32,
        wrapped: &[u8],
    ) -> Result<(u32, Vec<u8>)> {
        let key = self.unwrap(tenant, kid, mid, wrapped)?;
        self.wrap(tenant, kid, &key)
    }
}

/// Unwraps data key `kid` of `tenant` with master key `master_id`; the
/// plaintext copy is zeroized on every path.
pub(crate) fn unwrap_with(
    master: &SecretKey,
    master_id: u32,
    tenant: Uuid,
    kid: u32,
    wrapped: &[u8],
) -> Result<SecretKey> {
    let k = kid.to_be_bytes();
    let raw = crypto::open_with(
        master,
        master_id,
        &Aad::new("tenant_keys", "wrapped_key", tenant, &k),
        wrapped,
    )?;
    Ok(SecretKey::from_slice(&raw)?)
}

pub(crate) fn to_u32(v: i64, what: &'static str) -> Result<u32> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt {
        what,
        detail: format!("{v} is not a 32-bit key id"),
    })
}

fn poisoned() -> StoreError {
    StoreError::Corrupt {
        what: "key lock",
        detail: "a thread panicked while holding it".into(),
    }
}

/// Reservations tried before a write gives up because rotations keep
/// replacing the primary data key under it.
const RESERVE_ATTEMPTS: u32 = 4;

/// The default hard limit, re-exported for configuration.
pub const DEFAULT_KEY_LIMIT: i64 = MAX_ENCRYPTIONS_PER_KEY;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_entries_expire_after_the_ttl_and_are_dropped() {
        let t0 = Instant::now();
        let ttl = Duration::from_secs(900);
        let mut c = KeyCache::new(ttl);
        let tenant = Uuid::now_v7();
        c.insert(7, tenant, SecretKey::generate().unwrap(), t0);
        c.insert(
            8,
            tenant,
            SecretKey::generate().unwrap(),
            t0 + Duration::from_secs(600),
        );
        assert!(c.get(7, t0 + ttl - Duration::from_secs(1)).is_some());
        assert!(c.get(7, t0 + ttl).is_none(), "expired at the TTL");
        assert_eq!(c.len(), 1, "the expired entry is gone, not just hidden");
        assert!(c.get(8, t0 + ttl).is_some());
        c.sweep(t0 + Duration::from_secs(1500));
        assert_eq!(c.len(), 0);
        // A zero TTL caches nothing.
        let mut none = KeyCache::new(Duration::ZERO);
        none.insert(1, tenant, SecretKey::generate().unwrap(), t0);
        assert_eq!(none.len(), 0);
    }
}
