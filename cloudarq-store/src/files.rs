//! Owner-only files and directories: everything the store writes (database,
//! keyring, backups) is private from the moment it exists.
//!
//! - Directories the store creates are made mode 700 by `mkdir` itself; a
//!   directory that already exists is never `chmod`ed, only checked: it must
//!   be a directory owned by this user (or root) that group and others cannot
//!   write to, else it is refused with an error naming it.
//! - Files are created with `O_CREAT | O_EXCL` and mode 600, so they never
//!   follow a planted symbolic link and are never readable by others, not even
//!   for a moment; files that replace others are written under a fresh random
//!   name in the same directory, synced, renamed, and the directory synced.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// Mode of every directory the store creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file the store creates.
pub const FILE_MODE: u32 = 0o600;

fn err(path: &Path, detail: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("{}: {detail}", path.display()))
}

/// The effective user id of this process.
#[cfg(unix)]
pub(crate) fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// Creates `dir` and any missing parents with mode 700, or checks an existing
/// one (see the module docs). Never changes an existing directory.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    match std::fs::metadata(dir) {
        Ok(_) => check_dir(dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                b.mode(DIR_MODE);
            }
            b.create(dir)
                .map_err(|e| err(dir, format!("cannot create: {e}")))?;
            check_dir(dir)
        }
        Err(e) => Err(err(dir, e)),
    }
}

/// Refuses a directory others could write into.
pub(crate) fn check_dir(dir: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(dir).map_err(|e| err(dir, e))?;
    if !meta.is_dir() {
        return Err(err(dir, "is not a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = current_uid();
        if meta.uid() != me && meta.uid() != 0 {
            return Err(err(
                dir,
                format!(
                    "is owned by user {}, not by this user ({me}) or root; use a directory of your own",
                    meta.uid()
                ),
            ));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(err(
                dir,
                format!(
                    "is writable by group or others (mode {mode:o}); run chmod go-w on it or choose another directory"
                ),
            ));
        }
    }
    Ok(())
}

/// Creates a new file with mode 600; fails if anything (a file, a symbolic
/// link) already has that name.
pub fn create_private_file(path: &Path) -> io::Result<File> {
    let mut opts = OpenOptions::new();
    opts.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(FILE_MODE);
    }
    opts.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{}: already exists", path.display()),
            )
        } else {
            err(path, format!("cannot create: {e}"))
        }
    })
}

/// Opens an existing file for reading without following a symbolic link at
/// its name, without blocking on a FIFO, and checks the opened file: a
/// regular file of at most `limit` bytes, owned by this user. Returns the
/// file and its metadata (from `fstat`).
pub(crate) fn open_regular(path: &Path, limit: u64) -> io::Result<(File, std::fs::Metadata)> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = rustix::fs::OFlags::NOFOLLOW | rustix::fs::OFlags::NONBLOCK;
        opts.custom_flags(flags.bits() as i32);
    }
    let file = opts.open(path).map_err(|e| {
        #[cfg(unix)]
        if rustix::io::Errno::from_io_error(&e) == Some(rustix::io::Errno::LOOP) {
            return err(path, "is a symbolic link; refusing to follow it");
        }
        match e.kind() {
            io::ErrorKind::NotFound => e,
            _ => err(path, e),
        }
    })?;
    let meta = file.metadata().map_err(|e| err(path, e))?;
    if !meta.is_file() {
        return Err(err(path, "is not a regular file"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let me = current_uid();
        if meta.uid() != me {
            return Err(err(
                path,
                format!("is owned by user {}, not by this user ({me})", meta.uid()),
            ));
        }
    }
    if meta.len() > limit {
        return Err(err(
            path,
            format!("is {} bytes, more than the {limit} allowed", meta.len()),
        ));
    }
    Ok((file, meta))
}

/// Reads a file opened by [`open_regular`], at most `limit` bytes.
pub(crate) fn read_limited(
    file: File,
    path: &Path,
    limit: u64,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    file.take(limit + 1)
        .read_to_end(out)
        .map_err(|e| err(path, e))?;
    if out.len() as u64 > limit {
        return Err(err(path, format!("is more than the {limit} bytes allowed")));
    }
    Ok(())
}

/// Reads a secret file of another component (the service's token signing
/// keys): a regular file, not a symbolic link, owned by this user, that
/// group and others cannot read or write, of at most `limit` bytes. The
/// bytes are wiped from memory when dropped.
pub fn read_private_file(path: &Path, limit: u64) -> io::Result<zeroize::Zeroizing<Vec<u8>>> {
    let (file, meta) = open_regular(path, limit)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(err(
                path,
                format!(
                    "has mode {mode:o}; a secret file must be readable by its owner only (chmod 600)"
                ),
            ));
        }
    }
    let cap = usize::try_from(meta.len()).unwrap_or(0).saturating_add(1);
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(cap));
    read_limited(file, path, limit, &mut out)?;
    Ok(out)
}

/// Writes a secret file atomically with mode 600 (see [`read_private_file`]),
/// replacing the file at `path` if `replace`, else failing if the name is
/// taken.
pub fn write_private_file(path: &Path, bytes: &[u8], replace: bool) -> io::Result<()> {
    write_atomic(
        path,
        bytes,
        if replace { Replace::Yes } else { Replace::No },
    )
}

/// Syncs a directory, so a rename in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let d = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(d)
            .and_then(|f| f.sync_all())
            .map_err(|e| err(d, format!("cannot sync: {e}")))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// The directory holding `path` (`.` for a bare name).
pub(crate) fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether an existing file may replace another at its path, or must not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Replace {
    /// Replace whatever is there (the rename replaces a symbolic link itself,
    /// never its target).
    Yes,
    /// Fail with `AlreadyExists` if anything has the name.
    No,
}

/// Writes `bytes` to `path` atomically: a fresh random name in the same
/// directory (`O_EXCL`, mode 600), synced, renamed, directory synced.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8], replace: Replace) -> io::Result<()> {
    let dir = parent_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".cloudarq-tmp-")
        .tempfile_in(&dir)
        .map_err(|e| err(&dir, format!("cannot create a temporary file: {e}")))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| err(tmp.path(), e))?;
    match replace {
        Replace::Yes => tmp
            .persist(path)
            .map(drop)
            .map_err(|e| err(path, e.error))?,
        Replace::No => tmp.persist_noclobber(path).map(drop).map_err(|e| {
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{}: already exists", path.display()),
                )
            } else {
                err(path, e.error)
            }
        })?,
    }
    sync_dir(&dir)
}

/// Moves a finished file into place under `to`, failing if the name is taken.
pub(crate) fn rename_noclobber(from: &Path, to: &Path) -> io::Result<()> {
    tempfile::TempPath::try_from_path(from)
        .map_err(|e| err(from, e))?
        .persist_noclobber(to)
        .map_err(|e| {
            // Leave the source where it was: the caller's clean-up removes it.
            let _ = e.path.keep();
            if e.error.kind() == io::ErrorKind::AlreadyExists {
                io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{}: already exists", to.display()),
                )
            } else {
                err(to, e.error)
            }
        })
}

/// Permission bits of a path (not following a symbolic link), for tests and
/// checks.
#[cfg(unix)]
pub fn mode_of(path: &Path) -> io::Result<u32> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::symlink_metadata(path)?.permissions().mode() & 0o7777)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn new_directories_are_700_and_existing_ones_are_checked_not_changed() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b/c");
        ensure_private_dir(&d).unwrap();
        for p in [t.path().join("a"), t.path().join("a/b"), d.clone()] {
            assert_eq!(mode_of(&p).unwrap(), 0o700, "{}", p.display());
        }
        let open = t.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = ensure_private_dir(&open).unwrap_err().to_string();
        assert!(
            e.contains("open") && e.contains("writable by group or others"),
            "{e}"
        );
        assert_eq!(
            mode_of(&open).unwrap(),
            0o777,
            "never chmod a directory we did not create"
        );
        let shared = t.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&shared).unwrap();
        assert_eq!(mode_of(&shared).unwrap(), 0o755);
    }

    #[test]
    fn private_files_never_follow_a_planted_link() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("elsewhere");
        let link = t.path().join("name");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(create_private_file(&link).is_err());
        assert!(!target.exists());
        let e = open_regular(&link, 10).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        write_atomic(&link, b"secret", Replace::No).unwrap_err();
        assert!(!target.exists());
        write_atomic(&link, b"secret", Replace::Yes).unwrap();
        assert!(!target.exists(), "the link is replaced, not followed");
        assert_eq!(mode_of(&link).unwrap(), 0o600);
        let names: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left");
    }

    #[test]
    fn fifos_and_directories_are_not_read() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("fifo");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(st.success());
        let e = open_regular(&fifo, 10).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let e = open_regular(t.path(), 10).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        let big = t.path().join("big");
        std::fs::write(&big, [0u8; 20]).unwrap();
        let e = open_regular(&big, 10).unwrap_err().to_string();
        assert!(e.contains("20 bytes"), "{e}");
    }
}
