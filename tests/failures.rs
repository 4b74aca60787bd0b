//! The failure simulator (`graph::failures`) and `infragen explain
//! failures` (issue 12): the reference's zone us-east-1a takes etcd's
//! quorum, three zones take nothing, a tunnel failure loses exactly the
//! cross-cloud flows, NAT per zone keeps the other zones' egress; the
//! human output is pinned and the JSON shape (docs/failures.md) checked.

use infragen::graph::failures::{Options, Report, simulate};
use infragen::lock::AddressLock;
use infragen::pipeline::check;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn reference() -> String {
    std::fs::read_to_string(root().join("examples/reference.kdl")).unwrap()
}

fn report(src: &str, opts: Options) -> Report {
    let c = check(src, &AddressLock::default());
    assert_eq!(c.errors(), 0, "{:#?}", c.diagnostics);
    simulate(c.model.as_ref().unwrap(), c.graph.as_ref().unwrap(), opts)
}

/// survives? of (row label, column name)
fn verdict(r: &Report, row: &str, col: &str) -> bool {
    let ci = r
        .columns
        .iter()
        .position(|c| c.name == col)
        .unwrap_or_else(|| panic!("no column {col}"));
    let row = r
        .rows
        .iter()
        .find(|x| x.domain.label() == row)
        .unwrap_or_else(|| panic!("no row {row}"));
    row.cells[ci].survives
}

#[test]
fn reference_zone_a_takes_etcd_quorum_and_zone_b_does_not() {
    let r = report(&reference(), Options::default());
    assert!(verdict(&r, "no failure", "postgres orders writes"));
    assert!(!verdict(&r, "zone us-east-1a", "postgres orders writes"));
    assert!(verdict(&r, "zone us-east-1b", "postgres orders writes"));
    assert!(!verdict(&r, "zone us-east-1a", "elasticsearch logs"));
    assert!(!verdict(&r, "host haproxy", "postgres orders writes"));
    // One NAT gateway in us-east-1a: private-b loses its route out.
    assert!(!verdict(&r, "zone us-east-1a", "egress core"));
    let row = r
        .rows
        .iter()
        .find(|x| x.domain.label() == "zone us-east-1a")
        .unwrap();
    let cell = &row.cells[0];
    assert_eq!(
        cell.reason_text(),
        "etcd orders 1/3 left < quorum 2 → Patroni demotes the leader → writes down"
    );
}

#[test]
fn a_tunnel_failure_loses_the_cross_cloud_flows_and_nothing_else() {
    let r = report(&reference(), Options::default());
    assert!(!verdict(&r, "tunnel aws-azure", "vpn aws-azure"));
    assert!(!verdict(&r, "tunnel aws-azure", "monitoring scraping"));
    assert!(verdict(&r, "tunnel aws-azure", "postgres orders writes"));
    let row = r
        .rows
        .iter()
        .find(|x| x.domain.label() == "tunnel aws-azure")
        .unwrap();
    let scraping = r
        .columns
        .iter()
        .position(|c| c.name == "monitoring scraping")
        .unwrap();
    assert_eq!(row.cells[scraping].lost, ["vpn-azure"]);
}

#[test]
fn nat_per_zone_keeps_the_other_zones_egress() {
    // The reference has one public subnet: add one in us-east-1b.
    let src = reference().replacen(
        "    subnet \"private-b\"",
        "    subnet \"public-b\" zone=\"us-east-1b\" cidr=\"10.10.1.0/24\" public=#true\n    subnet \"private-b\"",
        1,
    );
    let single = report(&src, Options::default());
    assert!(!verdict(&single, "zone us-east-1a", "egress core"));
    let per_zone = report(
        &src,
        Options {
            nat_per_zone: true,
            ..Options::default()
        },
    );
    assert!(verdict(&per_zone, "zone us-east-1a", "egress core"));
}

#[test]
fn two_zone_failures_are_an_option() {
    let r = report(&reference(), Options::default());
    assert!(r.rows.iter().all(|x| x.domain.kind.as_str() != "zones"));
    let r = report(
        &reference(),
        Options {
            two_zones: true,
            ..Options::default()
        },
    );
    assert!(!verdict(
        &r,
        "zones us-east-1a + us-east-1b",
        "postgres orders writes"
    ));
}

/// A partition counts: an etcd member across a dead tunnel is no vote.
#[test]
fn a_partition_through_the_tunnel_splits_the_quorum() {
    let src = reference().replacen(
        "    etcd group=\"etcd\"\n",
        "    etcd \"etcd-01\" \"etcd-02\" \"dr-etcd\"\n",
        1,
    );
    let src = src.replacen(
        "    host \"vpn-azure\"",
        "    host \"dr-etcd\" type=\"Standard_B2s\" zone=\"1\" {\n        subnets \"dr/workloads\"\n        security-groups \"vpn-azure\"\n    }\n    host \"vpn-azure\"",
        1,
    );
    // The Azure gateway forwards the Azure member's traffic into the tunnel.
    let src = src.replacen(
        "    ingress \"all\" from=\"vpc:core\" description=\"Traffic from AWS through the tunnel\"\n",
        "    ingress \"all\" from=\"vpc:core\" description=\"Traffic from AWS through the tunnel\"\n    ingress \"all\" from=\"vnet:dr\" description=\"Traffic into the tunnel\"\n",
        1,
    );
    let src = src.replacen(
        "    ingress \"tcp\" 2380 from=\"sg:etcd\" description=\"etcd peers\"\n",
        "    ingress \"tcp\" 2380 from=\"sg:etcd\" description=\"etcd peers\"\n    ingress \"tcp\" 2380 from=\"vnet:dr\" description=\"etcd peer in Azure\"\n",
        1,
    );
    let r = report(&src, Options::default());
    // etcd-01 (1a) and etcd-02 (1b) keep the quorum when the tunnel dies …
    assert!(verdict(&r, "tunnel aws-azure", "postgres orders writes"));
    // … but losing us-east-1a leaves etcd-02 alone on the AWS side: the
    // Azure member cannot count once the gateway vpn-aws (1a) is gone.
    assert!(!verdict(&r, "zone us-east-1a", "postgres orders writes"));
}

fn infragen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_infragen"))
        .current_dir(root())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run infragen")
}

#[test]
fn explain_failures_of_the_reference_is_pinned() {
    let out = infragen(&["explain", "failures", "examples/reference.kdl"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

/// The JSON shape of docs/failures.md.
#[test]
fn explain_failures_json_has_the_documented_shape() {
    let out = infragen(&[
        "explain",
        "failures",
        "examples/reference.kdl",
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["spec"], "reference.kdl");
    assert_eq!(v["options"]["two_zones"], false);
    assert_eq!(v["options"]["nat_per_zone"], false);
    let services: Vec<&str> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(services.contains(&"postgres orders writes"));
    let failures = v["failures"].as_array().unwrap();
    assert_eq!(failures[0]["kind"], "none");
    let kinds = ["none", "zone", "region", "tunnel", "host", "zones"];
    for f in failures {
        assert!(kinds.contains(&f["kind"].as_str().unwrap()), "{f}");
        assert!(f["name"].is_string() && f["label"].is_string());
        assert!(f["hosts_down"].is_u64());
        let cells = f["cells"].as_array().unwrap();
        assert_eq!(cells.len(), services.len());
        for (c, s) in cells.iter().zip(&services) {
            assert_eq!(c["service"], *s);
            assert!(c["survives"].is_boolean());
            assert!(c["reason"].is_string());
            assert!(c["lost"].as_array().unwrap().iter().all(Value::is_string));
        }
    }
    let zone_a = failures
        .iter()
        .find(|f| f["kind"] == "zone" && f["name"] == "us-east-1a")
        .unwrap();
    assert_eq!(zone_a["cells"][0]["survives"], false);
    // Same bytes on a second run.
    let again = infragen(&[
        "explain",
        "failures",
        "examples/reference.kdl",
        "--format",
        "json",
    ]);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn explain_failures_refuses_a_spec_with_errors_and_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.kdl");
    std::fs::write(&bad, "fleet { host \"h\" }\n").unwrap();
    let out = infragen(&["explain", "failures", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let out = infragen(&[
        "explain",
        "failures",
        "examples/reference.kdl",
        "--format",
        "sarif",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = infragen(&["explain", "failures"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_cluster_gives_the_zone_view() {
    let out = infragen(&[
        "explain",
        "cluster",
        "orders",
        "--spec",
        "examples/reference.kdl",
    ]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("etcd by zone: us-east-1a 2, us-east-1b 1; tolerates 1 host failure(s), 0 zone failure(s)"),
        "{text}"
    );
}

/// examples/three-zones.kdl: every single zone failure leaves every service
/// up, and it lints with neither failure-domain warning.
#[test]
fn three_zones_survives_every_zone_and_lints_quiet() {
    let src = std::fs::read_to_string(root().join("examples/three-zones.kdl")).unwrap();
    let r = report(&src, Options::default());
    let zones: Vec<_> = r
        .rows
        .iter()
        .filter(|x| x.domain.kind.as_str() == "zone")
        .collect();
    assert_eq!(zones.len(), 3);
    for row in zones {
        for (c, col) in row.cells.iter().zip(&r.columns) {
            assert!(
                c.survives,
                "{} takes {} down: {}",
                row.domain.label(),
                col.name,
                c.reason_text()
            );
        }
    }
    let c = check(&src, &AddressLock::default());
    let rules: Vec<&str> = c.diagnostics.iter().map(|d| d.rule.as_str()).collect();
    assert!(!rules.contains(&"zone-failure-loses-quorum"), "{rules:?}");
    assert!(!rules.contains(&"single-point-of-failure"), "{rules:?}");
    // Two zones at once do take the quorums.
    let r = report(
        &src,
        Options {
            two_zones: true,
            ..Options::default()
        },
    );
    assert!(!verdict(
        &r,
        "zones eu-central-1a + eu-central-1b",
        "postgres ledger writes"
    ));
}

/// The rule and the simulator agree: on every example, a zone loses an
/// etcd quorum in `explain failures` exactly when `zone-failure-loses-quorum`
/// names that zone for that etcd.
#[test]
fn zone_rule_agrees_with_the_simulator_on_every_example() {
    let dir = root().join("examples");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "kdl").then_some(p)
        })
        .collect();
    names.sort();
    let mut seen = 0;
    for path in names {
        let src = std::fs::read_to_string(&path).unwrap();
        let lock = std::fs::read_to_string(path.with_extension("lock"))
            .ok()
            .and_then(|t| AddressLock::parse(&t).ok())
            .unwrap_or_default();
        let c = check(&src, &lock);
        if c.errors() > 0 {
            continue;
        }
        let r = simulate(
            c.model.as_ref().unwrap(),
            c.graph.as_ref().unwrap(),
            Options::default(),
        );
        let model = c.model.as_ref().unwrap();
        for pg in &model.postgres {
            // A single-zone network is the rule's documented exception.
            let net = model.network(model.host_network(pg.etcd.hosts[0]));
            let zones: std::collections::BTreeSet<_> = net
                .subnets
                .iter()
                .filter_map(|s| model.subnet(*s).zone.as_ref().map(|z| z.value.clone()))
                .collect();
            if zones.len() < 2 {
                continue;
            }
            let col = r
                .columns
                .iter()
                .position(|x| x.name == format!("postgres {} writes", pg.name))
                .unwrap();
            for row in r.rows.iter().filter(|x| x.domain.kind.as_str() == "zone") {
                let sim = row.cells[col]
                    .reason_text()
                    .starts_with(&format!("etcd {} ", pg.name));
                let rule = c.diagnostics.iter().any(|d| {
                    d.rule == "zone-failure-loses-quorum"
                        && d.message.contains(&format!(
                            "losing zone {} leaves etcd of `{}`",
                            row.domain.name, pg.name
                        ))
                });
                assert_eq!(
                    sim,
                    rule,
                    "{}: zone {} / etcd of {}",
                    path.display(),
                    row.domain.name,
                    pg.name
                );
                seen += usize::from(sim);
            }
        }
    }
    assert!(seen >= 1, "the reference's us-east-1a should be one");
}

// The traffic tier (issue 17): load balancers, gateways and Redis.

fn web_tier() -> String {
    std::fs::read_to_string(root().join("examples/web-tier.kdl")).unwrap()
}

fn ui(name: &str) -> String {
    std::fs::read_to_string(root().join("tests/ui").join(name)).unwrap()
}

fn reason(r: &Report, row: &str, col: &str) -> String {
    let ci = r.columns.iter().position(|c| c.name == col).unwrap();
    let row = r.rows.iter().find(|x| x.domain.label() == row).unwrap();
    row.cells[ci].reason_text()
}

#[test]
fn explain_failures_of_web_tier_is_pinned() {
    let out = infragen(&["explain", "failures", "examples/web-tier.kdl"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

/// examples/web-tier.kdl survives either zone: both balancers' other node,
/// one gateway host, one target of each internal balancer, the ElastiCache
/// replica and the other zone's NAT gateway are left.
#[test]
fn web_tier_survives_every_single_zone() {
    let r = report(&web_tier(), Options::default());
    let names: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
    for col in [
        "load-balancer public",
        "load-balancer booking",
        "load-balancer payments",
        "gateway edge",
        "redis sessions",
    ] {
        assert!(names.contains(&col), "{names:?}");
    }
    let zones: Vec<_> = r
        .rows
        .iter()
        .filter(|x| x.domain.kind.as_str() == "zone")
        .collect();
    assert_eq!(zones.len(), 2);
    for row in zones {
        for (c, col) in row.cells.iter().zip(&r.columns) {
            assert!(
                c.survives,
                "{} takes {} down: {}",
                row.domain.label(),
                col.name,
                c.reason_text()
            );
        }
    }
    assert_eq!(
        reason(&r, "zone eu-west-1a", "gateway edge"),
        "gateway edge 1/2 hosts left behind load-balancer public → /booking/ via load-balancer booking 1/2 left; /payments/ via load-balancer payments 1/2 left → gateway serves"
    );
    assert_eq!(
        reason(&r, "zone eu-west-1b", "redis sessions"),
        "ElastiCache sessions: Multi-AZ, eu-west-1b down → a replica in eu-west-1a is promoted → writes survive"
    );
    // The region takes everything.
    assert!(!verdict(&r, "region eu-west-1", "gateway edge"));
    assert!(!verdict(&r, "region eu-west-1", "load-balancer public"));
    assert!(!verdict(&r, "region eu-west-1", "redis sessions"));
}

/// A balancer with every subnet in the lost zone is down; a gateway behind
/// it then serves nothing although its hosts in the other zone are up.
#[test]
fn a_balancer_in_one_zone_takes_the_gateway_behind_it() {
    let src = web_tier().replacen(
        "    subnets \"web/public-a\" \"web/public-b\"\n",
        "    subnets \"web/public-a\"\n",
        1,
    );
    let r = report(&src, Options::default());
    assert!(!verdict(&r, "zone eu-west-1a", "load-balancer public"));
    assert_eq!(
        reason(&r, "zone eu-west-1a", "load-balancer public"),
        "load-balancer public sits in eu-west-1a only → balancer down"
    );
    assert!(!verdict(&r, "zone eu-west-1a", "gateway edge"));
    assert_eq!(
        reason(&r, "zone eu-west-1a", "gateway edge"),
        "gateway edge 1/2 hosts left, none that load-balancer public still sends to → routes down"
    );
    // In eu-west-1b the balancer keeps its node and the gateway host in 1a.
    assert!(verdict(&r, "zone eu-west-1b", "gateway edge"));
}

/// A route's targets: the group's hosts (through the gateway's flows) or
/// the balancer's target group.
#[test]
fn a_gateway_route_is_down_without_a_target() {
    // The payments balancer's targets all in eu-west-1a.
    let src = web_tier().replacen(
        "    group \"payments\" count=2 type=\"m6i.large\" {\n",
        "    group \"payments\" count=2 type=\"m6i.large\" {\n        subnets \"web/private-a\"\n",
        1,
    );
    let r = report(&src, Options::default());
    assert!(!verdict(&r, "zone eu-west-1a", "gateway edge"));
    assert!(
        reason(&r, "zone eu-west-1a", "gateway edge")
            .ends_with("/payments/ via load-balancer payments 0/2 left → route /payments/ down"),
        "{}",
        reason(&r, "zone eu-west-1a", "gateway edge")
    );
    assert!(!verdict(&r, "zone eu-west-1a", "load-balancer payments"));
    assert!(verdict(&r, "zone eu-west-1b", "gateway edge"));
    // A `group:` route follows the gateway → group flows.
    let g = report(
        &ui("single-point-of-failure.gateway.kdl"),
        Options::default(),
    );
    assert_eq!(
        reason(&g, "zone eu-west-1b", "gateway edge"),
        "gateway edge 1/1 hosts left → / via group app 1/2 left → gateway serves"
    );
    assert_eq!(
        reason(&g, "host gw-01", "gateway edge"),
        "gateway edge 0/1 hosts left → routes down"
    );
}

#[test]
fn elasticache_without_replicas_is_down_with_a_zone_of_its_subnets() {
    let src = web_tier().replacen("replicas=1", "replicas=0", 1);
    let r = report(&src, Options::default());
    for z in ["zone eu-west-1a", "zone eu-west-1b"] {
        assert!(!verdict(&r, z, "redis sessions"), "{z}");
    }
    assert_eq!(
        reason(&r, "zone eu-west-1a", "redis sessions"),
        "ElastiCache sessions: no replica, the primary may be in eu-west-1a → writes down"
    );
}

/// Self-hosted: a Sentinel majority and a replica left keep writes (after
/// a failover); the lint names exactly the zone the simulator loses.
#[test]
fn self_hosted_redis_needs_a_sentinel_majority() {
    let src = ui("zone-failure-loses-quorum.redis.kdl");
    let r = report(&src, Options::default());
    assert!(!verdict(&r, "zone eu-west-1a", "redis sessions"));
    assert!(verdict(&r, "zone eu-west-1b", "redis sessions"));
    assert_eq!(
        reason(&r, "zone eu-west-1a", "redis sessions"),
        "Sentinel sessions 1/3 left < majority 2 → no failover (the primary may be among the lost) → writes down"
    );
    let c = check(&src, &AddressLock::default());
    let zones: Vec<&str> = c
        .diagnostics
        .iter()
        .filter(|d| d.rule == "zone-failure-loses-quorum")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(zones.len(), 1, "{zones:?}");
    assert!(
        zones[0].starts_with("losing zone eu-west-1a leaves the Sentinels of redis `sessions`")
    );
    // One member: a host row, down with it.
    let one = report(&ui("single-point-of-failure.redis.kdl"), Options::default());
    assert!(!verdict(&one, "host cache", "redis sessions"));
    assert!(verdict(&one, "zone eu-west-1b", "redis sessions"));
}

/// The new columns keep the JSON shape of docs/failures.md.
#[test]
fn explain_failures_json_of_web_tier_has_the_traffic_columns() {
    let out = infragen(&[
        "explain",
        "failures",
        "examples/web-tier.kdl",
        "--format",
        "json",
    ]);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let services: Vec<&str> = v["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        services,
        [
            "load-balancer public",
            "load-balancer booking",
            "load-balancer payments",
            "gateway edge",
            "redis sessions",
            "egress web"
        ]
    );
    for f in v["failures"].as_array().unwrap() {
        let cells = f["cells"].as_array().unwrap();
        assert_eq!(cells.len(), services.len());
        for (c, s) in cells.iter().zip(&services) {
            assert_eq!(c["service"], *s);
            assert!(c["survives"].is_boolean() && c["reason"].is_string());
        }
    }
    let zone_a = v["failures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["label"] == "zone eu-west-1a")
        .unwrap();
    assert_eq!(zone_a["cells"][3]["survives"], true);
    assert_eq!(
        zone_a["cells"][3]["reason"],
        "gateway edge 1/2 hosts left behind load-balancer public → /booking/ via load-balancer booking 1/2 left; /payments/ via load-balancer payments 1/2 left → gateway serves"
    );
}
