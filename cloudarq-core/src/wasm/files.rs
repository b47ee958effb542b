//! Files the WebAssembly tooling reads and writes: a package read once and
//! bounded ([`PackageBytes`]), small files read the same way, private
//! directories and files checked for owner and mode, and secrets written
//! through a fresh temporary file ([`write_secret_file`]).

use std::fs::{File, Metadata, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::WasmError;
use super::trust::sha256_hex;
use crate::input::{InputError, file_kind, read_capped};

/// The bytes of one package that passed the size and file-type checks, with
/// their sha256: read once, then used for the pin, trust, settings lookup,
/// inspection and compilation alike. Not yet compilable: that takes a
/// [`VerifiedPackage`](super::VerifiedPackage) from
/// [`WasmHost::verify`](super::WasmHost::verify).
///
/// ```
/// use cloudarq_core::wasm::PackageBytes;
/// let p = PackageBytes::from_vec("x.wasm", b"\0asm".to_vec(), 1024)?;
/// assert_eq!(p.bytes().len(), 4);
/// assert!(PackageBytes::from_vec("x.wasm", vec![0; 2000], 1024).is_err());
/// # Ok::<(), cloudarq_core::wasm::WasmError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PackageBytes {
    name: String,
    path: Option<PathBuf>,
    bytes: Vec<u8>,
    sha256: String,
}

impl std::fmt::Debug for PackageBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageBytes")
            .field("name", &self.name)
            .field("len", &self.bytes.len())
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl PackageBytes {
    /// Reads a package file: refused before reading when it is not a regular
    /// file (a FIFO, device, socket or directory, also behind a symlink) or
    /// its size is over `limit`; read through a `limit + 1` cap, so a file
    /// that grows or never ends costs no more than the limit.
    pub fn read(path: &Path, limit: usize) -> Result<Self, WasmError> {
        let bytes = read_regular_bounded(path, limit, "package")?;
        let name = path.display().to_string();
        Ok(Self {
            sha256: sha256_hex(&bytes),
            name,
            path: Some(path.to_owned()),
            bytes,
        })
    }

    /// Package bytes already in memory, under `name`; refused over `limit`.
    pub fn from_vec(name: &str, bytes: Vec<u8>, limit: usize) -> Result<Self, WasmError> {
        if bytes.len() > limit {
            return Err(WasmError::TooLarge {
                name: name.to_owned(),
                what: "package",
                size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
                limit,
            });
        }
        Ok(Self {
            name: name.to_owned(),
            path: None,
            sha256: sha256_hex(&bytes),
            bytes,
        })
    }

    /// The name it is known by (the path as given, for a file).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The file it was read from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
    /// The bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// Their lowercase hex sha256.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Reads a regular file of at most `limit` bytes ([`crate::input::read_regular`]),
/// refusals as [`WasmError`]s; `what` names the file in errors.
pub(crate) fn read_regular_bounded(
    path: &Path,
    limit: usize,
    what: &'static str,
) -> Result<Vec<u8>, WasmError> {
    crate::input::read_regular(path, limit).map_err(|e| match e {
        InputError::NotRegular { path, kind } => WasmError::NotRegular { path, kind },
        InputError::TooLarge { path, size, limit } => WasmError::TooLarge {
            name: path.display().to_string(),
            what,
            size,
            limit,
        },
        InputError::Io { path, source } => WasmError::Io { path, source },
    })
}

/// Writes a secret (a key) to `path` through a fresh, randomly named
/// temporary file in the same directory: created exclusively (`O_EXCL`, so
/// no planted file or symlink is ever opened), mode 0600 from creation,
/// fsynced, then renamed over `path`. With `replace` false an existing
/// `path` (a symlink included) is never replaced, atomically
/// (`ErrorKind::AlreadyExists`); with `replace` true a symlink at `path` is
/// itself replaced, its target never written.
pub fn write_secret_file(path: &Path, bytes: &[u8], replace: bool) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".cloudarq-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    // Make the rename durable; a directory that cannot be opened for that
    // (no read permission) still holds the file.
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Creates `dir` and any missing parents, each new one mode 0700; existing
/// directories are left as they are.
pub(crate) fn create_private_dir_all(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// `Ok` when `meta` is owned by the current user and not writable by group
/// or others; otherwise what is wrong and how to fix it. `strict` also
/// refuses group or other read access (for keys).
#[cfg(unix)]
pub(crate) fn owned_and_private(meta: &Metadata, path: &Path, strict: bool) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    let me = current_uid().map_err(|e| format!("cannot be checked: no user id: {e}"))?;
    if meta.uid() != me {
        return Err(format!(
            "is owned by uid {}, not by the current user (uid {me}); use one you own",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o777;
    let (mask, fix) = if strict {
        (0o077, "chmod 600")
    } else {
        (0o022, "chmod go-w")
    };
    if mode & mask != 0 {
        let who = if strict {
            "readable or writable by group or others"
        } else {
            "writable by group or others"
        };
        return Err(format!(
            "is {who} (mode {mode:03o}); fix it with `{fix} {}` or use another path",
            path.display()
        ));
    }
    Ok(())
}

/// The user this process creates files as (its effective user id): the
/// owner of a fresh unnamed temporary file, learnt once. (The standard
/// library has no `geteuid`, and this crate calls no `unsafe` function.)
#[cfg(unix)]
fn current_uid() -> std::io::Result<u32> {
    use std::os::unix::fs::MetadataExt;
    static UID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    if let Some(uid) = UID.get() {
        return Ok(*uid);
    }
    let uid = tempfile::tempfile()?.metadata()?.uid();
    Ok(*UID.get_or_init(|| uid))
}

/// No owner or mode checks where Unix permissions do not exist.
#[cfg(not(unix))]
pub(crate) fn owned_and_private(_: &Metadata, _: &Path, _: bool) -> Result<(), String> {
    Ok(())
}

/// Opens an existing file without following a symlink at its name and
/// without blocking on a FIFO.
pub(crate) fn open_nofollow(path: &Path) -> std::io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    opts.open(path)
}

/// Reads an open regular file of at most `limit` bytes, checking it with
/// [`owned_and_private`]; the error says what is wrong.
pub(crate) fn read_private(
    file: File,
    path: &Path,
    limit: usize,
    strict: bool,
) -> Result<Vec<u8>, String> {
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot be read: {e}"))?;
    if !meta.is_file() {
        return Err(format!("is a {}, not a regular file", file_kind(&meta)));
    }
    owned_and_private(&meta, path, strict)?;
    match read_capped(file, limit) {
        Ok(Some(b)) => Ok(b),
        Ok(None) => Err(format!("is larger than {limit} bytes")),
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn a_file_larger_than_the_limit_is_refused_and_one_at_the_limit_read() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.wasm");
        std::fs::write(&p, vec![7u8; 100]).unwrap();
        assert_eq!(PackageBytes::read(&p, 100).unwrap().bytes().len(), 100);
        let e = PackageBytes::read(&p, 99).unwrap_err().to_string();
        assert!(e.contains("p.wasm") && e.contains("the limit is 99"), "{e}");
    }

    #[test]
    fn secret_files_are_0600_and_never_clobbered_without_replace() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k");
        write_secret_file(&p, b"one", false).unwrap();
        let e = write_secret_file(&p, b"two", false).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        write_secret_file(&p, b"two", true).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
