//! `pipeline::check` on the reference and on synthetic estates.
//!
//!     cargo bench --bench lint
//!
//! The synthetic specs come from `examples/gen.rs` (the same text as
//! `cargo run --release --example gen -- --hosts N`, seed 1).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use infragen::lock::AddressLock;
use infragen::pipeline;
use std::hint::black_box;

#[path = "../../examples/gen.rs"]
#[allow(dead_code)] // its `main` and constants
mod synth;

const REFERENCE: &str = include_str!("../../examples/reference.kdl");

fn lint(c: &mut Criterion) {
    let lock = AddressLock::default();
    let mut group = c.benchmark_group("check");
    let reference = pipeline::check(REFERENCE, &lock);
    assert_eq!(reference.errors(), 0, "the reference must lint clean");
    group.throughput(Throughput::Elements(73));
    group.bench_function("reference", |b| {
        b.iter(|| pipeline::check(black_box(REFERENCE), &lock))
    });
    for hosts in [1_000, 10_000] {
        let src = synth::generate(hosts, 1);
        let checked = pipeline::check(&src, &lock);
        assert_eq!(
            checked.errors(),
            0,
            "generated spec ({hosts} hosts) has errors: {:#?}",
            checked.diagnostics
        );
        if hosts >= 10_000 {
            group.sample_size(20);
        }
        group.throughput(Throughput::Elements(hosts as u64));
        group.bench_with_input(BenchmarkId::new("hosts", hosts), &src, |b, src| {
            b.iter(|| pipeline::check(black_box(src), &lock))
        });
    }
    group.finish();
}

/// The failure simulator (`explain failures`) after the check: every zone,
/// region, tunnel and single-point host of the estate.
fn failures(c: &mut Criterion) {
    use infragen::graph::failures::{Options, simulate};
    let lock = AddressLock::default();
    let mut group = c.benchmark_group("failures");
    for hosts in [1_000, 10_000] {
        let src = synth::generate(hosts, 1);
        let checked = pipeline::check(&src, &lock);
        let (model, graph) = (checked.model.unwrap(), checked.graph.unwrap());
        group.throughput(Throughput::Elements(hosts as u64));
        group.bench_function(BenchmarkId::new("hosts", hosts), |b| {
            b.iter(|| simulate(black_box(&model), &graph, Options::default()))
        });
    }
    group.finish();
}

criterion_group!(benches, lint, failures);
criterion_main!(benches);
