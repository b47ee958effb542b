//! Test and benchmark support (feature `testing`): a throwaway PostgreSQL
//! cluster in a temp dir on a free loopback port, stopped on drop, and a
//! fresh SQLite file.
//!
//! `initdb` runs once per process into a template directory; each cluster
//! copies it, so a cluster starts in well under a second.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use tempfile::TempDir;

use crate::crypto::SecretKey;
use crate::crypto::keyring::{Keyring, KeyringSource};

/// A running throwaway PostgreSQL cluster.
pub struct PgCluster {
    dir: TempDir,
    port: u16,
}

fn template() -> Result<&'static Path, String> {
    static TEMPLATE: OnceLock<Result<(TempDir, PathBuf), String>> = OnceLock::new();
    let t = TEMPLATE.get_or_init(|| {
        let dir = tempfile::Builder::new()
            .prefix("cloudarq-pg-template")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        hand_over(dir.path())?;
        let out = server_cmd("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ])
            .output()
            .map_err(|e| {
                format!(
                    "initdb not found ({e}); install PostgreSQL (the README's test command does)"
                )
            })?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok((dir, data))
    });
    match t {
        Ok((_, p)) => Ok(p.as_path()),
        Err(e) => Err(e.clone()),
    }
}

/// Whether this process runs as root (initdb and postgres refuse to).
fn is_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self")
            .map(|m| m.uid() == 0)
            .unwrap_or(false)
    }
    #[cfg(not(unix))]
    false
}

/// A server-side PostgreSQL command, run as the `postgres` user when this
/// process is root.
fn server_cmd(name: &str) -> Command {
    let tool = crate::backup::pg_tool(name);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(tool);
        c
    } else {
        Command::new(tool)
    }
}

/// Hands a directory to the `postgres` user when running as root.
fn hand_over(dir: &Path) -> Result<(), String> {
    if !is_root() {
        return Ok(());
    }
    let st = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .status()
        .map_err(|e| e.to_string())?;
    if st.success() {
        Ok(())
    } else {
        Err(format!("chown of {} failed", dir.display()))
    }
}

fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

impl PgCluster {
    /// Starts a cluster (superuser `postgres`, trust auth, loopback only).
    pub fn start() -> Result<Self, String> {
        let tpl = template()?;
        let dir = tempfile::Builder::new()
            .prefix("cloudarq-pg")
            .tempdir()
            .map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        hand_over(dir.path())?;
        let st = Command::new("cp")
            .arg("-a")
            .arg(tpl)
            .arg(&data)
            .status()
            .map_err(|e| e.to_string())?;
        if !st.success() {
            return Err("copying the template cluster failed".into());
        }
        for _ in 0..5 {
            let port = free_port()?;
            let opts = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off",
                dir.path().display()
            );
            let st = server_cmd("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(&opts)
                .arg("-l")
                .arg(dir.path().join("log"))
                .args(["-w", "-t", "30", "start"])
                .stdout(std::process::Stdio::null())
                .status()
                .map_err(|e| format!("pg_ctl not found ({e})"))?;
            if st.success() {
                return Ok(Self { dir, port });
            }
        }
        let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
        Err(format!("PostgreSQL did not start: {log}"))
    }

    /// The loopback port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A URL of database `db` as the superuser.
    pub fn url(&self, db: &str) -> String {
        format!(
            "postgres://postgres@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// Creates an empty database and returns its URL.
    pub async fn create_db(&self, name: &str) -> Result<String, String> {
        let out = Command::new(crate::backup::pg_tool("createdb"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "--no-password", "-p"])
            .arg(self.port.to_string())
            .arg(name)
            .output()
            .map_err(|e| format!("createdb not found ({e})"))?;
        if !out.status.success() {
            return Err(format!(
                "createdb {name} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(self.url(name))
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = server_cmd("pg_ctl")
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// A keyring held in memory with one fresh key (id 1).
pub fn memory_keyring() -> Keyring {
    keyring_with(&[(1, SecretKey::generate().expect("random source"))], 1)
}

/// A keyring of the given keys, as if read from the environment.
pub fn keyring_with(keys: &[(u32, SecretKey)], primary: u32) -> Keyring {
    use base64::Engine as _;
    let mut text = format!("primary = {primary}\n");
    for (id, k) in keys {
        text.push_str(&format!(
            "[[key]]\nid = {id}\nmaterial = \"{}\"\n",
            base64::engine::general_purpose::STANDARD.encode(k.expose())
        ));
    }
    Keyring::parse(&text, KeyringSource::Env).expect("valid keyring")
}
