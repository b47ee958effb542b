//! A connection's scan schedule (admin writes, everyone reads): a fixed
//! interval, or a cron expression read in an IANA time zone. Every worker
//! runs the scheduler; each tick queues exactly one scan however many run
//! (`cloudarq_store::schedules`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cloudarq_store::connections::ConnectionId;
use cloudarq_store::schedules::{Cadence, Schedule as Stored};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::service::AppState;
use crate::service::auth::Identity;
use crate::service::error::{ApiError, ApiJson, ApiPath, Problem};

/// A connection's schedule.
#[derive(Serialize, ToSchema)]
pub struct Schedule {
    /// The connection scanned.
    pub connection_id: Uuid,
    /// Seconds between scans (an interval schedule).
    pub interval_seconds: Option<u64>,
    /// The cron expression (a cron schedule).
    pub cron: Option<String>,
    /// The time zone the cron expression is read in.
    pub time_zone: Option<String>,
    /// When the next scheduled scan is queued (RFC 3339).
    pub next_run_at: String,
}

impl From<Stored> for Schedule {
    fn from(s: Stored) -> Self {
        let (interval_seconds, cron, time_zone) = match s.cadence {
            Cadence::Every { seconds } => (Some(seconds), None, None),
            Cadence::Cron {
                expression,
                time_zone,
            } => (None, Some(expression), Some(time_zone)),
        };
        Self {
            connection_id: s.connection.0,
            interval_seconds,
            cron,
            time_zone,
            next_run_at: super::rfc3339(s.next_tick),
        }
    }
}

/// A schedule to set: either `interval_seconds`, or `cron` (with
/// `time_zone`, UTC when left out). Parsed as one object so a wrong mix
/// gets an error naming the fields; the OpenAPI document describes it as
/// [`ScheduleBody`], one of two shapes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSchedule {
    /// Seconds between scans, counted from now (60 to 31,622,400).
    #[serde(default, deserialize_with = "whole_seconds")]
    pub interval_seconds: Option<u64>,
    /// Five fields: minute, hour, day of month, month, day of week (names,
    /// ranges, steps, `L`, `W`, `#` and `@daily`-style nicknames accepted).
    pub cron: Option<String>,
    /// An IANA time zone name (default UTC), for `cron` only.
    pub time_zone: Option<String>,
}

/// A JSON number that is a whole, non-negative count (`783` or `783.0`: JSON
/// Schema's `integer` accepts both).
fn whole_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let Some(n) = Option::<serde_json::Number>::deserialize(d)? else {
        return Ok(None);
    };
    if let Some(v) = n.as_u64() {
        return Ok(Some(v));
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&f) => Ok(Some(f as u64)),
        _ => Err(serde::de::Error::custom(format!(
            "expected a whole number of seconds, got {n}"
        ))),
    }
}

/// A schedule to set (its OpenAPI shape): an interval, or a cron
/// expression.
#[derive(ToSchema)]
#[allow(dead_code, reason = "the API document's shape of `NewSchedule`")]
#[serde(untagged)]
pub enum ScheduleBody {
    /// An interval schedule.
    Interval(IntervalSchedule),
    /// A cron schedule.
    Cron(CronSchedule),
}

/// An interval schedule.
#[derive(ToSchema)]
#[allow(dead_code, reason = "the API document's shape of `NewSchedule`")]
#[serde(deny_unknown_fields)]
pub struct IntervalSchedule {
    /// Seconds between scans, counted from now (60 to 31,622,400).
    #[schema(minimum = 60, maximum = 31_622_400)]
    pub interval_seconds: u64,
}

/// A cron schedule.
#[derive(ToSchema)]
#[allow(dead_code, reason = "the API document's shape of `NewSchedule`")]
#[serde(deny_unknown_fields)]
pub struct CronSchedule {
    /// Five fields: minute, hour, day of month, month, day of week (names,
    /// ranges, steps, `L`, `W`, `#` and `@daily`-style nicknames accepted).
    #[schema(min_length = 1, max_length = 100, example = "30 2 * * *")]
    pub cron: String,
    /// An IANA time zone name (default UTC).
    #[schema(min_length = 1, max_length = 64, example = "Europe/Berlin")]
    pub time_zone: Option<String>,
}

impl NewSchedule {
    fn cadence(&self) -> Result<Cadence, ApiError> {
        match (self.interval_seconds, &self.cron, &self.time_zone) {
            (Some(s), None, None) => Ok(Cadence::every(s)?),
            (None, Some(expr), zone) => Ok(Cadence::cron(expr, zone.as_deref().unwrap_or("UTC"))?),
            (Some(_), None, Some(_)) => Err(ApiError::BadRequest(
                "time_zone: applies to a cron schedule only".into(),
            )),
            (Some(_), Some(_), _) => Err(ApiError::BadRequest(
                "interval_seconds, cron: give one, not both".into(),
            )),
            (None, None, _) => Err(ApiError::BadRequest(
                "interval_seconds, cron: give one of them".into(),
            )),
        }
    }
}

/// The connection's schedule.
#[utoipa::path(get, path = "/api/v1/connections/{connection_id}/schedule", tag = "schedules",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    responses(
        (status = 200, description = "The schedule", body = Schedule),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An admin signed in without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection, or it has no schedule", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<Json<Schedule>, ApiError> {
    let stored = state
        .store()
        .schedule(&id.scope, ConnectionId(connection_id))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(stored.into()))
}

/// Sets or replaces the connection's schedule (admin; audited).
#[utoipa::path(put, path = "/api/v1/connections/{connection_id}/schedule", tag = "schedules",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    request_body = ScheduleBody,
    responses(
        (status = 200, description = "Set", body = Schedule),
        (status = 400, description = "A field is invalid (named)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The body is not a schedule", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewSchedule>,
) -> Result<Json<Schedule>, ApiError> {
    let cadence = body.cadence()?;
    let connection = ConnectionId(connection_id);
    let stored = state
        .store()
        .set_schedule(
            &id.scope,
            connection,
            cadence,
            time::OffsetDateTime::now_utc(),
        )
        .await?;
    id.audit(
        state.store(),
        "schedule.set",
        &format!("connection:{connection}"),
        "success",
    )
    .await?;
    Ok(Json(stored.into()))
}

/// Removes the connection's schedule (admin; audited); scans already
/// queued stay.
#[utoipa::path(delete, path = "/api/v1/connections/{connection_id}/schedule", tag = "schedules",
    security(("bearer" = [])),
    params(("connection_id" = Uuid, Path, description = "The connection")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin, or an admin without a second factor", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection, or it has no schedule", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    id: Identity,
    ApiPath(connection_id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    let connection = ConnectionId(connection_id);
    state.store().delete_schedule(&id.scope, connection).await?;
    id.audit(
        state.store(),
        "schedule.delete",
        &format!("connection:{connection}"),
        "success",
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
