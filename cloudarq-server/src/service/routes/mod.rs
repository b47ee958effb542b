//! The API's routes, one module per resource; each handler carries its
//! OpenAPI description (utoipa), so the document and the router are built
//! from the same list.

pub mod audit;
pub mod findings;
pub mod meta;
pub mod mfa;
pub mod scans;
pub mod session;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

/// Every route, with its description.
pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::readyz))
        .routes(routes!(meta::security_txt))
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(session::refresh))
        .routes(routes!(mfa::second_factor))
        .routes(routes!(mfa::begin))
        .routes(routes!(mfa::confirm))
        .routes(routes!(mfa::regenerate))
        .routes(routes!(session::me))
        .routes(routes!(scans::list))
        .routes(routes!(scans::get))
        .routes(routes!(scans::request))
        .routes(routes!(findings::page))
        .routes(routes!(audit::list))
}

/// RFC 3339 text of a time.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
