//! The HA HAProxy pair (issue 12): `haproxy group=` puts HAProxy on every
//! host of a group behind an internal network load balancer whose targets
//! are exactly that group; its Terraform (lb.tf, dns.tf) and the per-zone
//! NAT option (`nat-gateways="per-zone"`) pass terraform fmt and checkov;
//! the failure simulator and single-point-of-failure follow the group.

#[path = "support/build.rs"]
mod build;
#[path = "support/terraform.rs"]
mod terraform;
#[path = "support/tools.rs"]
mod tools;

use infragen::diagnostic::Severity;
use infragen::graph::failures::{Options, simulate};
use infragen::lock::AddressLock;
use infragen::model::{HaproxyPlacement, LbKind, LbOrigin, LbScheme};
use infragen::pipeline::check;

fn errors(src: &str) -> Vec<String> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.rule, d.message))
        .collect()
}

fn warnings(src: &str, rule: &str) -> Vec<String> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == rule)
        .map(|d| d.message)
        .collect()
}

fn three_zones() -> String {
    build::example_source("three-zones").0
}

#[test]
fn the_balancers_targets_are_exactly_the_haproxy_group() {
    let (src, lock) = build::example_source("three-zones");
    let c = check(&src, &lock);
    assert_eq!(c.errors(), 0, "{:#?}", c.diagnostics);
    let m = c.model.expect("a model");
    let pg = &m.postgres[0];
    let hx = pg.haproxy.as_ref().expect("haproxy");
    let HaproxyPlacement::Group(g) = hx.placement else {
        panic!("three-zones uses haproxy group=");
    };
    assert_eq!(hx.hosts, m.group(g).hosts);
    let lb = &m.load_balancers[hx.balancer.expect("a balancer").index()];
    assert_eq!(
        lb.origin,
        LbOrigin::Haproxy(infragen::model::PgClusterId::from_index(0))
    );
    assert_eq!((lb.kind, lb.scheme), (LbKind::Network, LbScheme::Internal));
    assert_eq!(lb.listeners.len(), 1);
    let l = &lb.listeners[0];
    assert_eq!(l.target, g);
    assert_eq!((l.port.value, l.target_port), (hx.port, hx.port));
    // One subnet per zone the group spans, each a subnet of a target.
    let mut subnets: Vec<_> = hx.hosts.iter().map(|h| m.host(*h).subnet).collect();
    subnets.sort_unstable();
    subnets.dedup();
    let mut lb_subnets = lb.subnets.clone();
    lb_subnets.sort_unstable();
    assert_eq!(lb_subnets, subnets);
    assert_eq!(lb.subnets.len(), 3);

    // The artifacts agree: one haproxy.cfg per group host and no other,
    // binding that host's address; lb.tf attaches the group's instances.
    let arts = build::render_example("three-zones");
    let cfgs: Vec<&str> = arts
        .iter()
        .map(|a| a.path.as_str())
        .filter(|p| p.starts_with("haproxy/"))
        .collect();
    let want: Vec<String> = hx
        .hosts
        .iter()
        .map(|h| format!("haproxy/{}/haproxy.cfg", m.host(*h).name))
        .collect();
    assert_eq!(cfgs, want);
    for h in &hx.hosts {
        let host = m.host(*h);
        let cfg = arts
            .iter()
            .find(|a| a.path == format!("haproxy/{}/haproxy.cfg", host.name))
            .unwrap();
        let bind = format!("bind {}:{}", host.address.unwrap(), hx.port);
        assert!(cfg.contents.contains(&bind), "{}: no `{bind}`", host.name);
    }
    let lb_tf = arts
        .iter()
        .find(|a| a.path == "terraform/lb.tf")
        .expect("lb.tf");
    let group = &m.group(g).name;
    assert!(
        lb_tf
            .contents
            .contains(&format!("for_each         = local.hosts.{group}"))
    );
    assert!(lb_tf.contents.contains(&format!(
        "target_id        = aws_instance.{group}[each.key].id"
    )));
    assert!(
        lb_tf
            .contents
            .contains("internal                         = true")
    );
    assert!(
        lb_tf
            .contents
            .contains("load_balancer_type               = \"network\"")
    );
    assert!(lb_tf.contents.contains("output \"lb_ledger_pg_dns_name\""));
    let dns = arts
        .iter()
        .find(|a| a.path == "terraform/dns.tf")
        .expect("dns.tf");
    assert!(
        dns.contents
            .contains("name    = \"ledger-pg.prod.ledger.internal\"")
    );
}

#[test]
fn haproxy_takes_exactly_one_of_host_and_group_and_a_group_of_two() {
    let src = three_zones();
    let both = src.replace(
        "haproxy group=\"haproxy\"",
        "haproxy host=\"haproxy-01\" group=\"haproxy\"",
    );
    assert_eq!(
        errors(&both),
        ["invalid-value: `haproxy` names both host= and group="]
    );
    let neither = src.replace("haproxy group=\"haproxy\"", "haproxy");
    assert_eq!(
        errors(&neither),
        ["missing-value: `haproxy` needs host= or group="]
    );
    let one = src.replace("group \"haproxy\" count=3", "group \"haproxy\" count=1");
    assert_eq!(
        errors(&one),
        ["invalid-value: the HAProxy group `haproxy` has 1 host(s); an HA group needs at least 2"]
    );
    let unknown = src.replace("haproxy group=\"haproxy\"", "haproxy group=\"haproxi\"");
    assert_eq!(errors(&unknown).len(), 1, "{:?}", errors(&unknown));
}

#[test]
fn a_group_is_no_single_point_and_host_is() {
    let src = three_zones();
    assert!(warnings(&src, "single-point-of-failure").is_empty());
    let single = src.replace("haproxy group=\"haproxy\"", "haproxy host=\"haproxy-01\"");
    let w = warnings(&single, "single-point-of-failure");
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0].contains("runs on one host, `haproxy-01`"), "{w:?}");

    // The simulator: losing any one HAProxy host or zone keeps writes.
    let c = check(&src, &AddressLock::default());
    let r = simulate(
        c.model.as_ref().unwrap(),
        c.graph.as_ref().unwrap(),
        Options::default(),
    );
    assert!(
        r.rows
            .iter()
            .all(|row| !row.domain.label().starts_with("host haproxy"))
    );
    for zone in ["eu-central-1a", "eu-central-1b", "eu-central-1c"] {
        let row = r
            .rows
            .iter()
            .find(|x| x.domain.label() == format!("zone {zone}"))
            .unwrap();
        assert!(
            row.cells[0].survives,
            "{zone}: {}",
            row.cells[0].reason_text()
        );
        assert!(
            row.cells[0]
                .reason_text()
                .contains("via HAProxy group haproxy (2/3 up)")
        );
    }
    // With one host, that host's row takes writes down.
    let c = check(&single, &AddressLock::default());
    let r = simulate(
        c.model.as_ref().unwrap(),
        c.graph.as_ref().unwrap(),
        Options::default(),
    );
    let row = r
        .rows
        .iter()
        .find(|x| x.domain.label() == "host haproxy-01")
        .expect("a host row");
    assert!(!row.cells[0].survives);
}

#[test]
fn clients_must_reach_every_haproxy_host_themselves() {
    // The NLB keeps the client's address: admitting only the balancer's
    // subnets drops the clients' connections.
    let src = three_zones().replace(
        "ingress \"tcp\" 5000 from=\"sg:api\"",
        "ingress \"tcp\" 5000 from=\"sg:haproxy\"",
    );
    let src = src.replace(
        "ingress \"tcp\" 5000 from=\"vpc:core\" description=\"NLB health checks from its subnets\"",
        "ingress \"tcp\" 5000 from=\"cidr:10.40.16.0/20\" description=\"NLB in private-a\"",
    );
    let e = errors(&src);
    assert!(
        e.iter().any(|d| d.starts_with("required-flow-blocked:")
            && d.contains("on tcp/5000 (clients connect to PostgreSQL through HAProxy)")),
        "{e:?}"
    );
}

/// three-zones with a public subnet per zone and `nat-gateways=`.
fn with_publics(nat: &str) -> String {
    three_zones()
        .replace(
            "vpc \"core\" region=\"eu-central-1\" cidr=\"10.40.0.0/16\" {",
            &format!(
                "vpc \"core\" region=\"eu-central-1\" cidr=\"10.40.0.0/16\" nat-gateways=\"{nat}\" {{\n    subnet \"public-a\" zone=\"eu-central-1a\" cidr=\"10.40.0.0/24\" public=#true\n    subnet \"public-b\" zone=\"eu-central-1b\" cidr=\"10.40.1.0/24\" public=#true\n    subnet \"public-c\" zone=\"eu-central-1c\" cidr=\"10.40.2.0/24\" public=#true"
            ),
        )
}

fn egress_survives(src: &str, zone: &str, what_if: bool) -> bool {
    let c = check(src, &AddressLock::default());
    assert_eq!(c.errors(), 0, "{:#?}", c.diagnostics);
    let r = simulate(
        c.model.as_ref().unwrap(),
        c.graph.as_ref().unwrap(),
        Options {
            nat_per_zone: what_if,
            ..Options::default()
        },
    );
    let ci = r
        .columns
        .iter()
        .position(|c| c.name == "egress core")
        .unwrap();
    r.rows
        .iter()
        .find(|x| x.domain.label() == format!("zone {zone}"))
        .unwrap()
        .cells[ci]
        .survives
}

#[test]
fn nat_per_zone_is_a_spec_option_the_simulator_and_terraform_follow() {
    let single = with_publics("single");
    let per_zone = with_publics("per-zone");
    assert!(!egress_survives(&single, "eu-central-1a", false));
    assert!(
        egress_survives(&single, "eu-central-1a", true),
        "the what-if stays"
    );
    for z in ["eu-central-1a", "eu-central-1b", "eu-central-1c"] {
        assert!(egress_survives(&per_zone, z, false), "{z}");
    }
    let arts = build::render("three-zones.kdl", &per_zone, &AddressLock::default());
    let net = &arts
        .iter()
        .find(|a| a.path == "terraform/network.tf")
        .unwrap()
        .contents;
    assert_eq!(net.matches("resource \"aws_nat_gateway\"").count(), 3);
    for (s, z) in [("a", "a"), ("b", "b"), ("c", "c")] {
        assert!(net.contains(&format!(
            "resource \"aws_route_table\" \"core_private_public_{s}\""
        )));
        assert!(net.contains(&format!(
            "nat_gateway_id         = aws_nat_gateway.core_public_{z}.id"
        )));
    }
    let arts = build::render("three-zones.kdl", &single, &AddressLock::default());
    let net = &arts
        .iter()
        .find(|a| a.path == "terraform/network.tf")
        .unwrap()
        .contents;
    assert_eq!(net.matches("resource \"aws_nat_gateway\"").count(), 1);

    // A zone with private subnets but no public one cannot hold its NAT.
    let missing = per_zone.replace(
        "    subnet \"public-c\" zone=\"eu-central-1c\" cidr=\"10.40.2.0/24\" public=#true\n",
        "",
    );
    let e = errors(&missing);
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(e[0].contains("none in eu-central-1c"), "{e:?}");
    let bad = three_zones().replace(
        "cidr=\"10.40.0.0/16\" {",
        "cidr=\"10.40.0.0/16\" nat-gateways=\"per-az\" {",
    );
    assert_eq!(errors(&bad).len(), 1, "{:?}", errors(&bad));
}

#[test]
#[ignore = "needs terraform and checkov: tests/scripts/test.sh runs it"]
fn per_zone_nat_and_the_balancer_pass_terraform_fmt_and_checkov() {
    let (Some(terraform), Some(checkov)) = (tools::require("terraform"), tools::require("checkov"))
    else {
        return;
    };
    for nat in ["per-zone", "single"] {
        let arts = build::render(
            "three-zones.kdl",
            &with_publics(nat),
            &AddressLock::default(),
        );
        let dir = build::write(&arts);
        let tf = dir.path().join("terraform");
        terraform::fmt_check(&terraform, &tf);
        let report = terraform::checkov(&checkov, &tf);
        report.assert_clean(nat);
        assert!(report.passed > 0);
    }
}

#[test]
#[ignore = "needs haproxy: tests/scripts/test.sh runs it"]
fn haproxy_accepts_the_config_of_every_host_of_the_pair() {
    let Some(haproxy) = tools::require("haproxy") else {
        return;
    };
    let dir = build::build_example("three-zones");
    let mut checked = 0;
    for h in ["haproxy-01", "haproxy-02", "haproxy-03"] {
        let cfg = dir.path().join(format!("haproxy/{h}/haproxy.cfg"));
        let out = tools::run(tools::command(&haproxy).args(["-dW", "-c", "-f"]).arg(&cfg));
        assert!(out.status.success(), "{h}: {}", tools::describe(&out));
        checked += 1;
    }
    assert_eq!(checked, 3);
}
