//! Scan schedules (table `scan_schedules`): a connection scanned at a fixed
//! interval or by a cron expression read in an IANA time zone.
//!
//! - A schedule's ticks are instants: `anchor + k × interval` for an
//!   interval, the cron expression's matches in its time zone for cron
//!   (daylight-saving time included: a wall-clock time that a change skips
//!   fires at the first instant after the gap, as in Vixie cron, so a
//!   nightly scan is not lost; one that a change repeats fires once).
//! - [`Store::enqueue_scheduled_scans`] is the scheduler's step: every
//!   worker runs it, and any number may run at once. For each schedule whose
//!   next tick is due it queues one scan carrying that tick, and moves the
//!   next tick past `now`. The scan's (connection, tick) is unique in the
//!   database, the dedupe key of a tick, so however many schedulers see the
//!   tick due, one scan is queued; on PostgreSQL a scheduler also skips the
//!   schedules another one holds (`FOR UPDATE SKIP LOCKED`).
//! - Ticks missed while nothing ran give one catch-up scan, for the latest
//!   missed tick, not one scan per missed tick.
//! - Deleting a connection or its tenant deletes the schedule at once
//!   ([`crate::retention`]).
//!
//! ```
//! use cloudarq_store::schedules::Cadence;
//! use time::macros::datetime;
//!
//! // Every day at 02:30 in Berlin: 01:30 UTC in winter.
//! let nightly = Cadence::cron("30 2 * * *", "Europe/Berlin")?;
//! let now = datetime!(2026-12-04 09:00 UTC);
//! assert_eq!(nightly.next_after(now, now)?, datetime!(2026-12-05 01:30 UTC));
//!
//! // Every six hours from the anchor.
//! let every = Cadence::every(6 * 3600)?;
//! assert_eq!(every.next_after(now, now)?, datetime!(2026-12-04 15:00 UTC));
//! # Ok::<(), cloudarq_store::StoreError>(())
//! ```

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use jiff::tz::TimeZone;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{Tx, ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::scans::ScanId;
use crate::scope::{JobRunner, TenantScope};

/// The shortest interval between two ticks.
pub const MIN_INTERVAL_SECONDS: u64 = 60;

/// The longest interval between two ticks (a year).
pub const MAX_INTERVAL_SECONDS: u64 = 366 * 24 * 3600;

/// The longest cron expression accepted.
pub const MAX_CRON_CHARS: usize = 100;

/// How many due schedules one scheduler transaction handles.
const BATCH: i64 = 200;

/// When a schedule's scans run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// Every `seconds` seconds from the schedule's anchor.
    Every {
        /// The interval, [`MIN_INTERVAL_SECONDS`] to [`MAX_INTERVAL_SECONDS`].
        seconds: u64,
    },
    /// At the matches of a five-field cron expression (minute, hour, day of
    /// month, month, day of week; names, ranges, steps, `L`, `W`, `#` and
    /// nicknames such as `@daily` accepted) in an IANA time zone.
    Cron {
        /// The expression as given.
        expression: String,
        /// The time zone's IANA name (`UTC`, `Europe/Berlin`).
        time_zone: String,
    },
}

impl Cadence {
    /// An interval of `seconds` ([`MIN_INTERVAL_SECONDS`] to
    /// [`MAX_INTERVAL_SECONDS`]).
    pub fn every(seconds: u64) -> Result<Self> {
        if !(MIN_INTERVAL_SECONDS..=MAX_INTERVAL_SECONDS).contains(&seconds) {
            return Err(StoreError::InvalidInput {
                field: "schedule interval",
                detail: format!(
                    "{seconds} s is outside {MIN_INTERVAL_SECONDS} s to {MAX_INTERVAL_SECONDS} s"
                ),
            });
        }
        Ok(Self::Every { seconds })
    }

    /// A cron expression in `time_zone`; refused when either does not
    /// parse or the expression never matches.
    pub fn cron(expression: &str, time_zone: &str) -> Result<Self> {
        let cadence = Self::Cron {
            expression: expression.trim().to_owned(),
            time_zone: time_zone.trim().to_owned(),
        };
        let (cron, zone) = cadence.parsed_cron()?.ok_or(StoreError::Corrupt {
            what: "schedule",
            detail: "a cron cadence without an expression".into(),
        })?;
        // An expression such as `0 0 30 2 *` parses but never fires.
        let start = jiff::Timestamp::UNIX_EPOCH.to_zoned(zone);
        cron.find_next_occurrence(&start, false)
            .map_err(|e| StoreError::InvalidInput {
                field: "cron expression",
                detail: format!("{expression:?} never matches: {e}"),
            })?;
        Ok(cadence)
    }

    /// The parsed expression and zone of a cron cadence (`None` for an
    /// interval).
    fn parsed_cron(&self) -> Result<Option<(Cron, TimeZone)>> {
        let Self::Cron {
            expression,
            time_zone,
        } = self
        else {
            return Ok(None);
        };
        if expression.is_empty()
            || expression.chars().count() > MAX_CRON_CHARS
            || expression.chars().any(char::is_control)
        {
            return Err(StoreError::InvalidInput {
                field: "cron expression",
                detail: format!(
                    "must be 1 to {MAX_CRON_CHARS} characters without control characters"
                ),
            });
        }
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(expression)
            .map_err(|e| StoreError::InvalidInput {
                field: "cron expression",
                detail: format!(
                    "{expression:?}: {e} (five fields: minute hour day-of-month month day-of-week)"
                ),
            })?;
        let zone = zone(time_zone)?;
        Ok(Some((cron, zone)))
    }

    /// The first tick strictly after `t` of a schedule anchored at `anchor`.
    pub fn next_after(&self, anchor: OffsetDateTime, t: OffsetDateTime) -> Result<OffsetDateTime> {
        self.tick(anchor, t, true)
    }

    /// The last tick at or before `t` (`anchor` itself when `t` is before
    /// the first).
    pub fn last_at_or_before(
        &self,
        anchor: OffsetDateTime,
        t: OffsetDateTime,
    ) -> Result<OffsetDateTime> {
        self.tick(anchor, t, false)
    }

    fn tick(
        &self,
        anchor: OffsetDateTime,
        t: OffsetDateTime,
        after: bool,
    ) -> Result<OffsetDateTime> {
        let out_of_range = || StoreError::InvalidInput {
            field: "schedule time",
            detail: format!("{t} is out of range"),
        };
        if let Self::Every { seconds } = self {
            let step = i128::from(*seconds) * 1_000_000_000;
            let since = (t - anchor).whole_nanoseconds();
            let k = if after {
                since.div_euclid(step) + 1
            } else {
                since.div_euclid(step).max(0)
            };
            let offset = i64::try_from(k * step).map_err(|_| out_of_range())?;
            return anchor
                .checked_add(Duration::nanoseconds(offset))
                .ok_or_else(out_of_range);
        }
        let (cron, zone) = self.parsed_cron()?.ok_or_else(out_of_range)?;
        let at = jiff::Timestamp::from_millisecond(ms(t))
            .map_err(|_| out_of_range())?
            .to_zoned(zone);
        let found = if after {
            cron.find_next_occurrence(&at, false)
        } else {
            cron.find_previous_occurrence(&at, true)
        };
        match found {
            Ok(z) => from_ms(z.timestamp().as_millisecond()),
            // No earlier match within the search's range: the anchor.
            Err(_) if !after => Ok(anchor),
            Err(e) => Err(StoreError::InvalidInput {
                field: "cron expression",
                detail: format!("no tick after {t}: {e}"),
            }),
        }
    }

    fn columns(&self) -> (Option<i64>, Option<&str>, &str) {
        match self {
            Self::Every { seconds } => (i64::try_from(*seconds).ok(), None, "UTC"),
            Self::Cron {
                expression,
                time_zone,
            } => (None, Some(expression), time_zone),
        }
    }

    fn from_columns(
        interval: Option<i64>,
        cron: Option<String>,
        time_zone: String,
    ) -> Result<Self> {
        match (interval, cron) {
            (Some(s), None) => Self::every(u64::try_from(s).unwrap_or(0)),
            (None, Some(expression)) => Self::cron(&expression, &time_zone),
            _ => Err(StoreError::Corrupt {
                what: "schedule",
                detail: "neither or both of an interval and a cron expression".into(),
            }),
        }
    }
}

fn zone(name: &str) -> Result<TimeZone> {
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        return Err(StoreError::InvalidInput {
            field: "time zone",
            detail: "must be an IANA time zone name such as UTC or Europe/Berlin".into(),
        });
    }
    TimeZone::get(name).map_err(|_| StoreError::InvalidInput {
        field: "time zone",
        detail: format!("{name:?} is not an IANA time zone name (such as UTC or Europe/Berlin)"),
    })
}

fn from_ms(v: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(v) * 1_000_000).map_err(|_| {
        StoreError::Corrupt {
            what: "schedule time",
            detail: format!("{v} ms is out of range"),
        }
    })
}

/// A connection's schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The connection scanned.
    pub connection: ConnectionId,
    /// When.
    pub cadence: Cadence,
    /// The instant an interval counts from (when the schedule was set).
    pub anchor: OffsetDateTime,
    /// The next tick not yet queued.
    pub next_tick: OffsetDateTime,
}

type Row = (Uuid, Option<i64>, Option<String>, String, i64, i64);

fn schedule(row: Row) -> Result<Schedule> {
    let (connection, interval, cron, time_zone, anchor, next) = row;
    Ok(Schedule {
        connection: ConnectionId(connection),
        cadence: Cadence::from_columns(interval, cron, time_zone)?,
        anchor: from_ms(anchor)?,
        next_tick: from_ms(next)?,
    })
}

/// Due schedules, oldest tick first, at most `BATCH`, then `$lock`.
macro_rules! due {
    ($lock:literal) => {
        concat!(
            "SELECT s.tenant_id, s.connection_id, s.interval_seconds, s.cron, s.time_zone, s.anchor_ms, s.next_tick_ms \
             FROM scan_schedules s \
             JOIN connections co ON co.tenant_id = s.tenant_id AND co.id = s.connection_id \
             JOIN tenants t ON t.id = s.tenant_id \
             WHERE s.next_tick_ms <= $1 AND co.deleted_at_ms IS NULL AND t.deleted_at_ms IS NULL \
             ORDER BY s.next_tick_ms LIMIT $2",
            $lock
        )
    };
}

type Due = (Uuid, Uuid, Option<i64>, Option<String>, String, i64, i64);

impl Store {
    /// Sets (or replaces) the schedule of live connection `connection` of
    /// the scope's tenant; the first tick is the cadence's first after
    /// `now`, and an interval counts from `now`.
    pub async fn set_schedule(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
        cadence: Cadence,
        now: OffsetDateTime,
    ) -> Result<Schedule> {
        let tenant = scope.tenant().as_uuid();
        let next = cadence.next_after(now, now)?;
        let (interval, cron, time_zone) = cadence.columns();
        let mut tx = self.begin_tenant(tenant).await?;
        self.live_connection(&mut tx, tenant, connection).await?;
        on_tx!(&mut tx, c => {
            sqlx::query(
                "INSERT INTO scan_schedules (connection_id, tenant_id, interval_seconds, cron, time_zone, anchor_ms, next_tick_ms, created_at_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $6) \
                 ON CONFLICT (connection_id) DO UPDATE SET interval_seconds = excluded.interval_seconds, cron = excluded.cron, \
                 time_zone = excluded.time_zone, anchor_ms = excluded.anchor_ms, next_tick_ms = excluded.next_tick_ms",
            )
            .bind(connection.0)
            .bind(tenant)
            .bind(interval)
            .bind(cron)
            .bind(time_zone)
            .bind(ms(now))
            .bind(ms(next))
            .execute(&mut *c)
            .await
            .ctx("setting a schedule")?;
        });
        tx.commit().await?;
        tracing::info!(connection = %connection, next_tick = %next, "schedule set");
        Ok(Schedule {
            connection,
            cadence,
            anchor: now,
            next_tick: next,
        })
    }

    /// The schedule of connection `connection` of the scope's tenant, if
    /// it has one.
    pub async fn schedule(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
    ) -> Result<Option<Schedule>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        self.live_connection(&mut tx, tenant, connection).await?;
        let row: Option<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT connection_id, interval_seconds, cron, time_zone, anchor_ms, next_tick_ms \
                 FROM scan_schedules WHERE connection_id = $1 AND tenant_id = $2",
            )
            .bind(connection.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading a schedule")?
        });
        tx.commit().await?;
        row.map(schedule).transpose()
    }

    /// Removes the schedule of connection `connection` of the scope's
    /// tenant ([`StoreError::NotFound`] when it has none); scans already
    /// queued stay.
    pub async fn delete_schedule(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
    ) -> Result<()> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let gone = on_tx!(&mut tx, c => {
            sqlx::query("DELETE FROM scan_schedules WHERE connection_id = $1 AND tenant_id = $2")
                .bind(connection.0)
                .bind(tenant)
                .execute(&mut *c)
                .await
                .ctx("deleting a schedule")?
                .rows_affected()
        });
        if gone == 0 {
            return Err(StoreError::NotFound {
                what: "schedule",
                id: connection.to_string(),
            });
        }
        tx.commit().await?;
        tracing::info!(connection = %connection, "schedule deleted");
        Ok(())
    }

    /// The scheduler's step at `now`: for every schedule of a live
    /// connection whose next tick is due, queues one scan for the latest
    /// due tick (missed ticks give one catch-up scan) unless a scan for that
    /// tick exists, and moves the next tick past `now`. Returns the scans
    /// it queued. Safe to run from any number of processes at once.
    pub async fn enqueue_scheduled_scans(
        &self,
        _runner: &JobRunner,
        now: OffsetDateTime,
    ) -> Result<Vec<ScanId>> {
        let mut queued = Vec::new();
        loop {
            let mut tx = self.pool.begin_operator().await?;
            let due: Vec<Due> = match &mut tx {
                Tx::Sqlite(t) => {
                    sqlx::query_as(due!(""))
                        .bind(ms(now))
                        .bind(BATCH)
                        .fetch_all(&mut **t)
                        .await
                }
                Tx::Postgres(t) => {
                    sqlx::query_as(due!(" FOR UPDATE OF s SKIP LOCKED"))
                        .bind(ms(now))
                        .bind(BATCH)
                        .fetch_all(&mut **t)
                        .await
                }
            }
            .ctx("finding due schedules")?;
            let n = due.len();
            for (tenant, connection, interval, cron, time_zone, anchor, next) in due {
                let cadence = match Cadence::from_columns(interval, cron, time_zone) {
                    Ok(c) => c,
                    Err(e) => {
                        // A stored schedule this build cannot read: skip it,
                        // loudly, rather than stop every other schedule.
                        tracing::error!(connection = %connection, error = %e, "schedule skipped");
                        continue;
                    }
                };
                let anchor = from_ms(anchor)?;
                let tick = cadence.last_at_or_before(anchor, now)?.max(from_ms(next)?);
                let following = cadence.next_after(anchor, now)?;
                let id = Uuid::now_v7();
                let inserted = on_tx!(&mut tx, c => {
                    sqlx::query(
                        "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms, schedule_tick_ms) \
                         VALUES ($1, $2, $3, 'queued', $4, $5) \
                         ON CONFLICT (connection_id, schedule_tick_ms) WHERE schedule_tick_ms IS NOT NULL DO NOTHING",
                    )
                    .bind(id)
                    .bind(tenant)
                    .bind(connection)
                    .bind(ms(now))
                    .bind(ms(tick))
                    .execute(&mut *c)
                    .await
                    .ctx("queueing a scheduled scan")?
                    .rows_affected()
                });
                on_tx!(&mut tx, c => {
                    sqlx::query(
                        "UPDATE scan_schedules SET next_tick_ms = $1 WHERE connection_id = $2 AND next_tick_ms = $3",
                    )
                    .bind(ms(following))
                    .bind(connection)
                    .bind(next)
                    .execute(&mut *c)
                    .await
                    .ctx("advancing a schedule")?;
                });
                if inserted == 1 {
                    tracing::info!(scan = %id, tenant = %tenant, connection = %connection, tick = %tick, "scheduled scan queued");
                    queued.push(ScanId(id));
                }
            }
            tx.commit().await?;
            if n < usize::try_from(BATCH).unwrap_or(usize::MAX) {
                return Ok(queued);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn intervals_count_from_the_anchor() {
        let a = datetime!(2026-01-01 00:00:30 UTC);
        let c = Cadence::every(60).unwrap();
        assert_eq!(
            c.next_after(a, a).unwrap(),
            datetime!(2026-01-01 00:01:30 UTC)
        );
        assert_eq!(
            c.next_after(a, datetime!(2026-01-01 00:01:30 UTC)).unwrap(),
            datetime!(2026-01-01 00:02:30 UTC)
        );
        assert_eq!(
            c.last_at_or_before(a, datetime!(2026-01-01 03:00:00 UTC))
                .unwrap(),
            datetime!(2026-01-01 02:59:30 UTC)
        );
        assert_eq!(c.last_at_or_before(a, a - Duration::hours(1)).unwrap(), a);
        for bad in [0, 59, MAX_INTERVAL_SECONDS + 1] {
            let e = Cadence::every(bad).unwrap_err().to_string();
            assert!(e.contains("schedule interval"), "{e}");
        }
    }

    #[test]
    fn cron_follows_the_time_zone_through_daylight_saving() {
        let c = Cadence::cron("30 2 * * *", "Europe/Berlin").unwrap();
        let anchor = datetime!(2026-03-01 00:00 UTC);
        // Winter: 02:30 CET is 01:30 UTC.
        assert_eq!(
            c.next_after(anchor, datetime!(2026-03-27 12:00 UTC))
                .unwrap(),
            datetime!(2026-03-28 01:30 UTC)
        );
        // 29 March 2026: 02:00 CET jumps to 03:00 CEST; 02:30 does not
        // exist that day, so the tick is the first instant after the gap,
        // 03:00 CEST (01:00 UTC), and the day after is 02:30 CEST again.
        let spring = c
            .next_after(anchor, datetime!(2026-03-28 12:00 UTC))
            .unwrap();
        assert_eq!(spring, datetime!(2026-03-29 01:00 UTC));
        assert_eq!(
            c.next_after(anchor, spring).unwrap(),
            datetime!(2026-03-30 00:30 UTC)
        );
        // 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30
        // happens twice (00:30 and 01:30 UTC); it fires once.
        let autumn = c
            .next_after(anchor, datetime!(2026-10-24 12:00 UTC))
            .unwrap();
        let after = c.next_after(anchor, autumn).unwrap();
        assert!(
            after >= datetime!(2026-10-26 00:00 UTC),
            "{autumn} then {after}"
        );
        let utc = Cadence::cron("@hourly", "UTC").unwrap();
        assert_eq!(
            utc.last_at_or_before(anchor, datetime!(2026-03-01 05:59:59 UTC))
                .unwrap(),
            datetime!(2026-03-01 05:00 UTC)
        );
    }

    #[test]
    fn bad_cadences_are_refused_with_what_was_wrong() {
        for (expr, tz, field) in [
            ("", "UTC", "cron expression"),
            ("61 * * * *", "UTC", "cron expression"),
            ("* * * *", "UTC", "cron expression"),
            ("0 0 * * * *", "UTC", "cron expression"),
            ("0 0 30 2 *", "UTC", "cron expression"),
            ("0 0 * * *\u{1b}[2J", "UTC", "cron expression"),
            ("0 0 * * *", "Mars/Olympus", "time zone"),
            ("0 0 * * *", "", "time zone"),
            ("0 0 * * *", "../../etc/passwd", "time zone"),
        ] {
            let e = Cadence::cron(expr, tz).unwrap_err().to_string();
            assert!(e.contains(field), "{expr:?} {tz:?}: {e}");
        }
    }
}
