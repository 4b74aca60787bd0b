//! The service configs agree with the model and with each other: every
//! address a config names is the one the model assigns (and Terraform
//! writes), every port is the one the graph's flows (and so the security
//! group checks) use, HAProxy's servers are exactly the Patroni members,
//! Patroni's etcd hosts are exactly the etcd members, Elasticsearch's seed
//! hosts and quorum match its master-eligible nodes, and the two sides of
//! every tunnel mirror each other.

#[path = "support/build.rs"]
mod build;

use infragen::emit::Artifact;
use infragen::graph::Graph;
use infragen::graph::flows::{Endpoint, Purpose};
use infragen::lock::AddressLock;
use infragen::model::{HostId, Model};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

struct Example {
    name: String,
    model: Model,
    graph: Graph,
    artifacts: BTreeMap<String, Artifact>,
}

fn examples() -> Vec<Example> {
    build::example_names()
        .into_iter()
        .map(|name| {
            let dir = build::examples_dir();
            let source = std::fs::read_to_string(dir.join(format!("{name}.kdl"))).unwrap();
            let lock = std::fs::read_to_string(dir.join(format!("{name}.lock")))
                .ok()
                .and_then(|t| AddressLock::parse(&t).ok())
                .unwrap_or_default();
            let checked = infragen::pipeline::check(&source, &lock);
            let artifacts = build::render(&name, &source, &lock)
                .into_iter()
                .map(|a| (a.path.clone(), a))
                .collect();
            Example {
                name,
                model: checked.model.expect("model"),
                graph: checked.graph.expect("graph"),
                artifacts,
            }
        })
        .collect()
}

impl Example {
    fn addr(&self, h: HostId) -> String {
        self.model.host(h).address.expect("address").to_string()
    }

    fn hp(&self, h: HostId, port: u16) -> String {
        format!("{}:{port}", self.addr(h))
    }

    fn name_of(&self, h: HostId) -> &str {
        &self.model.host(h).name
    }

    fn file(&self, path: &str) -> &Artifact {
        self.artifacts
            .get(path)
            .unwrap_or_else(|| panic!("{}: {path} not generated", self.name))
    }

    fn yaml(&self, path: &str) -> Value {
        serde_yaml::from_str(&self.file(path).contents)
            .unwrap_or_else(|e| panic!("{}: {path} is not YAML: {e}", self.name))
    }

    /// The port of the graph's flow `purpose` from `from` to `to`: what the
    /// security-group checks were run against.
    fn flow_port(&self, purpose: Purpose, from: HostId, to: HostId) -> u16 {
        self.graph
            .flows
            .iter()
            .find(|f| {
                f.purpose == purpose && f.from == Endpoint::Host(from) && f.to == Endpoint::Host(to)
            })
            .and_then(|f| f.port)
            .unwrap_or_else(|| panic!("{}: no {purpose:?} flow {from:?}→{to:?}", self.name))
    }

    fn paths_under(&self, prefix: &str, file: &str) -> BTreeSet<String> {
        self.artifacts
            .keys()
            .filter(|p| p.starts_with(prefix) && p.ends_with(file))
            .cloned()
            .collect()
    }
}

fn strs(v: &Value) -> Vec<String> {
    v.as_sequence()
        .unwrap_or_else(|| panic!("not a list: {v:?}"))
        .iter()
        .map(|x| x.as_str().expect("string").to_string())
        .collect()
}

#[test]
fn patroni_names_the_model_addresses_ports_and_etcd_members() {
    for ex in examples() {
        let mut expected = BTreeSet::new();
        for pg in &ex.model.postgres {
            let etcd_port = |m| ex.flow_port(Purpose::PatroniToEtcd, m, pg.etcd.hosts[0]);
            for &m in &pg.members.hosts {
                let path = format!("patroni/{}/patroni.yml", ex.name_of(m));
                expected.insert(path.clone());
                assert!(ex.file(&path).secret, "{path} must be written 0600");
                let y = ex.yaml(&path);
                let ctx = format!("{}: {path}", ex.name);
                assert_eq!(y["scope"].as_str(), Some(pg.name.as_str()), "{ctx}");
                assert_eq!(y["name"].as_str(), Some(ex.name_of(m)), "{ctx}");
                // Patroni's REST port is the one HAProxy checks and members call.
                let other = pg
                    .members
                    .hosts
                    .iter()
                    .copied()
                    .find(|&o| o != m)
                    .unwrap_or(m);
                let rest = ex.flow_port(Purpose::PatroniRest, other, m);
                let sql = ex.flow_port(Purpose::Replication, other, m);
                for key in ["listen", "connect_address"] {
                    assert_eq!(
                        y["restapi"][key].as_str(),
                        Some(ex.hp(m, rest).as_str()),
                        "{ctx}"
                    );
                    assert_eq!(
                        y["postgresql"][key].as_str(),
                        Some(ex.hp(m, sql).as_str()),
                        "{ctx}"
                    );
                }
                // Exactly the etcd members, on the port the flows allow.
                let hosts = strs(&y["etcd3"]["hosts"]);
                let want: Vec<String> = pg
                    .etcd
                    .hosts
                    .iter()
                    .map(|&e| ex.hp(e, etcd_port(m)))
                    .collect();
                assert_eq!(hosts, want, "{ctx}: etcd3.hosts");
                // Timings from the spec.
                let dcs = &y["bootstrap"]["dcs"];
                assert_eq!(dcs["ttl"].as_u64(), Some(pg.patroni.ttl as u64), "{ctx}");
                assert_eq!(
                    dcs["loop_wait"].as_u64(),
                    Some(pg.patroni.loop_wait as u64),
                    "{ctx}"
                );
                assert_eq!(
                    dcs["retry_timeout"].as_u64(),
                    Some(pg.patroni.retry_timeout as u64),
                    "{ctx}"
                );
                // Replication allowed from each member's /32, and nothing else.
                for hba in [&y["bootstrap"]["pg_hba"], &y["postgresql"]["pg_hba"]] {
                    let repl: BTreeSet<String> = strs(hba)
                        .iter()
                        .filter(|l| l.split_whitespace().nth(1) == Some("replication"))
                        .map(|l| l.split_whitespace().nth(3).unwrap_or("").to_string())
                        .collect();
                    let want: BTreeSet<String> = pg
                        .members
                        .hosts
                        .iter()
                        .map(|&o| format!("{}/32", ex.addr(o)))
                        .collect();
                    assert_eq!(repl, want, "{ctx}: replication entries");
                    // App traffic from the HAProxy host when there is one.
                    if let Some(h) = &pg.haproxy {
                        for &hh in &h.hosts {
                            let haproxy = format!("{}/32", ex.addr(hh));
                            assert!(
                                strs(hba).iter().any(|l| l.contains(&haproxy)),
                                "{ctx}: HAProxy in pg_hba"
                            );
                        }
                    }
                }
                // Every authentication has a user and a password (placeholder here).
                for role in ["superuser", "replication", "rewind"] {
                    let a = &y["postgresql"]["authentication"][role];
                    assert!(a["username"].as_str().is_some(), "{ctx}: {role}");
                    assert!(
                        a["password"].as_str().is_some_and(|p| p.starts_with("${")),
                        "{ctx}: {role}"
                    );
                }
            }
        }
        assert_eq!(
            ex.paths_under("patroni/", "patroni.yml"),
            expected,
            "{}: one per member",
            ex.name
        );
    }
}

#[test]
fn etcd_configs_are_exactly_the_etcd_members() {
    for ex in examples() {
        let mut expected = BTreeSet::new();
        for pg in &ex.model.postgres {
            let hosts = &pg.etcd.hosts;
            let peer = ex.flow_port(Purpose::EtcdPeers, hosts[0], *hosts.last().unwrap());
            let client = ex.flow_port(Purpose::PatroniToEtcd, pg.members.hosts[0], hosts[0]);
            // `tls` (issue 13) puts both on https.
            let scheme = if ex.model.etcd_pki(pg).is_some() {
                "https"
            } else {
                "http"
            };
            let cluster: Vec<String> = hosts
                .iter()
                .map(|&e| format!("{}={scheme}://{}", ex.name_of(e), ex.hp(e, peer)))
                .collect();
            for &e in hosts {
                let path = format!("etcd/{}/etcd.conf.yml", ex.name_of(e));
                expected.insert(path.clone());
                let y = ex.yaml(&path);
                let ctx = format!("{}: {path}", ex.name);
                assert_eq!(y["name"].as_str(), Some(ex.name_of(e)), "{ctx}");
                let peer_url = format!("{scheme}://{}", ex.hp(e, peer));
                let client_url = format!("{scheme}://{}", ex.hp(e, client));
                assert_eq!(
                    y["listen-peer-urls"].as_str(),
                    Some(peer_url.as_str()),
                    "{ctx}"
                );
                assert_eq!(
                    y["initial-advertise-peer-urls"].as_str(),
                    Some(peer_url.as_str()),
                    "{ctx}"
                );
                assert_eq!(
                    y["listen-client-urls"].as_str(),
                    Some(client_url.as_str()),
                    "{ctx}"
                );
                assert_eq!(
                    y["advertise-client-urls"].as_str(),
                    Some(client_url.as_str()),
                    "{ctx}"
                );
                assert_eq!(
                    y["initial-cluster"].as_str(),
                    Some(cluster.join(",").as_str()),
                    "{ctx}"
                );
                assert_eq!(y["initial-cluster-state"].as_str(), Some("new"), "{ctx}");
                // Patroni's etcd3 DCS needs the gRPC gateway (/v3), off by
                // default in etcd 3.4 config files.
                assert_eq!(y["enable-grpc-gateway"].as_bool(), Some(true), "{ctx}");
                assert!(
                    y["initial-cluster-token"]
                        .as_str()
                        .is_some_and(|t| t.contains(&pg.name)),
                    "{ctx}"
                );
            }
        }
        assert_eq!(
            ex.paths_under("etcd/", "etcd.conf.yml"),
            expected,
            "{}",
            ex.name
        );
    }
}

/// (name, addr:port, check port) of every `server` line of a `listen` section.
fn haproxy_section<'a>(cfg: &'a str, name: &str) -> Vec<Vec<&'a str>> {
    cfg.lines()
        .skip_while(|l| l.trim() != format!("listen {name}"))
        .skip(1)
        .take_while(|l| l.starts_with("    "))
        .map(|l| l.split_whitespace().collect())
        .collect()
}

#[test]
fn haproxy_routes_to_exactly_the_patroni_members() {
    for ex in examples() {
        for pg in &ex.model.postgres {
            let Some(h) = &pg.haproxy else { continue };
            // One file per HAProxy host when the estate has several
            // (`haproxy group=`, or clusters on different hosts).
            let all: BTreeSet<_> = ex
                .model
                .postgres
                .iter()
                .filter_map(|c| c.haproxy.as_ref())
                .flat_map(|x| x.hosts.iter().copied())
                .collect();
            for &hh in &h.hosts {
                let path = if all.len() == 1 {
                    "haproxy/haproxy.cfg".to_string()
                } else {
                    format!("haproxy/{}/haproxy.cfg", ex.name_of(hh))
                };
                let cfg = &ex.file(&path).contents;
                let ctx = format!("{}: {path} listen {}", ex.name, pg.name);
                let section = haproxy_section(cfg, &pg.name);
                assert!(!section.is_empty(), "{ctx}: no section");
                let client = pg
                    .clients
                    .hosts
                    .first()
                    .map(|&c| ex.flow_port(Purpose::ClientsToHaproxy, c, hh));
                let bind: Vec<String> = section
                    .iter()
                    .filter(|w| w[0] == "bind")
                    .map(|w| w[1].to_string())
                    .collect();
                assert_eq!(bind, vec![ex.hp(hh, h.port)], "{ctx}");
                // Connections leave from the address pg_hba admits.
                let source: Vec<String> = section
                    .iter()
                    .filter(|w| w[0] == "source")
                    .map(|w| w[1].to_string())
                    .collect();
                assert_eq!(source, vec![ex.addr(hh)], "{ctx}: source");
                if let Some(p) = client {
                    assert_eq!(p, h.port, "{ctx}: clients' flow port");
                }
                let servers: Vec<(String, String, String)> = section
                    .iter()
                    .filter(|w| w[0] == "server")
                    .map(|w| {
                        let check = w
                            .windows(2)
                            .find(|p| p[0] == "port")
                            .map(|p| p[1])
                            .unwrap_or("");
                        (w[1].to_string(), w[2].to_string(), check.to_string())
                    })
                    .collect();
                let want: Vec<(String, String, String)> = pg
                    .members
                    .hosts
                    .iter()
                    .map(|&m| {
                        let sql = ex.flow_port(Purpose::HaproxyToPostgres, hh, m);
                        let rest = ex.flow_port(Purpose::HaproxyToPatroni, hh, m);
                        (ex.name_of(m).to_string(), ex.hp(m, sql), rest.to_string())
                    })
                    .collect();
                assert_eq!(servers, want, "{ctx}: servers");
                let inter = format!("{}s", h.check_interval_ms / 1000);
                let ds = section
                    .iter()
                    .find(|w| w[0] == "default-server")
                    .expect("default-server");
                let ds = ds.join(" ");
                assert!(
                    ds.contains(&format!("inter {inter} fall {} rise {}", h.fall, h.rise)),
                    "{ctx}: {ds}"
                );
                assert!(ds.contains("on-marked-down shutdown-sessions"), "{ctx}");
                let joined: Vec<String> = section.iter().map(|w| w.join(" ")).collect();
                for needed in [
                    "option httpchk",
                    "http-check send meth OPTIONS uri /primary",
                    "http-check expect status 200",
                ] {
                    assert!(
                        joined.iter().any(|l| l == needed),
                        "{ctx}: missing `{needed}`"
                    );
                }
                // The stats page (with /metrics) on the spec's stats port.
                let stats = ex.hp(hh, h.stats_port);
                assert!(
                    cfg.contains(&format!("bind {stats}")),
                    "{ctx}: stats on {stats}"
                );
                assert!(
                    cfg.contains(
                        "http-request use-service prometheus-exporter if { path /metrics }"
                    )
                );
            }
        }
    }
}

/// Settings Elasticsearch documents for the major versions infragen writes
/// (Reference → Configuring Elasticsearch / Modules: discovery, network,
/// node, transport, path). A key outside the list fails: ES refuses to start
/// on unknown settings.
fn es_known(major: u32, minor: u32, key: &str) -> bool {
    let common = [
        "cluster.name",
        "node.name",
        "path.data",
        "path.logs",
        "network.host",
        "http.port",
    ];
    if common.contains(&key) {
        return true;
    }
    match major {
        6 => [
            "node.master",
            "node.data",
            "node.ingest",
            "transport.tcp.port",
            "discovery.zen.ping.unicast.hosts",
            "discovery.zen.minimum_master_nodes",
        ]
        .contains(&key),
        7 if minor < 9 => [
            "node.master",
            "node.data",
            "node.ingest",
            "transport.port",
            "discovery.seed_hosts",
            "cluster.initial_master_nodes",
        ]
        .contains(&key),
        _ => [
            "node.roles",
            "transport.port",
            "discovery.seed_hosts",
            "cluster.initial_master_nodes",
        ]
        .contains(&key),
    }
}

#[test]
fn elasticsearch_discovery_and_quorum_match_the_members() {
    for ex in examples() {
        for es in &ex.model.elasticsearch {
            let minor: u32 = es
                .version
                .value
                .split('.')
                .nth(1)
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            let masters = &es.master_eligible.hosts;
            let first = es.members.hosts[0];
            let transport = ex.flow_port(
                Purpose::EsTransport,
                first,
                *es.members.hosts.last().unwrap(),
            );
            let seeds: Vec<String> = masters.iter().map(|&m| ex.hp(m, transport)).collect();
            for &n in &es.members.hosts {
                let path = format!("elasticsearch/{}/elasticsearch.yml", ex.name_of(n));
                let y = ex.yaml(&path);
                let ctx = format!("{}: {path}", ex.name);
                for (k, _) in y.as_mapping().expect("map") {
                    let k = k.as_str().expect("key");
                    assert!(
                        es_known(es.major, minor, k),
                        "{ctx}: `{k}` is not an ES {} setting",
                        es.version.value
                    );
                }
                assert_eq!(y["cluster.name"].as_str(), Some(es.name.as_str()), "{ctx}");
                assert_eq!(y["node.name"].as_str(), Some(ex.name_of(n)), "{ctx}");
                assert_eq!(
                    y["network.host"].as_str(),
                    Some(ex.addr(n).as_str()),
                    "{ctx}"
                );
                let transport_key = if es.major >= 7 {
                    "transport.port"
                } else {
                    "transport.tcp.port"
                };
                assert_eq!(y[transport_key].as_u64(), Some(transport as u64), "{ctx}");
                if es.dedicated_masters.contains(&n) {
                    // Clients query the data nodes, never a dedicated master.
                    assert!(
                        !ex.graph
                            .flows
                            .iter()
                            .any(|f| f.purpose == Purpose::ClientsToEs && f.to == Endpoint::Host(n)),
                        "{ctx}: a client flow to a dedicated master"
                    );
                } else if let Some(c) = es.clients.hosts.first() {
                    let http = ex.flow_port(Purpose::ClientsToEs, *c, n);
                    assert_eq!(y["http.port"].as_u64(), Some(http as u64), "{ctx}");
                }
                let is_master = masters.contains(&n);
                let holds_data = !es.dedicated_masters.contains(&n);
                if es.major >= 8 || (es.major == 7 && minor >= 9) {
                    let roles = strs(&y["node.roles"]);
                    assert_eq!(roles.contains(&"master".to_string()), is_master, "{ctx}");
                    assert_eq!(roles.contains(&"data".to_string()), holds_data, "{ctx}");
                } else {
                    assert_eq!(y["node.master"].as_bool(), Some(is_master), "{ctx}");
                    assert_eq!(y["node.data"].as_bool(), Some(holds_data), "{ctx}");
                }
                if es.major >= 7 {
                    assert_eq!(strs(&y["discovery.seed_hosts"]), seeds, "{ctx}");
                    let names: Vec<String> =
                        masters.iter().map(|&m| ex.name_of(m).to_string()).collect();
                    assert_eq!(strs(&y["cluster.initial_master_nodes"]), names, "{ctx}");
                } else {
                    assert_eq!(strs(&y["discovery.zen.ping.unicast.hosts"]), seeds, "{ctx}");
                    let quorum = masters.len() as u64 / 2 + 1;
                    assert_eq!(
                        y["discovery.zen.minimum_master_nodes"].as_u64(),
                        Some(quorum),
                        "{ctx}"
                    );
                }
                if let Some(heap) = &es.heap {
                    let path =
                        format!("elasticsearch/{}/jvm.options.d/heap.options", ex.name_of(n));
                    let opts: Vec<&str> = ex
                        .file(&path)
                        .contents
                        .lines()
                        .filter(|l| l.starts_with("-X"))
                        .collect();
                    let size = heap.value >> 30;
                    assert_eq!(
                        opts,
                        vec![format!("-Xms{size}g"), format!("-Xmx{size}g")],
                        "{path}"
                    );
                }
            }
        }
    }
}

/// The `conn NAME` section of an ipsec.conf as key → value (a gateway in
/// several tunnels has one section per tunnel).
fn conn(conf: &str, name: &str) -> BTreeMap<String, String> {
    let header = format!("conn {name}");
    assert_eq!(
        conf.lines().filter(|l| *l == header).count(),
        1,
        "one `{header}` in\n{conf}"
    );
    conf.lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.starts_with("conn "))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn swap_side(key: &str) -> String {
    if let Some(rest) = key.strip_prefix("left") {
        format!("right{rest}")
    } else if let Some(rest) = key.strip_prefix("right") {
        format!("left{rest}")
    } else {
        key.to_string()
    }
}

#[test]
fn ipsec_sides_mirror_each_other_and_name_the_model_addresses() {
    let mut checked = 0;
    for ex in examples() {
        for vpn in &ex.model.vpns {
            let (l, r) = (vpn.left.host, vpn.right.host);
            let lc = conn(
                &ex.file(&format!("ipsec/{}/ipsec.conf", ex.name_of(l)))
                    .contents,
                &vpn.name,
            );
            let rc = conn(
                &ex.file(&format!("ipsec/{}/ipsec.conf", ex.name_of(r)))
                    .contents,
                &vpn.name,
            );
            let ctx = format!("{}: vpn {}", ex.name, vpn.name);
            // Mirror: every key of one side is the other side's swapped key,
            // with the same value. Exceptions: `auto`, and the addresses
            // `left`/`right`, which cross a 1:1 NAT: each side binds to its
            // private address and dials the peer's public one, which is the
            // peer's `leftid`.
            let own = |k: &String| !["auto", "left", "right"].contains(&k.as_str());
            let mirrored: BTreeMap<String, String> = rc
                .iter()
                .filter(|(k, _)| own(k))
                .map(|(k, v)| (swap_side(k), v.clone()))
                .collect();
            let left: BTreeMap<String, String> = lc
                .iter()
                .filter(|(k, _)| own(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            assert_eq!(left, mirrored, "{ctx}: sides do not mirror");
            assert_eq!(
                lc["right"], rc["leftid"],
                "{ctx}: left dials right's public address"
            );
            assert_eq!(
                rc["right"], lc["leftid"],
                "{ctx}: right dials left's public address"
            );
            let autos = BTreeSet::from([lc["auto"].as_str(), rc["auto"].as_str()]);
            assert_eq!(
                autos,
                BTreeSet::from(["route", "start"]),
                "{ctx}: one side starts"
            );
            // Addresses from the model: private address to bind, public ids.
            for (end, other, c) in [(&vpn.left, &vpn.right, &lc), (&vpn.right, &vpn.left, &rc)] {
                let me = ex.model.host(end.host);
                let peer = ex.model.host(other.host);
                let public = |h: &infragen::model::Host| {
                    h.public_address
                        .as_ref()
                        .expect("public address")
                        .value
                        .to_string()
                };
                assert_eq!(c["left"], ex.addr(end.host), "{ctx}");
                assert_eq!(c["leftid"], public(me), "{ctx}");
                assert_eq!(c["right"], public(peer), "{ctx}");
                assert_eq!(c["rightid"], public(peer), "{ctx}");
                let cidrs = |e: &infragen::model::VpnEnd| {
                    let net = Some(ex.model.host_network(e.host));
                    e.subnets
                        .iter()
                        .flat_map(|p| ex.model.peer_cidrs(p, net))
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                };
                assert_eq!(c["leftsubnet"], cidrs(end), "{ctx}");
                assert_eq!(c["rightsubnet"], cidrs(other), "{ctx}");
                assert!(
                    c["ike"].ends_with('!') && c["esp"].ends_with('!'),
                    "{ctx}: strict proposals"
                );
                assert_eq!(
                    c["keyexchange"],
                    if vpn.ike_version.value == 1 {
                        "ikev1"
                    } else {
                        "ikev2"
                    }
                );
                assert_eq!(
                    c.contains_key("dpdtimeout"),
                    vpn.ike_version.value == 1,
                    "{ctx}: dpdtimeout is IKEv1 only"
                );
                // The secrets: this side's id, the peer's id, one PSK, mode 0600.
                let s = ex.file(&format!("ipsec/{}/ipsec.secrets", me.name));
                assert!(s.secret, "{ctx}: ipsec.secrets must be 0600");
                let ids = format!("{} {} : PSK ", public(me), public(peer));
                let lines: Vec<&str> = s.contents.lines().filter(|l| l.starts_with(&ids)).collect();
                let want = format!("{ids}\"${{{}}}\"", vpn.psk_env.as_deref().unwrap_or(""));
                assert_eq!(lines, [want.as_str()], "{ctx}: one PSK entry for this peer");
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no example has a VPN");
}

/// A gateway in several tunnels (examples/hub.kdl): one ipsec.conf with a
/// `conn` per tunnel, one ipsec.secrets with an entry per peer, and no other
/// `conn` or PSK entry.
#[test]
fn a_hub_gateway_has_a_conn_and_a_psk_entry_per_tunnel() {
    let mut hubs = 0;
    for ex in examples() {
        let mut tunnels: BTreeMap<HostId, Vec<&str>> = BTreeMap::new();
        for vpn in &ex.model.vpns {
            for end in [&vpn.left, &vpn.right] {
                tunnels.entry(end.host).or_default().push(&vpn.name);
            }
        }
        for (gw, names) in &tunnels {
            let dir = format!("ipsec/{}", ex.name_of(*gw));
            let conf = &ex.file(&format!("{dir}/ipsec.conf")).contents;
            let conns: Vec<&str> = conf
                .lines()
                .filter_map(|l| l.strip_prefix("conn "))
                .collect();
            assert_eq!(&conns, names, "{}: {dir}", ex.name);
            assert_eq!(
                conf.matches("config setup").count(),
                1,
                "{}: {dir}",
                ex.name
            );
            let secrets = &ex.file(&format!("{dir}/ipsec.secrets")).contents;
            let entries = secrets.lines().filter(|l| l.contains(" : PSK ")).count();
            assert_eq!(entries, names.len(), "{}: {dir}", ex.name);
            if names.len() > 1 {
                hubs += 1;
            }
        }
    }
    assert!(hubs > 0, "no example has a gateway in two tunnels");
}

#[test]
fn service_outputs_are_deterministic() {
    for name in build::example_names() {
        let a = build::render_example(&name);
        let b = build::render_example(&name);
        assert_eq!(a, b, "{name}");
        for x in a.iter().filter(|x| {
            ["patroni/", "etcd/", "haproxy/", "ipsec/", "elasticsearch/"]
                .iter()
                .any(|p| x.path.starts_with(p))
        }) {
            assert!(
                x.contents.starts_with("# generated by infragen from "),
                "{}: {} lacks the header",
                name,
                x.path
            );
            assert!(!x.sources.is_empty(), "{name}: {} has no source", x.path);
        }
    }
}
