//! Where a scan's credentials come from, and turning that into an SDK
//! credentials provider that lives exactly as long as the scan.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use secrecy::ExposeSecret;

use cloudarq_model::{ExternalId, RoleArn, StaticKeys};

use super::assume_role::{assume_role, session_name};

use crate::error::CoreError;

/// How a scan authenticates.
///
/// ```
/// use cloudarq_core::{CredentialSource, ExternalId};
/// let source = CredentialSource::assume_role(
///     "arn:aws:iam::123456789012:role/CloudArqAudit".parse()?,
///     Some(ExternalId::new("3f2a9c1e-customer-42".to_owned())?),
///     CredentialSource::DefaultChain { profile: None },
/// );
/// assert!(format!("{source:?}").contains("CloudArqAudit"));
/// # Ok::<(), cloudarq_core::CoreError>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum CredentialSource {
    /// The SDK's default chain: environment, profile (incl. SSO), container, IMDS.
    DefaultChain {
        /// A named profile instead of the default one.
        profile: Option<String>,
    },
    /// Static keys.
    Static(StaticKeys),
    /// Assume a role with STS (the recommended way).
    AssumeRole {
        /// The role.
        role_arn: RoleArn,
        /// The per-connection External ID.
        external_id: Option<ExternalId>,
        /// The credentials that call AssumeRole.
        base: Box<CredentialSource>,
    },
}

impl CredentialSource {
    /// Assume `role_arn` with `external_id`, using `base` to call STS.
    pub fn assume_role(
        role_arn: RoleArn,
        external_id: Option<ExternalId>,
        base: CredentialSource,
    ) -> Self {
        Self::AssumeRole {
            role_arn,
            external_id,
            base: Box::new(base),
        }
    }

    /// A description for logs and errors, without secrets.
    pub fn describe(&self) -> String {
        match self {
            Self::DefaultChain { profile: Some(p) } => format!("profile {p}"),
            Self::DefaultChain { profile: None } => "the default credential chain".to_owned(),
            Self::Static(_) => "static access keys".to_owned(),
            Self::AssumeRole { role_arn, .. } => format!("role {role_arn}"),
        }
    }
}

/// Counts live credential sets; a test checks it drops to zero after a scan.
#[derive(Clone, Debug, Default)]
pub(crate) struct LiveCounter(Arc<AtomicUsize>);

impl LiveCounter {
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// An SDK provider over one set of credentials that decrements the live
/// counter when the last clone is dropped.
#[derive(Debug)]
struct ScanScopedProvider {
    inner: SharedCredentialsProvider,
    live: LiveCounter,
}

impl Drop for ScanScopedProvider {
    fn drop(&mut self) {
        self.live.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ProvideCredentials for ScanScopedProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.inner.provide_credentials()
    }
}

fn scoped(inner: SharedCredentialsProvider, live: &LiveCounter) -> SharedCredentialsProvider {
    live.0.fetch_add(1, Ordering::SeqCst);
    SharedCredentialsProvider::new(ScanScopedProvider {
        inner,
        live: live.clone(),
    })
}

/// Resolves a source into a provider; AssumeRole calls STS here.
pub(crate) async fn resolve(
    source: &CredentialSource,
    sts_config: &aws_types::SdkConfig,
    session_suffix: &str,
    live: &LiveCounter,
) -> Result<SharedCredentialsProvider, CoreError> {
    match source {
        CredentialSource::Static(keys) => Ok(scoped(
            SharedCredentialsProvider::new(Credentials::new(
                keys.access_key_id.expose_secret(),
                keys.secret_access_key.expose_secret(),
                keys.session_token
                    .as_ref()
                    .map(|t| t.expose_secret().to_owned()),
                None,
                "cloudarq-static",
            )),
            live,
        )),
        CredentialSource::DefaultChain { profile } => {
            let mut b =
                aws_config::default_provider::credentials::DefaultCredentialsChain::builder();
            if let Some(p) = profile {
                b = b.profile_name(p);
            }
            if let Some(region) = sts_config.region() {
                b = b.region(region.clone());
            }
            Ok(scoped(
                SharedCredentialsProvider::new(b.build().await),
                live,
            ))
        }
        CredentialSource::AssumeRole {
            role_arn,
            external_id,
            base,
        } => {
            let base_provider = Box::pin(resolve(base, sts_config, session_suffix, live)).await?;
            let conf = sts_config
                .to_builder()
                .credentials_provider(base_provider)
                .build();
            let client = crate::aws::sts_client(&conf);
            let name = session_name(session_suffix)?;
            let temp = assume_role(&client, role_arn, external_id.as_ref(), &name).await?;
            drop(client);
            drop(conf);
            Ok(scoped(SharedCredentialsProvider::new(temp.to_sdk()), live))
        }
    }
}
