//! `pipeline::check` on the reference and on synthetic estates, and the
//! build (check + every emitter, in memory) of one large group and of many
//! groups, to keep both linear in hosts.
//!
//!     cargo bench --bench lint
//!     cargo bench --bench lint -- build/
//!     cargo bench --bench lint -- diff/
//!
//! The synthetic specs come from `examples/gen.rs` (the same text as
//! `cargo run --release --example gen -- --hosts N`, seed 1).

// The allocator the binary uses (src/main.rs), so the numbers are the
// ones users see.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

/// Check and emit every artifact, as `infragen build` does before writing.
fn build_once(src: &str, lock: &AddressLock) -> usize {
    let checked = pipeline::check(src, lock);
    let (Some(model), Some(graph)) = (&checked.model, &checked.graph) else {
        panic!("no model");
    };
    let secrets = infragen::emit::Secrets::Placeholders;
    let ctx = infragen::emit::EmitContext::new(model, graph, "bench.kdl", src, &secrets);
    infragen::emit::emit_all(&ctx).len()
}

fn build(c: &mut Criterion) {
    let lock = AddressLock::default();
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    // One group growing (a quadratic step shows as ×4 per ×2), then the same
    // hosts spread over 100 groups.
    for (hosts, groups) in [(10_000, 1), (20_000, 1), (40_000, 1), (100_000, 100)] {
        let src = synth::generate_groups(hosts, groups).expect("a valid scale spec");
        let checked = pipeline::check(&src, &lock);
        assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
        group.throughput(Throughput::Elements(hosts as u64));
        group.bench_with_input(
            BenchmarkId::new(format!("groups-{groups}"), hosts),
            &src,
            |b, src| b.iter(|| build_once(black_box(src), &lock)),
        );
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

/// `infragen diff` of two 10 000-host specs: the generator's spec and the
/// same with its `app` group resized (998 → 1038 hosts), both with the lock
/// a build of the first writes (as a PR keeps it). Everything `diff` does
/// but reading the files and printing: both sides checked and built (two
/// threads), outputs and models compared. The two sides' models and builds
/// are dropped outside the timing, as the CLI leaves them to the OS.
fn diff(c: &mut Criterion) {
    use infragen::cli::diff::{Loaded, analyse};
    let old = synth::generate(10_000, 1);
    let from = r#"group "app" count=998 "#;
    assert!(old.contains(from), "the generator's app group changed size");
    let new = old.replacen(from, r#"group "app" count=1038 "#, 1);
    let checked = pipeline::check(&old, &AddressLock::default());
    let lock = infragen::lower::lock_of(checked.model.as_ref().expect("a model"));
    let side = |source: &str| Loaded {
        label: "bench.kdl".into(),
        file_name: "bench.kdl".into(),
        source: source.to_string(),
        lock: lock.clone(),
    };
    let (a, b) = (side(&old), side(&new));
    let first = analyse(&a, &b, false).expect("diff");
    assert_eq!(first.report.new_errors, 0);
    assert_eq!(first.report.hosts.len(), 40, "{:?}", first.report.hosts);
    let mut group = c.benchmark_group("diff");
    group.sample_size(10);
    group.bench_function("resize/10000", |bench| {
        bench.iter_with_large_drop(|| analyse(black_box(&a), &b, false).expect("diff"))
    });
    group.finish();
}

/// The synthetic estate with a traffic tier on its largest group: a
/// gateway on `app` (behind a balancer, routing through an internal one and
/// to `db`), a self-hosted Redis with Sentinel on `etcd` for `app`.
fn with_traffic(src: &str) -> String {
    let open = |sg: &str, rules: &str| {
        (
            format!("security-group \"{sg}\" vpc=\"core\" {{\n"),
            format!("security-group \"{sg}\" vpc=\"core\" {{\n{rules}"),
        )
    };
    let (etcd, etcd_new) = open(
        "etcd",
        "    ingress \"tcp\" 6379 from=\"vpc:core\" description=\"Redis\"\n    ingress \"tcp\" 26379 from=\"vpc:core\" description=\"Sentinel\"\n",
    );
    let (db, db_new) = open(
        "db",
        "    ingress \"tcp\" 80 from=\"sg:app\" description=\"The gateway\"\n",
    );
    // The balancers' flows (clients → listener, balancer → targets) must
    // be admitted, as `required-flow-blocked` demands.
    let (web, web_new) = open(
        "web",
        "    ingress \"tcp\" 80 from=\"sg:app\" description=\"Clients of the balancers\"\n",
    );
    let (search, search_new) = open(
        "search",
        "    ingress \"tcp\" 8080 from=\"lb:inner\" description=\"The balancer\"\n",
    );
    let mut s = src
        .replacen(&etcd, &etcd_new, 1)
        .replacen(&db, &db_new, 1)
        .replacen(&web, &web_new, 1)
        .replacen(&search, &search_new, 1);
    s.push_str(
        r#"
load-balancer "front" {
    subnets "core/private-1" "core/private-2"
    security-groups "web"
    listener 80 target="app" target-port=8080
}
load-balancer "inner" scheme="internal" {
    subnets "core/private-1" "core/private-2"
    security-groups "web"
    listener 80 target="search" target-port=8080
}
gateway "edge" group="app" nginx-version="1.27.3" {
    route "/search/" to="lb:inner"
    route "/db/" to="group:db"
}
redis "sessions" engine="self-hosted" version="7.0" {
    clients group="app"
    members group="etcd"
}
"#,
    );
    s
}

/// `failures` with the traffic tier's columns (load balancers, the
/// gateway, Redis) on the 10 000-host estate.
fn failures_traffic(c: &mut Criterion) {
    use infragen::graph::failures::{Options, simulate};
    let lock = AddressLock::default();
    let mut group = c.benchmark_group("failures-traffic");
    let hosts = 10_000;
    let src = with_traffic(&synth::generate(hosts, 1));
    let checked = pipeline::check(&src, &lock);
    assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
    let (model, graph) = (checked.model.unwrap(), checked.graph.unwrap());
    group.throughput(Throughput::Elements(hosts as u64));
    group.bench_function(BenchmarkId::new("hosts", hosts), |b| {
        b.iter(|| simulate(black_box(&model), &graph, Options::default()))
    });
    group.finish();
}

criterion_group!(benches, lint, build, failures, failures_traffic, diff);
criterion_main!(benches);
