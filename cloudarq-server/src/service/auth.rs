//! Authentication: the only code that turns a request into a
//! [`TenantScope`].
//!
//! [`Authority`] holds the store's [`JobRunner`] (the cross-tenant
//! capability) in a private field; nothing outside this module can reach it.
//! It mints a scope for exactly two things: the tenant named in a verified
//! access token (the [`Identity`] extractor), and, for sign-in and refresh,
//! the tenant the credentials name, before a password or refresh token is
//! checked against that tenant's rows. A handler gets its scope from an
//! [`Identity`] and nowhere else.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, MatchedPath};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use cloudarq_store::audit_log::AuditEntry;
use cloudarq_store::rate_limits::{Decision, Quota};
use cloudarq_store::sessions::SessionId;
use cloudarq_store::users::{Role, UserId};
use cloudarq_store::{JobRunner, Store, TenantId, TenantScope};
use time::OffsetDateTime;
use uuid::Uuid;

use super::AppState;
use super::cookies;
use super::error::ApiError;
use super::rbac::{self, Access};

/// The holder of the cross-tenant capability (see the module docs).
pub struct Authority {
    runner: JobRunner,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authority")
    }
}

impl Authority {
    /// Takes the runner of the store the service opened.
    pub fn new(runner: JobRunner) -> Self {
        Self { runner }
    }

    /// The scope of the live tenant called `name`, for sign-in.
    pub(super) async fn tenant_named(
        &self,
        store: &Store,
        name: &str,
    ) -> Result<Option<TenantScope>, ApiError> {
        Ok(store
            .tenant_by_name(&self.runner, name)
            .await?
            .map(|t| self.runner.scope(t)))
    }

    /// The scope of the tenant a refresh token names (the token is then
    /// checked against that tenant's rows only).
    pub(super) fn refresh_scope(&self, tenant: TenantId) -> TenantScope {
        self.runner.scope(tenant)
    }

    /// Counts one request of `key` against `quota` (shared by every
    /// instance through the database); refuses with 429 and `Retry-After`.
    pub(super) async fn limit(
        &self,
        store: &Store,
        key: &str,
        quota: Quota,
    ) -> Result<(), ApiError> {
        match store
            .rate_limit(&self.runner, key, quota, OffsetDateTime::now_utc())
            .await?
        {
            Decision::Allowed => Ok(()),
            Decision::Limited { retry_after } => Err(ApiError::TooManyRequests {
                retry_after: u64::try_from((retry_after.whole_milliseconds() + 999) / 1000)
                    .unwrap_or(1)
                    .max(1),
            }),
        }
    }

    /// Forgets a key's count (a successful sign-in clears its account's).
    pub(super) async fn limit_reset(&self, store: &Store, key: &str) -> Result<(), ApiError> {
        Ok(store.rate_limit_reset(&self.runner, key).await?)
    }

    /// Every tenant (operators only).
    pub(super) async fn tenants(
        &self,
        store: &Store,
        id: &Identity,
    ) -> Result<(Vec<cloudarq_store::tenants::Tenant>, Option<TenantId>), ApiError> {
        if !id.operator {
            return Err(ApiError::Forbidden);
        }
        let all = store.tenants(&self.runner).await?;
        let op = store
            .operator_tenant(&self.runner, OffsetDateTime::now_utc())
            .await?;
        Ok((all, Some(op)))
    }

    /// Creates a tenant (operators only) and returns its scope, for
    /// inviting its first admin.
    pub(super) async fn create_tenant(
        &self,
        store: &Store,
        id: &Identity,
        name: &str,
    ) -> Result<TenantScope, ApiError> {
        if !id.operator {
            return Err(ApiError::Forbidden);
        }
        let t = store
            .create_tenant(&self.runner, name, OffsetDateTime::now_utc())
            .await?;
        Ok(self.runner.scope(t))
    }

    /// Deletes a tenant (operators only; never the operators' own): its
    /// sessions end at once, its data is purged after the retention delay.
    pub(super) async fn delete_tenant(
        &self,
        store: &Store,
        id: &Identity,
        tenant: TenantId,
    ) -> Result<TenantScope, ApiError> {
        if !id.operator {
            return Err(ApiError::Forbidden);
        }
        let now = OffsetDateTime::now_utc();
        if store.operator_tenant(&self.runner, now).await? == tenant {
            return Err(ApiError::Conflict(
                "the operators' tenant cannot be deleted".into(),
            ));
        }
        let live = store
            .tenants(&self.runner)
            .await?
            .into_iter()
            .any(|t| t.id == tenant && t.deleted_at.is_none());
        if !live {
            return Err(ApiError::NotFound);
        }
        store
            .delete_tenant(
                &self.runner,
                tenant,
                cloudarq_store::retention::RetentionPolicy::default(),
                now,
            )
            .await?;
        Ok(self.runner.scope(tenant))
    }

    /// The scope of the tenant an invitation token names (the token's
    /// hash is then looked up in that tenant's rows only).
    pub(super) fn invitation_scope(&self, tenant: TenantId) -> TenantScope {
        self.runner.scope(tenant)
    }

    /// The scope of the tenant a verified second-factor challenge names.
    pub(super) fn challenge_scope(&self, tenant: TenantId) -> TenantScope {
        self.runner.scope(tenant)
    }

    fn token_scope(&self, tenant: TenantId) -> TenantScope {
        self.runner.scope(tenant)
    }
}

/// Where a request came from, for the audit log.
#[derive(Clone, Debug, Default)]
pub struct Client {
    /// The client's address: the peer's, or with `behind_proxy` the last
    /// `X-Forwarded-For` entry not added by a trusted proxy.
    pub ip: Option<IpAddr>,
    /// The `User-Agent`, at most 256 characters.
    pub user_agent: Option<String>,
}

impl Client {
    fn of(parts: &Parts, state: &AppState) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        let ip = match peer {
            Some(p) if state.behind_proxy() && state.trusts_proxy(p) => {
                forwarded_client(&parts.headers, |ip| state.trusts_proxy(ip)).or(Some(p))
            }
            other => other,
        };
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(256).collect());
        Self { ip, user_agent }
    }
}

/// The rightmost `X-Forwarded-For` address that is not a trusted proxy: the
/// entries left of it were written by the client and prove nothing.
pub fn forwarded_client(headers: &HeaderMap, trusted: impl Fn(IpAddr) -> bool) -> Option<IpAddr> {
    let all: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Option<Vec<_>>>()?;
    all.into_iter().rev().find(|ip| !trusted(*ip))
}

impl<S: Send + Sync> FromRequestParts<S> for Client
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        Ok(Self::of(parts, &state))
    }
}

/// A verified caller: the extractor checks the bearer token, the session,
/// and the route's access in the matrix, and writes an audit row when the
/// role falls short.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The tenant the token was issued in: the only scope a handler gets.
    pub scope: TenantScope,
    /// The user.
    pub user: UserId,
    /// Its role.
    pub role: Role,
    /// The session.
    pub session: SessionId,
    /// Whether the session was opened with a second factor.
    pub mfa: bool,
    /// Whether the tenant is the operators' (its admins are operators).
    pub operator: bool,
    /// Where the request came from.
    pub client: Client,
}

impl Identity {
    /// The audit actor of this caller.
    pub fn actor(&self) -> String {
        format!("user:{}", self.user.0)
    }

    /// Appends to the caller's tenant's audit log.
    pub async fn audit(
        &self,
        store: &Store,
        action: &str,
        target: &str,
        outcome: &str,
    ) -> Result<(), ApiError> {
        audit(
            store,
            &self.scope,
            &self.actor(),
            &self.client,
            action,
            target,
            outcome,
        )
        .await
    }
}

/// Appends an audit row.
pub async fn audit(
    store: &Store,
    scope: &TenantScope,
    actor: &str,
    client: &Client,
    action: &str,
    target: &str,
    outcome: &str,
) -> Result<(), ApiError> {
    store
        .audit(
            scope,
            &AuditEntry {
                actor: actor.to_owned(),
                action: action.to_owned(),
                target: target.to_owned(),
                source_ip: client.ip.map(|i| i.to_string()),
                user_agent: client.user_agent.clone(),
                outcome: outcome.to_owned(),
                at: OffsetDateTime::now_utc(),
            },
        )
        .await
        .map_err(ApiError::from)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

impl<S: Send + Sync> FromRequestParts<S> for Identity
where
    AppState: axum::extract::FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = <AppState as axum::extract::FromRef<S>>::from_ref(state);
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .ok_or_else(|| ApiError::Internal("identity outside a matched route".into()))?;
        // Deny by default: a route missing from the matrix is a fault.
        let access = rbac::required(&parts.method, &route).ok_or_else(|| {
            ApiError::Internal(format!(
                "{} {route} is not in the permission matrix",
                parts.method
            ))
        })?;
        // A bearer token, or a browser session's cookie with its CSRF echo
        // on state-changing methods (`cookies.rs`).
        let token = match bearer(&parts.headers) {
            Some(t) => t,
            None => {
                let t = cookies::cookie(&parts.headers, cookies::ACCESS)
                    .ok_or(ApiError::Unauthenticated)?;
                if !cookies::csrf_ok(&parts.method, &parts.headers) {
                    return Err(ApiError::Denied(
                        "X-CSRF-Token must echo the CSRF cookie".into(),
                    ));
                }
                t
            }
        };
        let now = OffsetDateTime::now_utc();
        let claims = state.tokens().verify(token, now).map_err(|why| {
            tracing::debug!(reason = %why, route = %route, "access token refused");
            ApiError::Unauthenticated
        })?;
        let role = Role::parse(&claims.role).ok_or(ApiError::Unauthenticated)?;
        let scope = state.authority().token_scope(TenantId::from(claims.tid));
        let session = SessionId(claims.sid);
        let user = UserId(claims.sub);
        let Some(policy) = state
            .store()
            .session_check(&scope, session, user, claims.ver, now)
            .await?
        else {
            return Err(ApiError::Unauthenticated);
        };
        let identity = Identity {
            scope,
            user,
            role,
            session,
            mfa: claims.mfa,
            operator: policy.operator,
            client: Client::of(parts, &state),
        };
        let operator_ok = access != Access::Operator || policy.operator;
        if access != Access::Public && !(rbac::allows(role, access) && operator_ok) {
            identity
                .audit(
                    state.store(),
                    "permission.denied",
                    &format!("{} {route}", parts.method),
                    "denied",
                )
                .await?;
            return Err(ApiError::Forbidden);
        }
        // Admins act only after a second factor; until then they may manage
        // their own session and enrol (the `Signed` routes).
        // So do clients when their tenant requires it.
        let needs_mfa = role == Role::Admin || policy.settings.require_client_mfa;
        if needs_mfa
            && !claims.mfa
            && matches!(access, Access::Read | Access::Admin | Access::Operator)
        {
            return Err(ApiError::SecondFactorRequired);
        }
        Ok(identity)
    }
}

/// A refresh token: `cqr1.<tenant>.<secret>` (base64url); the tenant part
/// routes the lookup to that tenant's rows, the secret is 256 random bits.
pub fn new_refresh_token(tenant: TenantId) -> Result<(String, [u8; 32]), ApiError> {
    new_tenant_token(REFRESH, tenant)
}

/// The tenant a refresh token names, if it has the token's shape.
pub fn refresh_tenant(token: &str) -> Option<TenantId> {
    token_tenant(REFRESH, token)
}

/// An invitation token: `cqi1.<tenant>.<secret>`, the refresh token's shape
/// under its own prefix (one is never taken for the other).
pub fn new_invitation_token(tenant: TenantId) -> Result<(String, [u8; 32]), ApiError> {
    new_tenant_token(INVITATION, tenant)
}

/// The tenant an invitation token names, if it has the token's shape.
pub fn invitation_tenant(token: &str) -> Option<TenantId> {
    token_tenant(INVITATION, token)
}

const REFRESH: &str = "cqr1";
const INVITATION: &str = "cqi1";

fn new_tenant_token(kind: &str, tenant: TenantId) -> Result<(String, [u8; 32]), ApiError> {
    use base64::Engine as _;
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut secret[..])
        .map_err(|e| ApiError::Internal(format!("no randomness: {e}")))?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let token = format!(
        "{kind}.{}.{}",
        b64.encode(tenant.as_uuid().as_bytes()),
        b64.encode(&secret[..])
    );
    let hash = refresh_hash(&token);
    Ok((token, hash))
}

/// The stored form of a refresh or invitation token (SHA-256).
pub fn refresh_hash(token: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(token.as_bytes()).into()
}

fn token_tenant(kind: &str, token: &str) -> Option<TenantId> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (Some(k), Some(t), Some(secret), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if k != kind || secret.len() != 43 {
        return None;
    }
    let bytes = b64.decode(t).ok()?;
    let uuid = Uuid::from_slice(&bytes).ok()?;
    Some(TenantId::from(uuid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_read_from_the_right_and_only_past_trusted_proxies() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", "6.6.6.6, 203.0.113.7".parse().unwrap());
        h.append("x-forwarded-for", "10.0.0.2".parse().unwrap());
        let trusted = |ip: IpAddr| ip.to_string().starts_with("10.");
        assert_eq!(
            forwarded_client(&h, trusted),
            Some("203.0.113.7".parse().unwrap())
        );
        h.insert("x-forwarded-for", "not-an-ip, 10.0.0.2".parse().unwrap());
        assert_eq!(forwarded_client(&h, trusted), None);
    }

    #[test]
    fn refresh_tokens_carry_their_tenant_and_nothing_else_parses() {
        let t: TenantId = "0190b5d2-0000-7000-8000-000000000001".parse().unwrap();
        let (tok, hash) = new_refresh_token(t).unwrap();
        assert_eq!(refresh_tenant(&tok), Some(t));
        assert_eq!(refresh_hash(&tok), hash);
        let (tok2, _) = new_refresh_token(t).unwrap();
        assert_ne!(tok, tok2);
        for bad in [
            "",
            "cqr1..",
            "cqr1.x.y",
            &format!("{tok}.extra"),
            &tok.replace("cqr1", "cqr2"),
        ] {
            assert_eq!(refresh_tenant(bad), None, "{bad}");
        }
    }
}
