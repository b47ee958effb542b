//! `cloudarq serve` as a process on loopback (issue 11, V1 and V9): set up
//! with the commands the README gives (`serve keygen`, `users add`), TLS 1.2
//! and 1.3 both accepted by a client pinned to each, sign-in over TLS, the
//! certificate reloaded without a restart, sslyze's verdict on the listener
//! (its JSON kept as an artefact), and schemathesis fuzzing the API from its
//! own OpenAPI document with a signed-in admin (bounded examples).
//!
//! sslyze and schemathesis come from PyPI (`./scripts/test.sh` installs
//! them into `.venv`); `openssl` makes the test certificates.

#![allow(clippy::unwrap_used, reason = "test helpers fail loudly")]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "violet tundra ladder 42";

fn tool(name: &str) -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.venv/bin")
        .join(name);
    if venv.exists() {
        return venv;
    }
    PathBuf::from(name)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn openssl(args: &[&str], dir: &Path) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl (Debian package openssl) makes the test certificates");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test CA (`ca.pem`, the clients' root) on first call, then a server
/// certificate for 127.0.0.1 signed by it (`cert.pem`, `key.pem`, swapped
/// in by rename so the service never reads half a file).
fn make_cert(dir: &Path, cn: &str) {
    if !dir.join("ca.pem").exists() {
        openssl(
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "2",
                "-keyout",
                "ca-key.pem",
                "-out",
                "ca.pem",
                "-subj",
                "/CN=cloudarq test CA",
            ],
            dir,
        );
    }
    openssl(
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "key.pem.new",
            "-out",
            "leaf.csr",
            "-subj",
            &format!("/CN={cn}"),
        ],
        dir,
    );
    std::fs::write(dir.join("leaf.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n").unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
            "-out",
            "cert.pem.new",
        ],
        dir,
    );
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("key.pem.new"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    std::fs::rename(dir.join("key.pem.new"), dir.join("key.pem")).unwrap();
    std::fs::rename(dir.join("cert.pem.new"), dir.join("cert.pem")).unwrap();
}

struct Server {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cloudarq(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cloudarq"));
    c.env("CLOUDARQ_HOME", dir.join("home"))
        .env_remove("CLOUDARQ_DB")
        .env_remove("CLOUDARQ_KEYRING")
        .env("CLOUDARQ_LOG", "info");
    c
}

fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_cert(d, "cloudarq-test-1");
    let keyring = d.join("keyring.toml");
    cloudarq_store::Keyring::create_file(&keyring).unwrap();
    let db = format!("sqlite://{}", d.join("cloudarq.db").display());
    let keys = d.join("signing-keys.toml");
    let out = cloudarq(d)
        .args(["serve", "keygen", "--keys"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cloudarq(d)
        .args([
            "users",
            "add",
            "--tenant",
            "acme",
            "--email",
            "admin@acme.test",
            "--role",
            "admin",
            "--db",
            &db,
            "--keyring",
        ])
        .arg(&keyring)
        .env("CLOUDARQ_NEW_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The first operator; tenant names starting with `_` are theirs.
    let op = cloudarq(d)
        .args([
            "users",
            "add-operator",
            "--email",
            "ops@cloudarq.test",
            "--db",
            &db,
            "--keyring",
        ])
        .arg(&keyring)
        .env("CLOUDARQ_NEW_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        op.status.success(),
        "{}",
        String::from_utf8_lossy(&op.stderr)
    );
    assert!(String::from_utf8_lossy(&op.stdout).contains("to tenant _operators as admin"));
    let reserved = cloudarq(d)
        .args([
            "users",
            "add",
            "--tenant",
            "_operators",
            "--email",
            "x@y.test",
            "--db",
            &db,
            "--keyring",
        ])
        .arg(&keyring)
        .env("CLOUDARQ_NEW_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!reserved.status.success());
    assert!(String::from_utf8_lossy(&reserved.stderr).contains("reserved"));
    let db_file = d.join("db-url");
    std::fs::write(&db_file, &db).unwrap();
    let port = free_port();
    let config = d.join("cloudarq.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\nissuer = \"https://127.0.0.1:{port}\"\ntls_cert_file = \"{}\"\ntls_key_file = \"{}\"\n\
             database_url_file = \"{}\"\nsigning_keys_file = \"{}\"\nkeyring_file = \"{}\"\n\
             [rate_limits]\nsign_in_per_address = [1000, 1]\nrefresh_per_address = [1000, 1]\n",
            d.join("cert.pem").display(),
            d.join("key.pem").display(),
            db_file.display(),
            keys.display(),
            keyring.display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(d.join("serve.log")).unwrap();
    let child = cloudarq(d)
        .args(["serve", "--config"])
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "the service did not listen: {}",
            std::fs::read_to_string(d.join("serve.log")).unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Server { child, port, dir }
}

/// One HTTP/1.1 request over TLS with the given protocol version only;
/// returns (negotiated version, suite, the server's leaf certificate, the
/// response).
async fn https(
    port: u16,
    root: &Path,
    version: &'static rustls::SupportedProtocolVersion,
    request: &str,
) -> (
    rustls::ProtocolVersion,
    rustls::SupportedCipherSuite,
    Vec<u8>,
    String,
) {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(root).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_protocol_versions(&[version])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut tls = connector
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .unwrap();
    let (_, conn) = tls.get_ref();
    let negotiated = conn.protocol_version().unwrap();
    let suite = conn.negotiated_cipher_suite().unwrap();
    let leaf = conn.peer_certificates().unwrap()[0].to_vec();
    tls.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.ok();
    (
        negotiated,
        suite,
        leaf,
        String::from_utf8_lossy(&out).into_owned(),
    )
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
}

fn post_json(path: &str, body: &str) -> String {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

fn body_of(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_speaks_tls_12_and_13_reloads_its_certificate_and_passes_sslyze_and_schemathesis()
 {
    let s = start();
    let d = s.dir.path().to_path_buf();
    let cert = d.join("ca.pem");
    // Both versions, AEAD suites, the security headers on the wire.
    for v in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let (negotiated, suite, _, res) = https(s.port, &cert, v, &get("/healthz")).await;
        assert_eq!(negotiated, v.version);
        let name = format!("{:?}", suite.suite());
        assert!(
            name.contains("GCM") || name.contains("CHACHA20_POLY1305"),
            "{name}"
        );
        assert!(res.starts_with("HTTP/1.1 200"), "{res}");
        assert!(
            res.to_ascii_lowercase().contains(
                "strict-transport-security: max-age=31536000; includesubdomains; preload"
            ),
            "{res}"
        );
    }
    // The container's HEALTHCHECK: 0 against the TLS listener, 1 with the
    // reason against a closed port or a plain-HTTP request to it, 2 for a
    // host that is not this machine.
    let check = |url: String| {
        cloudarq(&d)
            .args(["healthcheck", "--url", &url])
            .output()
            .unwrap()
    };
    let ok = check(format!("https://127.0.0.1:{}/readyz", s.port));
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(String::from_utf8_lossy(&ok.stdout).contains("answered 200"));
    let closed = check(format!("https://127.0.0.1:{}/readyz", free_port()));
    assert_eq!(closed.status.code(), Some(1), "{closed:?}");
    assert!(String::from_utf8_lossy(&closed.stdout).contains("unhealthy: connecting"));
    let plain = check(format!("http://127.0.0.1:{}/readyz", s.port));
    assert_eq!(plain.status.code(), Some(1), "{plain:?}");
    let remote = check("https://example.com/readyz".into());
    assert_eq!(remote.status.code(), Some(2), "{remote:?}");
    assert!(String::from_utf8_lossy(&remote.stderr).contains("must be 127.0.0.1"));
    // Sign-in over TLS.
    let (_, _, old_leaf, res) = https(
        s.port,
        &cert,
        &rustls::version::TLS13,
        &post_json(
            "/api/v1/session",
            &format!(r#"{{"tenant":"acme","email":"admin@acme.test","password":"{PASSWORD}"}}"#),
        ),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 201"), "{res}");
    let first = serde_json::from_str::<serde_json::Value>(body_of(&res)).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Enrol TOTP (admins need it), then sign in with a backup code.
    let authed = |method: &str, path: &str, body: &str, token: &str| {
        format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let (_, _, _, res) = https(
        s.port,
        &cert,
        &rustls::version::TLS13,
        &authed("POST", "/api/v1/me/totp", "", &first),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 201"), "{res}");
    let secret = serde_json::from_str::<serde_json::Value>(body_of(&res)).unwrap()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = cloudarq_server::service::totp::unbase32(&secret).unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let code = format!(
        "{:06}",
        cloudarq_server::service::totp::code_at(&raw, cloudarq_server::service::totp::step_of(now))
    );
    let (_, _, _, res) = https(
        s.port,
        &cert,
        &rustls::version::TLS13,
        &authed(
            "POST",
            "/api/v1/me/totp/confirm",
            &format!(r#"{{"code":"{code}"}}"#),
            &first,
        ),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let backup = serde_json::from_str::<serde_json::Value>(body_of(&res)).unwrap()["backup_codes"]
        [0]
    .as_str()
    .unwrap()
    .to_owned();
    let (_, _, _, res) = https(
        s.port,
        &cert,
        &rustls::version::TLS13,
        &post_json(
            "/api/v1/session",
            &format!(r#"{{"tenant":"acme","email":"admin@acme.test","password":"{PASSWORD}"}}"#),
        ),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    let challenge = serde_json::from_str::<serde_json::Value>(body_of(&res)).unwrap()["challenge"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, _, _, res) = https(
        s.port,
        &cert,
        &rustls::version::TLS13,
        &post_json(
            "/api/v1/session/second-factor",
            &format!(r#"{{"challenge":"{challenge}","backup_code":"{backup}"}}"#),
        ),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 201"), "{res}");
    let token = serde_json::from_str::<serde_json::Value>(body_of(&res)).unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // With the second factor, the admin reads (schemathesis below covers
    // every route with this token).
    let (_, _, _, res) = https(
        s.port,
        &cert,
        &rustls::version::TLS13,
        &authed("GET", "/api/v1/scans", "", &token),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");

    // A new certificate is served without a restart.
    make_cert(&d, "cloudarq-test-2");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, _, leaf, _) = https(s.port, &cert, &rustls::version::TLS13, &get("/healthz")).await;
        if leaf != old_leaf {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the certificate was not reloaded"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // sslyze on the listener.
    let artefacts = std::env::var_os("CLOUDARQ_ARTEFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&artefacts).unwrap();
    let sslyze_json = artefacts.join("sslyze.json");
    let out = Command::new(tool("sslyze"))
        .arg(format!("--json_out={}", sslyze_json.display()))
        .args([
            "--sslv2",
            "--sslv3",
            "--tlsv1",
            "--tlsv1_1",
            "--tlsv1_2",
            "--tlsv1_3",
            "--compression",
            "--reneg",
        ])
        .arg(format!("127.0.0.1:{}", s.port))
        .output()
        .expect("sslyze (PyPI) is installed by ./scripts/test.sh");
    assert!(
        sslyze_json.exists(),
        "sslyze wrote nothing: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sslyze_json).unwrap()).unwrap();
    let r = &report["server_scan_results"][0]["scan_result"];
    for old in [
        "ssl_2_0_cipher_suites",
        "ssl_3_0_cipher_suites",
        "tls_1_0_cipher_suites",
        "tls_1_1_cipher_suites",
    ] {
        let accepted = r[old]["result"]["accepted_cipher_suites"]
            .as_array()
            .unwrap();
        assert!(accepted.is_empty(), "{old}: {accepted:?}");
    }
    for new in ["tls_1_2_cipher_suites", "tls_1_3_cipher_suites"] {
        let accepted = r[new]["result"]["accepted_cipher_suites"]
            .as_array()
            .unwrap();
        assert!(!accepted.is_empty(), "{new} not offered");
        for suite in accepted {
            let name = suite["cipher_suite"]["name"].as_str().unwrap();
            assert!(
                (name.contains("GCM") || name.contains("CHACHA20")) && !name.contains("CBC"),
                "{new}: {name}"
            );
        }
    }
    assert_eq!(
        r["tls_compression"]["result"]["supports_compression"],
        false
    );
    let reneg = &r["session_renegotiation"]["result"];
    assert_eq!(
        reneg["is_vulnerable_to_client_renegotiation_dos"], false,
        "{reneg}"
    );
    eprintln!("sslyze report kept at {}", sslyze_json.display());

    // schemathesis against the served document, as a signed-in admin, with a
    // bounded number of examples; sign-out is left out so the token lives.
    let report_dir = artefacts.join("schemathesis");
    // A schedule's cron expression and time zone are checked for meaning
    // (a real expression, a zone in the time-zone database), which no JSON
    // Schema can say: for that one operation a schema-valid body may also
    // be refused with 400, naming the field. Every other check stays on.
    let st_config = d.join("schemathesis.toml");
    std::fs::write(
        &st_config,
        r#"[[operations]]
include-path = "/api/v1/connections/{connection_id}/schedule"
include-method = "PUT"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
"#,
    )
    .unwrap();
    let out = Command::new(tool("st"))
        .arg("--config-file")
        .arg(&st_config)
        .args(["run", &format!("https://127.0.0.1:{}/openapi.json", s.port)])
        .arg("--tls-verify")
        .arg(&cert)
        .args([
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--request-timeout",
            "10",
            "--workers",
            "1",
            "--seed",
            "1",
        ])
        .args(["--exclude-method", "DELETE"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .arg("--report-dir")
        .arg(&report_dir)
        .args(["--report", "junit"])
        .env("NO_COLOR", "1")
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .expect("schemathesis (PyPI) is installed by ./scripts/test.sh");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "schemathesis found problems:\n{text}");
    let log = std::fs::read_to_string(d.join("serve.log")).unwrap();
    assert!(
        !log.contains(PASSWORD) && !log.contains(&token),
        "a secret in the service log"
    );
    // V5: the audit log the run wrote (the CLI's user creation, sign-ins,
    // refusals) verifies as one chain per tenant.
    let out = cloudarq(&d)
        .args(["audit", "verify", "--db"])
        .arg(format!("sqlite://{}", d.join("cloudarq.db").display()))
        .arg("--keyring")
        .arg(d.join("keyring.toml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = text
        .lines()
        .find(|l| l.contains("acme"))
        .unwrap_or_default();
    assert!(
        line.starts_with("ok ") && line.contains(" entries, head "),
        "{text}"
    );
}
