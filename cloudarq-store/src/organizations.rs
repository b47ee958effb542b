//! Organization connections and their scans (issue 12). An organization
//! connection names the management (or delegated administrator) account's
//! role, the member role's name and which members to scan
//! ([`OrganizationSettings`]); its External ID is encrypted like any
//! connection's. An organization scan is queued, claimed and fenced like any
//! scan; a worker that ran it stores, in one transaction under its lease
//! ([`Store::finish_organization_scan`]):
//!
//! - one child scan per scanned member (`parent_scan_id`, the member's
//!   findings, encrypted, and its scores), listed by [`Store::child_scans`]
//!   and not among the connection's own scans;
//! - the organization's roll-up scores as the scan's own (so a connection's
//!   score history is the organization's);
//! - what was listed ([`OrganizationRecord`]): each member's name, OU path
//!   and child scan, the members skipped and why, and the members whose
//!   role could not be assumed, each a coverage gap of that account.
//!
//! The organization's accounts, filter and skip reasons are
//! cloudarq-model's ([`cloudarq_model::organization`]); listing and scanning
//! them is cloudarq-core's, whose `OrganizationScan` the worker hands over
//! as an [`OrganizationOutcome`].
//!
//! A claim that lost its lease stores nothing of all this.

use cloudarq_model::finding::{
    FrameworkScore, RESULT_FORMAT, RESULT_FORMAT_VERSION, ResultSource, ScanResult,
};
use cloudarq_model::organization::{
    MemberAccount, MemberFilter, MemberGap, Organization, SkipReason,
};
use cloudarq_model::{AccountId, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::connections::{ConnectionId, NewConnection};
use crate::db::{ms, on_tx};
use crate::error::{DbContext, Result, StoreError};
use crate::jobs::Lease;
use crate::scans::{ScanId, ScanSummary, ScanTimes, json, unjson};
use crate::scope::TenantScope;

/// An organization connection's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganizationSettings {
    /// The member role's name, the same in every member (the StackSet's
    /// `RoleName`).
    pub member_role_name: String,
    /// Which members are scanned.
    #[serde(default)]
    pub filter: MemberFilter,
}

impl OrganizationSettings {
    /// Refuses a role name that IAM would refuse and a filter that
    /// [`MemberFilter::check`] refuses, naming the field.
    pub fn check(&self) -> Result<()> {
        let name = &self.member_role_name;
        if !cloudarq_model::credentials::is_role_name(name) {
            return Err(StoreError::InvalidInput {
                field: "member_role_name",
                detail: format!(
                    "\"{}\" is not an IAM role name (1-64 of A-Za-z0-9+=,.@_-)",
                    cloudarq_model::text::Inert(name)
                ),
            });
        }
        self.filter
            .check()
            .map_err(|detail| StoreError::InvalidInput {
                field: "organization filter",
                detail,
            })
    }
}

/// A scanned member and its child scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannedMember {
    /// The account (its name as the organization's admins typed it: escape
    /// it where it is shown).
    pub account: MemberAccount,
    /// Its child scan.
    pub scan: Uuid,
}

/// A member that was not scanned, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkippedMember {
    /// The account.
    pub account: MemberAccount,
    /// Why.
    pub reason: SkipReason,
}

/// What an organization scan listed and did, stored on its row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationRecord {
    /// The organization's id (`o-…`).
    pub organization_id: String,
    /// Its management account.
    pub management_account: AccountId,
    /// The members scanned, in account order.
    pub members: Vec<ScannedMember>,
    /// The members not scanned.
    pub skipped: Vec<SkippedMember>,
    /// The members whose role could not be assumed: coverage gaps of those
    /// accounts.
    pub gaps: Vec<MemberGap>,
}

/// What an organization scan produced, to store
/// ([`Store::finish_organization_scan`]): cloudarq-core's
/// `OrganizationScan`, by reference.
#[derive(Debug)]
pub struct OrganizationOutcome<'a> {
    /// The organization as listed.
    pub organization: &'a Organization,
    /// Each scanned member and its result, in account order.
    pub members: Vec<(&'a MemberAccount, &'a (dyn ResultSource + Sync))>,
    /// Members whose role could not be assumed.
    pub gaps: &'a [MemberGap],
    /// Members not scanned, and why.
    pub skipped: &'a [(MemberAccount, SkipReason)],
    /// The organization's roll-up scores.
    pub scores: &'a [FrameworkScore],
}

/// The organization scan's own result: no finding of its own (they are the
/// children's), the members' regions and sizes, and the roll-up scores.
fn roll_up_result(org: &OrganizationOutcome<'_>, collected_at: Timestamp) -> ScanResult {
    let results = org.members.iter().map(|(_, r)| r.head());
    let mut regions: Vec<_> = results.clone().flat_map(|r| r.regions.clone()).collect();
    regions.sort();
    regions.dedup();
    ScanResult {
        format: RESULT_FORMAT.to_owned(),
        version: RESULT_FORMAT_VERSION,
        account_id: org.organization.management_account.clone(),
        collected_at,
        regions,
        rules_evaluated: results
            .clone()
            .map(|r| r.rules_evaluated)
            .max()
            .unwrap_or(0),
        resources: results.map(|r| r.resources).fold(0u32, u32::saturating_add),
        findings: Vec::new(),
        evaluation_gaps: Vec::new(),
        coverage_gaps: Vec::new(),
        scores: org.scores.to_vec(),
        rules: Vec::new(),
    }
}

impl Store {
    /// Stores an organization connection: `new` names the management (or
    /// delegated administrator) account's role and the External ID every
    /// role trusts; `settings` the member role and filter, checked first
    /// ([`OrganizationSettings::check`]).
    pub async fn create_organization_connection(
        &self,
        scope: &TenantScope,
        new: NewConnection,
        settings: &OrganizationSettings,
        now: time::OffsetDateTime,
    ) -> Result<ConnectionId> {
        settings.check()?;
        self.insert_connection(scope, new, Some(settings), now)
            .await
    }

    /// Finishes the organization scan of claim `lease` with `org`: its
    /// roll-up, one succeeded child scan per member, and the record of what
    /// was listed, in one transaction (see the module's documentation).
    /// Refused with nothing stored like [`Store::finish_scan`]. Returns the
    /// child scans, in member order.
    pub async fn finish_organization_scan(
        &self,
        scope: &TenantScope,
        lease: &Lease,
        org: &OrganizationOutcome<'_>,
        times: ScanTimes,
    ) -> Result<Vec<ScanId>> {
        let tenant = scope.tenant().as_uuid();
        let parent = lease.scan();
        let result = roll_up_result(org, Timestamp::new(times.finished_at));
        let mut tx = self.begin_tenant(tenant).await?;
        // The fenced step first: a stale claim stops here.
        self.fill_scan(&mut tx, tenant, parent, &result, times, Some(lease))
            .await?;
        let connection: Uuid = on_tx!(&mut tx, c => {
            sqlx::query_scalar("SELECT connection_id FROM scans WHERE id = $1 AND tenant_id = $2")
                .bind(parent.0)
                .bind(tenant)
                .fetch_one(&mut *c)
                .await
                .ctx("reading an organization scan")?
        });
        let mut record = OrganizationRecord {
            organization_id: org.organization.id.clone(),
            management_account: org.organization.management_account.clone(),
            members: Vec::new(),
            skipped: org
                .skipped
                .iter()
                .map(|(account, reason)| SkippedMember {
                    account: account.clone(),
                    reason: reason.clone(),
                })
                .collect(),
            gaps: org.gaps.to_vec(),
        };
        let mut children = Vec::with_capacity(org.members.len());
        for (account, result) in &org.members {
            let child = ScanId(Uuid::now_v7());
            on_tx!(&mut tx, c => {
                sqlx::query(
                    "INSERT INTO scans (id, tenant_id, connection_id, status, created_at_ms, parent_scan_id) \
                     VALUES ($1, $2, $3, 'queued', $4, $5)",
                )
                .bind(child.0)
                .bind(tenant)
                .bind(connection)
                .bind(ms(times.finished_at))
                .bind(parent.0)
                .execute(&mut *c)
                .await
                .ctx("storing a member's scan")?;
            });
            self.fill_scan(&mut tx, tenant, child, *result, times, None)
                .await?;
            record.members.push(ScannedMember {
                account: (*account).clone(),
                scan: child.0,
            });
            children.push(child);
        }
        let text = json(&record)?;
        on_tx!(&mut tx, c => {
            sqlx::query("UPDATE scans SET organization = $1 WHERE id = $2 AND tenant_id = $3")
                .bind(&text)
                .bind(parent.0)
                .bind(tenant)
                .execute(&mut *c)
                .await
                .ctx("storing an organization scan")?;
        });
        tx.commit().await?;
        tracing::info!(
            scan = %parent,
            members = children.len(),
            gaps = org.gaps.len(),
            skipped = org.skipped.len(),
            "organization scan stored"
        );
        Ok(children)
    }

    /// What organization scan `scan` listed and did; `None` when it is no
    /// organization scan of this tenant's live connections, or has not
    /// succeeded.
    pub async fn organization_record(
        &self,
        scope: &TenantScope,
        scan: ScanId,
    ) -> Result<Option<OrganizationRecord>> {
        let tenant = scope.tenant().as_uuid();
        let mut tx = self.begin_tenant(tenant).await?;
        let text: Option<Option<String>> = on_tx!(&mut tx, c => {
            sqlx::query_scalar(
                "SELECT s.organization FROM scans s JOIN connections co ON co.id = s.connection_id \
                 AND co.deleted_at_ms IS NULL WHERE s.id = $1 AND s.tenant_id = $2",
            )
            .bind(scan.0)
            .bind(tenant)
            .fetch_optional(&mut *c)
            .await
            .ctx("reading an organization scan")?
        });
        tx.commit().await?;
        text.flatten()
            .map(|t| unjson("organization scan record", &t))
            .transpose()
    }

    /// The child scans of organization scan `parent`, one per scanned
    /// member, newest first (empty for any other scan).
    pub async fn child_scans(
        &self,
        scope: &TenantScope,
        parent: ScanId,
    ) -> Result<Vec<ScanSummary>> {
        self.scan_summaries(scope, None, None, Some(parent)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_refuse_a_bad_role_name_or_ou_naming_the_field() {
        let mut s = OrganizationSettings {
            member_role_name: "CloudArqAudit".into(),
            filter: MemberFilter::default(),
        };
        assert!(s.check().is_ok());
        s.member_role_name = "bad role/\u{202e}".into();
        let e = s.check().unwrap_err().to_string();
        assert!(
            e.contains("member_role_name") && !e.contains('\u{202e}'),
            "{e}"
        );
        s.member_role_name = "CloudArqAudit".into();
        s.filter.exclude_ous.insert("ou-<script>".into());
        let e = s.check().unwrap_err().to_string();
        assert!(e.contains("exclude_ous"), "{e}");
    }

    #[test]
    fn settings_read_back_as_written_and_refuse_unknown_fields() {
        let s: OrganizationSettings = serde_json::from_str(
            r#"{"member_role_name": "R", "filter": {"exclude_accounts": ["111111111111"]}}"#,
        )
        .unwrap();
        assert_eq!(s.filter.exclude_accounts.len(), 1);
        let back: OrganizationSettings =
            serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
        assert!(
            serde_json::from_str::<OrganizationSettings>(
                r#"{"member_role_name": "R", "filter": {"exclude": []}}"#
            )
            .is_err()
        );
    }
}
