//! The built-in S3 rules as a WebAssembly rule package: the same `Rule`
//! values the native engine runs, exported with one macro.

use cloudarq_model::guest::Package;
use cloudarq_model::rule::Rule;
use cloudarq_model::{ResourceType, Service};

fn package() -> Package {
    let rules: Vec<&'static dyn Rule> = cloudarq_rules::all()
        .into_iter()
        .filter(|r| r.meta().service == Service::S3)
        .collect();
    // The bucket rules read the account-level Block Public Access and each
    // bucket's management configurations from the snapshot.
    Package::new("cloudarq-s3", env!("CARGO_PKG_VERSION"), rules).context(&[
        ResourceType::S3AccountPublicAccessBlock,
        ResourceType::S3BucketManagement,
    ])
}

cloudarq_model::export_rules!(package = package);
