//! Flow evaluation through the whole pipeline: the reference estate has no
//! blocked flow, and each way of breaking it is reported once, at the right
//! place, with the rule to add.

use infragen::graph::flows::Endpoint;
use infragen::lock::AddressLock;
use infragen::pipeline::{Diagnostic, check};

const RULE: &str = "required-flow-blocked";

fn reference() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let local = dir.join("examples/reference.kdl");
    let path = if local.exists() {
        local
    } else {
        dir.join("../shared/spec/reference.kdl")
    };
    std::fs::read_to_string(path).expect("read reference.kdl")
}

/// The reference with `from` replaced by `to` (which must occur once).
fn edited(from: &str, to: &str) -> String {
    let src = reference();
    assert_eq!(src.matches(from).count(), 1, "`{from}` must occur once");
    src.replacen(from, to, 1)
}

fn blocked(src: &str) -> Vec<Diagnostic> {
    let checked = check(src, &AddressLock::default());
    let front: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.rule != RULE && d.severity == infragen::diagnostic::Severity::Error)
        .collect();
    assert!(
        front.is_empty(),
        "the edit broke something else: {front:#?}"
    );
    checked
        .diagnostics
        .into_iter()
        .filter(|d| d.rule == RULE)
        .collect()
}

fn only_one(src: &str) -> Diagnostic {
    let mut found = blocked(src);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.remove(0)
}

fn help(d: &Diagnostic) -> &str {
    d.help.as_deref().unwrap_or_default()
}

/// An Azure workload host behind the gateway, with its own NSG.
fn with_azure_host(nsg_rule: &str) -> String {
    edited(
        "        security-groups \"vpn-azure\"\n    }\n",
        &format!(
            "        security-groups \"vpn-azure\"\n    }}\n    host \"dr-app\" type=\"Standard_B2s\" {{\n        subnets \"dr/workloads\"\n        security-groups \"dr-app\"\n    }}\n}}\nsecurity-group \"dr-app\" vnet=\"dr\" {{\n    {nsg_rule}\n"
        ),
    )
}

#[test]
fn reference_has_no_blocked_flow() {
    let checked = check(&reference(), &AddressLock::default());
    let found: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.rule == RULE)
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    // The flows are there, so the silence means something: every monitored
    // host is scraped, including the Azure gateway across the tunnel.
    let graph = checked.graph.expect("graph");
    let model = checked.model.expect("model");
    let azure = model.host_by_name("vpn-azure").expect("vpn-azure");
    let monitor = model.host_by_name("monitor").expect("monitor");
    assert!(
        graph.flows.iter().any(|f| {
            f.from == Endpoint::Host(monitor)
                && f.to == Endpoint::Host(azure)
                && f.port == Some(9100)
        }),
        "Prometheus must scrape the Azure gateway"
    );
    assert!(graph.flows.len() > 200, "{} flows", graph.flows.len());
}

#[test]
fn missing_node_exporter_ingress_is_one_aggregated_finding() {
    let src = edited(
        "    ingress \"tcp\" 9100 from=\"sg:monitoring\" description=\"Prometheus scrapes Node Exporter\"\n",
        "",
    );
    let d = only_one(&src);
    assert!(
        d.message.contains("Prometheus scrapes Node Exporter"),
        "{}",
        d.message
    );
    assert!(d.message.contains("app-01…app-52"), "{}", d.message);
    assert!(d.message.contains("legacy-01…legacy-08"), "{}", d.message);
    assert!(d.message.contains("tcp/9100"), "{}", d.message);
    assert_eq!(
        help(&d),
        "add `ingress \"tcp\" 9100 from=\"sg:monitoring\"` to security-group \"node-exporter\""
    );
    assert!(d.labels.len() >= 2);
}

#[test]
fn gateway_without_esp_blocks_esp() {
    let src = edited(
        "    ingress \"esp\" from=\"host:vpn-azure\" description=\"IPsec ESP\"\n",
        "",
    );
    let d = only_one(&src);
    assert!(
        d.message.contains("ESP between the VPN gateways"),
        "{}",
        d.message
    );
    assert!(d.message.contains("vpn-azure → vpn-aws"), "{}", d.message);
    assert_eq!(
        help(&d),
        "add `ingress \"esp\" from=\"host:vpn-azure\"` to security-group \"vpn\""
    );
}

#[test]
fn azure_nsg_without_the_aws_vpc_blocks_the_cross_tunnel_scrape() {
    let d = only_one(&with_azure_host("ingress \"tcp\" 22 from=\"vnet:dr\""));
    assert!(d.message.contains("monitor → dr-app"), "{}", d.message);
    assert!(d.message.contains("tcp/9100"), "{}", d.message);
    assert_eq!(
        help(&d),
        "add `ingress \"tcp\" 9100 from=\"vpc:core\"` to security-group \"dr-app\""
    );
    // And the fixed NSG is enough: nothing else is in the way.
    assert!(blocked(&with_azure_host("ingress \"tcp\" 9100 from=\"vpc:core\"")).is_empty());
}

#[test]
fn host_peer_across_networks_means_the_public_address() {
    // Packets through the tunnel keep the private source, so `host:monitor`
    // (its public address, which it has none of) does not admit them.
    // The rule itself cannot be rendered either, which
    // `host-peer-without-address` reports.
    let src = with_azure_host("ingress \"tcp\" 9100 from=\"host:monitor\"");
    let checked = check(&src, &AddressLock::default());
    let others: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.rule != RULE && d.severity == infragen::diagnostic::Severity::Error)
        .map(|d| d.rule.as_str())
        .collect();
    assert_eq!(others, ["host-peer-without-address"]);
    let found: Vec<&Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| d.rule == RULE)
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].message.contains("monitor → dr-app"),
        "{}",
        found[0].message
    );
}

#[test]
fn gateway_must_forward_tunnel_traffic() {
    let src = edited(
        "    ingress \"all\" from=\"vpc:core\" description=\"Traffic from AWS through the tunnel\"\n",
        "",
    );
    let d = only_one(&src);
    assert!(d.message.contains("monitor → vpn-azure"), "{}", d.message);
    assert!(
        help(&d).contains("to security-group \"vpn-azure\""),
        "{}",
        help(&d)
    );
}

#[test]
fn tunnel_subnets_must_cover_the_destination() {
    let src = with_azure_host("ingress \"tcp\" 9100 from=\"vpc:core\"").replacen(
        "right host=\"vpn-azure\" subnets=\"vnet:dr\"",
        "right host=\"vpn-azure\" subnets=\"subnet:dr/gateway\"",
        1,
    );
    let d = only_one(&src);
    assert!(d.message.contains("do not cover dr-app"), "{}", d.message);
    assert!(
        help(&d).contains("subnets=\"subnet:dr/gateway,subnet:dr/workloads\""),
        "{}",
        help(&d)
    );
}

#[test]
fn networks_without_a_vpn_are_reported() {
    let src = reference();
    let start = src.find("vpn \"aws-azure\" {").expect("vpn");
    let end = src.find("s3-migration").expect("s3-migration");
    let src = format!("{}{}", &src[..start], &src[end..]);
    let d = only_one(&src);
    assert!(
        d.message.contains("no VPN joins vpc `core` and vnet `dr`"),
        "{}",
        d.message
    );
    assert!(help(&d).contains("vpn \"core-dr\""), "{}", help(&d));
}

#[test]
fn cluster_flow_goes_into_the_cluster_group() {
    let src = edited(
        "    ingress \"tcp\" 2379 from=\"sg:db\" description=\"Patroni DCS clients\"\n",
        "",
    );
    let d = only_one(&src);
    assert!(
        d.message.contains("db-01…db-03 → etcd-01…etcd-03"),
        "{}",
        d.message
    );
    assert_eq!(
        help(&d),
        "add `ingress \"tcp\" 2379 from=\"sg:db\"` to security-group \"etcd\""
    );
}

#[test]
fn declared_egress_is_enforced() {
    // Once a group declares egress, only what it lists leaves the host
    // (here the Azure gateway, whose only group is this one).
    let src = edited(
        "security-group \"vpn-azure\" vnet=\"dr\" {\n",
        "security-group \"vpn-azure\" vnet=\"dr\" {\n    egress \"tcp\" 443 to=\"cidr:0.0.0.0/0\"\n",
    );
    let found = blocked(&src);
    let mut helps: Vec<&str> = found.iter().map(help).collect();
    helps.sort_unstable();
    assert_eq!(
        helps,
        [
            "add `egress \"esp\" to=\"host:vpn-aws\"` to security-group \"vpn-azure\"",
            "add `egress \"udp\" 4500 to=\"host:vpn-aws\"` to security-group \"vpn-azure\"",
            "add `egress \"udp\" 500 to=\"host:vpn-aws\"` to security-group \"vpn-azure\"",
        ]
    );
}

#[test]
fn frontend_errors_silence_the_flow_check() {
    let src = edited(
        "    ingress \"tcp\" 9100 from=\"sg:monitoring\" description=\"Prometheus scrapes Node Exporter\"\n",
        "    ingress \"tcp\" 9100 from=\"sg:monitoring\" descripton=\"typo\"\n",
    );
    let checked = check(&src, &AddressLock::default());
    assert!(
        checked
            .diagnostics
            .iter()
            .any(|d| d.rule == "unknown-property")
    );
    assert!(checked.diagnostics.iter().all(|d| d.rule != RULE));
}

/// The example's flows of one purpose as "FROM → TO proto/port", each
/// evaluated by `reach::check` (`ok` or `blocked`).
fn example_flows(name: &str, purpose: infragen::graph::flows::Purpose) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = std::fs::read_to_string(dir.join(format!("examples/{name}.kdl"))).unwrap();
    let checked = check(&src, &AddressLock::default());
    let (model, graph) = (checked.model.unwrap(), checked.graph.unwrap());
    let mut out: Vec<String> = graph
        .flows
        .iter()
        .filter(|f| f.purpose == purpose)
        .map(|f| {
            let verdict = match infragen::graph::reach::check(&model, f) {
                Ok(()) => "ok",
                Err(_) => "blocked",
            };
            format!(
                "{} → {} {}/{} {verdict}",
                f.from.name(&model),
                f.to.name(&model),
                f.proto.as_str(),
                f.port.unwrap_or(0)
            )
        })
        .collect();
    out.sort();
    out
}

/// The traffic tier's balancer flows, derived generically from
/// `Model::load_balancers`: the internet to the public ALB, the ALB to the
/// gateway hosts, the gateway hosts to the internal ALBs they route to, the
/// internal ALBs to their targets, the booking hosts to ElastiCache; all
/// let through by the example's groups.
#[test]
fn web_tier_balancer_flows() {
    use infragen::graph::flows::Purpose;
    assert_eq!(
        example_flows("web-tier", Purpose::ClientsToLb),
        [
            "gw-01 → balancer `booking` tcp/80 ok",
            "gw-01 → balancer `payments` tcp/80 ok",
            "gw-02 → balancer `booking` tcp/80 ok",
            "gw-02 → balancer `payments` tcp/80 ok",
            "the internet (0.0.0.0/0) → balancer `public` tcp/443 ok",
        ]
    );
    assert_eq!(
        example_flows("web-tier", Purpose::LbToTargets),
        [
            "balancer `booking` → booking-01 tcp/8080 ok",
            "balancer `booking` → booking-02 tcp/8080 ok",
            "balancer `payments` → payments-01 tcp/8080 ok",
            "balancer `payments` → payments-02 tcp/8080 ok",
            "balancer `public` → gw-01 tcp/8080 ok",
            "balancer `public` → gw-02 tcp/8080 ok",
        ]
    );
    // An application balancer's health checks are its forwarded flow.
    assert!(example_flows("web-tier", Purpose::LbHealthCheck).is_empty());
    assert_eq!(
        example_flows("web-tier", Purpose::ClientsToElastiCache),
        [
            "booking-01 → ElastiCache `sessions` tcp/6379 ok",
            "booking-02 → ElastiCache `sessions` tcp/6379 ok",
        ]
    );
}

/// The network balancer infragen puts in front of `haproxy group=`:
/// health checks from its nodes to every HAProxy host, and the clients to
/// its listener (no security group on it: nothing to drop).
#[test]
fn three_zones_haproxy_balancer_flows() {
    use infragen::graph::flows::Purpose;
    let health = example_flows("three-zones", Purpose::LbHealthCheck);
    assert_eq!(health.len(), 3, "{health:?}");
    assert!(
        health
            .iter()
            .all(|f| f.starts_with("balancer `") && f.ends_with(" tcp/5000 ok")),
        "{health:?}"
    );
    // Forwarding keeps the client's address: that is the cluster's own
    // clients-to-haproxy flow, not a balancer flow.
    assert!(example_flows("three-zones", Purpose::LbToTargets).is_empty());
    let clients = example_flows("three-zones", Purpose::ClientsToLb);
    assert!(!clients.is_empty() && clients.iter().all(|f| f.ends_with(" tcp/5000 ok")));
}
