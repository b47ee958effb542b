//! Engine throughput: (rule, resource) evaluations per second on a synthetic
//! snapshot of 100,000 resources (`cloudarq_benches::synthetic`).
//!
//! Three rule sets: the built-in pack (`cloudarq_rules::all()`, skipped when a
//! build has none), eight sample rules, and both with a mutelist and all
//! frameworks scored, each evaluated into the engine's lean result
//! (`Engine::run`); `builtin_document` is the built-in pack into the
//! document form (`Engine::evaluate`: the same plus every finding's copy of
//! its rule's and resource's fields); `sample_rules_alone` calls the sample
//! rules over their pairs with no engine, the floor under `sample_rules`.
//! Run with
//! `cargo bench -p cloudarq-benches --bench engine`.

use std::time::Duration;

use cloudarq_benches::synthetic::{applicable_pairs, sample_rules, snapshot};
use cloudarq_core::engine::{Engine, Mutelist};
use cloudarq_model::Resource;
use cloudarq_model::rule::Rule;
use criterion::{Criterion, Throughput, criterion_main};
use rayon::prelude::*;

const RESOURCES: usize = 100_000;

fn engine_throughput(c: &mut Criterion) {
    let snap = snapshot(RESOURCES);
    let builtin = cloudarq_rules::all();
    let mut both: Vec<&'static dyn Rule> = builtin.clone();
    both.extend(sample_rules());
    let mutelist = Mutelist::parse(
        "[[mute]]\nrule = \"*\"\nresource = \"arn:aws:s3:::bucket-00*\"\nreason = \"bench\"\n\
         [[mute]]\nrule = \"*\"\nresource = \"arn:aws:ec2:*:*:security-group/*\"\nreason = \"bench\"\nregion = \"sa-east-1\"\n",
        "bench.toml",
    )
    .expect("valid bench mutelist");
    let frameworks = cloudarq_rules::frameworks::frameworks().expect("frameworks load");

    let mut group = c.benchmark_group("engine_100k");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    let mut cases = Vec::new();
    if !builtin.is_empty() {
        cases.push(("builtin", Engine::new(builtin.clone())));
    }
    cases.push(("sample_rules", Engine::new(sample_rules())));
    cases.push((
        "builtin+sample_mutelist_scores",
        Engine::new(both.clone())
            .with_mutelist(mutelist)
            .expect("the bench mutelist names rules the engine runs")
            .with_frameworks(frameworks),
    ));
    for (name, engine) in &cases {
        let pairs = applicable_pairs(engine.rules(), &snap);
        eprintln!(
            "{name}: {} rules, {} resources, {pairs} (rule, resource) pairs",
            engine.rules().len(),
            snap.resources.len()
        );
        group.throughput(Throughput::Elements(pairs));
        group.bench_function(*name, |b| b.iter(|| engine.run(&snap)));
        if *name == "builtin" {
            group.bench_function("builtin_document", |b| b.iter(|| engine.evaluate(&snap)));
        }
    }
    // The floor under `sample_rules`: the same rules called directly over
    // the same pairs on both cores, each outcome dropped, with no engine
    // (no walk of the snapshot, no findings kept, nothing to drop after).
    let rules = sample_rules();
    let pairs: Vec<(&dyn Rule, &Resource)> = rules
        .iter()
        .flat_map(|rule| {
            snap.resources
                .iter()
                .filter(|r| rule.meta().resource_types.contains(&r.resource_type()))
                .map(|r| (*rule, r))
        })
        .collect();
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("sample_rules_alone", |b| {
        b.iter(|| {
            pairs
                .par_iter()
                .filter(|(rule, r)| rule.evaluate(r, &snap).is_ok())
                .count()
        })
    });
    group.finish();
}

/// Holds the group `criterion_group!` generates, so it is not a public item.
mod group {
    criterion::criterion_group!(benches, super::engine_throughput);
}
criterion_main!(group::benches);
