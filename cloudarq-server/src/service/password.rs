//! Passwords: Argon2id with OWASP's parameters (m = 19 MiB, t = 2, p = 1,
//! argon2's defaults), a policy (12–256 characters, not a common password,
//! not the e-mail address), and sign-in paths that cost the same whether the
//! user exists or not.
//!
//! Hashing is CPU- and memory-heavy by design, so it runs on the blocking
//! pool behind a semaphore: at most [`MAX_CONCURRENT_HASHES`] at once, so a
//! burst of sign-ins cannot take every core or gigabytes of memory.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use secrecy::{ExposeSecret, SecretString};

/// Argon2id computations allowed at once.
pub const MAX_CONCURRENT_HASHES: usize = 2;
/// The shortest password accepted.
pub const MIN_LENGTH: usize = 12;
/// The longest password accepted (hashing cost does not grow with it, but
/// there is no reason to accept megabytes).
pub const MAX_LENGTH: usize = 256;

const COMMON: &str = include_str!("../../data/common-passwords.txt");

/// Why a new password is refused (shown to the user).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Shorter than [`MIN_LENGTH`].
    #[error("the password must be at least {MIN_LENGTH} characters")]
    TooShort,
    /// Longer than [`MAX_LENGTH`].
    #[error("the password must be at most {MAX_LENGTH} characters")]
    TooLong,
    /// In the list of common or breached passwords.
    #[error("the password is too common; choose another")]
    Common,
    /// Contains the account's e-mail name.
    #[error("the password must not contain the e-mail address")]
    ContainsEmail,
}

/// The outcome of checking a password at sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Wrong password, unknown user, or no password set: one answer.
    Refused,
    /// Right; `rehash` holds a new hash when the stored one is weaker than
    /// today's parameters.
    Accepted {
        /// A stronger hash to store, if the stored one is weak.
        rehash: Option<String>,
    },
}

/// Hashing, verification and policy, shared by the service.
pub struct Passwords {
    common: HashSet<String>,
    /// A hash of a random password, verified when the user is unknown so
    /// both paths cost one Argon2id verification.
    dummy: String,
    limit: Arc<tokio::sync::Semaphore>,
    verifications: AtomicU64,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

/// Why hashing failed (an internal fault).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

fn hash_now(password: &[u8]) -> Result<String, HashError> {
    Argon2::default()
        .hash_password(password)
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// Whether a stored PHC string uses weaker parameters than today's.
fn weaker_than_default(stored: &str) -> bool {
    let Ok(h) = argon2::PasswordHash::new(stored) else {
        return true;
    };
    if h.algorithm.as_str() != "argon2id" {
        return true;
    }
    match argon2::Params::try_from(&h) {
        Ok(p) => {
            p.m_cost() < argon2::Params::DEFAULT_M_COST
                || p.t_cost() < argon2::Params::DEFAULT_T_COST
                || p.p_cost() < argon2::Params::DEFAULT_P_COST
        }
        Err(_) => true,
    }
}

fn normalise(p: &str) -> String {
    p.to_lowercase()
        .trim_end_matches(|c: char| c.is_ascii_digit() || c.is_ascii_punctuation())
        .to_owned()
}

impl Passwords {
    /// Builds the list and the dummy hash (one Argon2id computation).
    pub fn new() -> Result<Self, HashError> {
        let common = COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .flat_map(|l| [l.to_owned(), normalise(l)])
            .filter(|l| !l.is_empty())
            .collect();
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| HashError(e.to_string()))?;
        Ok(Self {
            common,
            dummy: hash_now(&random)?,
            limit: Arc::new(tokio::sync::Semaphore::new(MAX_CONCURRENT_HASHES)),
            verifications: AtomicU64::new(0),
        })
    }

    /// Checks a new password against the policy.
    pub fn policy(&self, password: &SecretString, email: &str) -> Result<(), PolicyError> {
        let p = password.expose_secret();
        let n = p.chars().count();
        if n < MIN_LENGTH {
            return Err(PolicyError::TooShort);
        }
        if n > MAX_LENGTH {
            return Err(PolicyError::TooLong);
        }
        let lower = p.to_lowercase();
        if self.common.contains(&lower) || self.common.contains(&normalise(p)) {
            return Err(PolicyError::Common);
        }
        let local = email.split('@').next().unwrap_or("").to_lowercase();
        if local.len() >= 4 && lower.contains(&local) {
            return Err(PolicyError::ContainsEmail);
        }
        Ok(())
    }

    /// Hashes a new password (after [`Self::policy`]).
    pub async fn hash(&self, password: &SecretString) -> Result<String, HashError> {
        let _permit = self
            .limit
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        let p = zeroize::Zeroizing::new(password.expose_secret().as_bytes().to_vec());
        tokio::task::spawn_blocking(move || hash_now(&p))
            .await
            .map_err(|e| HashError(e.to_string()))?
    }

    /// Checks `password` against `stored` (the user's hash, or `None` for an
    /// unknown user or one without a password): exactly one Argon2id
    /// verification either way.
    pub async fn check(
        &self,
        stored: Option<&str>,
        password: &SecretString,
    ) -> Result<Checked, HashError> {
        let _permit = self
            .limit
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        let real = stored.is_some();
        let target = stored.unwrap_or(&self.dummy).to_owned();
        let p = zeroize::Zeroizing::new(password.expose_secret().as_bytes().to_vec());
        self.verifications.fetch_add(1, Ordering::Relaxed);
        let (ok, rehash) = tokio::task::spawn_blocking(move || {
            let ok = argon2::PasswordHash::new(&target)
                .map(|h| Argon2::default().verify_password(&p, &h).is_ok())
                .unwrap_or(false);
            let rehash = if ok && weaker_than_default(&target) {
                hash_now(&p).ok()
            } else {
                None
            };
            (ok, rehash)
        })
        .await
        .map_err(|e| HashError(e.to_string()))?;
        Ok(if ok && real {
            Checked::Accepted { rehash }
        } else {
            Checked::Refused
        })
    }

    /// How many verifications ran (tests: both sign-in paths cost one).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(p: &str) -> SecretString {
        SecretString::from(p.to_owned())
    }

    #[test]
    fn the_breach_list_is_shipped_and_used() {
        let p = Passwords::new().unwrap();
        // Tens of thousands of entries, not a sample.
        assert!(p.common.len() > 30_000, "{}", p.common.len());
        // Entries far down the breach ranking, as typed and with a suffix of
        // digits and symbols.
        for refused in [
            "MichaelJackson",
            "ilovemyfamily",
            "1qwertyuiop!!",
            "Harley2024#!!",
        ] {
            assert_eq!(
                p.policy(&s(refused), "a@b.c"),
                Err(PolicyError::Common),
                "{refused}"
            );
        }
        // A passphrase is not refused for containing a common word.
        assert_eq!(
            p.policy(&s("harley rides the violet tundra"), "a@b.c"),
            Ok(())
        );
    }

    #[test]
    fn the_policy_names_what_is_wrong() {
        let p = Passwords::new().unwrap();
        assert_eq!(p.policy(&s("short"), "a@b.c"), Err(PolicyError::TooShort));
        assert_eq!(
            p.policy(&s(&"x".repeat(257)), "a@b.c"),
            Err(PolicyError::TooLong)
        );
        assert_eq!(
            p.policy(&s("Password1234"), "a@b.c"),
            Err(PolicyError::Common)
        );
        assert_eq!(
            p.policy(&s("correcthorsebatterystaple"), "a@b.c"),
            Err(PolicyError::Common)
        );
        assert_eq!(
            p.policy(&s("Summer2026!!!"), "a@b.c"),
            Err(PolicyError::Common)
        );
        assert_eq!(
            p.policy(&s("alice-is-great-2026"), "alice@example.com"),
            Err(PolicyError::ContainsEmail)
        );
        assert_eq!(
            p.policy(&s("violet tundra ladder 42"), "alice@example.com"),
            Ok(())
        );
    }

    #[tokio::test]
    async fn hashes_are_argon2id_with_owasp_parameters_and_weak_ones_are_upgraded() {
        let p = Passwords::new().unwrap();
        let h = p.hash(&s("violet tundra ladder 42")).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            p.check(Some(&h), &s("violet tundra ladder 42"))
                .await
                .unwrap(),
            Checked::Accepted { rehash: None }
        );
        assert_eq!(
            p.check(Some(&h), &s("wrong")).await.unwrap(),
            Checked::Refused
        );
        // A legacy hash with weaker parameters is accepted and rehashed.
        let weak = Argon2::new(
            argon2::Algorithm::Argon2id,
            argon2::Version::V0x13,
            argon2::Params::new(4096, 1, 1, None).unwrap(),
        )
        .hash_password(b"violet tundra ladder 42")
        .unwrap()
        .to_string();
        match p
            .check(Some(&weak), &s("violet tundra ladder 42"))
            .await
            .unwrap()
        {
            Checked::Accepted { rehash: Some(new) } => {
                assert!(new.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn an_unknown_user_costs_one_verification_like_a_wrong_password() {
        let p = Passwords::new().unwrap();
        let h = p.hash(&s("violet tundra ladder 42")).await.unwrap();
        let before = p.verifications();
        assert_eq!(
            p.check(None, &s("violet tundra ladder 42")).await.unwrap(),
            Checked::Refused
        );
        assert_eq!(p.verifications(), before + 1);
        assert_eq!(
            p.check(Some(&h), &s("nope nope nope")).await.unwrap(),
            Checked::Refused
        );
        assert_eq!(p.verifications(), before + 2);
        // The dummy hash is a real Argon2id hash of something else: even its
        // own password never signs an unknown user in.
        assert_eq!(p.check(None, &s("")).await.unwrap(), Checked::Refused);
    }
}
