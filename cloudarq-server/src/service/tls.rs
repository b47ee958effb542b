//! TLS (V1): rustls with the aws-lc-rs provider, TLS 1.3 and 1.2 only
//! (rustls offers nothing older), its default suites (all AEAD: AES-GCM and
//! ChaCha20-Poly1305; no CBC, no RC4, no compression, secure renegotiation
//! only because rustls does not renegotiate), HTTP/1.1. The certificate
//! chain and key are read from PEM files and reloaded when either changes;
//! a bad new pair is refused and the running one kept.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The largest certificate or key file read.
const MAX_PEM: u64 = 1024 * 1024;

/// Builds the server configuration from PEM files.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<ServerConfig> {
    let cert_pem = std::fs::read(cert).map_err(|e| anyhow::anyhow!("{}: {e}", cert.display()))?;
    if cert_pem.len() as u64 > MAX_PEM {
        anyhow::bail!("{}: larger than {MAX_PEM} bytes", cert.display());
    }
    let key_pem = cloudarq_store::files::read_private_file(key, MAX_PEM)?;
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| anyhow::anyhow!("{}: not a PEM certificate chain: {e}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!("{}: no certificate", cert.display());
    }
    let key_der = PrivateKeyDer::from_pem_slice(&key_pem)
        .map_err(|_| anyhow::anyhow!("{}: not a PEM private key", key.display()))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| {
            anyhow::anyhow!(
                "{} and {} do not make a usable pair: {e}",
                cert.display(),
                key.display()
            )
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Loads the pair for the listener.
pub async fn load(cert: &Path, key: &Path) -> anyhow::Result<RustlsConfig> {
    Ok(RustlsConfig::from_config(Arc::new(server_config(
        cert, key,
    )?)))
}

fn stamp(cert: &Path, key: &Path) -> (Option<SystemTime>, Option<SystemTime>) {
    let m = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    (m(cert), m(key))
}

/// Checks the files every 10 s and swaps the configuration in when they
/// changed and make a valid pair (new connections use it; open ones keep
/// theirs).
pub fn spawn_reloader(config: RustlsConfig, cert: PathBuf, key: PathBuf) {
    tokio::spawn(async move {
        let mut seen = stamp(&cert, &key);
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tick.tick().await;
            let now = stamp(&cert, &key);
            if now == seen {
                continue;
            }
            match server_config(&cert, &key) {
                Ok(c) => {
                    config.reload_from_config(Arc::new(c));
                    seen = now;
                    tracing::info!(cert = %cert.display(), "TLS certificate reloaded");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "TLS certificate not reloaded; keeping the current one")
                }
            }
        }
    });
}
