//! Who may call what: the permission matrix, as data (route × role).
//!
//! Every route of the API is listed here with the access it needs; the
//! authentication extractor looks the matched route up on every request and
//! refuses one that is not listed (deny by default), and a test walks the
//! OpenAPI document against this table both ways.

use axum::http::Method;

/// The access a route needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone (sign-in, health, the API description, security.txt).
    Public,
    /// Any signed-in user (their own session and profile).
    Signed,
    /// Tenant users who read results: clients and admins.
    Read,
    /// Tenant admins (connections, users, scans, mutelist, settings, audit).
    Admin,
    /// Operators: the admins of the operators' tenant, signed in with a
    /// second factor (tenants).
    Operator,
}

/// The matrix: method, route (as the router writes it), access.
pub const PERMISSIONS: &[(&str, &str, Access)] = &[
    ("GET", "/healthz", Access::Public),
    ("GET", "/readyz", Access::Public),
    ("GET", "/openapi.json", Access::Public),
    ("GET", "/.well-known/security.txt", Access::Public),
    // Not a tenant route: the handler checks the operator's scrape token.
    ("GET", "/metrics", Access::Public),
    ("POST", "/api/v1/session", Access::Public),
    ("POST", "/api/v1/session/refresh", Access::Public),
    ("POST", "/api/v1/session/second-factor", Access::Public),
    ("POST", "/api/v1/me/totp", Access::Signed),
    ("POST", "/api/v1/me/totp/confirm", Access::Signed),
    ("POST", "/api/v1/me/totp/backup-codes", Access::Signed),
    ("DELETE", "/api/v1/session", Access::Signed),
    ("GET", "/api/v1/me", Access::Signed),
    ("POST", "/api/v1/me/password", Access::Signed),
    ("GET", "/api/v1/connections", Access::Read),
    ("POST", "/api/v1/connections", Access::Admin),
    ("GET", "/api/v1/connections/template.yaml", Access::Admin),
    (
        "GET",
        "/api/v1/connections/organization-template.yaml",
        Access::Admin,
    ),
    ("GET", "/api/v1/connections/{connection_id}", Access::Read),
    (
        "DELETE",
        "/api/v1/connections/{connection_id}",
        Access::Admin,
    ),
    (
        "GET",
        "/api/v1/connections/{connection_id}/setup",
        Access::Admin,
    ),
    (
        "POST",
        "/api/v1/connections/{connection_id}/test",
        Access::Admin,
    ),
    ("POST", "/api/v1/invitations/accept", Access::Public),
    ("GET", "/api/v1/tenants", Access::Operator),
    ("POST", "/api/v1/tenants", Access::Operator),
    ("DELETE", "/api/v1/tenants/{tenant_id}", Access::Operator),
    ("GET", "/api/v1/tenant/settings", Access::Admin),
    ("PUT", "/api/v1/tenant/settings", Access::Admin),
    ("GET", "/api/v1/users", Access::Admin),
    ("POST", "/api/v1/users", Access::Admin),
    ("PATCH", "/api/v1/users/{user_id}", Access::Admin),
    ("DELETE", "/api/v1/users/{user_id}", Access::Admin),
    ("POST", "/api/v1/users/{user_id}/invitation", Access::Admin),
    (
        "GET",
        "/api/v1/connections/{connection_id}/mutelist",
        Access::Read,
    ),
    (
        "GET",
        "/api/v1/connections/{connection_id}/schedule",
        Access::Read,
    ),
    (
        "PUT",
        "/api/v1/connections/{connection_id}/schedule",
        Access::Admin,
    ),
    (
        "DELETE",
        "/api/v1/connections/{connection_id}/schedule",
        Access::Admin,
    ),
    ("POST", "/api/v1/mutelist", Access::Admin),
    ("DELETE", "/api/v1/mutelist/{entry_id}", Access::Admin),
    ("GET", "/api/v1/scans", Access::Read),
    ("GET", "/api/v1/scans/{scan_id}", Access::Read),
    ("GET", "/api/v1/scans/{scan_id}/members", Access::Read),
    ("GET", "/api/v1/scans/{scan_id}/findings", Access::Read),
    ("GET", "/api/v1/scans/{scan_id}/report", Access::Read),
    ("GET", "/api/v1/scans/{scan_id}/diff", Access::Read),
    ("POST", "/api/v1/scans/{scan_id}/cancel", Access::Admin),
    (
        "GET",
        "/api/v1/connections/{connection_id}/scores",
        Access::Read,
    ),
    (
        "POST",
        "/api/v1/connections/{connection_id}/scans",
        Access::Admin,
    ),
    ("GET", "/api/v1/audit-log", Access::Admin),
];

/// The access `method` on `route` needs; `None` for a route not in the
/// matrix (refused).
pub fn required(method: &Method, route: &str) -> Option<Access> {
    PERMISSIONS
        .iter()
        .find(|(m, r, _)| *m == method.as_str() && *r == route)
        .map(|(_, _, a)| *a)
}

/// Whether a tenant role meets `access`.
pub fn allows(role: cloudarq_store::users::Role, access: Access) -> bool {
    use cloudarq_store::users::Role;
    match access {
        Access::Public | Access::Signed | Access::Read => true,
        Access::Admin | Access::Operator => role == Role::Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloudarq_store::users::Role;

    #[test]
    fn unlisted_routes_are_refused_and_clients_cannot_administer() {
        assert_eq!(required(&Method::GET, "/api/v1/unknown"), None);
        assert_eq!(required(&Method::PUT, "/api/v1/scans"), None);
        let admin_routes: Vec<_> = PERMISSIONS
            .iter()
            .filter(|p| p.2 == Access::Admin)
            .collect();
        assert!(!admin_routes.is_empty());
        for (_, _, a) in admin_routes {
            assert!(!allows(Role::Client, *a));
            assert!(allows(Role::Admin, *a));
        }
    }
}
