//! Test and benchmark support (feature `testing`): a throwaway PostgreSQL
//! cluster in a temp dir on a free loopback port, stopped on drop, with
//! helpers for the roles a deployment uses; in-memory keyrings; and
//! [`Pause`], which stops a store call at a named point so a test can
//! interleave two transactions deterministically.
//!
//! `initdb` runs once per machine (user and PostgreSQL version) into a
//! template directory kept under the temp dir; each cluster copies it, so a
//! cluster starts in well under a second.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock, PoisonError};

use tempfile::TempDir;
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::crypto::SecretKey;
use crate::crypto::keyring::{Keyring, KeyringSource};
use crate::scope::TenantId;

/// A running throwaway PostgreSQL cluster.
pub struct PgCluster {
    dir: TempDir,
    port: u16,
}

/// The initialized template cluster every [`PgCluster`] copies.
///
/// It is shared by every process of this user and PostgreSQL version, at a
/// fixed path under the temp dir, and kept: a static is never dropped, so a
/// per-process template would be left behind by every test binary (40 MB
/// each). It is built in a private temp dir and renamed into place only
/// once `initdb` succeeded, so a reader never sees half a template; when two
/// processes race, the loser's copy is deleted. A path that exists but is a
/// symlink, or is owned by someone else, is not trusted: this process then
/// builds a private template of its own.
fn template() -> Result<&'static Path, String> {
    static TEMPLATE: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let t = TEMPLATE.get_or_init(|| {
        let shared = shared_template_dir()?;
        if let Some(data) = trusted_template(&shared) {
            return Ok(data);
        }
        let built = tempfile::Builder::new()
            .prefix("cloudarq-pg-template-build")
            .tempdir()
            .map_err(|e| e.to_string())?;
        hand_over(built.path())?;
        run_initdb(&built.path().join("data"))?;
        let private = built.keep();
        match std::fs::rename(&private, &shared) {
            Ok(()) => Ok(shared.join("data")),
            Err(_) => match trusted_template(&shared) {
                // Another process renamed its template first.
                Some(data) => {
                    let _ = std::fs::remove_dir_all(&private);
                    Ok(data)
                }
                // Something else holds the path: keep the private one.
                None => Ok(private.join("data")),
            },
        }
    });
    match t {
        Ok(p) => Ok(p.as_path()),
        Err(e) => Err(e.clone()),
    }
}

/// `<temp dir>/cloudarq-pg-template-<version>-<uid>`: one template per
/// PostgreSQL version (from `initdb --version`) and user.
fn shared_template_dir() -> Result<PathBuf, String> {
    let out = Command::new(crate::backup::pg_tool("initdb"))
        .arg("--version")
        .output()
        .map_err(|e| {
            format!("initdb not found ({e}); install PostgreSQL (the README's test command does)")
        })?;
    let version: String = String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    Ok(std::env::temp_dir().join(format!("cloudarq-pg-template-{version}-{}", current_uid())))
}

/// The template's data directory under `dir` when it is complete and can be
/// trusted: `dir` is a real directory (not a symlink) owned by this user or,
/// when running as root, by `postgres`, and `initdb` finished in it.
fn trusted_template(dir: &Path) -> Option<PathBuf> {
    let meta = std::fs::symlink_metadata(dir).ok()?;
    if !meta.is_dir() || !owned_by_us(&meta) {
        return None;
    }
    let data = dir.join("data");
    data.join("PG_VERSION").is_file().then_some(data)
}

/// Runs `initdb` into `data` (superuser `postgres`, trust auth).
fn run_initdb(data: &Path) -> Result<(), String> {
    let out = server_cmd("initdb")
        .arg("-D")
        .arg(data)
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
            format!("initdb not found ({e}); install PostgreSQL (the README's test command does)")
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// This process's user id (0 where there are none).
fn current_uid() -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self")
            .map(|m| m.uid())
            .unwrap_or(0)
    }
    #[cfg(not(unix))]
    0
}

/// Whether a file is owned by this user or, when running as root (the
/// cluster files then belong to `postgres`), by root or `postgres`.
fn owned_by_us(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let uid = current_uid();
        if uid != 0 {
            return meta.uid() == uid;
        }
        meta.uid() == 0 || Some(meta.uid()) == postgres_uid()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

/// The uid of the `postgres` user, from `/etc/passwd`.
fn postgres_uid() -> Option<u32> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd
        .lines()
        .find_map(|l| l.strip_prefix("postgres:"))
        .and_then(|rest| rest.split(':').nth(1))
        .and_then(|uid| uid.parse().ok())
}

/// Whether this process runs as root (initdb and postgres refuse to).
fn is_root() -> bool {
    cfg!(unix) && current_uid() == 0
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

impl PgCluster {
    /// A URL of database `db` as `role` (trust auth: no password).
    pub fn url_as(&self, role: &str, db: &str) -> String {
        format!(
            "postgres://{role}@127.0.0.1:{}/{db}?sslmode=disable",
            self.port
        )
    }

    /// Runs SQL with `psql` as the superuser on database `db`; returns its
    /// output (unaligned, tuples only).
    pub fn psql(&self, db: &str, sql: &str) -> Result<String, String> {
        let out = Command::new(crate::backup::pg_tool("psql"))
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "--no-password",
                "-X",
                "-q",
            ])
            .args(["-v", "ON_ERROR_STOP=1", "-At", "-p"])
            .arg(self.port.to_string())
            .arg("-d")
            .arg(db)
            .arg("-c")
            .arg(sql)
            .output()
            .map_err(|e| format!("psql not found ({e})"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(format!(
                "psql failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Creates login role `owner` (not a superuser; CREATEROLE, which the
    /// migrations need to create `cloudarq_app`; BYPASSRLS when asked) and
    /// database `db` owned by it, as a deployment would; returns the URL of
    /// `db` as `owner`.
    pub fn create_owned_db(
        &self,
        db: &str,
        owner: &str,
        bypass_rls: bool,
    ) -> Result<String, String> {
        let (db_id, owner_id) = (identifier(db)?, identifier(owner)?);
        let bypass = if bypass_rls {
            "BYPASSRLS"
        } else {
            "NOBYPASSRLS"
        };
        self.psql(
            "postgres",
            &format!("CREATE ROLE {owner_id} LOGIN NOSUPERUSER CREATEROLE {bypass}"),
        )?;
        self.psql(
            "postgres",
            &format!("CREATE DATABASE {db_id} OWNER {owner_id}"),
        )?;
        Ok(self.url_as(owner, db))
    }

    /// Gives or takes BYPASSRLS from `role`.
    pub fn set_bypass_rls(&self, role: &str, on: bool) -> Result<(), String> {
        let bypass = if on { "BYPASSRLS" } else { "NOBYPASSRLS" };
        self.psql(
            "postgres",
            &format!("ALTER ROLE {} {bypass}", identifier(role)?),
        )
        .map(drop)
    }

    /// Creates `role`, a login role for tenant transactions: a member of
    /// `cloudarq_app` (which the store's migrations create, so open a store
    /// first), neither superuser nor BYPASSRLS.
    pub fn create_tenant_role(&self, role: &str) -> Result<(), String> {
        self.psql(
            "postgres",
            &format!(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB IN ROLE cloudarq_app",
                identifier(role)?
            ),
        )
        .map(drop)
    }

    /// The data of every table of `db` as `pg_dump --data-only` prints it
    /// (as the superuser): equal bytes mean no row changed. Leaves out
    /// `tenant_binding`, which every tenant transaction rewrites.
    pub fn data_dump(&self, db: &str) -> Result<Vec<u8>, String> {
        let out = Command::new(crate::backup::pg_tool("pg_dump"))
            .args(["-h", "127.0.0.1", "-U", "postgres", "--no-password"])
            .args(["--data-only", "--inserts", "--rows-per-insert=1"])
            .arg("--exclude-table-data=tenant_binding")
            .arg("-p")
            .arg(self.port.to_string())
            .arg(db)
            .output()
            .map_err(|e| format!("pg_dump not found ({e})"))?;
        if out.status.success() {
            // Recent pg_dump brackets its output with a random
            // `\restrict KEY` / `\unrestrict KEY` pair: not data.
            let text = String::from_utf8_lossy(&out.stdout);
            Ok(text
                .lines()
                .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
                .flat_map(|l| [l, "\n"])
                .collect::<String>()
                .into_bytes())
        } else {
            Err(format!(
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }
}

/// A role or database name for SQL built by these helpers: plain names only.
fn identifier(name: &str) -> Result<String, String> {
    if !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Ok(format!("\"{name}\""))
    } else {
        Err(format!("{name:?}: use lowercase letters, digits and _"))
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

/// A place in the store where a test can hold a call (see [`Pause`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PausePoint {
    /// A writer has read its tenant's primary data key and not yet reserved
    /// encryptions on it.
    PrimaryKeyRead,
    /// Rotation has found a retired data key unused and not yet deleted it.
    RetiredKeyUnused,
    /// Rotation has committed one batch of re-encrypted rows and not yet read
    /// the next (outside any transaction: a held rotation can be killed
    /// there, as a crashed job would be).
    RotationBatchCommitted,
}

/// Calls still to let pass, then the channels of the held one.
type Gate = (u32, oneshot::Sender<()>, oneshot::Receiver<()>);

fn gates() -> std::sync::MutexGuard<'static, HashMap<(PausePoint, Uuid), Gate>> {
    static GATES: OnceLock<Mutex<HashMap<(PausePoint, Uuid), Gate>>> = OnceLock::new();
    GATES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Holds the next store call that reaches `point` for one tenant, inside its
/// transaction, until [`Pause::release`]. One-shot: later calls pass. Keyed
/// by tenant, so tests running in parallel do not stop each other's calls.
/// Dropping it lets a held call go on.
#[derive(Debug)]
pub struct Pause {
    key: (PausePoint, Uuid),
    reached: Option<oneshot::Receiver<()>>,
    release: Option<oneshot::Sender<()>>,
}

impl Pause {
    /// Arms `point` for `tenant`: the next call there is held.
    pub fn arm(point: PausePoint, tenant: TenantId) -> Self {
        Self::arm_after(point, tenant, 0)
    }

    /// Arms `point` for `tenant`, letting `pass` calls through first: the
    /// one after them is held (a stop at a counted place, e.g. after the
    /// 60th rotation batch, without polling).
    pub fn arm_after(point: PausePoint, tenant: TenantId, pass: u32) -> Self {
        let (reached_tx, reached_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        let key = (point, tenant.as_uuid());
        gates().insert(key, (pass, reached_tx, release_rx));
        Self {
            key,
            reached: Some(reached_rx),
            release: Some(release_tx),
        }
    }

    /// Waits until a call is held at the point.
    pub async fn reached(&mut self) -> Result<(), String> {
        match self.reached.take() {
            Some(rx) => rx
                .await
                .map_err(|_| format!("{:?} was disarmed before a call reached it", self.key.0)),
            None => Ok(()),
        }
    }

    /// Lets the held call go on.
    pub fn release(mut self) {
        if let Some(tx) = self.release.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for Pause {
    fn drop(&mut self) {
        gates().remove(&self.key);
    }
}

/// Called by the store at `point`: holds the call if a test armed it.
pub(crate) async fn pause_point(point: PausePoint, tenant: Uuid) {
    let gate = {
        let mut gates = gates();
        match gates.get_mut(&(point, tenant)) {
            Some((pass, _, _)) if *pass > 0 => {
                *pass -= 1;
                None
            }
            Some(_) => gates.remove(&(point, tenant)),
            None => None,
        }
    };
    if let Some((_, reached, release)) = gate {
        let _ = reached.send(());
        let _ = release.await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_finished_template_in_a_real_directory_is_trusted() {
        let root = tempfile::tempdir().expect("temp dir");
        let real = root.path().join("real");
        std::fs::create_dir_all(real.join("data")).expect("mkdir");
        assert_eq!(trusted_template(&real), None, "initdb has not finished");
        std::fs::write(real.join("data").join("PG_VERSION"), "16\n").expect("write");
        assert_eq!(trusted_template(&real), Some(real.join("data")));
        #[cfg(unix)]
        {
            let link = root.path().join("link");
            std::os::unix::fs::symlink(&real, &link).expect("symlink");
            assert_eq!(trusted_template(&link), None, "a symlink is not followed");
        }
        assert_eq!(trusted_template(&root.path().join("missing")), None);
    }

    #[test]
    fn the_shared_template_is_named_by_version_and_user() {
        let Ok(dir) = shared_template_dir() else {
            return; // no PostgreSQL here: nothing to name
        };
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(name.starts_with("cloudarq-pg-template-"), "{name}");
        assert!(name.ends_with(&format!("-{}", current_uid())), "{name}");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c)),
            "{name}"
        );
    }
}
