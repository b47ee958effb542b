//! AWS account connections and their credentials. The role ARN and account id
//! are plaintext metadata; the External ID and any static access keys are
//! encrypted, in a separate `connection_credentials` row that deletion removes
//! at once.

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scope::TenantScope;

/// A connection's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub Uuid);

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Static access keys, the fallback when a role cannot be used.
#[derive(Debug)]
pub struct StaticKeys {
    /// Access key id.
    pub access_key_id: SecretString,
    /// Secret access key.
    pub secret_access_key: SecretString,
}

/// What a new connection needs.
#[derive(Debug)]
pub struct NewConnection {
    /// Unique name within the tenant.
    pub name: String,
    /// The AWS account id, when known.
    pub account_id: Option<String>,
    /// The role to assume.
    pub role_arn: Option<String>,
    /// The External ID for AssumeRole.
    pub external_id: Option<SecretString>,
    /// Static keys (fallback).
    pub static_keys: Option<StaticKeys>,
}

/// A connection as listed (no secrets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Its id.
    pub id: ConnectionId,
    /// Its name.
    pub name: String,
    /// The AWS account id.
    pub account_id: Option<String>,
    /// The role ARN.
    pub role_arn: Option<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// Decrypted credentials of a connection, for the scan that uses them.
#[derive(Debug)]
pub struct Credentials {
    /// The External ID.
    pub external_id: Option<SecretString>,
    /// Static keys.
    pub static_keys: Option<StaticKeys>,
}

const TABLE: &str = "connection_credentials";

fn check_external_id(v: &str) -> Result<()> {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if !(2..=1224).contains(&v.len()) || !v.chars().all(ok_char) {
        return Err(StoreError::InvalidInput {
            field: "external id",
            detail: "must be 2 to 1224 characters of [A-Za-z0-9_+=,.@:/-]".into(),
        });
    }
    Ok(())
}

impl Store {
    /// Stores a connection; secrets are encrypted before they reach the database.
    pub async fn create_connection(
        &self,
        scope: &TenantScope,
        new: NewConnection,
        now: OffsetDateTime,
    ) -> Result<ConnectionId> {
        let name = new.name.trim().to_string();
        if name.is_empty() || name.len() > 200 {
            return Err(StoreError::InvalidInput {
                field: "connection name",
                detail: format!("{name:?} must be 1 to 200 characters"),
            });
        }
        if let Some(a) = &new.account_id
            && (a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(StoreError::InvalidInput {
                field: "account id",
                detail: format!("{a:?} is not 12 digits"),
            });
        }
        if let Some(e) = &new.external_id {
            check_external_id(e.expose_secret())?;
        }
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = usize::from(new.external_id.is_some()) + 2 * usize::from(new.static_keys.is_some());
        let mut sealer = match n {
            0 => None,
            n => Some(self.keys.sealer(&mut tx, tenant, n).await?),
        };
        let mut seal = |col: &str, v: &SecretString| -> Result<Vec<u8>> {
            match sealer.as_mut() {
                Some(s) => s.seal(TABLE, col, id, v.expose_secret().as_bytes()),
                None => Err(StoreError::InvalidInput {
                    field: "encryption reservation",
                    detail: "no value was reserved".into(),
                }),
            }
        };
        let ext = match &new.external_id {
            Some(e) => Some(seal("external_id", e)?),
            None => None,
        };
        let (akid, secret) = match &new.static_keys {
            Some(k) => (
                Some(seal("access_key_id", &k.access_key_id)?),
                Some(seal("secret_access_key", &k.secret_access_key)?),
            ),
            None => (None, None),
        };
        let res = on_tx!(&mut tx, c => {
            let r = sqlx::query(
                "INSERT INTO connections (id, tenant_id, name, account_id, role_arn, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(tenant)
            .bind(&name)
            .bind(&new.account_id)
            .bind(&new.role_arn)
            .bind(ms(now))
            .execute(&mut *c)
            .await;
            if let Err(sqlx::Error::Database(d)) = &r
                && d.is_unique_violation() {
                    return Err(StoreError::InvalidInput {
                        field: "connection name",
                        detail: format!("{name:?} is already used in this tenant"),
                    });
                }
            r.ctx("storing a connection")?;
            sqlx::query(
                "INSERT INTO connection_credentials (connection_id, tenant_id, external_id, access_key_id, secret_access_key, updated_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(tenant)
            .bind(ext)
            .bind(akid)
            .bind(secret)
            .bind(ms(now))
            .execute(&mut *c)
            .await
            .ctx("storing connection credentials")
            .map(|_| ())
        });
        res?;
        tx.commit().await?;
        Ok(ConnectionId(id))
    }

    /// The tenant's live connections, oldest first.
    pub async fn connections(&self, scope: &TenantScope) -> Result<Vec<Connection>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (Uuid, String, Option<String>, Option<String>, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, name, account_id, role_arn, created_at_ms FROM connections \
                 WHERE tenant_id = $1 AND deleted_at_ms IS NULL ORDER BY created_at_ms, id",
            )
            .bind(tenant)
            .fetch_all(&mut *c)
            .await
            .ctx("listing connections")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, name, account_id, role_arn, created)| {
                Ok(Connection {
                    id: ConnectionId(id),
                    name,
                    account_id,
                    role_arn,
                    created_at: from_ms(created)?,
                })
            })
            .collect()
    }

    /// The live connection with this name.
    pub async fn connection_by_name(
        &self,
        scope: &TenantScope,
        name: &str,
    ) -> Result<Option<Connection>> {
        Ok(self
            .connections(scope)
            .await?
            .into_iter()
            .find(|c| c.name == name))
    }

    /// Decrypts a live connection's credentials.
    pub async fn credentials(&self, scope: &TenantScope, id: ConnectionId) -> Result<Credentials> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>);
        let row: Option<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT cc.external_id, cc.access_key_id, cc.secret_access_key FROM connection_credentials cc \
                 JOIN connections co ON co.id = cc.connection_id \
                 WHERE cc.connection_id = $1 AND cc.tenant_id = $2 AND co.deleted_at_ms IS NULL",
            )
            .bind(id.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading connection credentials")?
        });
        let Some((ext, akid, secret)) = row else {
            return Err(StoreError::NotFound {
                what: "connection",
                id: id.to_string(),
            });
        };
        let mut text =
            async |col: &'static str, ct: Option<Vec<u8>>| -> Result<Option<SecretString>> {
                let Some(ct) = ct else { return Ok(None) };
                let pt = self
                    .keys
                    .open(&mut tx, tenant, TABLE, col, id.0, &ct)
                    .await?;
                let s = String::from_utf8(pt.to_vec()).map_err(|_| StoreError::Corrupt {
                    what: "credential",
                    detail: "not UTF-8".into(),
                })?;
                Ok(Some(SecretString::from(s)))
            };
        let external_id = text("external_id", ext).await?;
        let access = text("access_key_id", akid).await?;
        let secret = text("secret_access_key", secret).await?;
        tx.commit().await?;
        let static_keys = match (access, secret) {
            (Some(a), Some(s)) => Some(StaticKeys {
                access_key_id: a,
                secret_access_key: s,
            }),
            _ => None,
        };
        Ok(Credentials {
            external_id,
            static_keys,
        })
    }
}
