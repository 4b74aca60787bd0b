//! Specs that used to lint clean and then break production (issue 10): each
//! fixture of tests/ui edited the way a correct spec would be must lint
//! clean of its rule, so the rules catch the fault and nothing more.

use infragen::diagnostic::Severity;
use infragen::lock::AddressLock;
use infragen::pipeline::{Diagnostic, check};

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/ui")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `src` with `from` replaced by `to` (which must occur once).
fn edit(src: &str, from: &str, to: &str) -> String {
    assert_eq!(src.matches(from).count(), 1, "`{from}` must occur once");
    src.replacen(from, to, 1)
}

fn errors(src: &str) -> Vec<Diagnostic> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn rules(src: &str) -> Vec<&'static str> {
    errors(src).iter().map(|d| d.rule.as_str()).collect()
}

#[test]
fn shared_identical_etcd_stays_allowed() {
    let src = fixture("etcd-cluster-overlap.kdl");
    assert_eq!(rules(&src), ["etcd-cluster-overlap"]);
    let same = edit(
        &src,
        "etcd \"dcs-3\" \"dcs-4\" \"dcs-5\"",
        "etcd \"dcs-3\" \"dcs-1\" \"dcs-2\"",
    );
    assert_eq!(errors(&same), [], "one etcd cluster for both is fine");
    let disjoint = edit(
        &src,
        "etcd \"dcs-3\" \"dcs-4\" \"dcs-5\"",
        "etcd \"dcs-4\" \"dcs-5\" \"dcs-6\"",
    )
    .replace(
        "    host \"dcs-5\"\n",
        "    host \"dcs-5\"\n    host \"dcs-6\"\n",
    );
    assert_eq!(errors(&disjoint), [], "two separate etcd clusters are fine");
}

#[test]
fn port_conflict_names_both_users_and_goes_away_with_distinct_ports() {
    let src = fixture("port-conflict.kdl");
    let found = errors(&src);
    assert!(
        found
            .iter()
            .all(|d| d.rule == "port-conflict" && d.labels.len() == 2),
        "{found:#?}"
    );
    assert!(found[0].message.contains("`orders`") && found[0].message.contains("`billing`"));
    let fixed = {
        let i = src.rfind("haproxy host=\"lb\" port=5000").unwrap();
        format!(
            "{}haproxy host=\"lb\" port=5001 stats-port=7001{}",
            &src[..i],
            &src[i + "haproxy host=\"lb\" port=5000".len()..]
        )
    };
    assert_eq!(errors(&fixed), []);
}

#[test]
fn a_host_peer_with_a_fixed_public_address_renders() {
    let src = fixture("host-peer-without-address.kdl");
    assert_eq!(rules(&src), ["host-peer-without-address"]);
    let fixed = edit(&src, "public-ip=#true", "public-address=\"203.0.113.10\"");
    assert_eq!(errors(&fixed), []);
}

fn example(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(format!("{name}.kdl"));
    std::fs::read_to_string(path).unwrap()
}

/// Dedicated masters (master-eligible hosts outside `members`) need only
/// transport (9300) from the other nodes: clients query the data nodes.
#[test]
fn clients_need_not_reach_dedicated_es_masters() {
    let src = example("search7");
    let own_sg = edit(
        &src,
        "group \"es-master\" count=3 type=\"r5.xlarge\" {\n        subnets \"data/a\" \"data/b\" \"data/c\"\n        security-groups \"search\" \"node-exporter\"",
        "group \"es-master\" count=3 type=\"r5.xlarge\" {\n        subnets \"data/a\" \"data/b\" \"data/c\"\n        security-groups \"es-master\" \"node-exporter\"",
    );
    let own_sg = edit(
        &own_sg,
        "security-group \"ingest\" vpc=\"data\" {",
        "security-group \"es-master\" vpc=\"data\" {\n    ingress \"tcp\" 9300 from=\"sg:search\" description=\"Elasticsearch transport from the data nodes\"\n    ingress \"tcp\" 9300 from=\"sg:es-master\" description=\"Elasticsearch transport between masters\"\n}\nsecurity-group \"ingest\" vpc=\"data\" {",
    );
    let own_sg = edit(
        &own_sg,
        "    ingress \"tcp\" 9300 from=\"sg:search\" description=\"Elasticsearch transport\"\n",
        "    ingress \"tcp\" 9300 from=\"sg:search\" description=\"Elasticsearch transport\"\n    ingress \"tcp\" 9300 from=\"sg:es-master\" description=\"Elasticsearch transport from the masters\"\n",
    );
    assert_eq!(errors(&own_sg), [], "masters without 9200 from the clients");

    let checked = check(&own_sg, &AddressLock::default());
    let model = checked.model.as_ref().unwrap();
    let graph = checked.graph.as_ref().unwrap();
    let es = &model.elasticsearch[0];
    assert_eq!(es.dedicated_masters.len(), 3);
    use infragen::graph::flows::Purpose;
    for f in &graph.flows {
        if f.purpose == Purpose::ClientsToEs {
            assert!(
                !es.dedicated_masters.iter().any(|m| f.to.host() == Some(*m)),
                "clients → master"
            );
        }
    }
    let transport_to_masters = graph
        .flows
        .iter()
        .filter(|f| {
            f.purpose == Purpose::EsTransport
                && es.dedicated_masters.iter().any(|m| f.to.host() == Some(*m))
        })
        .count();
    // Every other node (6 data + 2 other masters) reaches each master.
    assert_eq!(transport_to_masters, 3 * 8);

    // Without transport from the data nodes, the masters are cut off.
    let cut = edit(
        &own_sg,
        "    ingress \"tcp\" 9300 from=\"sg:search\" description=\"Elasticsearch transport from the data nodes\"\n",
        "",
    );
    assert!(rules(&cut).contains(&"required-flow-blocked"));
}

#[test]
fn postgres_role_names_are_identifiers() {
    let src = fixture("invalid-value.role-name.kdl");
    assert_eq!(rules(&src), ["invalid-value", "invalid-value"]);
    let fixed = edit(&src, "\"repl-billing\"", "\"repl_billing\"");
    let fixed = edit(&fixed, "\"Postgres\"", "\"postgres\"");
    assert_eq!(errors(&fixed), []);
    let long = edit(
        &fixed,
        "\"repl_billing\"",
        &format!("\"{}\"", "r".repeat(64)),
    );
    assert_eq!(rules(&long), ["invalid-value"]);
}
