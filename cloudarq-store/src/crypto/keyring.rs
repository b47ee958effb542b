//! Master keys (key-encryption keys) from a keyring file or the environment;
//! never from the database (checklist CR-2).
//!
//! The keyring is TOML: the id of the primary key (the one that wraps new data
//! keys) and every key still needed to unwrap existing ones.
//!
//! ```toml
//! primary = 2
//!
//! [[key]]
//! id = 1
//! material = "base64 of 32 random bytes"
//! check = "hex of HMAC-SHA256(key, label ‖ id), first 16 bytes"
//!
//! [[key]]
//! id = 2
//! material = "…"
//! check = "…"
//! ```
//!
//! The environment variable [`KEYRING_ENV`] holds the same TOML and wins over
//! the file.
//!
//! - Loading opens the file once, without following a symbolic link
//!   (`O_NOFOLLOW`) and without blocking on a FIFO, then checks the opened
//!   file (`fstat`): a regular file owned by this user, not readable by group
//!   or others, at most [`MAX_KEYRING_BYTES`]; and reads from that same file.
//! - Saving writes a fresh randomly named file in the same directory
//!   (`O_EXCL`, mode 600 from creation), syncs it, renames it over the keyring
//!   and syncs the directory, so after a crash the keyring is the old one or
//!   the new one, never a mix, and never older than what the database uses.
//!   Creating a keyring never replaces one that another process just made.
//! - Each key's `check` value is refused when it does not match the key's
//!   material, so a different key put under an existing id is named at load
//!   (the store also unwraps a data key per master key when it opens).
//! - Key material lives in boxes zeroized on drop ([`SecretKey`]); the TOML
//!   text, the base64 strings and the decoded bytes are zeroized after use.

use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::Sha256;
use zeroize::{Zeroize, Zeroizing};

use super::{CryptoError, SecretKey};
use crate::files::{self, Replace};

/// The environment variable that may hold the whole keyring.
pub const KEYRING_ENV: &str = "CLOUDARQ_KEYRING";

/// The largest keyring file read (a keyring of thousands of keys is smaller).
pub const MAX_KEYRING_BYTES: u64 = 1 << 20;

const CHECK_LABEL: &[u8] = b"cloudarq master key check v1";
const CHECK_LEN: usize = 16;
const FILE_HEADER: &str =
    "# CloudArq master keys. Keep this file out of the database and out of its backups.\n";

/// Errors loading or changing a keyring. Never contains key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// Neither the environment variable nor the file is there.
    #[error("no keyring: {KEYRING_ENV} is not set and {} does not exist", path.display())]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The keyring could not be read or written.
    #[error("keyring {source_name}: {detail}")]
    Io {
        /// File path or environment variable.
        source_name: String,
        /// What went wrong.
        detail: String,
    },
    /// The keyring is not valid.
    #[error("keyring {source_name} is invalid: {detail}")]
    Invalid {
        /// File path or environment variable.
        source_name: String,
        /// What was wrong (never the key material).
        detail: String,
    },
    /// The file is readable by other users.
    #[error(
        "keyring file {} is readable by group or others (mode {mode:o}); run chmod 600 on it",
        path.display()
    )]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The path is not a private regular file of this user (a symbolic link,
    /// a FIFO, another user's file, an oversized file).
    #[error("keyring file refused: {detail}")]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// What was wrong, naming the path.
        detail: String,
    },
    /// Creating a keyring found one already there (perhaps made a moment ago
    /// by another process); it was left alone.
    #[error("keyring file {} already exists; refusing to overwrite a keyring", path.display())]
    AlreadyExists {
        /// The file.
        path: PathBuf,
    },
    /// A key's material does not match its check value: another key was put
    /// under this id, or the material was altered.
    #[error(
        "keyring {source_name}: key {id} does not match its check value; the material was altered or a different key was put under id {id}"
    )]
    CheckMismatch {
        /// File path or environment variable.
        source_name: String,
        /// The key id.
        id: u32,
    },
    /// A change asked for a key id the keyring does not have.
    #[error("keyring {source_name} has no key {id}")]
    NoSuchKey {
        /// File path.
        source_name: String,
        /// The id asked for.
        id: u32,
    },
    /// The keyring came from the environment and cannot be changed in place.
    #[error("the keyring comes from {KEYRING_ENV}; change that variable instead")]
    ReadOnly,
    /// The random source failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyringFile {
    primary: u32,
    #[serde(default, rename = "key")]
    keys: Vec<KeyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: u32,
    material: String,
    #[serde(default)]
    check: Option<String>,
}

impl Drop for KeyEntry {
    fn drop(&mut self) {
        self.material.zeroize();
    }
}

/// Where a keyring came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyringSource {
    /// The [`KEYRING_ENV`] variable.
    Env,
    /// A file.
    File(PathBuf),
}

impl fmt::Display for KeyringSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Env => f.write_str(KEYRING_ENV),
            Self::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// Identity and version of a keyring file (device, inode, size, times):
/// when it differs from the loaded one, the file changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileFingerprint {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl FileFingerprint {
    fn of(meta: &std::fs::Metadata) -> Self {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Self {
                dev: meta.dev(),
                ino: meta.ino(),
                len: meta.len(),
                mtime: (meta.mtime(), meta.mtime_nsec()),
                ctime: (meta.ctime(), meta.ctime_nsec()),
            }
        }
        #[cfg(not(unix))]
        Self {
            dev: 0,
            ino: 0,
            len: meta.len(),
            mtime: meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or((0, 0), |d| {
                    (d.as_secs() as i64, i64::from(d.subsec_nanos()))
                }),
            ctime: (0, 0),
        }
    }

    /// The fingerprint of the file at `path` now (not following a link).
    pub fn of_path(path: &Path) -> std::io::Result<Self> {
        std::fs::symlink_metadata(path).map(|m| Self::of(&m))
    }
}

/// The master keys, by id, and which one is primary.
pub struct Keyring {
    source: KeyringSource,
    primary: u32,
    keys: BTreeMap<u32, SecretKey>,
    fingerprint: Option<FileFingerprint>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("source", &self.source)
            .field("primary", &self.primary)
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The check value of master key `id`: the first 16 bytes of
/// HMAC-SHA256(key, label ‖ id), in hex.
fn check_value(id: u32, key: &SecretKey) -> Result<String, CryptoError> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose())
        .map_err(|_| CryptoError::KeyLength(key.expose().len()))?;
    mac.update(CHECK_LABEL);
    mac.update(&id.to_be_bytes());
    let tag = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(CHECK_LEN * 2);
    for b in &tag[..CHECK_LEN] {
        let _ = write!(hex, "{b:02x}");
    }
    Ok(hex)
}

impl Keyring {
    /// Loads the keyring from [`KEYRING_ENV`] if set, else from `path`.
    pub fn load(path: &Path) -> Result<Self, KeyringError> {
        match std::env::var(KEYRING_ENV) {
            Ok(text) => {
                let text = Zeroizing::new(text);
                Self::parse(&text, KeyringSource::Env)
            }
            Err(_) => Self::load_file(path),
        }
    }

    /// Loads the keyring from a file (see the module docs for the checks).
    pub fn load_file(path: &Path) -> Result<Self, KeyringError> {
        let source = KeyringSource::File(path.to_path_buf());
        let refused = |detail: String| KeyringError::Unsafe {
            path: path.to_path_buf(),
            detail,
        };
        let (file, meta) = match files::open_regular(path, MAX_KEYRING_BYTES) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyringError::Missing {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(refused(e.to_string())),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(KeyringError::Permissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
        }
        // Sized up front so reading never reallocates (and never leaves a
        // copy of the keys in freed memory).
        let cap = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
        let mut bytes = Zeroizing::new(Vec::with_capacity(cap));
        files::read_limited(file, path, MAX_KEYRING_BYTES, &mut bytes)
            .map_err(|e| refused(e.to_string()))?;
        let text = std::str::from_utf8(&bytes).map_err(|_| KeyringError::Invalid {
            source_name: source.to_string(),
            detail: "not UTF-8 text".into(),
        })?;
        let mut ring = Self::parse(text, source)?;
        ring.fingerprint = Some(FileFingerprint::of(&meta));
        Ok(ring)
    }

    /// Parses keyring TOML; `source` names it in errors.
    pub fn parse(text: &str, source: KeyringSource) -> Result<Self, KeyringError> {
        let invalid = |detail: String| KeyringError::Invalid {
            source_name: source.to_string(),
            detail,
        };
        // The TOML error may quote the offending line, which could be key
        // material: keep only its position.
        let file: KeyringFile = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| format!(" at byte {}", s.start))
                .unwrap_or_default();
            invalid(format!("not a keyring TOML document{at}"))
        })?;
        let mut keys = BTreeMap::new();
        for entry in &file.keys {
            let raw = Zeroizing::new(
                STANDARD
                    .decode(entry.material.trim())
                    .map_err(|_| invalid(format!("key {}: material is not base64", entry.id)))?,
            );
            let key = SecretKey::from_slice(&raw).map_err(|_| {
                invalid(format!(
                    "key {}: material is {} bytes, 32 expected",
                    entry.id,
                    raw.len()
                ))
            })?;
            if let Some(check) = &entry.check
                && !check
                    .trim()
                    .eq_ignore_ascii_case(&check_value(entry.id, &key)?)
            {
                return Err(KeyringError::CheckMismatch {
                    source_name: source.to_string(),
                    id: entry.id,
                });
            }
            if keys.insert(entry.id, key).is_some() {
                return Err(invalid(format!("key id {} appears twice", entry.id)));
            }
        }
        if !keys.contains_key(&file.primary) {
            return Err(invalid(format!(
                "primary key {} is not among the keys",
                file.primary
            )));
        }
        Ok(Self {
            source,
            primary: file.primary,
            keys,
            fingerprint: None,
        })
    }

    /// Creates a keyring file with one fresh key (mode 600), creating its
    /// directory (mode 700) if needed. Refuses to replace anything at `path`,
    /// even a keyring another process created a moment ago
    /// ([`KeyringError::AlreadyExists`]).
    pub fn create_file(path: &Path) -> Result<Self, KeyringError> {
        let mut keys = BTreeMap::new();
        keys.insert(1, SecretKey::generate()?);
        let mut ring = Self {
            source: KeyringSource::File(path.to_path_buf()),
            primary: 1,
            keys,
            fingerprint: None,
        };
        ring.save(Replace::No)?;
        Ok(ring)
    }

    /// Where this keyring came from.
    pub fn source(&self) -> &KeyringSource {
        &self.source
    }

    /// The file's fingerprint when it was loaded or last saved (`None` for
    /// the environment).
    pub fn fingerprint(&self) -> Option<FileFingerprint> {
        self.fingerprint
    }

    /// The id of the key that wraps new data keys.
    pub fn primary_id(&self) -> u32 {
        self.primary
    }

    /// The primary key.
    pub fn primary(&self) -> (u32, &SecretKey) {
        // The constructor and every change keep `primary` among the keys.
        match self.keys.get(&self.primary) {
            Some(k) => (self.primary, k),
            None => unreachable!("keyring invariant: primary key is present"),
        }
    }

    /// A key by id.
    pub fn get(&self, id: u32) -> Option<&SecretKey> {
        self.keys.get(&id)
    }

    /// Every key id, ascending.
    pub fn ids(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// Step 1 of rotation: adds a fresh key (not primary yet) and saves the
    /// file. Returns its id.
    pub fn add_key(&mut self) -> Result<u32, KeyringError> {
        self.writable()?;
        let id = match self.keys.keys().next_back() {
            None => 1,
            Some(m) => m.checked_add(1).ok_or_else(|| KeyringError::Invalid {
                source_name: self.source.to_string(),
                detail: "no key id left after 4294967295".into(),
            })?,
        };
        self.keys.insert(id, SecretKey::generate()?);
        if let Err(e) = self.save(Replace::Yes) {
            self.keys.remove(&id);
            return Err(e);
        }
        Ok(id)
    }

    /// Step 2 of rotation: makes `id` the primary key and saves the file.
    pub fn set_primary(&mut self, id: u32) -> Result<(), KeyringError> {
        self.writable()?;
        if !self.keys.contains_key(&id) {
            return Err(KeyringError::NoSuchKey {
                source_name: self.source.to_string(),
                id,
            });
        }
        let before = std::mem::replace(&mut self.primary, id);
        self.save(Replace::Yes)
            .inspect_err(|_| self.primary = before)
    }

    /// Removes a key from the file. The store checks first that nothing
    /// references it ([`crate::Store::remove_master_key`]); this refuses only
    /// the primary key.
    pub(crate) fn remove_key(&mut self, id: u32) -> Result<(), KeyringError> {
        self.writable()?;
        if id == self.primary {
            return Err(KeyringError::Invalid {
                source_name: self.source.to_string(),
                detail: format!("key {id} is the primary key; make another key primary first"),
            });
        }
        let Some(removed) = self.keys.remove(&id) else {
            return Err(KeyringError::NoSuchKey {
                source_name: self.source.to_string(),
                id,
            });
        };
        self.save(Replace::Yes).inspect_err(|_| {
            self.keys.insert(id, removed.clone());
        })
    }

    fn writable(&self) -> Result<&Path, KeyringError> {
        match &self.source {
            KeyringSource::Env => Err(KeyringError::ReadOnly),
            KeyringSource::File(p) => Ok(p),
        }
    }

    /// The file's text, built in one buffer sized up front so no copy of the
    /// key material is left behind by a reallocation; zeroized on drop.
    fn to_toml(&self) -> Result<Zeroizing<String>, KeyringError> {
        let per_key = 200;
        let mut out = Zeroizing::new(String::with_capacity(
            FILE_HEADER.len() + 32 + per_key * self.keys.len(),
        ));
        out.push_str(FILE_HEADER);
        let _ = writeln!(out, "primary = {}", self.primary);
        for (id, key) in &self.keys {
            let _ = write!(out, "\n[[key]]\nid = {id}\nmaterial = \"");
            STANDARD.encode_string(key.expose(), &mut out);
            let _ = writeln!(out, "\"\ncheck = \"{}\"", check_value(*id, key)?);
        }
        Ok(out)
    }

    /// Writes the file atomically (see the module docs) and records its new
    /// fingerprint.
    fn save(&mut self, replace: Replace) -> Result<(), KeyringError> {
        let path = self.writable()?.to_path_buf();
        let io = |e: std::io::Error| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                KeyringError::AlreadyExists { path: path.clone() }
            } else {
                KeyringError::Io {
                    source_name: path.display().to_string(),
                    detail: e.to_string(),
                }
            }
        };
        files::ensure_private_dir(&files::parent_of(&path)).map_err(io)?;
        let text = self.to_toml()?;
        files::write_atomic(&path, text.as_bytes(), replace).map_err(io)?;
        self.fingerprint = FileFingerprint::of_path(&path).ok();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_add_promote_remove_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring.toml");
        let mut ring = Keyring::create_file(&path).unwrap();
        assert_eq!(ring.primary_id(), 1);
        let id = ring.add_key().unwrap();
        assert_eq!(id, 2);
        assert_eq!(Keyring::load_file(&path).unwrap().primary_id(), 1);
        ring.set_primary(2).unwrap();
        let again = Keyring::load_file(&path).unwrap();
        assert_eq!(again.primary_id(), 2);
        assert_eq!(again.ids(), [1, 2]);
        assert_eq!(
            again.get(1).unwrap().expose(),
            ring.get(1).unwrap().expose()
        );
        assert!(ring.remove_key(2).is_err(), "primary cannot be removed");
        ring.remove_key(1).unwrap();
        assert_eq!(Keyring::load_file(&path).unwrap().ids(), [2]);
        assert!(Keyring::create_file(&path).is_err(), "never overwrites");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.toml");
        Keyring::create_file(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Keyring::load_file(&path).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
    }

    #[test]
    fn missing_and_invalid_keyrings_name_the_source_not_the_material() {
        let err = Keyring::load_file(Path::new("/nonexistent/keyring.toml")).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/keyring.toml"),
            "{err}"
        );
        assert!(err.to_string().contains(KEYRING_ENV), "{err}");

        let short = STANDARD.encode([7u8; 16]);
        let cases = [
            ("primary = 1\n".to_string(), "primary key 1"),
            (
                format!("primary = 1\n[[key]]\nid = 1\nmaterial = \"{short}\"\n"),
                "16 bytes",
            ),
            (
                "primary = 1\n[[key]]\nid = 1\nmaterial = \"SECRET-not-b64!\"\n".to_string(),
                "not base64",
            ),
            (
                "primary = 1\nmaterial = \"SECRET-material\"\n".to_string(),
                "not a keyring",
            ),
        ];
        for (text, want) in cases {
            let err = Keyring::parse(&text, KeyringSource::Env)
                .unwrap_err()
                .to_string();
            assert!(err.contains(want), "{err}");
            assert!(err.contains(KEYRING_ENV), "{err}");
            assert!(!err.contains("SECRET"), "material leaked: {err}");
            assert!(!err.contains(&short), "material leaked: {err}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_keyring_or_a_temp_name_never_receives_key_material() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring.toml");
        // Links at the names the old code used for its temporary file, and
        // at the keyring path itself.
        let mut targets = Vec::new();
        for name in ["keyring.tmp", "keyring.toml.tmp", ".cloudarq-tmp-keyring"] {
            let target = outside.path().join(name);
            std::os::unix::fs::symlink(&target, dir.path().join(name)).unwrap();
            targets.push(target);
        }
        let ring = Keyring::create_file(&path).unwrap();
        assert_eq!(crate::files::mode_of(&path).unwrap(), 0o600);
        for t in &targets {
            assert!(!t.exists(), "{} received data", t.display());
        }
        drop(ring);

        let planted = dir.path().join("planted.toml");
        let target = outside.path().join("stolen.toml");
        std::os::unix::fs::symlink(&target, &planted).unwrap();
        let err = Keyring::create_file(&planted).unwrap_err();
        assert!(matches!(err, KeyringError::AlreadyExists { .. }), "{err}");
        assert!(!target.exists(), "key material followed the link");
        // A link to a real keyring is not loaded either.
        std::fs::copy(&path, &target).unwrap();
        let err = Keyring::load_file(&planted).unwrap_err().to_string();
        assert!(
            err.contains("symbolic link") && err.contains("planted.toml"),
            "{err}"
        );
    }

    #[test]
    fn concurrent_first_runs_do_not_clobber_each_other() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("home/keyring.toml");
            let n = 6;
            let barrier = std::sync::Barrier::new(n);
            let results: Vec<Result<Keyring, KeyringError>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..n)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            Keyring::create_file(&path)
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let winners: Vec<&Keyring> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
            assert_eq!(winners.len(), 1, "exactly one process creates the keyring");
            for r in &results {
                if let Err(e) = r {
                    assert!(matches!(e, KeyringError::AlreadyExists { .. }), "{e}");
                }
            }
            let on_disk = Keyring::load_file(&path).unwrap();
            assert_eq!(
                on_disk.get(1).unwrap().expose(),
                winners[0].get(1).unwrap().expose(),
                "the file holds the winner's key"
            );
            let names = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
            assert_eq!(names, 1, "no temporary file left behind");
        }
    }

    #[test]
    fn a_different_key_under_the_same_id_is_refused_naming_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring.toml");
        let mut ring = Keyring::create_file(&path).unwrap();
        ring.add_key().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            text.matches("check = ").count(),
            2,
            "{}",
            text.lines().count()
        );
        let original = STANDARD.encode(ring.get(2).unwrap().expose());
        let other = STANDARD.encode(SecretKey::generate().unwrap().expose());
        crate::files::write_atomic(
            &path,
            text.replace(&original, &other).as_bytes(),
            Replace::Yes,
        )
        .unwrap();
        let err = Keyring::load_file(&path).unwrap_err();
        assert!(
            matches!(err, KeyringError::CheckMismatch { id: 2, .. }),
            "{err}"
        );
        let msg = err.to_string();
        assert!(msg.contains("key 2") && !msg.contains(&other), "{msg}");
        // A keyring written without check values (an older file, or by hand)
        // still loads, and gets them at the next save.
        let bare = format!("primary = 1\n[[key]]\nid = 1\nmaterial = \"{other}\"\n");
        crate::files::write_atomic(&path, bare.as_bytes(), Replace::Yes).unwrap();
        let mut again = Keyring::load_file(&path).unwrap();
        again.add_key().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches("check = ").count(), 2);
        assert_eq!(Keyring::load_file(&path).unwrap().ids(), [1, 2]);
    }

    #[cfg(unix)]
    #[test]
    fn fifos_other_users_files_and_huge_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.toml");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        let err = Keyring::load_file(&fifo).unwrap_err().to_string();
        assert!(err.contains("not a regular file"), "{err}");
        let big = dir.path().join("big.toml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_KEYRING_BYTES + 1).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o600)).unwrap();
        let err = Keyring::load_file(&big).unwrap_err().to_string();
        assert!(err.contains("more than"), "{err}");
        if crate::files::current_uid() == 0 {
            let theirs = dir.path().join("theirs.toml");
            Keyring::create_file(&theirs).unwrap();
            rustix::fs::chown(&theirs, Some(rustix::fs::Uid::from_raw(65534)), None).unwrap();
            let err = Keyring::load_file(&theirs).unwrap_err().to_string();
            assert!(err.contains("owned by user 65534"), "{err}");
        }
    }

    #[test]
    fn debug_lists_ids_only() {
        let text = format!(
            "primary = 3\n[[key]]\nid = 3\nmaterial = \"{}\"\n",
            STANDARD.encode([0x5A; 32])
        );
        let ring = Keyring::parse(&text, KeyringSource::Env).unwrap();
        let s = format!("{ring:?}");
        assert!(s.contains("key_ids: [3]"), "{s}");
        assert!(!s.contains("WlpaWl"), "{s}");
    }
}
