//! Collects an AWS account into a snapshot file with the embedding API.
//!
//! Run against a real account (credentials from the default chain, or a role):
//!
//! ```text
//! cargo run -p cloudarq-examples --example collect_inventory -- eu-west-1 snapshot.json
//! CLOUDARQ_ROLE_ARN=arn:aws:iam::123456789012:role/CloudArqAudit CLOUDARQ_EXTERNAL_ID=... \
//!   cargo run -p cloudarq-examples --example collect_inventory -- eu-west-1 snapshot.json
//! ```
//!
//! Against an emulator, set `AWS_ENDPOINT_URL` (for example moto's
//! `http://127.0.0.1:5000`): the example reads it and passes it to
//! [`AuditorBuilder::endpoint_url`](cloudarq_core::AuditorBuilder::endpoint_url);
//! the library itself never reads the environment.

use cloudarq_core::{Auditor, CredentialSource, ENDPOINT_ENV, ExternalId};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let region = args.next().unwrap_or_else(|| "us-east-1".to_owned());
    let out = args.next().unwrap_or_else(|| "snapshot.json".to_owned());

    let base = CredentialSource::DefaultChain { profile: None };
    let source = match std::env::var("CLOUDARQ_ROLE_ARN") {
        Ok(role) => {
            let external_id = std::env::var("CLOUDARQ_EXTERNAL_ID")
                .ok()
                .map(ExternalId::new)
                .transpose()?;
            CredentialSource::assume_role(role.parse()?, external_id, base)
        }
        Err(_) => base,
    };
    let mut builder = Auditor::builder(source).regions([region.parse()?]);
    if let Ok(url) = std::env::var(ENDPOINT_ENV) {
        builder = builder.endpoint_url(url);
    }
    let snapshot = builder.build()?.collect().await?;
    std::fs::write(&out, snapshot.to_json()?)?;
    println!(
        "{} resources, {} coverage gaps, {} AWS requests in {} ms -> {out}",
        snapshot.resources.len(),
        snapshot.gaps.len(),
        snapshot.stats.api_requests,
        snapshot.stats.duration_ms
    );
    Ok(())
}
