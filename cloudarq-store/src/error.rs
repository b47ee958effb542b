//! The store's one error type.

use crate::crypto::CryptoError;
use crate::crypto::keyring::KeyringError;
use crate::scans::{ScanId, ScanStatus};

/// Everything that can go wrong in the store. Messages name the input or
/// object at fault and never contain key material or decrypted values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database URL is not one the store can open.
    #[error("database URL {url:?} is not supported: {detail}")]
    InvalidUrl {
        /// The URL, with any password removed.
        url: String,
        /// What was wrong.
        detail: String,
    },
    /// A database operation failed.
    #[error("database error while {context}: {source}")]
    Database {
        /// What the store was doing.
        context: &'static str,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Applying migrations failed.
    #[error("migrating the database failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The keyring could not be loaded or changed.
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    /// A value could not be encrypted or decrypted (includes integrity failures).
    #[error("{0}")]
    Crypto(#[from] CryptoError),
    /// A data key is wrapped by a master key that is not in the keyring.
    #[error(
        "data key {data_key} is wrapped by master key {master_key}, which is not in the keyring"
    )]
    MasterKeyMissing {
        /// The data key id.
        data_key: u32,
        /// The missing master key id.
        master_key: u32,
    },
    /// The keyring has a master key under this id, but not the one that
    /// wrapped the data keys (a different key under the same id).
    #[error(
        "master key {master_key} in the keyring is not the key that wrapped data key {data_key}: a different key was put under id {master_key}; use the keyring this database was written with"
    )]
    MasterKeyMismatch {
        /// The master key id.
        master_key: u32,
        /// A data key it should unwrap.
        data_key: u32,
    },
    /// Restore: ciphertexts use data keys the key backup does not have.
    #[error(
        "the key backup has no key for data key(s) {} used by the data backup; use the key backup taken with this data backup",
        kids.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    )]
    MissingDataKeys {
        /// The data key ids in use without a key, ascending.
        kids: Vec<u32>,
    },
    /// A key has reached its encryption limit; run `cloudarq keys rotate`.
    #[error(
        "data key {kid} has been used {used} times, the limit is {limit}; rotate keys (`cloudarq keys rotate`)"
    )]
    KeyExhausted {
        /// The key id.
        kid: u32,
        /// Encryptions so far.
        used: i64,
        /// The hard limit.
        limit: i64,
    },
    /// A master key cannot be removed while data keys still depend on it.
    #[error(
        "master key {id} still wraps {data_keys} data key(s) protecting {rows} row(s); run `cloudarq keys rotate` first"
    )]
    KeyInUse {
        /// The master key id.
        id: u32,
        /// Data keys wrapped by it.
        data_keys: u64,
        /// Encrypted rows under those data keys.
        rows: u64,
    },
    /// A step of a scan's lifecycle found the scan in a state it does not
    /// start from (e.g. finishing a scan that already succeeded or failed);
    /// nothing was changed.
    #[error("scan {scan} has status {status}; {action} needs a {expected} scan")]
    ScanState {
        /// The scan.
        scan: ScanId,
        /// Its state.
        status: ScanStatus,
        /// The refused step ("finishing", "failing", "reporting progress").
        action: &'static str,
        /// The state(s) the step starts from.
        expected: &'static str,
    },
    /// A worker's step on a scan it no longer holds: its lease expired and
    /// the scan was claimed again (or ended) since; the fencing token
    /// (worker and attempt) no longer matches, and nothing was changed. The
    /// worker must stop working on the scan.
    #[error(
        "scan {scan}: attempt {attempt} by {worker} lost its lease (the scan is on attempt {current}, {status}); {action} refused"
    )]
    LeaseLost {
        /// The scan.
        scan: ScanId,
        /// The stale claim's worker.
        worker: String,
        /// The stale claim's attempt.
        attempt: u32,
        /// The scan's attempt now.
        current: u32,
        /// The scan's state now.
        status: ScanStatus,
        /// The refused step.
        action: &'static str,
    },
    /// A worker's step on a maintenance run it no longer holds (its lease
    /// expired and the run was claimed again, or ended); nothing was
    /// changed.
    #[error(
        "maintenance run {run}: attempt {attempt} by {worker} lost its lease; {action} refused"
    )]
    MaintenanceLeaseLost {
        /// The run.
        run: uuid::Uuid,
        /// The stale claim's worker.
        worker: String,
        /// The stale claim's attempt.
        attempt: u32,
        /// The refused step.
        action: &'static str,
    },
    /// The change would break a rule of the tenant's data (e.g. leave it
    /// without an admin); nothing was changed.
    #[error("{what}: {detail}")]
    Conflict {
        /// What was refused.
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// No such object for this tenant (or it was deleted).
    #[error("{what} {id} not found")]
    NotFound {
        /// Kind of object.
        what: &'static str,
        /// Its id or name.
        id: String,
    },
    /// An argument was not acceptable.
    #[error("invalid {field}: {detail}")]
    InvalidInput {
        /// The argument.
        field: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A stored value is not what this build expects (e.g. an unknown status).
    #[error("stored {what} is invalid: {detail}")]
    Corrupt {
        /// The column or value.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// Backup or restore failed.
    #[error("backup: {0}")]
    Backup(String),
    /// The database role cannot see every tenant's rows: with row-level
    /// security forced, maintenance as this role would see none and silently
    /// do nothing (or, for `keys remove`, destroy a key still in use).
    #[error(
        "database role {role:?} lacks {missing} (and is not a superuser): row-level security is forced on every tenant table, so maintenance as this role would see no tenant's rows and silently do nothing; owning the tables is not enough. Connect as a role with {missing}, or give it to this one as a superuser: ALTER ROLE \"{role}\" {missing}"
    )]
    MaintenanceRole {
        /// The connected role.
        role: String,
        /// The attribute it lacks.
        missing: &'static str,
    },
    /// The role of the tenant URL could leave row-level security.
    #[error(
        "tenant database role {role:?} {problem}; tenant transactions need a login role that is a member of cloudarq_app and can neither bypass row-level security nor become the tables' owner"
    )]
    TenantRole {
        /// The role the tenant URL logs in as.
        role: String,
        /// What is wrong with it.
        problem: String,
    },
    /// The tenant's primary data key kept changing (concurrent rotations)
    /// while a writer reserved encryptions on it.
    #[error(
        "the primary data key of tenant {tenant} changed {attempts} times while a write reserved encryptions on it; retry once key rotation has finished"
    )]
    KeyReservation {
        /// The tenant.
        tenant: String,
        /// Reservations tried.
        attempts: u32,
    },
}

/// Result alias of the store.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Adds context to sqlx results.
pub(crate) trait DbContext<T> {
    fn ctx(self, context: &'static str) -> Result<T>;
}

impl<T> DbContext<T> for std::result::Result<T, sqlx::Error> {
    fn ctx(self, context: &'static str) -> Result<T> {
        self.map_err(|source| StoreError::Database { context, source })
    }
}
