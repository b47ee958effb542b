//! `cloudarq healthcheck`: a container's HEALTHCHECK without a shell or
//! curl in the image. One GET of a loopback URL, 200 or not, bounded in
//! time and in what it reads.
//!
//! Over https the service's certificate is not verified: the check only
//! connects to this machine (the URL must name a loopback host), sends no
//! credential, and learns only a status code, so nothing is exposed to a
//! peer it did not mean to reach. The handshake itself still runs, so a
//! broken TLS configuration fails the check.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// The whole check, connection to last byte.
const TIMEOUT: Duration = Duration::from_secs(5);

/// The most of the answer read (a `/readyz` answer is a few hundred bytes).
const MAX_ANSWER: u64 = 64 * 1024;

/// A parsed loopback URL.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    tls: bool,
    addr: SocketAddr,
    path: String,
}

fn parse(url: &str) -> anyhow::Result<Target> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        bail!("--url {url:?}: must start with http:// or https://");
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    if path.chars().any(|c| c.is_control() || c == ' ') {
        bail!("--url {url:?}: the path holds a space or a control character");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (authority, None),
    };
    let port: u16 = match port {
        Some(p) => p
            .parse()
            .with_context(|| format!("--url {url:?}: {p:?} is not a port"))?,
        None if tls => 443,
        None => 80,
    };
    let ip = match host {
        "localhost" | "127.0.0.1" => IpAddr::V4(Ipv4Addr::LOCALHOST),
        "[::1]" => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => bail!(
            "--url {url:?}: the host must be 127.0.0.1, [::1] or localhost, not {other:?} (the check trusts any certificate, so it only talks to this machine)"
        ),
    };
    Ok(Target {
        tls,
        addr: SocketAddr::new(ip, port),
        path: path.to_owned(),
    })
}

/// Accepts any certificate; signatures are still checked with the
/// provider's algorithms, so the handshake is a real one.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

async fn exchange<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    path: &str,
) -> anyhow::Result<String> {
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: cloudarq-healthcheck\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    (&mut stream)
        .take(MAX_ANSWER)
        .read_to_end(&mut answer)
        .await?;
    let text = String::from_utf8_lossy(&answer);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}

async fn status_line(target: &Target) -> anyhow::Result<String> {
    let tcp = TcpStream::connect(target.addr)
        .await
        .with_context(|| format!("connecting to {}", target.addr))?;
    if !target.tls {
        return exchange(tcp, &target.path).await;
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    let name = ServerName::IpAddress(target.addr.ip().into());
    let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .with_context(|| format!("TLS handshake with {}", target.addr))?;
    exchange(tls, &target.path).await
}

/// Runs the check: exit code 0 when `url` answers 200, 1 otherwise (with
/// what it answered, or why there was no answer); 2 for a bad URL.
pub async fn run(url: &str, out: &mut dyn Write) -> anyhow::Result<u8> {
    let target = parse(url)?;
    let line = match tokio::time::timeout(TIMEOUT, status_line(&target)).await {
        Ok(Ok(line)) => line,
        Ok(Err(e)) => {
            writeln!(out, "unhealthy: {e:#}")?;
            return Ok(1);
        }
        Err(_) => {
            writeln!(out, "unhealthy: no answer within {} s", TIMEOUT.as_secs())?;
            return Ok(1);
        }
    };
    let code = line.split(' ').nth(1).unwrap_or_default();
    if line.starts_with("HTTP/1.") && code == "200" {
        writeln!(out, "healthy: {url} answered 200")?;
        Ok(0)
    } else {
        let shown: String = line.chars().filter(|c| !c.is_control()).take(100).collect();
        writeln!(out, "unhealthy: {url} answered {shown:?}")?;
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls_are_accepted() {
        assert_eq!(
            parse("https://127.0.0.1:8443/readyz").unwrap(),
            Target {
                tls: true,
                addr: "127.0.0.1:8443".parse().unwrap(),
                path: "/readyz".into()
            }
        );
        assert_eq!(
            parse("http://[::1]:8080").unwrap().addr,
            "[::1]:8080".parse().unwrap()
        );
        assert_eq!(parse("http://localhost/x").unwrap().addr.port(), 80);
        for bad in [
            "https://example.com/readyz",
            "https://10.0.0.1:8443/readyz",
            "https://127.0.0.1.evil.test/readyz",
            "ftp://127.0.0.1/",
            "https://127.0.0.1:99999/",
            "http://127.0.0.1:8080/ready z",
            "http://127.0.0.1:8080/r\r\nX: y",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
