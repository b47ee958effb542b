//! Per-tenant data keys (DEKs), wrapped by the keyring's master keys and kept
//! in `tenant_keys`; unwrapped copies live only in memory, zeroized on drop.
//!
//! Each data key has an id (the `kid` of every ciphertext it writes), one
//! state (`primary` for new writes, `retired` while rows still use it) and an
//! encryption counter, reserved inside the writing transaction before any
//! encryption, with a hard stop at [`MAX_ENCRYPTIONS_PER_KEY`].

use std::collections::HashMap;
use std::sync::{Mutex, RwLock};

use uuid::Uuid;
use zeroize::Zeroizing;

use crate::crypto::keyring::Keyring;
use crate::crypto::{
    self, Aad, CryptoError, MAX_ENCRYPTIONS_PER_KEY, SecretKey, WARN_ENCRYPTIONS_PER_KEY,
};
use crate::db::{Tx, on_tx};
use crate::error::{DbContext, Result, StoreError};

pub(crate) struct KeyManager {
    keyring: RwLock<Keyring>,
    cache: Mutex<HashMap<u32, (Uuid, SecretKey)>>,
    pub(crate) limit: i64,
}

/// Encrypts up to the number of values reserved for it, with the tenant's
/// primary data key.
pub(crate) struct Sealer {
    tenant: Uuid,
    kid: u32,
    key: SecretKey,
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
        Ok(crypto::seal(
            &self.key,
            self.kid,
            &Aad::new(table, column, self.tenant, row.as_bytes()),
            plaintext,
        )?)
    }
}

impl KeyManager {
    pub(crate) fn new(keyring: Keyring, limit: i64) -> Self {
        Self {
            keyring: RwLock::new(keyring),
            cache: Mutex::new(HashMap::new()),
            limit,
        }
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
        let k = kid.to_be_bytes();
        let raw = crypto::open_with(
            &master,
            master_id,
            &Aad::new("tenant_keys", "wrapped_key", tenant, &k),
            wrapped,
        )?;
        Ok(SecretKey::from_slice(&raw)?)
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
                self.cache
                    .lock()
                    .map_err(|_| poisoned())?
                    .insert(kid, (tenant, key));
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
            kid,
            key,
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
        if let Some((t, k)) = self.cache.lock().map_err(|_| poisoned())?.get(&kid)
            && *t == tenant
        {
            return Ok(k.clone());
        }
        let key = self.unwrap(tenant, kid, mid, wrapped)?;
        self.cache
            .lock()
            .map_err(|_| poisoned())?
            .insert(kid, (tenant, key.clone()));
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
        if let Some((t, k)) = self.cache.lock().map_err(|_| poisoned())?.get(&kid) {
            if *t == tenant {
                return Ok(k.clone());
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
        let mut cache = self.cache.lock().map_err(|_| poisoned())?;
        for k in kids {
            cache.remove(k);
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
