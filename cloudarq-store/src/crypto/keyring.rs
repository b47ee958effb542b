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
//!
//! [[key]]
//! id = 2
//! material = "…"
//! ```
//!
//! The environment variable [`KEYRING_ENV`] holds the same TOML and wins over
//! the file. A keyring file must not be readable by group or others.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{CryptoError, SecretKey};

/// The environment variable that may hold the whole keyring.
pub const KEYRING_ENV: &str = "CLOUDARQ_KEYRING";

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

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyringFile {
    primary: u32,
    #[serde(default, rename = "key")]
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: u32,
    material: String,
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

/// The master keys, by id, and which one is primary.
pub struct Keyring {
    source: KeyringSource,
    primary: u32,
    keys: BTreeMap<u32, SecretKey>,
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

impl Keyring {
    /// Loads the keyring from [`KEYRING_ENV`] if set, else from `path`.
    pub fn load(path: &Path) -> Result<Self, KeyringError> {
        match std::env::var(KEYRING_ENV) {
            Ok(text) => Self::parse(&text, KeyringSource::Env),
            Err(_) => Self::load_file(path),
        }
    }

    /// Loads the keyring from a file, refusing one that others can read.
    pub fn load_file(path: &Path) -> Result<Self, KeyringError> {
        let source = KeyringSource::File(path.to_path_buf());
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(KeyringError::Missing {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => {
                return Err(KeyringError::Io {
                    source_name: source.to_string(),
                    detail: e.to_string(),
                });
            }
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
        #[cfg(not(unix))]
        let _ = meta;
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| KeyringError::Io {
            source_name: source.to_string(),
            detail: e.to_string(),
        })?);
        Self::parse(&text, source)
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
        })
    }

    /// Creates a keyring file with one fresh key (mode 600). Refuses to
    /// overwrite an existing file.
    pub fn create_file(path: &Path) -> Result<Self, KeyringError> {
        if path.exists() {
            return Err(KeyringError::Io {
                source_name: path.display().to_string(),
                detail: "already exists; refusing to overwrite a keyring".into(),
            });
        }
        let mut keys = BTreeMap::new();
        keys.insert(1, SecretKey::generate()?);
        let ring = Self {
            source: KeyringSource::File(path.to_path_buf()),
            primary: 1,
            keys,
        };
        ring.save()?;
        Ok(ring)
    }

    /// Where this keyring came from.
    pub fn source(&self) -> &KeyringSource {
        &self.source
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
        let id = self.keys.keys().next_back().map_or(1, |m| m + 1);
        self.keys.insert(id, SecretKey::generate()?);
        self.save()?;
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
        self.primary = id;
        self.save()
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
        if self.keys.remove(&id).is_none() {
            return Err(KeyringError::NoSuchKey {
                source_name: self.source.to_string(),
                id,
            });
        }
        self.save()
    }

    fn writable(&self) -> Result<&Path, KeyringError> {
        match &self.source {
            KeyringSource::Env => Err(KeyringError::ReadOnly),
            KeyringSource::File(p) => Ok(p),
        }
    }

    /// Writes the file atomically (temp file with mode 600, then rename).
    fn save(&self) -> Result<(), KeyringError> {
        let path = self.writable()?;
        let io = |e: std::io::Error| KeyringError::Io {
            source_name: path.display().to_string(),
            detail: e.to_string(),
        };
        let file = KeyringFile {
            primary: self.primary,
            keys: self
                .keys
                .iter()
                .map(|(id, k)| KeyEntry {
                    id: *id,
                    material: STANDARD.encode(k.expose()),
                })
                .collect(),
        };
        let body = Zeroizing::new(toml::to_string(&file).map_err(|e| KeyringError::Io {
            source_name: path.display().to_string(),
            detail: e.to_string(),
        })?);
        let text = Zeroizing::new(format!(
            "# CloudArq master keys. Keep this file out of the database and out of its backups.\n{}",
            body.as_str()
        ));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("tmp");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(io)?;
        f.write_all(text.as_bytes()).map_err(io)?;
        f.sync_all().map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
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
