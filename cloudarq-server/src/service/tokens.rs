//! Access tokens: JWTs signed with Ed25519 (`EdDSA`, the one algorithm the
//! verifier accepts), `typ: at+jwt`, ≤ 15 minutes, chosen by `kid` from the
//! service's own key file, never from anything the token carries.
//!
//! Verification (checklist JWT-1 … JWT-6):
//! - the header must say `alg: EdDSA` and `typ: at+jwt`, name a known `kid`,
//!   and carry no `jku`, `jwk`, `x5u` or `x5c`;
//! - the signature must verify under that key;
//! - `iss`, `aud`, `sub`, `exp`, `nbf`, `iat` are required, `iss` and `aud`
//!   must be this service's, with 5 s of leeway at most, and `exp - iat`
//!   may not exceed 15 minutes.
//!
//! Rotation: `cloudarq serve keygen` adds a key and retires the previous
//! one. New tokens are signed with the newest live key; a retired key still
//! verifies for [`MAX_ACCESS_TTL`] plus the leeway after it was retired (so
//! tokens it signed live out their life), then it is ignored. The service
//! reloads the file when it changes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;
use zeroize::Zeroizing;

/// The longest an access token may live.
pub const MAX_ACCESS_TTL: time::Duration = time::Duration::minutes(15);
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 5;
/// The `typ` header of an access token (RFC 9068).
pub const TOKEN_TYPE: &str = "at+jwt";
/// The largest signing-key file read.
const MAX_KEY_FILE: u64 = 256 * 1024;

/// Why keys could not be loaded or a token not issued.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read (or is unsafe: a link, another owner,
    /// readable by others).
    #[error("signing keys {path}: {detail}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },
    /// The key file's contents are malformed.
    #[error("signing keys {path}: {detail}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What was wrong (never key material).
        detail: String,
    },
    /// Signing failed.
    #[error("cannot sign a token: {0}")]
    Sign(String),
}

/// One key as the file holds it.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    kid: String,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds; absent for the live key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retired_at: Option<i64>,
    /// The Ed25519 seed, base64 (a secret).
    private_key: String,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    #[serde(default)]
    key: Vec<KeyEntry>,
}

impl Drop for KeyEntry {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.private_key.zeroize();
    }
}

struct VerifyKey {
    key: DecodingKey,
    /// Ignored from this time on (retired + the longest token + leeway).
    until: Option<i64>,
}

/// The keys of one load of the file.
pub struct KeySet {
    signing: Option<(String, EncodingKey)>,
    verifying: HashMap<String, VerifyKey>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("signing", &self.signing.as_ref().map(|(k, _)| k))
            .field("verifying", &self.verifying.keys().collect::<Vec<_>>())
            .finish()
    }
}

fn file_err(path: &Path, detail: impl std::fmt::Display) -> KeyError {
    KeyError::File {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

fn invalid(path: &Path, detail: impl Into<String>) -> KeyError {
    KeyError::Invalid {
        path: path.to_path_buf(),
        detail: detail.into(),
    }
}

fn read_file(path: &Path) -> Result<KeyFile, KeyError> {
    let bytes = cloudarq_store::files::read_private_file(path, MAX_KEY_FILE)
        .map_err(|e| file_err(path, e))?;
    let text = std::str::from_utf8(&bytes).map_err(|_| invalid(path, "not UTF-8 text"))?;
    // toml's messages quote the offending line, which may be key material:
    // only the position is reported.
    toml::from_str(text).map_err(|e| {
        invalid(
            path,
            format!(
                "not a signing-key file (TOML error at byte {:?})",
                e.span().map(|s| s.start)
            ),
        )
    })
}

fn seed_of(path: &Path, entry: &KeyEntry) -> Result<Zeroizing<[u8; 32]>, KeyError> {
    let raw = Zeroizing::new(STANDARD.decode(entry.private_key.trim()).map_err(|_| {
        invalid(
            path,
            format!("key {:?}: private_key is not base64", entry.kid),
        )
    })?);
    let mut seed = Zeroizing::new([0u8; 32]);
    if raw.len() != 32 {
        return Err(invalid(
            path,
            format!("key {:?}: private_key is not 32 bytes", entry.kid),
        ));
    }
    seed.copy_from_slice(&raw);
    Ok(seed)
}

/// A random token id (128 bits).
fn new_jti() -> Result<String, KeyError> {
    let mut jti = [0u8; 16];
    getrandom::fill(&mut jti).map_err(|e| KeyError::Sign(format!("no randomness: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(jti))
}

fn valid_kid(kid: &str) -> bool {
    !kid.is_empty()
        && kid.len() <= 64
        && kid
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl KeySet {
    /// Loads the key file at `path` as of `now`.
    pub fn load(path: &Path, now: OffsetDateTime) -> Result<Self, KeyError> {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let file = read_file(path)?;
        let now_s = now.unix_timestamp();
        let grace = MAX_ACCESS_TTL.whole_seconds() + LEEWAY_SECS as i64;
        let mut signing: Option<(i64, String, EncodingKey)> = None;
        let mut verifying = HashMap::new();
        for entry in &file.key {
            if !valid_kid(&entry.kid) {
                return Err(invalid(
                    path,
                    "a kid must be 1-64 letters, digits, '-' or '_'",
                ));
            }
            if verifying.contains_key(&entry.kid) {
                return Err(invalid(path, format!("kid {:?} appears twice", entry.kid)));
            }
            let seed = seed_of(path, entry)?;
            let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
            let until = entry.retired_at.map(|r| r.saturating_add(grace));
            if until.is_some_and(|u| u <= now_s) {
                continue;
            }
            verifying.insert(
                entry.kid.clone(),
                VerifyKey {
                    key: DecodingKey::from_ed_der(sk.verifying_key().as_bytes()),
                    until,
                },
            );
            if entry.retired_at.is_none()
                && signing
                    .as_ref()
                    .is_none_or(|(c, _, _)| entry.created_at > *c)
            {
                let der = sk
                    .to_pkcs8_der()
                    .map_err(|_| invalid(path, format!("key {:?} cannot be encoded", entry.kid)))?;
                signing = Some((
                    entry.created_at,
                    entry.kid.clone(),
                    EncodingKey::from_ed_der(der.as_bytes()),
                ));
            }
        }
        Ok(Self {
            signing: signing.map(|(_, k, e)| (k, e)),
            verifying,
        })
    }

    /// The kid new tokens are signed with.
    pub fn signing_kid(&self) -> Option<&str> {
        self.signing.as_ref().map(|(k, _)| k.as_str())
    }
}

/// Adds a new signing key to the file at `path` (creating it, mode 600) and
/// retires the previous live key; drops keys retired more than a day ago.
/// Returns the new key's kid.
pub fn keygen(path: &Path, now: OffsetDateTime) -> Result<String, KeyError> {
    let mut file = match cloudarq_store::files::read_private_file(path, MAX_KEY_FILE) {
        Ok(_) => read_file(path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => KeyFile::default(),
        Err(e) => return Err(file_err(path, e)),
    };
    let now_s = now.unix_timestamp();
    file.key
        .retain(|k| k.retired_at.is_none_or(|r| now_s - r < 86_400));
    for k in &mut file.key {
        if k.retired_at.is_none() {
            k.retired_at = Some(now_s);
        }
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(&mut seed[..]).map_err(|e| file_err(path, format!("no randomness: {e}")))?;
    let mut suffix = [0u8; 4];
    getrandom::fill(&mut suffix).map_err(|e| file_err(path, format!("no randomness: {e}")))?;
    let date = now.date();
    let kid = format!(
        "k{:04}{:02}{:02}-{}",
        date.year(),
        u8::from(date.month()),
        date.day(),
        suffix
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    file.key.push(KeyEntry {
        kid: kid.clone(),
        created_at: now_s,
        retired_at: None,
        private_key: STANDARD.encode(&seed[..]),
    });
    let text = Zeroizing::new(
        toml::to_string(&file).map_err(|_| invalid(path, "cannot encode the key file"))?,
    );
    let mut out = String::from(
        "# CloudArq token signing keys: secret, mode 600. `cloudarq serve keygen` rotates.\n",
    );
    out.push_str(&text);
    let out = Zeroizing::new(out);
    cloudarq_store::files::write_private_file(path, out.as_bytes(), true)
        .map_err(|e| file_err(path, e))?;
    Ok(kid)
}

/// The `typ` of a second-factor challenge.
pub const CHALLENGE_TYPE: &str = "mfa-challenge+jwt";
/// How long a second-factor challenge lives.
pub const CHALLENGE_TTL: time::Duration = time::Duration::minutes(5);

/// The claims of a second-factor challenge.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChallengeClaims {
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// The user whose password was right.
    pub sub: Uuid,
    /// Its tenant.
    pub tid: Uuid,
    /// A unique id.
    pub jti: String,
    /// Issued at.
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires.
    pub exp: i64,
}

/// The claims of a CloudArq access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AccessClaims {
    /// Issuer: the service's base URL.
    pub iss: String,
    /// Audience: the service's API.
    pub aud: String,
    /// The user.
    pub sub: Uuid,
    /// The user's tenant.
    pub tid: Uuid,
    /// The user's role (`admin` or `client`).
    pub role: String,
    /// The session (sign-in) the token belongs to.
    pub sid: Uuid,
    /// The user's authorisation version when issued.
    pub ver: i64,
    /// Whether the sign-in passed a second factor (TOTP or a backup code).
    #[serde(default)]
    pub mfa: bool,
    /// A unique id.
    pub jti: String,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Not before.
    pub nbf: i64,
    /// Expires.
    pub exp: i64,
}

/// Why a token was refused (logged at debug; the client only sees 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenRefused {
    /// Not three base64url parts, or a header that does not parse.
    #[error("malformed token")]
    Malformed,
    /// `typ` is not `at+jwt`.
    #[error("wrong token type")]
    Type,
    /// `alg` is not `EdDSA`.
    #[error("algorithm not allowed")]
    Algorithm,
    /// The header names keys by URL or embeds one.
    #[error("header carries key material or a key URL")]
    KeyInHeader,
    /// No `kid`, or one this service does not hold (or no longer honours).
    #[error("unknown key id")]
    UnknownKey,
    /// The lifetime exceeds the maximum.
    #[error("lifetime too long")]
    Lifetime,
    /// Signature, issuer, audience, time or a claim is wrong.
    #[error("invalid: {0}")]
    Invalid(String),
}

/// Issues and verifies access tokens with the current key file.
pub struct Tokens {
    path: PathBuf,
    keys: RwLock<(Arc<KeySet>, Option<std::time::SystemTime>)>,
    issuer: String,
    audience: String,
    ttl: time::Duration,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("path", &self.path)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

fn mtime(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::symlink_metadata(path)
        .and_then(|m| m.modified())
        .ok()
}

impl Tokens {
    /// Loads the key file; fails when it holds no live key to sign with.
    pub fn new(
        path: &Path,
        issuer: &str,
        audience: &str,
        ttl: time::Duration,
        now: OffsetDateTime,
    ) -> Result<Self, KeyError> {
        if ttl > MAX_ACCESS_TTL || ttl <= time::Duration::ZERO {
            return Err(invalid(
                path,
                "the access-token lifetime must be within 15 minutes",
            ));
        }
        let set = KeySet::load(path, now)?;
        if set.signing.is_none() {
            return Err(invalid(
                path,
                "no live signing key: run `cloudarq serve keygen --keys FILE`",
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            keys: RwLock::new((Arc::new(set), mtime(path))),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl,
        })
    }

    /// The access-token lifetime.
    pub fn ttl(&self) -> time::Duration {
        self.ttl
    }

    fn current(&self) -> Arc<KeySet> {
        match self.keys.read() {
            Ok(g) => g.0.clone(),
            Err(p) => p.into_inner().0.clone(),
        }
    }

    /// Reloads the key file if it changed; keeps the loaded keys when the new
    /// file is unreadable or has no live key (and says why). Returns whether
    /// it reloaded.
    pub fn reload_if_changed(&self, now: OffsetDateTime) -> Result<bool, KeyError> {
        let seen = match self.keys.read() {
            Ok(g) => g.1,
            Err(p) => p.into_inner().1,
        };
        let m = mtime(&self.path);
        if m == seen {
            return Ok(false);
        }
        let set = KeySet::load(&self.path, now)?;
        if set.signing.is_none() {
            return Err(invalid(
                &self.path,
                "no live signing key; keeping the loaded keys",
            ));
        }
        let mut g = match self.keys.write() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *g = (Arc::new(set), m);
        Ok(true)
    }

    /// Reloads the key file now, whether or not it changed (drops keys past
    /// their grace period); keeps the loaded keys when the file has no live
    /// key.
    pub fn reload(&self, now: OffsetDateTime) -> Result<(), KeyError> {
        let set = KeySet::load(&self.path, now)?;
        if set.signing.is_some() {
            let m = mtime(&self.path);
            let mut g = match self.keys.write() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            *g = (Arc::new(set), m);
        }
        Ok(())
    }

    /// Signs an access token for a user's session.
    #[allow(clippy::too_many_arguments, reason = "one claim each")]
    pub fn issue(
        &self,
        user: Uuid,
        tenant: Uuid,
        role: &str,
        session: Uuid,
        authz_version: i64,
        mfa: bool,
        now: OffsetDateTime,
    ) -> Result<(String, AccessClaims), KeyError> {
        let iat = now.unix_timestamp();
        let claims = AccessClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user,
            tid: tenant,
            role: role.to_owned(),
            sid: session,
            ver: authz_version,
            mfa,
            jti: new_jti()?,
            iat,
            nbf: iat,
            exp: iat + self.ttl.whole_seconds(),
        };
        let token = self.sign(TOKEN_TYPE, &claims)?;
        Ok((token, claims))
    }

    /// Signs `claims` with the live key, header `typ` and `kid` set.
    fn sign<T: Serialize>(&self, typ: &str, claims: &T) -> Result<String, KeyError> {
        let set = self.current();
        let Some((kid, key)) = &set.signing else {
            return Err(KeyError::Sign("no live signing key".into()));
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(typ.into());
        header.kid = Some(kid.clone());
        jsonwebtoken::encode(&header, claims, key).map_err(|e| KeyError::Sign(e.to_string()))
    }

    /// Signs a second-factor challenge: proof that the password of `user`
    /// was right, good for [`CHALLENGE_TTL`] at the second-factor route
    /// only (its `typ` is not an access token's).
    pub fn issue_challenge(
        &self,
        user: Uuid,
        tenant: Uuid,
        now: OffsetDateTime,
    ) -> Result<String, KeyError> {
        let iat = now.unix_timestamp();
        let claims = ChallengeClaims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: user,
            tid: tenant,
            jti: new_jti()?,
            iat,
            nbf: iat,
            exp: iat + CHALLENGE_TTL.whole_seconds(),
        };
        self.sign(CHALLENGE_TYPE, &claims)
    }

    /// Verifies a second-factor challenge.
    pub fn verify_challenge(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<ChallengeClaims, TokenRefused> {
        let c: ChallengeClaims = self.verify_typed(token, CHALLENGE_TYPE, now)?;
        if c.exp - c.iat > CHALLENGE_TTL.whole_seconds() {
            return Err(TokenRefused::Lifetime);
        }
        Ok(c)
    }

    /// Verifies an access token (see the module docs) as of `now` for the
    /// key's grace period; `exp` and `nbf` are checked against the clock.
    pub fn verify(&self, token: &str, now: OffsetDateTime) -> Result<AccessClaims, TokenRefused> {
        let c: AccessClaims = self.verify_typed(token, TOKEN_TYPE, now)?;
        if c.exp - c.iat > MAX_ACCESS_TTL.whole_seconds()
            || c.iat > now.unix_timestamp() + LEEWAY_SECS as i64
        {
            return Err(TokenRefused::Lifetime);
        }
        Ok(c)
    }

    fn verify_typed<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        typ: &str,
        now: OffsetDateTime,
    ) -> Result<T, TokenRefused> {
        if token.len() > 4096 {
            return Err(TokenRefused::Malformed);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenRefused::Malformed)?;
        if header.typ.as_deref() != Some(typ) {
            return Err(TokenRefused::Type);
        }
        if header.alg != Algorithm::EdDSA {
            return Err(TokenRefused::Algorithm);
        }
        if header.jku.is_some()
            || header.jwk.is_some()
            || header.x5u.is_some()
            || header.x5c.is_some()
        {
            return Err(TokenRefused::KeyInHeader);
        }
        let set = self.current();
        let kid = header.kid.as_deref().ok_or(TokenRefused::UnknownKey)?;
        let key = set.verifying.get(kid).ok_or(TokenRefused::UnknownKey)?;
        if key.until.is_some_and(|u| u <= now.unix_timestamp()) {
            return Err(TokenRefused::UnknownKey);
        }
        let mut v = Validation::new(Algorithm::EdDSA);
        v.leeway = LEEWAY_SECS;
        v.validate_nbf = true;
        v.validate_exp = true;
        v.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        let data = jsonwebtoken::decode::<T>(token, &key.key, &v)
            .map_err(|e| TokenRefused::Invalid(format!("{:?}", e.kind())))?;
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    const ISS: &str = "https://cloudarq.test";
    const AUD: &str = "https://cloudarq.test/api";

    fn setup() -> (tempfile::TempDir, PathBuf, Tokens) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.toml");
        let now = OffsetDateTime::now_utc();
        keygen(&path, now).unwrap();
        let t = Tokens::new(&path, ISS, AUD, time::Duration::minutes(10), now).unwrap();
        (dir, path, t)
    }

    fn good(t: &Tokens) -> String {
        t.issue(
            Uuid::now_v7(),
            Uuid::now_v7(),
            "admin",
            Uuid::now_v7(),
            0,
            false,
            OffsetDateTime::now_utc(),
        )
        .unwrap()
        .0
    }

    /// A token with chosen claims and header, signed with the service's own
    /// live key (so only the tampered part can make it fail).
    fn forge(
        path: &Path,
        edit_header: impl FnOnce(&mut Header),
        edit: impl FnOnce(&mut serde_json::Value),
    ) -> String {
        let set = KeySet::load(path, OffsetDateTime::now_utc()).unwrap();
        let (kid, key) = set.signing.as_ref().unwrap();
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let mut claims = serde_json::json!({
            "iss": ISS, "aud": AUD, "sub": Uuid::now_v7(), "tid": Uuid::now_v7(), "role": "admin",
            "sid": Uuid::now_v7(), "ver": 0, "jti": "x", "iat": now, "nbf": now, "exp": now + 600,
        });
        edit(&mut claims);
        let mut h = Header::new(Algorithm::EdDSA);
        h.typ = Some(TOKEN_TYPE.into());
        h.kid = Some(kid.clone());
        edit_header(&mut h);
        jsonwebtoken::encode(&h, &claims, key).unwrap()
    }

    #[test]
    fn an_issued_token_verifies_and_lives_at_most_15_minutes() {
        let (_d, _p, t) = setup();
        let c = t.verify(&good(&t), OffsetDateTime::now_utc()).unwrap();
        assert!(c.exp - c.iat <= 600);
        assert_eq!(c.iss, ISS);
    }

    #[test]
    fn the_forgery_table_is_refused() {
        let (_d, path, t) = setup();
        let now = OffsetDateTime::now_utc();
        let n = now.unix_timestamp();
        let tok = good(&t);
        let parts: Vec<&str> = tok.split('.').collect();
        // alg none, hand-built.
        let none_header = B64.encode(br#"{"alg":"none","typ":"at+jwt","kid":"x"}"#);
        let alg_none = format!("{none_header}.{}.", parts[1]);
        // HS256 keyed with the public key (the classic algorithm confusion).
        let set = KeySet::load(&path, now).unwrap();
        let kid = set.signing_kid().unwrap().to_owned();
        let sk_file = read_file(&path).unwrap();
        let seed = seed_of(&path, sk_file.key.last().unwrap()).unwrap();
        let public = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        let mut hs = Header::new(Algorithm::HS256);
        hs.typ = Some(TOKEN_TYPE.into());
        hs.kid = Some(kid.clone());
        let claims: serde_json::Value =
            serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
        let hs256 = jsonwebtoken::encode(&hs, &claims, &EncodingKey::from_secret(&public).unwrap())
            .unwrap();
        // Tampered payload: the role raised, the signature kept.
        let mut raised = claims.clone();
        raised["role"] = "operator".into();
        let tampered = format!(
            "{}.{}.{}",
            parts[0],
            B64.encode(serde_json::to_vec(&raised).unwrap()),
            parts[2]
        );
        // An attacker's own key, embedded in the header.
        let attacker = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
        let mut jwk_header = Header::new(Algorithm::EdDSA);
        jwk_header.typ = Some(TOKEN_TYPE.into());
        jwk_header.kid = Some(kid.clone());
        jwk_header.jwk = Some(
            serde_json::from_value(serde_json::json!({
                "kty": "OKP", "crv": "Ed25519", "x": B64.encode(attacker.verifying_key().as_bytes())
            }))
            .unwrap(),
        );
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let attacker_key = EncodingKey::from_ed_der(attacker.to_pkcs8_der().unwrap().as_bytes());
        let with_jwk = jsonwebtoken::encode(&jwk_header, &claims, &attacker_key).unwrap();
        let mut plain = Header::new(Algorithm::EdDSA);
        plain.typ = Some(TOKEN_TYPE.into());
        plain.kid = Some(kid.clone());
        let attacker_signed = jsonwebtoken::encode(&plain, &claims, &attacker_key).unwrap();

        let cases: Vec<(&str, String, TokenRefused)> = vec![
            ("alg none", alg_none, TokenRefused::Malformed),
            ("HS256 with the public key", hs256, TokenRefused::Algorithm),
            (
                "tampered payload",
                tampered,
                TokenRefused::Invalid("InvalidSignature".into()),
            ),
            ("jwk in header", with_jwk, TokenRefused::KeyInHeader),
            (
                "signed by another key",
                attacker_signed,
                TokenRefused::Invalid("InvalidSignature".into()),
            ),
            (
                "wrong aud",
                forge(&path, |_| {}, |c| c["aud"] = "https://other/api".into()),
                TokenRefused::Invalid("InvalidAudience".into()),
            ),
            (
                "no aud",
                forge(
                    &path,
                    |_| {},
                    |c| {
                        c.as_object_mut().unwrap().remove("aud");
                    },
                ),
                TokenRefused::Invalid("aud".into()),
            ),
            (
                "wrong iss",
                forge(&path, |_| {}, |c| c["iss"] = "https://evil".into()),
                TokenRefused::Invalid("InvalidIssuer".into()),
            ),
            (
                "expired 30 s ago",
                forge(
                    &path,
                    |_| {},
                    |c| {
                        c["iat"] = (n - 630).into();
                        c["nbf"] = (n - 630).into();
                        c["exp"] = (n - 30).into();
                    },
                ),
                TokenRefused::Invalid("ExpiredSignature".into()),
            ),
            (
                "not yet valid",
                forge(
                    &path,
                    |_| {},
                    |c| {
                        c["nbf"] = (n + 60).into();
                    },
                ),
                TokenRefused::Invalid("ImmatureSignature".into()),
            ),
            (
                "unknown kid",
                forge(&path, |h| h.kid = Some("k-unknown".into()), |_| {}),
                TokenRefused::UnknownKey,
            ),
            (
                "no kid",
                forge(&path, |h| h.kid = None, |_| {}),
                TokenRefused::UnknownKey,
            ),
            (
                "typ JWT",
                forge(&path, |h| h.typ = Some("JWT".into()), |_| {}),
                TokenRefused::Type,
            ),
            (
                "no typ",
                forge(&path, |h| h.typ = None, |_| {}),
                TokenRefused::Type,
            ),
            (
                "a day long",
                forge(&path, |_| {}, |c| c["exp"] = (n + 86_400).into()),
                TokenRefused::Lifetime,
            ),
            ("garbage", "not.a.token".into(), TokenRefused::Malformed),
        ];
        for (name, token, want) in cases {
            let got = t.verify(&token, now);
            match (&got, &want) {
                // The library's reason is kept as text: match on its key part.
                (Err(TokenRefused::Invalid(g)), TokenRefused::Invalid(w)) => {
                    assert!(g.contains(w.as_str()), "{name}: {g}")
                }
                _ => assert_eq!(got, Err(want), "{name}"),
            }
        }
    }

    #[test]
    fn rotation_keeps_old_tokens_valid_until_their_grace_ends() {
        let (_d, path, t) = setup();
        let now = OffsetDateTime::now_utc();
        let old = good(&t);
        let old_kid = t.current().signing_kid().unwrap().to_owned();
        let new_kid = keygen(&path, now).unwrap();
        // The file's mtime may not move within the same second on some file
        // systems: force the reload.
        t.reload(now).unwrap();
        assert_eq!(t.current().signing_kid(), Some(new_kid.as_str()));
        assert!(
            t.verify(&old, now).is_ok(),
            "the retired key still verifies"
        );
        let fresh = good(&t);
        assert!(fresh.contains('.') && t.verify(&fresh, now).is_ok());
        let later = now + MAX_ACCESS_TTL + time::Duration::seconds(LEEWAY_SECS as i64 + 1);
        t.reload(later).unwrap();
        assert_eq!(
            t.verify(&old, later),
            Err(TokenRefused::UnknownKey),
            "{old_kid} retired past its grace"
        );
    }

    #[test]
    fn an_unsafe_or_broken_key_file_is_refused_without_quoting_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        std::fs::write(
            &path,
            "[[key]]\nkid = \"a\"\ncreated_at = 1\nprivate_key = \"c2VudGluZWwtc2VjcmV0\"\n",
        )
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let err = KeySet::load(&path, OffsetDateTime::now_utc())
            .unwrap_err()
            .to_string();
        assert!(err.contains("600"), "{err}");
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let err = KeySet::load(&path, OffsetDateTime::now_utc())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("32 bytes") && !err.contains("c2VudGluZWw"),
            "{err}"
        );
        std::fs::write(&path, "private_key = \"sentinel-secret\"\n[[[").unwrap();
        let err = KeySet::load(&path, OffsetDateTime::now_utc())
            .unwrap_err()
            .to_string();
        assert!(!err.contains("sentinel"), "{err}");
    }
}
