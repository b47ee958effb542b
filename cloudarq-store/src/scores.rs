//! A scan's compliance scores (table `scores`): one row per framework total
//! and section, stored with the scan and read back as score history.

use cloudarq_model::finding::{FrameworkScore, SectionScore};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Store;
use crate::connections::ConnectionId;
use crate::db::{Tx, from_ms, ms, on_tx};
use crate::error::{DbContext, Result};
use crate::scans::ScanId;
use crate::scope::TenantScope;

/// One point of a score trend.
#[derive(Clone, Debug, PartialEq)]
pub struct ScorePoint {
    /// The scan.
    pub scan: ScanId,
    /// Collection time of the scan.
    pub collected_at: OffsetDateTime,
    /// Share of automated controls passing, 0–100; `None` when nothing was
    /// automated.
    pub score: Option<f64>,
    /// Controls passing.
    pub passed: u32,
    /// Controls failing.
    pub failed: u32,
}

impl Store {
    /// The total score of `framework` for each succeeded scan of `connection`
    /// collected in `[from, to]`, oldest first.
    pub async fn score_history(
        &self,
        scope: &TenantScope,
        connection: ConnectionId,
        framework: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<ScorePoint>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        type Row = (Uuid, i64, Option<f64>, i64, i64);
        let rows: Vec<Row> = on_tx!(&mut tx, c => {
            sqlx::query_as(
                "SELECT s.id, s.collected_at_ms, sc.score, sc.passed, sc.failed FROM scans s \
                 JOIN scores sc ON sc.scan_id = s.id AND sc.tenant_id = s.tenant_id \
                 JOIN connections co ON co.id = s.connection_id AND co.deleted_at_ms IS NULL \
                 WHERE s.tenant_id = $1 AND s.connection_id = $2 AND s.status = 'succeeded' AND s.parent_scan_id IS NULL \
                 AND sc.framework = $3 AND sc.section = '' \
                 AND s.collected_at_ms >= $4 AND s.collected_at_ms <= $5 \
                 ORDER BY s.collected_at_ms, s.id",
            )
            .bind(tenant)
            .bind(connection.0)
            .bind(framework)
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(&mut *c)
            .await
            .ctx("reading score history")?
        });
        tx.commit().await?;
        rows.into_iter()
            .map(|(id, at, score, passed, failed)| {
                Ok(ScorePoint {
                    scan: ScanId(id),
                    collected_at: from_ms(at)?,
                    score,
                    passed: u32::try_from(passed).unwrap_or(u32::MAX),
                    failed: u32::try_from(failed).unwrap_or(u32::MAX),
                })
            })
            .collect()
    }

    /// Stores the framework and section scores of scan `scan`, inside the
    /// scan's transaction.
    pub(crate) async fn insert_scores(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: Uuid,
        scores: &[FrameworkScore],
    ) -> Result<()> {
        for (fw_pos, fw) in scores.iter().enumerate() {
            let rows = std::iter::once(&fw.total).chain(fw.sections.iter());
            for (pos, s) in rows.enumerate() {
                let section = if pos == 0 { "" } else { s.section.as_str() };
                on_tx!(tx, c => {
                    sqlx::query(
                        "INSERT INTO scores (tenant_id, scan_id, framework, framework_title, position, section, passed, failed, manual, score) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(tenant)
                    .bind(scan)
                    .bind(&fw.framework)
                    .bind(&fw.title)
                    // Framework order, then total (0) and sections in order.
                    .bind((fw_pos * 100_000 + pos) as i64)
                    .bind(section)
                    .bind(i64::from(s.passed))
                    .bind(i64::from(s.failed))
                    .bind(i64::from(s.manual))
                    .bind(s.score)
                    .execute(&mut *c)
                    .await
                    .ctx("storing a score")?;
                });
            }
        }
        Ok(())
    }

    /// The scores of scan `scan`, frameworks in their stored order.
    pub(crate) async fn scan_scores(
        &self,
        tx: &mut Tx,
        tenant: Uuid,
        scan: Uuid,
    ) -> Result<Vec<FrameworkScore>> {
        type ScoreRow = (String, String, String, i64, i64, i64, Option<f64>);
        let score_rows: Vec<ScoreRow> = on_tx!(tx, c => {
            sqlx::query_as(
                "SELECT framework, framework_title, section, passed, failed, manual, score FROM scores \
                 WHERE tenant_id = $1 AND scan_id = $2 ORDER BY position",
            )
            .bind(tenant)
            .bind(scan)
            .fetch_all(&mut *c)
            .await
            .ctx("reading scores")?
        });
        let mut scores: Vec<FrameworkScore> = Vec::new();
        for (fw, title, section, passed, failed, manual, score) in score_rows {
            let s = SectionScore {
                section,
                passed: u32::try_from(passed).unwrap_or(0),
                failed: u32::try_from(failed).unwrap_or(0),
                manual: u32::try_from(manual).unwrap_or(0),
                score,
            };
            match scores.last_mut() {
                Some(last) if last.framework == fw => last.sections.push(s),
                _ => scores.push(FrameworkScore {
                    framework: fw,
                    total: SectionScore {
                        section: title.clone(),
                        ..s
                    },
                    title,
                    sections: Vec::new(),
                }),
            }
        }
        Ok(scores)
    }
}
