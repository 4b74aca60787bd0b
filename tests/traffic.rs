//! The traffic tier's front end (issue 17): `load-balancer`, `gateway` and
//! `redis` lower into the model with their defaults, and each bad value gives
//! one error with a span and a help.

use infragen::diagnostic::Severity;
use infragen::lock::AddressLock;
use infragen::model::*;
use infragen::pipeline;

fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/web-tier.kdl"
    ))
    .unwrap()
}

fn model(src: &str) -> Model {
    let checked = pipeline::check(src, &AddressLock::default());
    let errors: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.rule, d.message))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    checked.model.expect("a model")
}

/// The errors of a spec: (rule, message, has a help).
fn errors(src: &str) -> Vec<(String, String, bool)> {
    pipeline::check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| (d.rule.to_string(), d.message.clone(), d.help.is_some()))
        .collect()
}

#[test]
fn the_web_tier_example_lowers_into_the_model() {
    let src = example();
    let m = model(&src);
    let names: Vec<&str> = m.load_balancers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["public", "booking", "payments"]);
    let public = &m.load_balancers[0];
    assert_eq!(public.kind, LbKind::Application);
    assert_eq!(public.scheme, LbScheme::InternetFacing);
    assert_eq!(public.origin, LbOrigin::Spec);
    assert_eq!(public.subnets.len(), 2);
    assert_eq!(public.security_groups.len(), 1);
    let l = &public.listeners[0];
    assert_eq!(
        (l.port.value, l.protocol, l.target_port),
        (443, LbProtocol::Https, 8080)
    );
    assert_eq!(m.group(l.target).name, "gw");
    assert_eq!(l.health_path.as_deref(), Some("/healthz"));
    assert!(l.certificate_arn.is_some());
    assert_eq!(&src[l.port.span.start..l.port.span.end()], "443");

    let g = &m.gateways[0];
    assert_eq!(g.nginx_version.value, (1, 22, 1));
    assert!(!g.has_upstream_resolve());
    assert_eq!(g.port, 8080);
    let targets: Vec<RouteTarget> = g.routes.iter().map(|r| r.to).collect();
    assert_eq!(
        targets,
        [
            RouteTarget::Lb(LbId::from_index(1)),
            RouteTarget::Lb(LbId::from_index(2))
        ]
    );

    let r = &m.redis[0];
    assert_eq!(r.engine, RedisEngine::Elasticache);
    assert_eq!(r.port, 6379);
    assert_eq!(r.replicas.value, 1);
    assert_eq!(r.maxmemory_policy.value, "allkeys-lru");
    assert_eq!(r.reserved_memory_percent.value, 20);
    assert_eq!(r.clients.hosts.len(), 2);
    // The subnet group defaults to the clients' private subnets.
    let subnets: Vec<String> = r.subnets.iter().map(|s| m.subnet_path(*s)).collect();
    assert_eq!(subnets, ["web/private-a", "web/private-b"]);
    assert!(r.security_groups.is_empty());
}

const BASE: &str = r#"
vpc "web" region="eu-west-1" cidr="10.50.0.0/16" {
    subnet "public-a" zone="eu-west-1a" cidr="10.50.0.0/24" public=#true
    subnet "private-a" zone="eu-west-1a" cidr="10.50.10.0/24"
    subnet "private-b" zone="eu-west-1b" cidr="10.50.11.0/24"
}
fleet {
    group "gw" count=2 type="c6i.large" {
        subnets "web/private-a" "web/private-b"
        security-groups "inside"
    }
    group "cache" count=2 type="r6i.large" memory="16g" {
        subnets "web/private-a" "web/private-b"
        security-groups "inside"
    }
}
security-group "inside" vpc="web" {
    ingress "all" from="vpc:web"
}
"#;

#[test]
fn defaults_of_the_traffic_tier() {
    let src = format!(
        "{BASE}{}",
        r#"
load-balancer "internal" {
    subnets "web/private-a" "web/private-b"
    listener 80 target="gw"
}
load-balancer "tcp" type="network" {
    subnets "web/private-a" "web/private-b"
    listener 6379 target="cache"
}
gateway "edge" group="gw" nginx-version="1.27.3" {
    route "/" to="group:cache"
}
redis "sessions" engine="self-hosted" version="7.0" {
    clients group="gw"
    members group="cache"
}
redis "store" engine="elasticache" version="7.1" node-type="cache.t4g.small" role="store" {
    clients group="gw"
}
"#
    );
    let m = model(&src);
    let alb = &m.load_balancers[0];
    assert_eq!(
        (alb.kind, alb.scheme),
        (LbKind::Application, LbScheme::Internal)
    );
    let l = &alb.listeners[0];
    assert_eq!((l.protocol, l.target_port), (LbProtocol::Http, 80));
    assert_eq!(l.health_path.as_deref(), Some("/"));
    let nlb = &m.load_balancers[1].listeners[0];
    assert_eq!(
        (nlb.protocol, nlb.health_path.as_deref()),
        (LbProtocol::Tcp, None)
    );
    let g = &m.gateways[0];
    assert_eq!(g.port, 80);
    assert!(g.has_upstream_resolve());
    let r = &m.redis[0];
    assert_eq!(r.role, RedisRole::Cache);
    assert_eq!(r.maxmemory_policy.value, "allkeys-lru");
    assert_eq!(r.reserved_memory_percent.value, 25);
    assert_eq!(r.replicas.value, 1, "one primary and one replica");
    assert_eq!(r.members.hosts.len(), 2);
    // 16 GiB minus the 25 % reserved.
    assert_eq!(r.self_hosted_maxmemory(&m), Some(12 << 30));
    let store = &m.redis[1];
    assert_eq!(store.maxmemory_policy.value, "noeviction");
    assert_eq!(store.replicas.value, 1);
    assert_eq!(store.self_hosted_maxmemory(&m), None);
}

/// Each fault, appended to BASE, gives exactly one error of its rule, with a help.
#[test]
fn each_fault_gives_one_error_with_a_help() {
    let lb = |body: &str| {
        format!(
            "load-balancer \"x\" {{\n subnets \"web/private-a\" \"web/private-b\"\n {body}\n}}\n"
        )
    };
    let cases: Vec<(String, &str)> = vec![
        (lb(r#"listener 80 target="gw" health-path="healthz""#), "invalid-value"),
        (lb(r#"listener 80 target="gw" health-path="/a b""#), "invalid-value"),
        (lb(r#"listener 80 target="gw" health-path="/${x}""#), "invalid-value"),
        (lb(r#"listener 80 target="nope""#), "unresolved-reference"),
        (lb(r#"listener 80 protocol="TLS" target="gw""#), "invalid-value"),
        (lb(r#"listener 443 protocol="HTTPS" target="gw""#), "missing-value"),
        (
            lb(r#"listener 443 protocol="HTTPS" target="gw" certificate-arn="arn:aws:acm:eu-west-1:12:certificate/x""#),
            "invalid-value",
        ),
        (
            lb(r#"listener 80 target="gw" certificate-arn="arn:aws:acm:eu-west-1:123456789012:certificate/x""#),
            "invalid-value",
        ),
        (lb("listener 80 target=\"gw\"\n listener 80 target=\"cache\""), "invalid-value"),
        (lb(""), "missing-value"),
        (
            "load-balancer \"x\" scheme=\"internet-facing\" {\n subnets \"web/private-a\"\n listener 80 target=\"gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "load-balancer \"x\" {\n subnets \"web/private-a\" \"web/private-a\"\n listener 80 target=\"gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "load-balancer \"x\" type=\"gateway\" {\n subnets \"web/private-a\"\n listener 80 target=\"gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "gateway \"g\" group=\"gw\" nginx-version=\"1.27\" {\n route \"/\" to=\"group:gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "gateway \"g\" group=\"gw\" nginx-version=\"1.27.3\" {\n route \"/\" to=\"lb:nope\"\n}\n".into(),
            "unresolved-reference",
        ),
        (
            "gateway \"g\" group=\"gw\" nginx-version=\"1.27.3\" {\n route \"/\" to=\"http://x\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "gateway \"g\" group=\"gw\" nginx-version=\"1.27.3\" {\n route \"/a\" to=\"group:gw\"\n route \"/a\" to=\"group:cache\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "gateway \"g\" group=\"gw\" nginx-version=\"1.27.3\" {\n route \"/a;\" to=\"group:gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            format!("{}gateway \"g\" group=\"gw\" nginx-version=\"1.27.3\" {{\n route \"/\" to=\"lb:x\" port=8080\n}}\n", lb(r#"listener 80 target="gw""#)),
            "invalid-value",
        ),
        (
            "redis \"r\" engine=\"elasticache\" version=\"7.1\" node-type=\"cache.t4g.small\" maxmemory-policy=\"lru\" {\n clients group=\"gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "redis \"r\" engine=\"elasticache\" version=\"latest\" node-type=\"cache.t4g.small\" {\n clients group=\"gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "redis \"r\" engine=\"elasticache\" version=\"7.1\" node-type=\"cache.t4g.small\" replicas=6 {\n clients group=\"gw\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "redis \"r\" engine=\"elasticache\" version=\"7.1\" node-type=\"cache.t4g.small\" {\n clients group=\"gw\"\n members group=\"cache\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "redis \"r\" engine=\"self-hosted\" version=\"7.0\" replicas=3 {\n clients group=\"gw\"\n members group=\"cache\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "redis \"r\" engine=\"self-hosted\" version=\"7.0\" node-type=\"cache.t4g.small\" {\n clients group=\"gw\"\n members group=\"cache\"\n}\n".into(),
            "invalid-value",
        ),
        (
            "redis \"r\" engine=\"self-hosted\" version=\"7.0\" {\n members group=\"cache\"\n}\n".into(),
            "missing-value",
        ),
    ];
    let mut failures = Vec::new();
    for (extra, rule) in &cases {
        let errs = errors(&format!("{BASE}{extra}"));
        if errs.len() != 1 || errs[0].0 != *rule || !errs[0].2 {
            failures.push(format!(
                "{extra}\n  want one {rule} with a help, got {errs:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lb_peers_are_the_balancers_security_group() {
    let src = example();
    let m = model(&src);
    let gw = m
        .security_groups
        .iter()
        .find(|s| s.name == "gateway")
        .unwrap();
    assert_eq!(m.peer_name(&gw.ingress[0].peer), "sg:public-lb");
    let no_sg = format!(
        "{BASE}{}",
        r#"
load-balancer "x" {
    subnets "web/private-a" "web/private-b"
    listener 80 target="gw"
}
security-group "s" vpc="web" {
    ingress "tcp" 80 from="lb:x"
}
"#
    );
    let errs = errors(&no_sg);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "invalid-value");
    let unknown = format!(
        "{BASE}security-group \"s\" vpc=\"web\" {{\n ingress \"tcp\" 80 from=\"lb:y\"\n}}\n"
    );
    let errs = errors(&unknown);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, "unresolved-reference");
}

/// The traffic tier's non-balancer flows go through the one flow code path.
#[test]
fn gateway_and_redis_flows() {
    use infragen::graph::flows::Purpose;
    let src = format!(
        "{BASE}{}",
        r#"
gateway "edge" group="gw" nginx-version="1.22.1" {
    route "/static/" to="group:cache" port=8080
}
redis "sessions" engine="self-hosted" version="7.0" port=6380 {
    clients group="gw"
    members group="cache"
}
redis "managed" engine="elasticache" version="7.1" node-type="cache.t4g.small" {
    clients group="gw"
}
"#
    );
    let checked = pipeline::check(&src, &AddressLock::default());
    let graph = checked.graph.expect("a graph");
    let count = |p: Purpose, port: u16| {
        graph
            .flows
            .iter()
            .filter(|f| f.purpose == p && f.port == Some(port))
            .count()
    };
    // 2 gateway hosts × 2 targets; 2 clients × 2 members; 2 × 1 among members.
    assert_eq!(count(Purpose::GatewayToGroup, 8080), 4);
    assert_eq!(count(Purpose::ClientsToRedis, 6380), 4);
    assert_eq!(count(Purpose::RedisReplication, 6380), 2);
    assert_eq!(count(Purpose::ClientsToSentinel, 26379), 4);
    assert_eq!(count(Purpose::SentinelPeers, 26379), 2);
    // ElastiCache is no host: none of its own.
    assert_eq!(
        graph
            .flows
            .iter()
            .filter(|f| f.purpose == Purpose::ClientsToRedis)
            .count(),
        4
    );
}

/// A network balancer keeps the client's address, so its flows run from
/// every gateway host to every target: that product is bounded like the
/// clients × members of a cluster (one error, no 10⁶+ flows).
#[test]
fn gateway_hosts_times_network_balancer_targets_is_bounded() {
    let spec = |gw: u32, kind: &str| {
        format!(
            r#"
project "big"
baseline {{ domain "big.internal" }}
vpc "v" region="eu-west-1" cidr="10.60.0.0/16" {{
    subnet "a" zone="eu-west-1a" cidr="10.60.0.0/20"
    subnet "b" zone="eu-west-1b" cidr="10.60.16.0/20"
}}
fleet {{
    defaults {{ os "ubuntu-24.04"; subnets "v/a" "v/b" }}
    group "gw" count={gw} type="c6i.large"
    group "app" count=1000 type="m6i.large"
}}
load-balancer "svc" type="{kind}" scheme="internal" {{
    subnets "v/a" "v/b"
    listener 8080 target="app"
}}
gateway "edge" group="gw" nginx-version="1.22.1" port=8080 {{
    route "/svc/" to="lb:svc"
}}
"#
        )
    };
    let too_many = |src: &str| {
        errors(src)
            .into_iter()
            .filter(|(_, m, _)| m.contains("too many host pairs"))
            .count()
    };
    assert_eq!(too_many(&spec(1001, "network")), 1);
    assert_eq!(too_many(&spec(1000, "network")), 0);
    // An application balancer connects to its targets itself.
    assert_eq!(too_many(&spec(1001, "application")), 0);
}

/// The ElastiCache replication group id is `PROJECT-NAME`; AWS refuses one
/// over 40 characters, with `--` or a trailing `-` at apply time, so lint
/// refuses it first, on the name.
#[test]
fn an_elasticache_id_aws_would_refuse_is_an_error() {
    let src = example();
    let with = |name: &str| src.replace(r#"redis "sessions""#, &format!(r#"redis "{name}""#));
    let refused = |name: &str| {
        errors(&with(name))
            .into_iter()
            .filter(|(rule, m, help)| {
                rule == "invalid-value" && m.contains("replication group id") && *help
            })
            .count()
    };
    // "travel-" is 7 characters: 33 more make 40.
    assert_eq!(refused(&"s".repeat(33)), 0);
    assert_eq!(refused(&"s".repeat(34)), 1);
    assert_eq!(refused("user--sessions"), 1);
    assert_eq!(refused("sessions-"), 1);
    assert_eq!(refused("sessions"), 0);
}

/// Two gateways on one group would both want the hosts' nginx.conf: the
/// second is one error on its `group=`, and nothing else.
#[test]
fn a_second_gateway_on_a_group_is_one_error() {
    let src = format!(
        "{}\ngateway \"edge2\" group=\"gw\" nginx-version=\"1.22.1\" port=8081 {{\n    route \"/b/\" to=\"lb:booking\"\n}}\n",
        example()
    );
    let e = errors(&src);
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].1.contains("already runs gateway `edge`"), "{e:#?}");
    assert!(e[0].2, "a help");
}

/// Terraform names of the traffic tier count in `terraform-name-collision`:
/// an application balancer without security groups gets its own
/// `aws_security_group.lb_NAME`, which a spec group `lb-NAME` would also
/// be; ElastiCache `alarms` would share the alarm topic's key.
#[test]
fn traffic_tier_terraform_names_do_not_collide() {
    let collisions = |src: &str| -> Vec<String> {
        errors(src)
            .into_iter()
            .filter(|(rule, _, _)| rule == "terraform-name-collision")
            .map(|(_, m, _)| m)
            .collect()
    };
    assert_eq!(collisions(&example()), Vec::<String>::new());
    let sg = format!(
        "{}\nsecurity-group \"lb-extra\" vpc=\"web\" {{\n}}\nload-balancer \"extra\" scheme=\"internal\" {{\n    subnets \"web/private-a\" \"web/private-b\"\n    listener 80 target=\"booking\" target-port=8080\n}}\n",
        example()
    );
    let c = collisions(&sg);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert!(c[0].contains("aws_security_group.lb_extra"), "{c:#?}");
    let alarms = example().replace(r#"redis "sessions""#, r#"redis "alarms""#);
    let c = collisions(&alarms);
    assert_eq!(c.len(), 1, "{c:#?}");
    assert!(c[0].contains("aws_kms_key.redis_alarms"), "{c:#?}");
}
