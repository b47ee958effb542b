//! Key rotation without downtime (S2, checklist CR-5).
//!
//! 1. `keys add` puts a new master key in the keyring, decrypt-only.
//! 2. `keys promote ID` makes it primary: new data keys are wrapped with it.
//! 3. `keys rotate` ([`Store::rotate`]) gives every tenant a fresh primary data
//!    key (new writes use it at once), re-encrypts every row still under a
//!    retired data key in batches — each batch its own transaction, each row
//!    updated only if its ciphertext is unchanged (compare-and-swap) — then
//!    destroys retired data keys no row uses and re-wraps the remaining data
//!    keys with the primary master key. Interrupted, it resumes where it
//!    stopped (`keys rotate --resume`): progress is the data itself.
//! 4. `keys remove ID` ([`Store::remove_master_key`]) refuses while any data
//!    key is wrapped by that master key, saying how many rows depend on it.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{Tx, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::keys::to_u32;
use crate::scope::{JobRunner, TenantId};

/// A column holding ciphertext, with the statements rotation needs. Every
/// encrypted column of the schema is listed here (a test checks the schema
/// against this list).
pub(crate) struct EncryptedColumn {
    pub(crate) table: &'static str,
    pub(crate) column: &'static str,
    pub(crate) count_by_key: &'static str,
    batch: &'static str,
    swap: &'static str,
}

macro_rules! encrypted_column {
    ($table:literal, $column:literal, $pk:literal) => {
        EncryptedColumn {
            table: $table,
            column: $column,
            count_by_key: concat!(
                "SELECT substr(",
                $column,
                ", 2, 4), count(*) FROM ",
                $table,
                " WHERE ",
                $column,
                " IS NOT NULL GROUP BY substr(",
                $column,
                ", 2, 4)"
            ),
            batch: concat!(
                "SELECT ",
                $pk,
                ", ",
                $column,
                " FROM ",
                $table,
                " WHERE tenant_id = $1 AND substr(",
                $column,
                ", 2, 4) = $2 AND ",
                $pk,
                " > $3 ORDER BY ",
                $pk,
                " LIMIT $4"
            ),
            swap: concat!(
                "UPDATE ",
                $table,
                " SET ",
                $column,
                " = $1 WHERE tenant_id = $2 AND ",
                $pk,
                " = $3 AND ",
                $column,
                " = $4"
            ),
        }
    };
}

/// Every encrypted column: (table, column) with the row id its AAD binds.
pub(crate) const ENCRYPTED_COLUMNS: &[EncryptedColumn] = &[
    encrypted_column!("connection_credentials", "external_id", "connection_id"),
    encrypted_column!("connection_credentials", "access_key_id", "connection_id"),
    encrypted_column!(
        "connection_credentials",
        "secret_access_key",
        "connection_id"
    ),
    encrypted_column!("users", "totp_secret", "id"),
    encrypted_column!("findings", "details", "id"),
];

/// The (table, column) pairs that hold ciphertext.
pub fn encrypted_columns() -> Vec<(&'static str, &'static str)> {
    ENCRYPTED_COLUMNS
        .iter()
        .map(|c| (c.table, c.column))
        .collect()
}

/// Options of [`Store::rotate`].
#[derive(Clone, Copy, Debug)]
pub struct RotateOptions {
    /// Give every tenant a fresh data key first (`false` resumes an
    /// interrupted rotation).
    pub new_data_keys: bool,
    /// Rows per transaction.
    pub batch_size: u32,
}

impl Default for RotateOptions {
    fn default() -> Self {
        Self {
            new_data_keys: true,
            batch_size: 500,
        }
    }
}

/// What a rotation did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// Fresh data keys created.
    pub new_data_keys: u64,
    /// Rows re-encrypted.
    pub reencrypted: u64,
    /// Rows changed by a concurrent writer between read and write (left as
    /// the writer wrote them).
    pub concurrent: u64,
    /// Rows that could not be decrypted (tampered); left in place, and their
    /// key kept.
    pub unreadable: u64,
    /// Retired data keys destroyed.
    pub destroyed_data_keys: u64,
    /// Data keys re-wrapped with the primary master key.
    pub rewrapped: u64,
}

/// Key usage, for `cloudarq keys status`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyStatus {
    /// The primary master key.
    pub primary_master_key: u32,
    /// Master keys in the keyring: id → (data keys wrapped, rows under them).
    pub master_keys: BTreeMap<u32, (u64, u64)>,
    /// Data keys: id → usage.
    pub data_keys: BTreeMap<u32, DataKeyStatus>,
}

/// One data key's usage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataKeyStatus {
    /// Its tenant.
    pub tenant: TenantId,
    /// The master key wrapping it.
    pub master_key: u32,
    /// `primary` or `retired`.
    pub state: String,
    /// Encryptions made with it.
    pub encryptions: i64,
    /// Rows encrypted with it.
    pub rows: u64,
}

impl Store {
    /// Usage of every master and data key (a maintenance transaction: see
    /// [`crate::db`]).
    pub async fn key_status(&self, _runner: &JobRunner) -> Result<KeyStatus> {
        let mut tx = self.pool.begin_operator().await?;
        type Row = (i64, Uuid, i64, String, i64);
        let keys: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as("SELECT id, tenant_id, master_key_id, state, encryptions FROM tenant_keys ORDER BY id")
                .fetch_all(&mut *c)
                .await
                .ctx("listing data keys")?
        });
        let mut rows_by_kid: BTreeMap<u32, u64> = BTreeMap::new();
        for col in ENCRYPTED_COLUMNS {
            let counts: Vec<(Vec<u8>, i64)> = on_tx!(&mut tx, c => {
                sqlx::query_as(col.count_by_key)
                    .fetch_all(&mut *c)
                    .await
                    .ctx("counting encrypted rows")?
            });
            for (kid, n) in counts {
                if let Ok(b) = <[u8; 4]>::try_from(kid.as_slice()) {
                    *rows_by_kid.entry(u32::from_be_bytes(b)).or_default() += n.max(0) as u64;
                }
            }
        }
        tx.commit().await?;
        let ring = self.keys.ring()?;
        let mut status = KeyStatus {
            primary_master_key: ring.primary_id(),
            master_keys: ring.ids().into_iter().map(|id| (id, (0, 0))).collect(),
            data_keys: BTreeMap::new(),
        };
        for (kid, tenant, mid, state, enc) in keys {
            let kid = to_u32(kid, "tenant_keys.id")?;
            let mid = to_u32(mid, "master_key_id")?;
            let rows = rows_by_kid.get(&kid).copied().unwrap_or(0);
            let m = status.master_keys.entry(mid).or_default();
            m.0 += 1;
            m.1 += rows;
            status.data_keys.insert(
                kid,
                DataKeyStatus {
                    tenant: TenantId(tenant),
                    master_key: mid,
                    state,
                    encryptions: enc,
                    rows,
                },
            );
        }
        Ok(status)
    }

    /// Rotates data keys and re-encrypts every row (see the module docs).
    pub async fn rotate(
        &self,
        runner: &JobRunner,
        opts: RotateOptions,
        now: OffsetDateTime,
    ) -> Result<RotationReport> {
        if opts.batch_size == 0 {
            return Err(StoreError::InvalidInput {
                field: "batch size",
                detail: "must be at least 1".into(),
            });
        }
        let mut report = RotationReport::default();
        let tenants: Vec<Uuid> = {
            let mut tx = self.pool.begin_operator().await?;
            let t = on_tx!(&mut tx, c => {
                sqlx::query_scalar("SELECT DISTINCT tenant_id FROM tenant_keys ORDER BY tenant_id")
                    .fetch_all(&mut *c)
                    .await
                    .ctx("listing tenants with keys")?
            });
            tx.commit().await?;
            t
        };
        for tenant in tenants {
            let _scope = runner.scope(TenantId(tenant));
            if opts.new_data_keys {
                let mut tx = self.begin_tenant(tenant).await?;
                self.keys.new_data_key(&mut tx, tenant, ms(now)).await?;
                tx.commit().await?;
                report.new_data_keys += 1;
            }
            self.reencrypt_tenant(tenant, opts.batch_size, &mut report)
                .await?;
            self.rewrap_tenant(tenant, &mut report).await?;
        }
        tracing::info!(?report, "key rotation finished");
        Ok(report)
    }

    async fn reencrypt_tenant(
        &self,
        tenant: Uuid,
        batch: u32,
        report: &mut RotationReport,
    ) -> Result<()> {
        let retired: Vec<i64> = {
            let mut tx = self.begin_tenant(tenant).await?;
            let r = on_tx!(&mut tx, c => {
                sqlx::query_scalar("SELECT id FROM tenant_keys WHERE tenant_id = $1 AND state = 'retired' ORDER BY id")
                    .bind(tenant)
                    .fetch_all(&mut *c)
                    .await
                    .ctx("listing retired data keys")?
            });
            tx.commit().await?;
            r
        };
        for kid in retired {
            let kid = to_u32(kid, "tenant_keys.id")?;
            let kid_bytes = kid.to_be_bytes().to_vec();
            let mut left_behind = 0u64;
            for col in ENCRYPTED_COLUMNS {
                let mut after = Uuid::nil();
                loop {
                    let mut tx = self.begin_tenant(tenant).await?;
                    let rows: Vec<(Uuid, Vec<u8>)> = on_tx!(&mut tx, c => {
                        sqlx::query_as(col.batch)
                            .bind(tenant)
                            .bind(&kid_bytes)
                            .bind(after)
                            .bind(i64::from(batch))
                            .fetch_all(&mut *c)
                            .await
                            .ctx("reading a rotation batch")?
                    });
                    let Some(last) = rows.last().map(|r| r.0) else {
                        tx.commit().await?;
                        break;
                    };
                    after = last;
                    let mut sealer = self.keys.sealer(&mut tx, tenant, rows.len()).await?;
                    for (id, old) in rows {
                        let plain = match self
                            .keys
                            .open(&mut tx, tenant, col.table, col.column, id, &old)
                            .await
                        {
                            Ok(p) => p,
                            Err(StoreError::Crypto(_)) => {
                                report.unreadable += 1;
                                left_behind += 1;
                                continue;
                            }
                            Err(e) => return Err(e),
                        };
                        let new = sealer.seal(col.table, col.column, id, &plain)?;
                        let swapped = on_tx!(&mut tx, c => {
                            sqlx::query(col.swap)
                                .bind(new)
                                .bind(tenant)
                                .bind(id)
                                .bind(&old)
                                .execute(&mut *c)
                                .await
                                .ctx("re-encrypting a row")?
                                .rows_affected()
                        });
                        if swapped == 1 {
                            report.reencrypted += 1;
                        } else {
                            report.concurrent += 1;
                        }
                    }
                    tx.commit().await?;
                    #[cfg(feature = "testing")]
                    crate::testing::pause_point(
                        crate::testing::PausePoint::RotationBatchCommitted,
                        tenant,
                    )
                    .await;
                }
            }
            if left_behind == 0 {
                report.destroyed_data_keys += self.destroy_if_unused(tenant, kid).await?;
            }
        }
        Ok(())
    }

    /// Deletes a retired data key when no row uses it any more. The key row
    /// is locked first (`FOR UPDATE`; on SQLite the transaction already
    /// holds the write lock), so until this transaction ends no writer can
    /// reserve on it and no other rotation can delete it; writers only ever
    /// reserve on a primary key ([`crate::keys`]), so none can start using it
    /// either, and the check below stays true until the delete.
    async fn destroy_if_unused(&self, tenant: Uuid, kid: u32) -> Result<u64> {
        let kid_bytes = kid.to_be_bytes().to_vec();
        let mut tx = self.begin_tenant(tenant).await?;
        let locked: Option<i64> = match &mut tx {
            Tx::Sqlite(t) => sqlx::query_scalar(
                "SELECT id FROM tenant_keys WHERE id = $1 AND tenant_id = $2 AND state = 'retired'",
            )
            .bind(i64::from(kid))
            .bind(tenant)
            .fetch_optional(&mut **t)
            .await
            .ctx("locking a retired key")?,
            Tx::Postgres(t) => sqlx::query_scalar(
                "SELECT id FROM tenant_keys WHERE id = $1 AND tenant_id = $2 AND state = 'retired' FOR UPDATE",
            )
            .bind(i64::from(kid))
            .bind(tenant)
            .fetch_optional(&mut **t)
            .await
            .ctx("locking a retired key")?,
        };
        if locked.is_none() {
            tx.commit().await?;
            return Ok(0);
        }
        for col in ENCRYPTED_COLUMNS {
            let rows: Vec<(Uuid, Vec<u8>)> = on_tx!(&mut tx, c => {
                sqlx::query_as(col.batch)
                    .bind(tenant)
                    .bind(&kid_bytes)
                    .bind(Uuid::nil())
                    .bind(1i64)
                    .fetch_all(&mut *c)
                    .await
                    .ctx("checking a retired key")?
            });
            if !rows.is_empty() {
                tx.commit().await?;
                return Ok(0);
            }
        }
        #[cfg(feature = "testing")]
        crate::testing::pause_point(crate::testing::PausePoint::RetiredKeyUnused, tenant).await;
        let n = on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM tenant_keys WHERE id = $1 AND tenant_id = $2 AND state = 'retired'")
                .bind(i64::from(kid))
                .bind(tenant)
                .execute(&mut *c)
                .await
                .ctx("destroying a retired data key")?
                .rows_affected()
        });
        tx.commit().await?;
        self.keys.forget(&[kid])?;
        Ok(n)
    }

    async fn rewrap_tenant(&self, tenant: Uuid, report: &mut RotationReport) -> Result<()> {
        let primary = {
            let ring = self.keys.ring()?;
            ring.primary_id()
        };
        let mut tx = self.begin_tenant(tenant).await?;
        let rows: Vec<(i64, i64, Vec<u8>)> = on_tx!(&mut tx, c => {
            sqlx::query_as("SELECT id, master_key_id, wrapped_key FROM tenant_keys WHERE tenant_id = $1 AND master_key_id <> $2")
                .bind(tenant)
                .bind(i64::from(primary))
                .fetch_all(&mut *c)
                .await
                .ctx("listing data keys to re-wrap")?
        });
        for (kid, mid, wrapped) in rows {
            let kid = to_u32(kid, "tenant_keys.id")?;
            let (new_mid, new_wrapped) =
                self.keys
                    .rewrap(tenant, kid, to_u32(mid, "master_key_id")?, &wrapped)?;
            let n = on_tx!(&mut tx, c => {
                sqlx::query(
                    "UPDATE tenant_keys SET master_key_id = $1, wrapped_key = $2 WHERE id = $3 AND tenant_id = $4 AND wrapped_key = $5",
                )
                .bind(i64::from(new_mid))
                .bind(new_wrapped)
                .bind(i64::from(kid))
                .bind(tenant)
                .bind(&wrapped)
                .execute(&mut *c)
                .await
                .ctx("re-wrapping a data key")?
                .rows_affected()
            });
            report.rewrapped += n;
        }
        tx.commit().await
    }

    /// Removes a master key from the keyring file, refusing while any data
    /// key is still wrapped by it. The count comes from a maintenance
    /// transaction, which refuses a role that cannot see every data key and
    /// makes any row hidden from it an error: a zero here is a proof, never
    /// a count of what the role was allowed to see. No data key can come to
    /// depend on the key afterwards: new and re-wrapped data keys use the
    /// primary master key, which cannot be removed.
    pub async fn remove_master_key(&self, runner: &JobRunner, id: u32) -> Result<()> {
        let status = self.key_status(runner).await?;
        if let Some(&(data_keys, rows)) = status.master_keys.get(&id)
            && data_keys > 0
        {
            return Err(StoreError::KeyInUse {
                id,
                data_keys,
                rows,
            });
        }
        let mut ring = self.keys.ring_mut()?;
        ring.remove_key(id)?;
        Ok(())
    }

    /// Adds a master key to the keyring file (rotation step 1); returns its id.
    pub fn add_master_key(&self, _runner: &JobRunner) -> Result<u32> {
        let mut ring = self.keys.ring_mut()?;
        Ok(ring.add_key()?)
    }

    /// Makes a master key primary (rotation step 2).
    pub fn promote_master_key(&self, _runner: &JobRunner, id: u32) -> Result<()> {
        let mut ring = self.keys.ring_mut()?;
        Ok(ring.set_primary(id)?)
    }
}
