//! The on-disk compiled-component cache: one file per entry,
//! `<sha256 of the wasm>-<engine compatibility id>.cwasm`, holding a magic
//! line, an HMAC-SHA256 tag and the compiled bytes.
//!
//! Native code is deserialized only from an entry whose tag verifies under
//! this host's cache key: a secret of 32 random bytes in a file kept outside
//! the cache directory (owned by the user, mode 0600, created on first use
//! and never overwritten). The tag covers, each with a length prefix, a
//! domain string, the engine's precompile compatibility hash, the wasm's
//! sha256 and the compiled bytes, so an entry cannot be edited, recomputed
//! without the key, or moved to another package's or engine's name. Without
//! a valid tag the package is recompiled, and the reason reported.
//!
//! The cache directory and each entry must be owned by the current user and
//! not writable by group or others (a directory this host creates is made
//! 0700; it never changes the mode of one it did not create).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use wasmtime::Engine;
use wasmtime::component::Component;
use zeroize::Zeroizing;

use super::WasmError;
use super::files::{
    create_private_dir_all, open_nofollow, owned_and_private, read_private, write_secret_file,
};
use super::trust::sha256_hex;
use super::verify::VerifiedPackage;

/// The first bytes of an entry.
const MAGIC: &[u8; 16] = b"CLOUDARQ-CWASM1\n";
/// The HMAC-SHA256 tag length.
const TAG_LEN: usize = 32;
/// The domain string the tag starts with.
const DOMAIN: &[u8] = b"cloudarq.compiled-component.v1";
/// The largest entry read, in bytes.
const MAX_ENTRY_BYTES: usize = 1 << 30;

/// Why a cache entry was not used (reported as `recompiled: <reason>`).
pub(crate) const TAG_INVALID: &str = "cache tag invalid";

/// The per-host secret the tags are made with.
struct CacheKey(Zeroizing<[u8; 32]>);

impl CacheKey {
    /// Reads the key at `path`, or creates it there if there is none: a
    /// fresh temporary file renamed without replacing, so a key another
    /// process just created wins and is re-read.
    fn open_or_create(path: &Path) -> Result<Self, WasmError> {
        let refuse = |problem: String| WasmError::Cache {
            path: path.to_owned(),
            problem,
        };
        for _ in 0..3 {
            match open_nofollow(path) {
                Ok(f) => {
                    let text = read_private(f, path, 256, true)
                        .map_err(|m| refuse(format!("the rules cache key {m}")))?;
                    return Self::parse(&text).ok_or_else(|| {
                        refuse("is not a CloudArq rules cache key (64 hex digits); delete it to make a new one".to_owned())
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                        create_private_dir_all(dir)
                            .map_err(|e| refuse(format!("cannot create its directory: {e}")))?;
                    }
                    let mut key = Zeroizing::new([0u8; 32]);
                    getrandom::fill(key.as_mut())
                        .map_err(|e| refuse(format!("no randomness for a new key: {e}")))?;
                    let text = Zeroizing::new(format!("{}\n", hex(key.as_ref())));
                    match write_secret_file(path, text.as_bytes(), false) {
                        Ok(()) => return Ok(Self(key)),
                        // Another process created it first: read theirs.
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                        Err(e) => return Err(refuse(format!("cannot create the key: {e}"))),
                    }
                }
                Err(e) => {
                    return Err(refuse(format!(
                        "cannot open the rules cache key (a symlink is refused): {e}"
                    )));
                }
            }
        }
        Err(refuse(
            "the rules cache key keeps changing; another process is replacing it".to_owned(),
        ))
    }

    fn parse(text: &[u8]) -> Option<Self> {
        let text = std::str::from_utf8(text).ok()?.trim();
        if text.len() != 64 {
            return None;
        }
        let mut key = Zeroizing::new([0u8; 32]);
        for (i, b) in key.iter_mut().enumerate() {
            *b = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(key))
    }

    /// The tag of one entry.
    fn mac(&self, compat: &[u8], wasm_sha256: &str, compiled: &[u8]) -> Hmac<Sha256> {
        // Invariant: HMAC accepts a key of any length, so 32 bytes never fail.
        #[allow(clippy::expect_used, reason = "HMAC takes keys of any length")]
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.as_ref())
            .expect("HMAC accepts any key length");
        for part in [DOMAIN, compat, wasm_sha256.as_bytes(), compiled] {
            mac.update(&u64::try_from(part.len()).unwrap_or(u64::MAX).to_le_bytes());
            mac.update(part);
        }
        mac
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes an engine's `precompile_compatibility_hash` feeds a hasher.
fn compatibility_bytes(engine: &Engine) -> Vec<u8> {
    struct Collect(Vec<u8>);
    impl Hasher for Collect {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.extend_from_slice(bytes);
        }
    }
    let mut c = Collect(Vec::new());
    engine.precompile_compatibility_hash().hash(&mut c);
    c.0
}

/// A cache directory owned by this user, with the key that authenticates
/// its entries.
pub(crate) struct ComponentCache {
    dir: PathBuf,
    key_path: PathBuf,
    key: CacheKey,
}

impl std::fmt::Debug for ComponentCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ComponentCache")
            .field("dir", &self.dir)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

/// What the cache had for a package.
pub(crate) enum Lookup {
    /// A verified entry, deserialized.
    Hit(Component),
    /// No entry.
    Miss,
    /// An entry that was not used, and why.
    Rejected(String),
}

/// Compiled bytes whose tag verified: the only input
/// [`load_trusted_compiled`] takes.
struct VerifiedEntry<'a>(&'a [u8]);

impl ComponentCache {
    /// Opens (creating 0700 if missing) the cache directory `dir` and the
    /// key at `key_path`, which must lie outside it. An existing directory
    /// or key owned by another user, or writable by group or others (a key:
    /// readable too), is refused with the path and the fix.
    pub(crate) fn open(dir: &Path, key_path: &Path) -> Result<Self, WasmError> {
        let refuse = |path: &Path, problem: String| WasmError::Cache {
            path: path.to_owned(),
            problem,
        };
        match std::fs::metadata(dir) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_private_dir_all(dir).map_err(|source| WasmError::Io {
                    path: dir.to_owned(),
                    source,
                })?;
            }
            Err(source) => {
                return Err(WasmError::Io {
                    path: dir.to_owned(),
                    source,
                });
            }
        }
        let meta = std::fs::metadata(dir).map_err(|source| WasmError::Io {
            path: dir.to_owned(),
            source,
        })?;
        if !meta.is_dir() {
            return Err(refuse(dir, "the rules cache is not a directory".to_owned()));
        }
        owned_and_private(&meta, dir, false)
            .map_err(|m| refuse(dir, format!("the rules cache directory {m}")))?;
        let canonical_dir = dir.canonicalize().map_err(|source| WasmError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let key_dir = key_path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if key_dir
            .canonicalize()
            .is_ok_and(|k| k.starts_with(&canonical_dir))
        {
            return Err(refuse(
                key_path,
                format!(
                    "the rules cache key must be kept outside the cache directory {}",
                    dir.display()
                ),
            ));
        }
        let key = CacheKey::open_or_create(key_path)?;
        Ok(Self {
            dir: dir.to_owned(),
            key_path: key_path.to_owned(),
            key,
        })
    }

    fn entry_path(&self, compat: &[u8], wasm_sha256: &str) -> PathBuf {
        let id = sha256_hex(compat);
        self.dir.join(format!(
            "{wasm_sha256}-{}.cwasm",
            id.get(..16).unwrap_or(&id)
        ))
    }

    /// The cached compilation of `package`, when an entry for its sha256
    /// exists, is private to this user and its tag verifies.
    pub(crate) fn get(&self, engine: &Engine, package: &VerifiedPackage) -> Lookup {
        let wasm_sha256 = package.sha256();
        let compat = compatibility_bytes(engine);
        let path = self.entry_path(&compat, wasm_sha256);
        let file = match open_nofollow(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return reject(&path, format!("cache entry cannot be opened: {e}")),
        };
        let bytes = match read_private(file, &path, MAX_ENTRY_BYTES, false) {
            Ok(b) => b,
            Err(m) => return reject(&path, format!("cache entry {m}")),
        };
        let Some(verified) = self.verify(&compat, wasm_sha256, &bytes) else {
            return reject(&path, TAG_INVALID.to_owned());
        };
        match load_trusted_compiled(engine, verified) {
            Ok(c) => Lookup::Hit(c),
            Err(e) => reject(&path, format!("cache entry rejected by wasmtime: {e:#}")),
        }
    }

    /// The compiled bytes of `entry` when its tag verifies (constant-time
    /// comparison).
    fn verify<'a>(
        &self,
        compat: &[u8],
        wasm_sha256: &str,
        entry: &'a [u8],
    ) -> Option<VerifiedEntry<'a>> {
        let rest = entry.strip_prefix(MAGIC.as_slice())?;
        let (tag, compiled) = rest.split_at_checked(TAG_LEN)?;
        self.key
            .mac(compat, wasm_sha256, compiled)
            .verify_slice(tag)
            .ok()?;
        Some(VerifiedEntry(compiled))
    }

    /// Stores `component`, compiled from `package`, under its sha256 (best
    /// effort): a fresh 0600 temporary file, fsynced, renamed over the entry.
    pub(crate) fn put(&self, engine: &Engine, package: &VerifiedPackage, component: &Component) {
        let wasm_sha256 = package.sha256();
        let compat = compatibility_bytes(engine);
        let path = self.entry_path(&compat, wasm_sha256);
        let result = component
            .serialize()
            .map_err(|e| std::io::Error::other(format!("{e:#}")))
            .and_then(|compiled| {
                let tag = self
                    .key
                    .mac(&compat, wasm_sha256, &compiled)
                    .finalize()
                    .into_bytes();
                let mut entry = Vec::with_capacity(MAGIC.len() + TAG_LEN + compiled.len());
                entry.extend_from_slice(MAGIC);
                entry.extend_from_slice(&tag);
                entry.extend_from_slice(&compiled);
                write_secret_file(&path, &entry, true)
            });
        if let Err(e) = result {
            tracing::warn!(file = %path.display(), error = %e, "could not write the compiled cache");
        }
    }
}

fn reject(path: &Path, reason: String) -> Lookup {
    tracing::warn!(file = %path.display(), reason = %reason, "compiled cache entry not loaded; recompiling");
    Lookup::Rejected(reason)
}

/// Deserializes compiled code whose cache tag verified.
#[allow(unsafe_code, reason = "loads tag-checked compiled code")]
fn load_trusted_compiled(engine: &Engine, entry: VerifiedEntry<'_>) -> wasmtime::Result<Component> {
    // SAFETY: `Component::deserialize` trusts its input to be a compilation
    // made by a compatible wasmtime. A `VerifiedEntry` exists only when the
    // entry's HMAC-SHA256 tag verified, under this host's secret cache key
    // (kept outside the cache directory, mode 0600, owned by this user), over
    // the engine's precompile compatibility hash, the package's sha256 and
    // these exact bytes. Only `put`, holding the key, makes such a tag, after
    // serializing a component this engine compiled from that (verified)
    // package; so the bytes are that compilation, whoever could write to the
    // cache directory.
    // Wasmtime also checks the engine and version header before use.
    unsafe { Component::deserialize(engine, entry.0) }
}
