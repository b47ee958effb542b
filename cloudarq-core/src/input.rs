//! Reading a file someone else may have handed us (a snapshot, a mutelist,
//! a rule package, a signature, a trust policy, settings, fixtures): one
//! bounded read. The type and size are checked with `metadata()` before
//! opening (so a FIFO never blocks and a device is never read), again on the
//! opened file, and the read is capped at `limit + 1` bytes, so a file that
//! grows, or lies about its size, costs no more memory than the limit.
//!
//! ```
//! use cloudarq_core::input::{InputError, read_regular};
//! let dir = tempfile::tempdir()?;
//! let p = dir.path().join("mutelist.toml");
//! std::fs::write(&p, "[[mute]]")?;
//! assert_eq!(read_regular(&p, 64)?, b"[[mute]]");
//! assert!(matches!(read_regular(&p, 4), Err(InputError::TooLarge { .. })));
//! assert!(matches!(read_regular(dir.path(), 64), Err(InputError::NotRegular { kind: "directory", .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{File, Metadata, OpenOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A directory, FIFO, device or socket.
    #[error("{}: is a {kind}, not a regular file; refusing to read it", path.display())]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is.
        kind: &'static str,
    },
    /// Larger than the limit (`size` is `limit + 1` when the file grew while read).
    #[error("{}: {size} bytes, the limit is {limit}", path.display())]
    TooLarge {
        /// The path.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: usize,
    },
    /// The file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What kind of non-regular file `meta` describes, for messages.
pub(crate) fn file_kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    "special file"
}

/// The bytes of the regular file at `path`, at most `limit` of them.
pub fn read_regular(path: &Path, limit: usize) -> Result<Vec<u8>, InputError> {
    let io = |source| InputError::Io {
        path: path.to_owned(),
        source,
    };
    let check = |meta: &Metadata| -> Result<(), InputError> {
        if !meta.is_file() {
            return Err(InputError::NotRegular {
                path: path.to_owned(),
                kind: file_kind(meta),
            });
        }
        if meta.len() > u64::try_from(limit).unwrap_or(u64::MAX) {
            return Err(InputError::TooLarge {
                path: path.to_owned(),
                size: meta.len(),
                limit,
            });
        }
        Ok(())
    };
    check(&std::fs::metadata(path).map_err(io)?)?;
    let mut opts = OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Never block on a FIFO swapped in after the check above.
        opts.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = opts.open(path).map_err(io)?;
    check(&file.metadata().map_err(io)?)?;
    read_capped(file, limit)
        .map_err(io)?
        .ok_or_else(|| InputError::TooLarge {
            path: path.to_owned(),
            size: u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1),
            limit,
        })
}

/// [`read_regular`] as UTF-8 text.
pub fn read_text(path: &Path, limit: usize) -> Result<String, InputError> {
    String::from_utf8(read_regular(path, limit)?).map_err(|e| InputError::Io {
        path: path.to_owned(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
    })
}

/// At most `limit` bytes of `file`; `None` when it holds more.
pub(crate) fn read_capped(file: File, limit: usize) -> std::io::Result<Option<Vec<u8>>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes)?;
    Ok((bytes.len() <= limit).then_some(bytes))
}
