//! AWS account connections and their credentials. The role ARN and account id
//! are plaintext metadata; the External ID and any static access keys are
//! encrypted, in a separate `connection_credentials` row that deletion removes
//! at once. Every value is one of cloudarq-model's types ([`RoleArn`],
//! [`AccountId`], [`ExternalId`], [`StaticKeys`]), validated when it was
//! parsed; the store checks nothing of its own about them.

use cloudarq_model::{AccountId, ExternalId, RoleArn, StaticKeys};
use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::db::{from_ms, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::organizations::OrganizationSettings;
use crate::scans::{json, unjson};
use crate::scope::TenantScope;

/// A connection's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub Uuid);

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What a new connection needs.
#[derive(Debug)]
pub struct NewConnection {
    /// Unique name within the tenant.
    pub name: String,
    /// The AWS account id, when known.
    pub account_id: Option<AccountId>,
    /// The role to assume.
    pub role_arn: Option<RoleArn>,
    /// The External ID for AssumeRole.
    pub external_id: Option<ExternalId>,
    /// Static keys (fallback): long-term keys only, a session token is refused.
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
    pub account_id: Option<AccountId>,
    /// The role ARN (for an organization, the management or delegated
    /// administrator account's).
    pub role_arn: Option<RoleArn>,
    /// An organization connection's settings; `None` for one account.
    pub organization: Option<OrganizationSettings>,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// Decrypted credentials of a connection, for the scan that uses them.
#[derive(Debug)]
pub struct Credentials {
    /// The External ID.
    pub external_id: Option<ExternalId>,
    /// Static keys (never with a session token).
    pub static_keys: Option<StaticKeys>,
}

const TABLE: &str = "connection_credentials";

/// Parses a plaintext column written from a model type; a value that no
/// longer parses is corruption, named by `what` (these columns are not secret).
fn stored<T: std::str::FromStr>(what: &'static str) -> impl Fn(&str) -> Result<T> {
    move |s| {
        s.parse().map_err(|_| StoreError::Corrupt {
            what,
            detail: format!("{s:?} does not parse"),
        })
    }
}

impl Store {
    /// Fails with `NotFound` unless `connection` is a live connection of `tenant`.
    pub(crate) async fn live_connection(
        &self,
        tx: &mut crate::db::Tx,
        tenant: Uuid,
        connection: ConnectionId,
    ) -> Result<()> {
        let found: Option<Uuid> = on_tx!(tx, c => {
            sqlx::query_scalar(
                "SELECT id FROM connections WHERE id = $1 AND tenant_id = $2 AND deleted_at_ms IS NULL",
            )
            .bind(connection.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a connection")?
        });
        found.map(|_| ()).ok_or(StoreError::NotFound {
            what: "connection",
            id: connection.to_string(),
        })
    }

    /// Stores a connection; secrets are encrypted before they reach the database.
    pub async fn create_connection(
        &self,
        scope: &TenantScope,
        new: NewConnection,
        now: OffsetDateTime,
    ) -> Result<ConnectionId> {
        self.insert_connection(scope, new, None, now).await
    }

    /// Stores a connection of one account (`organization` `None`) or of an
    /// organization.
    pub(crate) async fn insert_connection(
        &self,
        scope: &TenantScope,
        new: NewConnection,
        organization: Option<&OrganizationSettings>,
        now: OffsetDateTime,
    ) -> Result<ConnectionId> {
        let (kind, settings) = match organization {
            Some(o) => ("organization", Some(json(o)?)),
            None => ("account", None),
        };
        let name = new.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(StoreError::InvalidInput {
                field: "connection name",
                detail: format!("{name:?} must be 1 to 200 characters"),
            });
        }
        if new
            .static_keys
            .as_ref()
            .is_some_and(|k| k.session_token.is_some())
        {
            return Err(StoreError::InvalidInput {
                field: "static keys",
                detail: "a session token expires, so keys with one are not stored".into(),
            });
        }
        let tenant = scope.tenant().as_uuid();
        let id = Uuid::now_v7();
        let mut tx = self.begin_tenant(tenant).await?;
        let n = usize::from(new.external_id.is_some()) + 2 * usize::from(new.static_keys.is_some());
        let mut sealer = match n {
            0 => None,
            n => Some(self.keys.sealer(&mut tx, tenant, n).await?),
        };
        let mut seal = |col: &str, v: &str| -> Result<Vec<u8>> {
            match sealer.as_mut() {
                Some(s) => s.seal(TABLE, col, id, v.as_bytes()),
                None => Err(StoreError::InvalidInput {
                    field: "encryption reservation",
                    detail: "no value was reserved".into(),
                }),
            }
        };
        let ext = match &new.external_id {
            Some(e) => Some(seal("external_id", e.expose_secret())?),
            None => None,
        };
        let (akid, secret) = match &new.static_keys {
            Some(k) => (
                Some(seal("access_key_id", k.access_key_id.expose_secret())?),
                Some(seal(
                    "secret_access_key",
                    k.secret_access_key.expose_secret(),
                )?),
            ),
            None => (None, None),
        };
        let res = on_tx!(&mut tx, c => {
            let r = sqlx::query(
                "INSERT INTO connections (id, tenant_id, name, account_id, role_arn, created_at_ms, kind, organization) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(tenant)
            .bind(&name)
            .bind(new.account_id.as_ref().map(AccountId::as_str))
            .bind(new.role_arn.as_ref().map(RoleArn::as_str))
            .bind(ms(now))
            .bind(kind)
            .bind(&settings)
            .execute(&mut *c)
            .await;
            if let Err(sqlx::Error::Database(d)) = &r
                && d.is_unique_violation() {
                    return Err(StoreError::Conflict {
                        what: "connection name",
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
        type Row = (
            Uuid,
            String,
            Option<String>,
            Option<String>,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT id, name, account_id, role_arn, created_at_ms, organization FROM connections \
                 WHERE tenant_id = $1 AND deleted_at_ms IS NULL ORDER BY created_at_ms, id",
            )
            .bind(tenant)
            .fetch_all(&mut *c)
            .await
            .ctx("listing connections")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, name, account_id, role_arn, created, organization)| {
                Ok(Connection {
                    id: ConnectionId(id),
                    name,
                    account_id: account_id
                        .as_deref()
                        .map(stored("account id"))
                        .transpose()?,
                    role_arn: role_arn.as_deref().map(stored("role ARN")).transpose()?,
                    organization: organization
                        .as_deref()
                        .map(|o| unjson("organization settings", o))
                        .transpose()?,
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
        let external_id = external_id
            .map(|e| {
                ExternalId::new(e.expose_secret().to_owned()).map_err(|_| StoreError::Corrupt {
                    what: "credential",
                    detail: "the stored External ID is not a valid External ID".into(),
                })
            })
            .transpose()?;
        let access = text("access_key_id", akid).await?;
        let secret = text("secret_access_key", secret).await?;
        tx.commit().await?;
        let static_keys = match (access, secret) {
            (Some(a), Some(s)) => Some(StaticKeys::new(a, s)),
            _ => None,
        };
        Ok(Credentials {
            external_id,
            static_keys,
        })
    }
}
