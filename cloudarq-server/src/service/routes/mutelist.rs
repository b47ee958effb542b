//! The mutelist (admin writes, everyone reads): accepted risks, each a rule
//! (or every rule), an ARN glob, a reason, an optional expiry and region,
//! for one connection or the whole tenant. Scans apply it; a muted finding
//! shows its reason, an expired entry mutes nothing and says so.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudarq_core::engine::Mutelist;
use cloudarq_model::mute::{Expiry, MuteEntry};
use cloudarq_model::{Region, Timestamp};
use cloudarq_store::connections::ConnectionId;
use cloudarq_store::mutelist::StoredMuteEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::error::{ApiError, ApiJson, ApiPath, Problem};

/// A mutelist entry.
#[derive(Serialize, ToSchema)]
pub struct Entry {
    /// Its id.
    pub id: Uuid,
    /// The connection it is limited to; absent for the whole tenant.
    pub connection_id: Option<Uuid>,
    /// The rule it mutes; absent for every rule.
    pub rule_id: Option<String>,
    /// The ARN glob (`*` matches any characters, `/` and `:` included).
    pub resource: String,
    /// Why the risk is accepted.
    pub reason: String,
    /// When it stops muting (RFC 3339).
    pub expires_at: Option<String>,
    /// The only region it applies to.
    pub region: Option<String>,
}

impl From<StoredMuteEntry> for Entry {
    fn from(s: StoredMuteEntry) -> Self {
        Self {
            id: s.id,
            connection_id: s.connection.map(|c| c.0),
            rule_id: s.entry.rule,
            resource: s.entry.resource,
            reason: s.entry.reason,
            expires_at: s.entry.expires.map(|e| super::rfc3339(e.at.get())),
            region: s.entry.region.map(|r| r.as_str().to_owned()),
        }
    }
}

/// A new entry.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEntry {
    /// Only this connection (default: every connection of the tenant).
    pub connection_id: Option<Uuid>,
    /// A built-in rule's id (default: every rule); the document lists them.
    #[schema(max_length = 200)]
    pub rule_id: Option<String>,
    /// The ARN glob: ARN characters, `*` (any characters, `/` and `:`
    /// included) and `?`; at most 16 wildcards.
    #[schema(
        min_length = 1,
        max_length = 2048,
        pattern = "^[A-Za-z0-9:/_.*?+=,@-]+$"
    )]
    pub resource: String,
    /// Why the risk is accepted (shown on each muted finding): printable
    /// text, not blank.
    #[schema(
        min_length = 1,
        max_length = 512,
        pattern = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]*[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069][^\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]*$"
    )]
    pub reason: String,
    /// When it stops muting (RFC 3339, in the future).
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// The only region it applies to (e.g. `eu-west-1`).
    #[schema(
        min_length = 4,
        max_length = 32,
        pattern = "^[a-z0-9][a-z0-9-]*-[a-z0-9-]*[0-9]$"
    )]
    pub region: Option<String>,
}

/// The entries that apply to a connection: its own and the tenant's.
#[utoipa::path(get, path = "/api/v1/connections/{connection_id}/mutelist", tag = "mutelist",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    responses(
        (status = 200, description = "Entries, oldest first (expired ones included)", body = Vec<Entry>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    let connection = ConnectionId(connection_id);
    super::connections::listed(&state, &id, connection).await?;
    let entries = state.store().mute_entries(&id.scope, connection).await?;
    Ok(Json(entries.into_iter().map(Entry::from).collect()))
}

/// Adds an entry (admin; audited). The glob, rule id, expiry and region are
/// checked as a mutelist file's are, and refused naming the field.
#[utoipa::path(post, path = "/api/v1/mutelist", tag = "mutelist",
    security(("bearer" = [])),
    request_body = NewEntry,
    responses(
        (status = 201, description = "Added", body = Entry),
        (status = 400, description = "A field is invalid (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The expiry is not in the future", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not an entry", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn add(
    State(state): State<AppState>,
    id: Identity,
    ApiJson(body): ApiJson<NewEntry>,
) -> Result<(StatusCode, Json<Entry>), ApiError> {
    let now = time::OffsetDateTime::now_utc();
    if let Some(rule) = &body.rule_id
        && !cloudarq_rules::all().iter().any(|r| r.meta().id == rule)
    {
        return Err(ApiError::BadRequest(format!(
            "rule_id: {rule:?} is not a built-in rule (leave it out to mute every rule)"
        )));
    }
    let expires = match &body.expires_at {
        None => None,
        Some(text) => {
            let at =
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| {
                    ApiError::BadRequest(format!("expires_at: {text:?} is not an RFC 3339 time"))
                })?;
            if at <= now {
                // Well-formed, but it would mute nothing.
                return Err(ApiError::Conflict(format!(
                    "expires_at: {text:?} is not in the future"
                )));
            }
            Some(Expiry::at(Timestamp::new(at)))
        }
    };
    let region: Option<Region> =
        body.region.as_deref().map(str::parse).transpose().map_err(
            |e: cloudarq_model::ModelError| ApiError::BadRequest(format!("region: {e}")),
        )?;
    let entry = MuteEntry {
        rule: body.rule_id.clone(),
        resource: body.resource.clone(),
        reason: body.reason.clone(),
        expires,
        region,
    };
    // The engine's own checks: glob syntax and complexity, empty fields.
    Mutelist::new("the new entry", vec![entry.clone()])
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let connection = body.connection_id.map(ConnectionId);
    let entry_id = state
        .store()
        .add_mute_entry(&id.scope, connection, &entry, now)
        .await?;
    id.audit(
        state.store(),
        "mutelist.add",
        &format!("mute:{entry_id}"),
        "success",
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Entry::from(StoredMuteEntry {
            id: entry_id,
            connection,
            entry,
        })),
    ))
}

/// Removes an entry (admin; audited).
#[utoipa::path(delete, path = "/api/v1/mutelist/{entry_id}", tag = "mutelist",
    security(("bearer" = [])),
    params(("entry_id" = Uuid, Path, description = "The entry")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(entry_id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.store().delete_mute_entry(&id.scope, entry_id).await?;
    id.audit(
        state.store(),
        "mutelist.remove",
        &format!("mute:{entry_id}"),
        "success",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
