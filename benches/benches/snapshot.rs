//! Snapshot format throughput: serialize and load back a synthetic
//! 100,000-resource inventory (the versioned JSON of C2).
//!
//! `cargo bench -p cloudarq-benches --bench snapshot`

use cloudarq_benches::synthetic;
use cloudarq_model::Snapshot;
use criterion::{Criterion, Throughput, criterion_main};

fn bench(c: &mut Criterion) {
    let snap = synthetic::snapshot(100_000);
    let json = snap.to_json().expect("serializable");
    let mut g = c.benchmark_group("snapshot_100k");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("to_json", |b| {
        b.iter(|| snap.to_json().expect("serializable"))
    });
    g.bench_function("from_json", |b| {
        b.iter(|| Snapshot::from_json(&json, "bench").expect("valid"))
    });
    g.finish();
}

/// Holds the group `criterion_group!` generates, so it is not a public item.
mod group {
    criterion::criterion_group!(benches, super::bench);
}

criterion_main!(group::benches);
