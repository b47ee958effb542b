//! Who a store call acts for.
//!
//! Every repository function takes a [`TenantScope`]. A scope cannot be built
//! from a bare id: it comes from a [`JobRunner`] (the background scan and purge
//! jobs, and the single-user CLI), which the application creates once at start
//! and hands to trusted code only; the server's request handlers receive scopes
//! from its authentication layer. That is the first wall on both backends
//! (checklist AC-7); PostgreSQL row-level security is the second (AC-6).

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
/// fixed at creation; cloning it copies that permission for the same tenant,
/// never another.
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
/// cross-tenant maintenance (purge, key rotation, backups).
/// Obtained from [`Store::job_runner`](crate::Store::job_runner).
#[derive(Debug)]
pub struct JobRunner {
    pub(crate) _private: (),
}

impl JobRunner {
    /// A scope for `tenant`, for work the runner does on its behalf.
    pub fn scope(&self, tenant: TenantId) -> TenantScope {
        TenantScope { tenant }
    }
}
