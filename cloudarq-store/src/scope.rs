//! Who a store call acts for.
//!
//! Every repository function takes a [`TenantScope`]. A scope cannot be built
//! from a bare id: the only constructor is [`JobRunner::scope`], and a
//! [`JobRunner`] exists only where a store was opened. [`Store::open`] (and
//! [`Store::restore`]) return the store together with its runner, once; the
//! runner is neither `Clone` nor `Default`, and nothing reachable from a
//! `&Store` makes another. So the entry point that opens the store decides
//! who holds the cross-tenant capability:
//!
//! - the single-user CLI and the background jobs (scan workers, purge,
//!   backup, key rotation) keep it and act for any tenant;
//! - the HTTP service (issue 11) gives it to its authentication layer only,
//!   kept private there, which mints a scope for the tenant of a verified
//!   token or session and hands request handlers that scope, never the
//!   runner; a handler holding `&Store` (through the application state) has
//!   no way to act for another tenant.
//!
//! That is the first wall on both backends (checklist AC-7); PostgreSQL
//! row-level security is the second (AC-6).
//!
//! The one way to a scope:
//!
//! ```no_run
//! # async fn demo() -> Result<(), cloudarq_store::StoreError> {
//! use cloudarq_store::{Keyring, Store};
//! # let now = time::OffsetDateTime::now_utc();
//! let keyring = Keyring::load(std::path::Path::new("keyring.toml"))?;
//! let (store, runner) = Store::open("sqlite://cloudarq.db", keyring).await?;
//! let tenant = store.create_tenant(&runner, "acme", now).await?;
//! let scope = runner.scope(tenant);
//! store.connections(&scope).await?;
//! # Ok(()) }
//! ```
//!
//! None of the others compile outside the store. A scope from a bare id:
//!
//! ```compile_fail
//! # fn f(id: cloudarq_store::TenantId) {
//! let scope = cloudarq_store::TenantScope { tenant: id };
//! # }
//! ```
//!
//! A runner made by hand:
//!
//! ```compile_fail
//! let runner = cloudarq_store::JobRunner { _private: () };
//! ```
//!
//! A runner from a store someone else opened:
//!
//! ```compile_fail
//! # fn f(store: &cloudarq_store::Store) {
//! let runner = store.job_runner();
//! # }
//! ```
//!
//! A copy of a runner:
//!
//! ```compile_fail
//! # fn f(runner: cloudarq_store::JobRunner) {
//! let copy = (runner.clone(), runner);
//! # }
//! ```
//!
//! [`Store::open`]: crate::Store::open
//! [`Store::restore`]: crate::Store::restore

use std::fmt;
use std::str::FromStr;

use uuid::Uuid;

use crate::error::StoreError;

/// A tenant's id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub(crate) Uuid);

impl TenantId {
    /// The UUID.
    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

/// An id is not a capability (a scope is): any UUID names a tenant, and
/// [`JobRunner::scope`] decides whether to act for it.
impl From<Uuid> for TenantId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for TenantId {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|e| StoreError::InvalidInput {
                field: "tenant id",
                detail: format!("{s:?} is not a UUID: {e}"),
            })
    }
}

/// Permission to act inside one tenant. A scope names exactly one tenant,
/// fixed at creation by [`JobRunner::scope`]; cloning it copies that
/// permission for the same tenant, never another.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantScope {
    tenant: TenantId,
}

impl TenantScope {
    /// The tenant this scope acts for.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }
}

/// The capability of the job runner: it may act for any tenant and run
/// cross-tenant maintenance (claiming scans, purge, key rotation, backups).
/// Returned once by [`Store::open`](crate::Store::open) and
/// [`Store::restore`](crate::Store::restore), never by a method of an open
/// store; not `Clone`, so whoever holds it decides who else may borrow it
/// (see the [module docs](self)).
#[derive(Debug)]
pub struct JobRunner {
    pub(crate) _private: (),
}

impl JobRunner {
    /// The runner of a store this crate just opened.
    pub(crate) fn new() -> Self {
        Self { _private: () }
    }

    /// A scope for `tenant`, for work the runner does on its behalf (the
    /// service's authentication layer: the tenant of a verified identity).
    pub fn scope(&self, tenant: TenantId) -> TenantScope {
        TenantScope { tenant }
    }
}
