//! The on-disk compiled-component cache: `<sha256 of the wasm>-<engine
//! compatibility hash>.cwasm`, with a `.sha256` sidecar the host writes.
//!
//! Only files this host wrote are ever loaded: the key binds the exact wasm
//! bytes and the engine's compiler settings, files are written to a temporary
//! file and renamed (never half-written), and the file's own sha256 must match
//! the sidecar before it is deserialized.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use super::trust::sha256_hex;

/// A cache directory owned by this host.
#[derive(Clone, Debug)]
pub(crate) struct ComponentCache {
    dir: PathBuf,
}

impl ComponentCache {
    /// Creates `dir` (mode 0700 on Unix) if needed.
    pub(crate) fn new(dir: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Self {
            dir: dir.to_owned(),
        })
    }

    fn paths(&self, engine: &Engine, wasm_sha256: &str) -> (PathBuf, PathBuf) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut h);
        let key = format!("{wasm_sha256}-{:016x}", h.finish());
        (
            self.dir.join(format!("{key}.cwasm")),
            self.dir.join(format!("{key}.cwasm.sha256")),
        )
    }

    /// The cached compilation of the wasm with this sha256, if this host wrote
    /// one and it is intact; a damaged entry is removed and `None` returned.
    pub(crate) fn get(&self, engine: &Engine, wasm_sha256: &str) -> Option<Component> {
        let (file, sidecar) = self.paths(engine, wasm_sha256);
        let bytes = std::fs::read(&file).ok()?;
        let expected = std::fs::read_to_string(&sidecar).ok()?;
        if sha256_hex(&bytes) != expected.trim() {
            tracing::warn!(file = %file.display(), "compiled cache entry does not match its sidecar; recompiling");
            let _ = std::fs::remove_file(&file);
            return None;
        }
        match load_trusted_compiled(engine, &bytes) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "compiled cache entry rejected; recompiling");
                None
            }
        }
    }

    /// Stores `component` for the wasm with this sha256 (best effort).
    pub(crate) fn put(&self, engine: &Engine, wasm_sha256: &str, component: &Component) {
        let (file, sidecar) = self.paths(engine, wasm_sha256);
        let result = component
            .serialize()
            .map_err(|e| std::io::Error::other(e.to_string()))
            .and_then(|bytes| {
                write_atomic(&self.dir, &file, &bytes)?;
                write_atomic(&self.dir, &sidecar, sha256_hex(&bytes).as_bytes())
            });
        if let Err(e) = result {
            tracing::warn!(file = %file.display(), error = %e, "could not write the compiled cache");
        }
    }
}

fn write_atomic(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Deserializes a compiled component this host wrote.
#[allow(unsafe_code)]
fn load_trusted_compiled(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `Component::deserialize` trusts its input to be a compilation
    // made by a compatible wasmtime. `bytes` comes only from `get`, which
    // reads a file from a cache directory this host created (0700), under a
    // name that binds the sha256 of the source wasm and this engine's
    // `precompile_compatibility_hash`, written atomically by `put` of this
    // host, and whose sha256 matches the sidecar `put` wrote after it.
    // Wasmtime also checks the engine and version header before use.
    unsafe { Component::deserialize(engine, bytes) }
}
