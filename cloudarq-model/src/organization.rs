//! AWS Organizations as data: an organization's accounts, the filter that
//! picks the members an organization scan covers, and why the others are
//! not scanned. Listing the organization and scanning its members is
//! cloudarq-core's (`cloudarq_core::organization`, which re-exports these);
//! the store keeps an organization connection's [`MemberFilter`] and what
//! each scan listed.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::AccountId;

/// An account's `State` in Organizations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum AccountState {
    /// A member that can be scanned.
    Active,
    /// Invited or being created.
    PendingActivation,
    /// Suspended by AWS.
    Suspended,
    /// Closing (the 90-day post-closure period).
    PendingClosure,
    /// Closed.
    Closed,
    /// A state this build does not know (never scanned).
    Other(String),
}

impl AccountState {
    /// The state Organizations names `s` (`ACTIVE`, `SUSPENDED`, …).
    pub fn from_aws(s: &str) -> Self {
        match s {
            "ACTIVE" => Self::Active,
            "PENDING_ACTIVATION" => Self::PendingActivation,
            "SUSPENDED" => Self::Suspended,
            "PENDING_CLOSURE" => Self::PendingClosure,
            "CLOSED" => Self::Closed,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl From<String> for AccountState {
    fn from(s: String) -> Self {
        Self::from_aws(&s)
    }
}

impl From<AccountState> for String {
    fn from(s: AccountState) -> Self {
        s.to_string()
    }
}

impl fmt::Display for AccountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "ACTIVE",
            Self::PendingActivation => "PENDING_ACTIVATION",
            Self::Suspended => "SUSPENDED",
            Self::PendingClosure => "PENDING_CLOSURE",
            Self::Closed => "CLOSED",
            Self::Other(s) => s,
        })
    }
}

/// An account of the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberAccount {
    /// The account id.
    pub id: AccountId,
    /// Its name (untrusted text: whoever named the account chose it).
    pub name: String,
    /// Its state.
    pub state: AccountState,
    /// The root, then each OU down to the account's parent.
    pub ou_path: Vec<String>,
}

/// An organization as its management or delegated administrator account
/// sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `o-…`.
    pub id: String,
    /// The management account.
    pub management_account: AccountId,
    /// Every account, ordered by id.
    pub accounts: Vec<MemberAccount>,
}

/// Which members an organization scan covers. Empty include lists include
/// every account; an exclusion wins over an inclusion; an OU covers every
/// account below it, however deep. Serialized as an object of four lists
/// (each may be left out); [`MemberFilter::check`] validates the OU ids.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MemberFilter {
    /// Scan only these accounts (and those of `include_ous`).
    pub include_accounts: BTreeSet<AccountId>,
    /// Scan only the accounts below these OUs or roots (and
    /// `include_accounts`).
    pub include_ous: BTreeSet<String>,
    /// Never scan these accounts.
    pub exclude_accounts: BTreeSet<AccountId>,
    /// Never scan the accounts below these OUs.
    pub exclude_ous: BTreeSet<String>,
}

/// Why a member is not scanned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum SkipReason {
    /// Suspended, closing, closed or not yet active.
    NotActive(AccountState),
    /// In the exclude list.
    ExcludedAccount,
    /// Below this excluded OU.
    ExcludedOu(String),
    /// Neither in the include list nor below an included OU.
    NotIncluded,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotActive(s) => write!(f, "not active ({s})"),
            Self::ExcludedAccount => f.write_str("excluded"),
            Self::ExcludedOu(ou) => write!(f, "below excluded {ou}"),
            Self::NotIncluded => f.write_str("not included"),
        }
    }
}

/// The members to scan, and the others with their reasons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Scanned, in account order.
    pub scan: Vec<MemberAccount>,
    /// Not scanned, in account order.
    pub skipped: Vec<(MemberAccount, SkipReason)>,
}

/// Whether `s` is an OU id (`ou-` then lowercase letters, digits and
/// hyphens) or a root id (`r-…`), as Organizations spells them.
pub fn is_ou_id(s: &str) -> bool {
    (s.starts_with("ou-") || s.starts_with("r-"))
        && (3..=68).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The most ids one list of a [`MemberFilter`] may hold.
pub const MAX_FILTER_IDS: usize = 1000;

impl MemberFilter {
    /// Refuses an OU list entry that is not an OU or root id, and a list
    /// longer than [`MAX_FILTER_IDS`]; the error names the list and the
    /// value (escaped).
    pub fn check(&self) -> Result<(), String> {
        for (list, ids) in [
            ("include_ous", &self.include_ous),
            ("exclude_ous", &self.exclude_ous),
        ] {
            if let Some(bad) = ids.iter().find(|ou| !is_ou_id(ou)) {
                return Err(format!(
                    "{list}: \"{}\" is not an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)",
                    crate::text::Inert(bad)
                ));
            }
        }
        for (list, n) in [
            ("include_accounts", self.include_accounts.len()),
            ("include_ous", self.include_ous.len()),
            ("exclude_accounts", self.exclude_accounts.len()),
            ("exclude_ous", self.exclude_ous.len()),
        ] {
            if n > MAX_FILTER_IDS {
                return Err(format!("{list}: {n} ids, at most {MAX_FILTER_IDS}"));
            }
        }
        Ok(())
    }

    /// Splits `org`'s accounts into those to scan and the rest.
    pub fn select(&self, org: &Organization) -> Selection {
        let mut sel = Selection::default();
        let included = |a: &MemberAccount| {
            (self.include_accounts.is_empty() && self.include_ous.is_empty())
                || self.include_accounts.contains(&a.id)
                || a.ou_path.iter().any(|ou| self.include_ous.contains(ou))
        };
        for a in &org.accounts {
            let reason = if a.state != AccountState::Active {
                Some(SkipReason::NotActive(a.state.clone()))
            } else if self.exclude_accounts.contains(&a.id) {
                Some(SkipReason::ExcludedAccount)
            } else if let Some(ou) = a.ou_path.iter().find(|ou| self.exclude_ous.contains(*ou)) {
                Some(SkipReason::ExcludedOu(ou.clone()))
            } else if !included(a) {
                Some(SkipReason::NotIncluded)
            } else {
                None
            };
            match reason {
                Some(r) => sel.skipped.push((a.clone(), r)),
                None => sel.scan.push(a.clone()),
            }
        }
        sel
    }
}

/// A member that was not scanned because its role could not be assumed (the
/// StackSet did not reach it, or its trust was changed): a coverage gap of
/// that account, not a failure of the organization's scan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberGap {
    /// The account.
    pub account: MemberAccount,
    /// The role that was tried.
    pub role_arn: String,
    /// The AWS error code (`AccessDenied`, …).
    pub code: String,
    /// What AWS said.
    pub message: String,
}
