//! The container stack (issue 12, V10): `deploy/Containerfile` builds an
//! image of this build's `cloudarq` binary, and `deploy/compose.yaml` brings
//! up the service, two workers and PostgreSQL with podman; the service
//! answers `/readyz` on the one published port, its HEALTHCHECK passes, and
//! the containers run as the unprivileged user on read-only root file
//! systems with no shell in the image.
//!
//! No public registry is reachable here, so the base images are bootstrapped
//! from Debian's packages with mmdebstrap (cached as local images between
//! runs). Skipped, saying why, only when podman is missing; when podman is
//! there, mmdebstrap, podman-compose and openssl must be too
//! (`./scripts/test.sh` installs them). hadolint and the compose schema
//! check run in `./scripts/test.sh` itself.

#![allow(clippy::unwrap_used, reason = "a test fails loudly")]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The base of the image's `rootfs` stage: minbase with CA certificates.
const BASE: &str = "localhost/cloudarq-test-base:bookworm";
/// The test's PostgreSQL root file system, and its image.
const PG_ROOT: &str = "localhost/cloudarq-test-pgroot:bookworm";
const PG_IMAGE: &str = "localhost/cloudarq-test-postgres:15";
/// This build's image.
const IMAGE: &str = "localhost/cloudarq:test";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn on_path(tool: &str) -> Option<PathBuf> {
    let venv = repo().join(".venv/bin").join(tool);
    if venv.exists() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

/// podman's settings for this test: runc (crun refuses this machine's
/// hybrid cgroup layout) and limits within the sandbox's own (podman's
/// default of 1,048,576 open files is above the hard limit here).
fn containers_conf(dir: &Path) -> PathBuf {
    let path = dir.join("containers.conf");
    std::fs::write(
        &path,
        "[containers]\ndefault_ulimits = [\"nofile=4096:4096\", \"nproc=4096:4096\"]\n\n[engine]\nruntime = \"runc\"\n",
    )
    .unwrap();
    path
}

struct Podman {
    conf: PathBuf,
}

impl Podman {
    fn cmd(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("CONTAINERS_CONF", &self.conf);
        c
    }

    fn run(&self, program: &Path, args: &[&str], dir: &Path) -> Output {
        let out = self
            .cmd(program)
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap_or_else(|e| panic!("{} {args:?}: {e}", program.display()));
        assert!(
            out.status.success(),
            "{} {args:?}: {}{}",
            program.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn podman(&self, args: &[&str]) -> Output {
        self.run(Path::new("podman"), args, &repo())
    }

    fn has_image(&self, name: &str) -> bool {
        self.cmd(Path::new("podman"))
            .args(["image", "exists", name])
            .status()
            .unwrap()
            .success()
    }

    /// A root file system of Debian bookworm (minbase plus `include`),
    /// imported as `name` unless it exists already.
    fn bootstrap(&self, name: &str, include: &str, dir: &Path) {
        if self.has_image(name) {
            return;
        }
        let tar = dir.join(format!("{}.tar", include.replace(',', "-")));
        let out = Command::new("mmdebstrap")
            .args(["--variant=minbase", "--quiet"])
            .arg(format!("--include={include}"))
            .args(["bookworm"])
            .arg(&tar)
            .output()
            .expect("mmdebstrap (Debian package) bootstraps the base images");
        assert!(
            out.status.success(),
            "mmdebstrap: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.podman(&["import", tar.to_str().unwrap(), name]);
        std::fs::remove_file(&tar).unwrap();
    }
}

impl Podman {
    /// Free bytes where podman keeps images, when it says where that is.
    fn free_bytes(&self) -> Option<u64> {
        let out = self
            .cmd(Path::new("podman"))
            .args(["info", "--format", "{{.Store.GraphRoot}}"])
            .output()
            .ok()?;
        let root = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        let stat = rustix::fs::statvfs(Path::new(&root)).ok()?;
        Some(stat.f_bavail * stat.f_frsize)
    }
}

/// This build's image and the build's leftovers, removed whatever happened
/// (the base images stay, cached for the next run).
struct Image<'a> {
    podman: &'a Podman,
    name: &'a str,
}

impl Drop for Image<'_> {
    fn drop(&mut self) {
        let podman = Path::new("podman");
        let _ = self
            .podman
            .cmd(podman)
            .args(["rmi", "-f", self.name])
            .output();
        let _ = self
            .podman
            .cmd(podman)
            .args(["image", "prune", "-f"])
            .output();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn write_secret(dir: &Path, name: &str, text: &str, uid: u32) {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    own(&path, uid);
}

/// Mode 600, owned by `uid` (the container user that reads it).
fn own(path: &Path, uid: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    rustix::fs::chown(
        path,
        Some(rustix::fs::Uid::from_raw(uid)),
        Some(rustix::fs::Gid::from_raw(uid)),
    )
    .unwrap();
}

/// Brings the stack down, whatever happened.
struct Stack<'a> {
    podman: &'a Podman,
    compose: PathBuf,
    dir: PathBuf,
    project: String,
}

impl Stack<'_> {
    fn compose(&self, args: &[&str]) -> Command {
        let mut c = self.podman.cmd(&self.compose);
        c.args(["-p", &self.project, "-f", "compose.yaml"])
            .args(args)
            .current_dir(&self.dir);
        c
    }

    fn logs(&self) -> String {
        let out = self.compose(&["logs"]).output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// The containers of this project: name, image, and its service label.
    fn containers(&self) -> Vec<String> {
        let out = self.podman.podman(&[
            "ps",
            "--filter",
            &format!("label=io.podman.compose.project={}", self.project),
            "--format",
            "{{.Names}}",
        ]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Stack<'_> {
    fn drop(&mut self) {
        let _ = self.compose(&["down", "-v", "-t", "5"]).output();
    }
}

#[test]
fn the_compose_stack_comes_up_and_answers_readyz() {
    let Some(_) = on_path("podman") else {
        println!(
            "skipped: podman is not installed (Debian package podman; ./scripts/test.sh installs it)"
        );
        return;
    };
    let compose = on_path("podman-compose")
        .expect("podman-compose (PyPI) is installed into .venv by ./scripts/test.sh");
    let work = tempfile::tempdir().unwrap();
    let podman = Podman {
        conf: containers_conf(work.path()),
    };

    // The base images, from Debian's packages.
    podman.bootstrap(BASE, "ca-certificates", work.path());
    if !podman.has_image(PG_IMAGE) {
        podman.bootstrap(PG_ROOT, "postgresql-15", work.path());
        let here = repo().join("cloudarq-server/tests/container");
        podman.podman(&[
            "build",
            "--format",
            "docker",
            "-q",
            "-f",
            here.join("postgres.Containerfile").to_str().unwrap(),
            "--build-arg",
            &format!("PG_ROOTFS={PG_ROOT}"),
            "-t",
            PG_IMAGE,
            here.to_str().unwrap(),
        ]);
    }

    // This build's binary in a context of its own; the Containerfile as
    // committed, its `prebuilt` stage instead of a compile.
    let context = work.path().join("context");
    std::fs::create_dir_all(context.join("target/container")).unwrap();
    // Without its symbols and line tables (192 MB of a debug build become
    // 113): the image build holds the binary a few times over (context,
    // stage, layer).
    let binary = context.join("target/container/cloudarq");
    let stripped = Command::new("strip")
        .args(["--strip-all", "-o"])
        .arg(&binary)
        .arg(env!("CARGO_BIN_EXE_cloudarq"))
        .status()
        .is_ok_and(|s| s.success());
    if !stripped {
        std::fs::copy(env!("CARGO_BIN_EXE_cloudarq"), &binary).unwrap();
    }
    let _image = Image {
        podman: &podman,
        name: IMAGE,
    };
    let need = std::fs::metadata(&binary).unwrap().len() * 3 + (256 << 20);
    if let Some(free) = podman.free_bytes()
        && free < need
    {
        panic!(
            "podman's storage has {} MiB free; building the image takes about {} MiB",
            free >> 20,
            need >> 20
        );
    }
    podman.podman(&[
        "build",
        "--format",
        "docker",
        "-q",
        "-f",
        repo().join("deploy/Containerfile").to_str().unwrap(),
        "--build-arg",
        "BINARY=prebuilt",
        "--build-arg",
        &format!("BASE_IMAGE={BASE}"),
        "--build-arg",
        &format!("RUST_IMAGE={BASE}"),
        "-t",
        IMAGE,
        context.to_str().unwrap(),
    ]);
    std::fs::remove_dir_all(&context).unwrap();
    // No shell in the image; the binary runs as 10001.
    let shell = podman
        .cmd(Path::new("podman"))
        .args([
            "run",
            "--rm",
            "--entrypoint",
            "/bin/sh",
            IMAGE,
            "-c",
            "true",
        ])
        .output()
        .unwrap();
    assert!(!shell.status.success(), "the image has a shell");
    let user = podman.podman(&["image", "inspect", "--format", "{{.Config.User}}", IMAGE]);
    assert_eq!(String::from_utf8_lossy(&user.stdout).trim(), "10001:10001");

    // The deployment directory: the committed compose file and
    // configuration, and its secrets.
    let deploy = work.path().join("deploy");
    let secrets = deploy.join("secrets");
    std::fs::create_dir_all(&secrets).unwrap();
    for f in ["compose.yaml", "cloudarq.toml"] {
        std::fs::copy(repo().join("deploy").join(f), deploy.join(f)).unwrap();
    }
    let password = "container-test-db-password-7c1e";
    write_secret(&secrets, "postgres-password", password, 0);
    write_secret(
        &secrets,
        "database-url",
        &format!("postgres://cloudarq:{password}@postgres:5432/cloudarq?sslmode=disable"),
        10001,
    );
    let keygen = Command::new(env!("CARGO_BIN_EXE_cloudarq"))
        .args(["serve", "keygen", "--keys"])
        .arg(secrets.join("signing-keys"))
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{keygen:?}");
    own(&secrets.join("signing-keys"), 10001);
    let init = Command::new(env!("CARGO_BIN_EXE_cloudarq"))
        .args(["keys", "init", "--keyring"])
        .arg(secrets.join("keyring"))
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let again = Command::new(env!("CARGO_BIN_EXE_cloudarq"))
        .args(["keys", "init", "--keyring"])
        .arg(secrets.join("keyring"))
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(2),
        "an existing keyring is kept: {again:?}"
    );
    own(&secrets.join("keyring"), 10001);
    let openssl = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            "tls-key",
            "-out",
            "tls-cert",
        ])
        .current_dir(&secrets)
        .output()
        .expect("openssl (Debian package) makes the test certificate");
    assert!(openssl.status.success(), "{openssl:?}");
    own(&secrets.join("tls-key"), 10001);
    own(&secrets.join("tls-cert"), 10001);

    let port = free_port();
    let stack = Stack {
        podman: &podman,
        compose,
        dir: deploy.clone(),
        project: format!("cloudarqtest{}", std::process::id()),
    };
    let up = stack
        .compose(&["up", "-d"])
        .env("CLOUDARQ_IMAGE", IMAGE)
        .env("CLOUDARQ_POSTGRES_IMAGE", PG_IMAGE)
        .env("CLOUDARQ_PUBLISH", format!("127.0.0.1:{port}"))
        .output()
        .unwrap();
    assert!(
        up.status.success(),
        "compose up: {}{}",
        String::from_utf8_lossy(&up.stdout),
        String::from_utf8_lossy(&up.stderr)
    );

    // /readyz through the published port (database reachable, migrations
    // current), within two minutes.
    let url = format!("https://127.0.0.1:{port}/readyz");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let check = Command::new(env!("CARGO_BIN_EXE_cloudarq"))
            .args(["healthcheck", "--url", &url])
            .output()
            .unwrap();
        if check.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{url} not ready: {}\n{}",
            String::from_utf8_lossy(&check.stdout),
            stack.logs()
        );
        std::thread::sleep(Duration::from_secs(1));
    }

    let containers = stack.containers();
    let server = containers
        .iter()
        .find(|n| n.contains("server"))
        .unwrap_or_else(|| panic!("no server in {containers:?}"));
    assert_eq!(
        containers.iter().filter(|n| n.contains("worker")).count(),
        2,
        "{containers:?}"
    );
    // The image's HEALTHCHECK, run by podman inside the container.
    podman.podman(&["healthcheck", "run", server]);
    // Hardening as running: read-only root, user 10001, no capability, one
    // published port; PostgreSQL publishes none.
    let inspect = |name: &str, format: &str| {
        String::from_utf8_lossy(&podman.podman(&["inspect", "--format", format, name]).stdout)
            .trim()
            .to_owned()
    };
    for name in containers.iter().filter(|n| !n.contains("postgres")) {
        assert_eq!(
            inspect(name, "{{.HostConfig.ReadonlyRootfs}}"),
            "true",
            "{name}"
        );
        assert_eq!(inspect(name, "{{.Config.User}}"), "10001:10001", "{name}");
        assert_eq!(inspect(name, "{{.EffectiveCaps}}"), "[]", "{name}");
    }
    let postgres = containers.iter().find(|n| n.contains("postgres")).unwrap();
    assert_eq!(inspect(postgres, "{{len .HostConfig.PortBindings}}"), "0");
    assert_eq!(inspect(server, "{{len .HostConfig.PortBindings}}"), "1");
    // The workers are up and polling the queue (each waits for the
    // server's migrations first, so give them a minute).
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let logs = stack.logs();
        if logs.matches("worker started").count() >= 2 {
            break;
        }
        assert!(Instant::now() < deadline, "{logs}");
        std::thread::sleep(Duration::from_secs(1));
    }
}
