//! WebAssembly rules against their native build: the built-in S3 family,
//! native and as a wasm package (`cloudarq-core/tests/guests/s3-rules.wasm`),
//! over the same synthetic snapshot of 10,000 resources; plus cold load
//! (compile), cached load (deserialize) and instantiation.
//! Run with `cargo bench -p cloudarq-benches --bench wasm`.

use std::time::Duration;

use cloudarq_benches::synthetic::{applicable_pairs, snapshot};
use cloudarq_core::engine::Engine;
use cloudarq_core::wasm::{Limits, LoadOptions, WasmHost, WasmRules};
use cloudarq_model::Service;
use cloudarq_model::rule::Rule;
use criterion::{BatchSize, Criterion, Throughput, criterion_main};

const RESOURCES: usize = 10_000;
const S3_PACKAGE: &[u8] = include_bytes!("../../cloudarq-core/tests/guests/s3-rules.wasm");

fn s3_rules() -> Vec<&'static dyn Rule> {
    cloudarq_rules::all()
        .into_iter()
        .filter(|r| r.meta().service == Service::S3)
        .collect()
}

fn wasm_engine() -> Engine {
    let host = WasmHost::new(Limits::default()).expect("wasm host");
    let pkg = host
        .load(S3_PACKAGE, "s3-rules.wasm", &LoadOptions::default())
        .expect("package loads");
    let mut rules = WasmRules::new(host);
    rules.add(pkg, &[]).expect("no id clash");
    Engine::new(Vec::new()).with_wasm_rules(rules)
}

fn native_vs_wasm(c: &mut Criterion) {
    let snap = snapshot(RESOURCES);
    let native = Engine::new(s3_rules());
    let wasm = wasm_engine();
    assert_eq!(
        native.evaluate(&snap).findings,
        wasm.evaluate(&snap).findings,
        "native and wasm must agree before they are timed"
    );
    let pairs = applicable_pairs(native.rules(), &snap);
    let s3_resources = snap
        .resources
        .iter()
        .filter(|r| r.resource_type().service() == Service::S3)
        .count();
    eprintln!(
        "snapshot: {} resources, {s3_resources} S3 resources, {pairs} (rule, resource) pairs",
        snap.resources.len()
    );
    let mut group = c.benchmark_group("s3_family_10k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(pairs));
    // Into the document form (`Engine::evaluate`), as first measured.
    group.bench_function("native", |b| b.iter(|| native.evaluate(&snap)));
    group.bench_function("wasm", |b| b.iter(|| wasm.evaluate(&snap)));
    // Into the lean form (`Engine::run`): what a scan keeps since issue 14.
    group.bench_function("native_run", |b| b.iter(|| native.run(&snap)));
    group.bench_function("wasm_run", |b| b.iter(|| wasm.run(&snap)));
    // The package alone (`WasmHost::evaluate`: batches, calls, checked
    // output as `Finding`s), without the engine's merge into its result.
    let host = WasmHost::new(Limits::default()).expect("wasm host");
    let pkg = host
        .load(S3_PACKAGE, "s3-rules.wasm", &LoadOptions::default())
        .expect("package loads");
    group.bench_function("wasm_package_only", |b| {
        b.iter(|| host.evaluate(&pkg, &snap))
    });
    group.finish();
}

fn load_and_instantiate(c: &mut Criterion) {
    let mut group = c.benchmark_group("s3_package");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let host = WasmHost::new(Limits::default()).expect("wasm host");
    group.bench_function("cold_load_compile", |b| {
        b.iter(|| {
            host.load(S3_PACKAGE, "s3", &LoadOptions::default())
                .expect("loads")
        })
    });
    let dir = std::env::temp_dir().join(format!("cloudarq-bench-cache-{}", std::process::id()));
    let key = std::env::temp_dir().join(format!("cloudarq-bench-cache-{}.key", std::process::id()));
    let cached = WasmHost::new(Limits::default())
        .and_then(|h| h.with_cache_dir(&dir, &key))
        .expect("cached host");
    cached
        .load(S3_PACKAGE, "s3", &LoadOptions::default())
        .expect("warms the cache");
    group.bench_function("cached_load", |b| {
        b.iter(|| {
            let p = cached
                .load(S3_PACKAGE, "s3", &LoadOptions::default())
                .expect("loads");
            assert!(p.load_stats().cached);
            p
        })
    });
    let pkg = host
        .load(S3_PACKAGE, "s3", &LoadOptions::default())
        .expect("loads");
    group.bench_function("instantiate_and_configure", |b| {
        b.iter_batched(
            || (),
            |()| host.instantiate(&pkg).expect("instantiates"),
            BatchSize::SmallInput,
        )
    });
    group.finish();
    let _ = std::fs::remove_dir_all(dir);
    let _ = std::fs::remove_file(key);
}

fn benches() {
    let mut c = Criterion::default().configure_from_args();
    native_vs_wasm(&mut c);
    load_and_instantiate(&mut c);
}

criterion_main!(benches);
