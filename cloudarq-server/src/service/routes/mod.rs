//! The API's routes, one module per resource; each handler carries its
//! OpenAPI description (utoipa), so the document and the router are built
//! from the same list.

pub mod audit;
pub mod connections;
pub mod findings;
pub mod meta;
pub mod mfa;
pub mod mutelist;
pub mod reports;
pub mod scans;
pub mod schedules;
pub mod session;
pub mod settings;
pub mod tenants;
pub mod users;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;

/// Every route, with its description.
pub fn all() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::readyz))
        .routes(routes!(meta::security_txt))
        .routes(routes!(crate::service::metrics::metrics))
        .routes(routes!(session::sign_in, session::sign_out))
        .routes(routes!(session::refresh))
        .routes(routes!(mfa::second_factor))
        .routes(routes!(mfa::begin))
        .routes(routes!(mfa::confirm))
        .routes(routes!(mfa::regenerate))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(connections::list, connections::create))
        .routes(routes!(connections::get, connections::delete))
        .routes(routes!(connections::get_setup))
        .routes(routes!(connections::test))
        .routes(routes!(connections::template))
        .routes(routes!(connections::organization_template))
        .routes(routes!(tenants::list, tenants::create))
        .routes(routes!(tenants::delete))
        .routes(routes!(settings::get, settings::put))
        .routes(routes!(users::list, users::invite))
        .routes(routes!(users::change_role, users::remove))
        .routes(routes!(users::reinvite))
        .routes(routes!(users::accept))
        .routes(routes!(scans::list))
        .routes(routes!(scans::get))
        .routes(routes!(scans::request))
        .routes(routes!(scans::cancel))
        .routes(routes!(scans::members))
        .routes(routes!(findings::page))
        .routes(routes!(schedules::get, schedules::put, schedules::delete))
        .routes(routes!(mutelist::list))
        .routes(routes!(mutelist::add))
        .routes(routes!(mutelist::remove))
        .routes(routes!(reports::report))
        .routes(routes!(reports::scan_diff))
        .routes(routes!(reports::scores))
        .routes(routes!(audit::list))
}

/// RFC 3339 text of a time.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
