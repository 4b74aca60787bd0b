//! Synthetic specs for benchmarks and load tests.
//!
//!     cargo run --release --example gen -- --hosts 10000 [--seed 7] > /tmp/10k.kdl
//!
//! Prints a valid spec in the style of `examples/reference.kdl` with exactly
//! `--hosts` hosts: one VPC with a public /24 and as many private /20s as the
//! fleet needs, application groups of varied sizes (each with its own security
//! group), a Patroni PostgreSQL cluster with etcd and HAProxy, an Elasticsearch
//! cluster, Prometheus + Grafana with alerts, a StrongSwan VPN to an Azure
//! VNet, and an address-set. The same `--hosts`/`--seed` always print the
//! same text (a small LCG, no `rand`).
//!
//!     cargo run --release --example gen -- --hosts 1000000 --groups 100
//!
//! With `--groups`, prints a scale test instead: N hosts in G equal groups
//! spread over as many VPCs as they need ([`generate_groups`]).
//!
//! `tests/benches/lint.rs` and `tests/robustness.rs` include this file as a module
//! and call [`generate`].

use std::fmt::Write;

/// Hosts that are always there: haproxy, monitor, bastion, the two VPN
/// gateways, and three members each for db, etcd and search.
const FIXED_HOSTS: usize = 5 + 3 * 3;
/// Usable addresses of a /20 (AWS reserves 5).
const PER_SUBNET: usize = 4096 - 5;
/// Private /20s (an even number: one per zone of each pair) that fit in the
/// /16 next to the public /24.
const MAX_SUBNETS: usize = 14;
/// Fill subnets to at most this share, so round-robin never overflows one.
const FILL_PERCENT: usize = 90;
pub const MIN_HOSTS: usize = FIXED_HOSTS + 2;
pub const MAX_HOSTS: usize = MAX_SUBNETS * PER_SUBNET * FILL_PERCENT / 100;

const TIERS: &[&str] = &[
    "web", "api", "worker", "cache", "queue", "batch", "auth", "billing", "media", "report",
    "gateway", "ingest", "notify", "export",
];

/// Knuth's MMIX LCG; the high bits are good enough to pick sizes.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// Uniform-ish in lo..=hi.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() as usize) % (hi - lo + 1)
    }
}

struct Group {
    name: String,
    sg: &'static str,
    count: usize,
    os: Option<&'static str>,
    subnets: [usize; 2],
}

/// A spec with exactly `hosts` hosts. Panics outside MIN_HOSTS..=MAX_HOSTS
/// (a developer tool; `main` checks the range first).
pub fn generate(hosts: usize, seed: u64) -> String {
    assert!(
        (MIN_HOSTS..=MAX_HOSTS).contains(&hosts),
        "--hosts must be {MIN_HOSTS}..={MAX_HOSTS}"
    );
    let mut rng = Lcg(seed ^ 0x9e37_79b9_7f4a_7c15);
    rng.next();

    // Private subnets: enough /20s for every private host at FILL_PERCENT, an
    // even number (two zones), at least two.
    let private_hosts = hosts - 3; // bastion and vpn-aws are public, vpn-azure in Azure
    let cap = PER_SUBNET * FILL_PERCENT / 100;
    let subnets = private_hosts.div_ceil(cap).max(2).next_multiple_of(2);
    let subnets = subnets.min(MAX_SUBNETS);
    let mut load = vec![0usize; subnets];
    load[0] += 2; // haproxy, monitor

    // Application groups: "app" (the database and search clients) takes about
    // a tenth, the rest is split into tiers of varied sizes.
    let mut remaining = hosts - FIXED_HOSTS;
    let mut groups = Vec::new();
    let app = (remaining / 10).clamp(1, 2000);
    groups.push(("app".to_string(), "app", app, None));
    remaining -= app;
    let legacy = (remaining / 50)
        .clamp(0, 40)
        .min(remaining.saturating_sub(1));
    if legacy > 0 {
        groups.push(("legacy".to_string(), "app", legacy, Some("ubuntu-14.04")));
        remaining -= legacy;
    }
    let mut k = 0;
    while remaining > 0 {
        let tier = TIERS[k % TIERS.len()];
        // Mostly small groups, now and then a big one.
        let size = match rng.range(0, 9) {
            0 => rng.range(100, 400),
            1..=3 => rng.range(20, 100),
            _ => rng.range(1, 20),
        }
        .min(remaining);
        groups.push((format!("{tier}-{}", k / TIERS.len() + 1), tier, size, None));
        remaining -= size;
        k += 1;
    }

    // Place each group on the pair of subnets (one per zone) with the most room.
    let mut placed = Vec::new();
    for (name, sg, count, os) in groups {
        let pair = (0..subnets / 2)
            .min_by_key(|p| load[2 * p] + load[2 * p + 1])
            .unwrap_or(0);
        let (a, b) = (2 * pair, 2 * pair + 1);
        load[a] += count.div_ceil(2);
        load[b] += count / 2;
        placed.push(Group {
            name,
            sg,
            count,
            os,
            subnets: [a, b],
        });
    }
    // db, etcd and search members spread over the first pair.
    load[0] += 6;
    load[1] += 3;
    debug_assert!(load.iter().all(|&l| l <= PER_SUBNET));

    let mut s = String::with_capacity(hosts * 160 + 8192);
    let tiers_used: Vec<&str> = TIERS.iter().copied().take(k.min(TIERS.len())).collect();
    write_head(&mut s, hosts, seed, subnets);
    write_fleet(&mut s, &placed);
    write_security_groups(&mut s, &tiers_used);
    s.push_str(TAIL);
    s
}

fn subnet_name(i: usize) -> String {
    format!("private-{}", i + 1)
}

fn write_head(s: &mut String, hosts: usize, seed: u64, subnets: usize) {
    let _ = writeln!(
        s,
        "// Synthetic estate: {hosts} hosts, seed {seed}.\n\
         // cargo run --release --example gen -- --hosts {hosts} --seed {seed}\n"
    );
    s.push_str(
        r#"project "synth" {
    owner "sre@synth.example"
    tag "env" "bench"
    terraform-backend "s3" bucket="synth-tfstate" key="bench/infragen.tfstate" region="us-east-1" lock-table="synth-tf-locks"
}

address-set "office" {
    cidr "203.0.113.0/24"
    cidr "198.51.100.7/32"
}

vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "public-a" zone="us-east-1a" cidr="10.10.0.0/24" public=#true
"#,
    );
    for i in 0..subnets {
        let zone = if i % 2 == 0 { "a" } else { "b" };
        let _ = writeln!(
            s,
            "    subnet \"{}\" zone=\"us-east-1{zone}\" cidr=\"10.10.{}.0/20\"",
            subnet_name(i),
            16 * (i + 1)
        );
    }
    s.push_str(
        r#"}

vnet "dr" region="centralindia" resource-group="synth-dr" cidr="10.20.0.0/16" {
    subnet "gateway" cidr="10.20.0.0/24"
    subnet "workloads" cidr="10.20.1.0/24"
}

baseline {
    admin "alice" ssh-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHd3bm9uZ2tleWZvcmFsaWNlAAAAAAAAAAAAAAAA alice@synth"
    domain "bench.synth.internal"
    packages "curl" "htop" "jq" "vim"
    docker log-driver="json-file" log-max-size="50m" log-max-file=5 storage-driver="overlay2"
    network-tuning profile="high-traffic"
    command-log path="/var/log/commands.log"
}
"#,
    );
}

fn write_fleet(s: &mut String, groups: &[Group]) {
    s.push_str("\nfleet {\n    defaults os=\"ubuntu-22.04\" key-pair=\"ops-2026\"\n\n");
    for g in groups {
        let _ = write!(s, "    group \"{}\" count={} type=", g.name, g.count);
        s.push_str(match g.count % 3 {
            0 => "\"m5.large\"",
            1 => "\"c5.xlarge\"",
            _ => "\"t3.large\"",
        });
        if let Some(os) = g.os {
            let _ = write!(s, " os=\"{os}\"");
        }
        let _ = writeln!(
            s,
            " {{\n        subnets \"core/{}\" \"core/{}\"\n        security-groups \"{}\" \"node-exporter\"\n        tag \"service\" \"{}\"\n    }}",
            subnet_name(g.subnets[0]),
            subnet_name(g.subnets[1]),
            g.sg,
            g.sg
        );
    }
    let (a, b) = (subnet_name(0), subnet_name(1));
    let _ = write!(
        s,
        r#"    group "db" count=3 type="r5.2xlarge" volume-size=500 {{
        subnets "core/{a}" "core/{b}"
        security-groups "db" "node-exporter"
    }}
    group "etcd" count=3 type="t3.small" {{
        subnets "core/{a}" "core/{b}"
        security-groups "etcd" "node-exporter"
    }}
    group "search" count=3 type="r5.2xlarge" volume-size=1000 {{
        subnets "core/{a}" "core/{b}"
        security-groups "search" "node-exporter"
    }}
    host "haproxy" type="t3.medium" {{
        subnets "core/{a}"
        security-groups "haproxy" "node-exporter"
    }}
    host "monitor" type="m5.large" {{
        subnets "core/{a}"
        security-groups "monitoring" "node-exporter"
    }}
    host "bastion" type="t3.micro" public-ip=#true {{
        subnets "core/public-a"
        security-groups "bastion" "node-exporter"
    }}
    host "vpn-aws" type="t3.small" public-address="198.51.100.10" {{
        subnets "core/public-a"
        security-groups "vpn" "node-exporter"
    }}
    host "vpn-azure" type="Standard_B2s" public-address="192.0.2.20" {{
        subnets "dr/gateway"
        security-groups "vpn-azure"
    }}
}}
"#
    );
}

fn write_security_groups(s: &mut String, tiers: &[&str]) {
    for tier in tiers {
        let _ = writeln!(
            s,
            "\nsecurity-group \"{tier}\" vpc=\"core\" {{\n    ingress \"tcp\" 8080 from=\"vpc:core\" description=\"{tier} traffic\"\n    ingress \"tcp\" 22 from=\"sg:bastion\"\n}}"
        );
    }
}

/// Everything after the fleet: the reference's security groups, VPN,
/// monitoring and clusters.
const TAIL: &str = r#"
security-group "bastion" vpc="core" {
    ingress "tcp" 22 from="set:office" description="SSH from the office"
}
security-group "node-exporter" vpc="core" {
    ingress "tcp" 9100 from="sg:monitoring" description="Prometheus scrapes Node Exporter"
}
security-group "monitoring" vpc="core" {
    ingress "tcp" 3000 from="set:office" description="Grafana UI"
    ingress "tcp" 9090 from="set:office" description="Prometheus UI"
    ingress "tcp" 22 from="sg:bastion"
}
security-group "app" vpc="core" {
    ingress "tcp" 8080 from="vpc:core" description="Application traffic"
    ingress "tcp" 22 from="sg:bastion"
}
security-group "haproxy" vpc="core" {
    ingress "tcp" 5000 from="sg:app" description="PostgreSQL clients via HAProxy"
    ingress "tcp" 7000 from="set:office" description="HAProxy stats page"
    ingress "tcp" 22 from="sg:bastion"
}
security-group "db" vpc="core" {
    ingress "tcp" 5432 from="sg:haproxy" description="SQL from HAProxy"
    ingress "tcp" 5432 from="sg:db" description="Streaming replication"
    ingress "tcp" 8008 from="sg:haproxy" description="Patroni health checks"
    ingress "tcp" 8008 from="sg:db" description="Patroni REST between members"
    ingress "tcp" 9187 from="sg:monitoring" description="postgres_exporter"
    ingress "tcp" 22 from="sg:bastion"
}
security-group "etcd" vpc="core" {
    ingress "tcp" 2379 from="sg:db" description="Patroni DCS clients"
    ingress "tcp" 2380 from="sg:etcd" description="etcd peers"
    ingress "tcp" 22 from="sg:bastion"
}
security-group "search" vpc="core" {
    ingress "tcp" 9200 from="sg:app" description="Elasticsearch REST"
    ingress "tcp" 9300 from="sg:search" description="Elasticsearch transport"
    ingress "tcp" 22 from="sg:bastion"
}
security-group "vpn" vpc="core" {
    ingress "udp" 500 from="host:vpn-azure" description="IKE"
    ingress "udp" 4500 from="host:vpn-azure" description="IPsec NAT traversal"
    ingress "esp" from="host:vpn-azure" description="IPsec ESP"
    ingress "all" from="vnet:dr" description="Traffic from Azure through the tunnel"
    ingress "all" from="vpc:core" description="Traffic into the tunnel"
}
security-group "vpn-azure" vnet="dr" {
    ingress "udp" 500 from="host:vpn-aws" description="IKE"
    ingress "udp" 4500 from="host:vpn-aws" description="IPsec NAT traversal"
    ingress "esp" from="host:vpn-aws" description="IPsec ESP"
    ingress "all" from="vpc:core" description="Traffic from AWS through the tunnel"
}

vpn "aws-azure" {
    left host="vpn-aws" subnets="vpc:core"
    right host="vpn-azure" subnets="vnet:dr"
    ike "aes256-sha256-modp2048"
    esp "aes256-sha256"
    psk-env "IPSEC_PSK"
    dpd delay="30s" timeout="120s" action="restart"
}

monitoring {
    node-exporter version="1.8.1" port=9100
    prometheus host="monitor" port=9090 scrape-interval="15s" evaluation-interval="15s" retention="30d" {
        ec2-discovery region="us-east-1" {
            filter "instance-state-name" "running"
            relabel "server_name" from="tag:Name"
            relabel "instance_id" from="instance-id"
        }
    }
    grafana host="monitor" port=3000 {
        dashboard "node-overview"
        dashboard "postgres"
        contact-point "oncall-email" type="email" to="oncall@synth.example"
        contact-point "oncall-chat" type="googlechat" url-env="GCHAT_WEBHOOK_URL"
        default-contact-point "oncall-email"
    }
    alert "disk-usage" above=90 for="5m" severity="critical" notify="oncall-chat"
    alert "cpu-usage" above=80 for="5m" severity="warning"
    alert "memory-usage" above=90 for="10m" severity="warning"
    alert "instance-down" for="2m" severity="critical" notify="oncall-chat"
    alert "replication-lag" cluster="orders" above="60s" for="2m" severity="critical" notify="oncall-chat"
}

postgres-cluster "orders" version=15 {
    members group="db"
    etcd group="etcd"
    clients group="app"
    haproxy host="haproxy" port=5000 stats-port=7000 check-interval="3s" fall=3 rise=2
    patroni ttl=30 loop-wait=10 retry-timeout=10 maximum-lag-on-failover=1048576 use-pg-rewind=#true use-slots=#true
    replication-user "replicator" password-env="PG_REPLICATION_PASSWORD"
    superuser "postgres" password-env="PG_SUPERUSER_PASSWORD"
    exporter port=9187
    parameter "max_connections" "500"
}

elasticsearch-cluster "logs" version="6.8.23" {
    members group="search"
    clients group="app"
    heap "31g"
}
"#;

/// Usable addresses of an AWS subnet with this prefix (AWS reserves 5).
fn usable(prefix: u32) -> usize {
    (1usize << (32 - prefix)) - 5
}

/// A scale test, `--groups G`: `hosts` hosts in `groups` groups of equal
/// size (the first ones take the remainder), each group in its own subnet,
/// the subnets packed into as many /16 VPCs as they need (`10.K.0.0/16`),
/// one security group per VPC. Err when a group cannot fit one VPC (more
/// than 65 531 hosts) or the VPCs run out (256).
pub fn generate_groups(hosts: usize, groups: usize) -> Result<String, String> {
    if groups == 0 || hosts < groups {
        return Err("--groups must be 1..=--hosts".into());
    }
    let size = hosts.div_ceil(groups);
    let prefix = (16..=28)
        .rev()
        .find(|&p| usable(p) >= size)
        .ok_or_else(|| format!("a group of {size} hosts does not fit one /16 VPC (65 531)"))?;
    let per_vpc = 1usize << (prefix - 16);
    let vpcs = groups.div_ceil(per_vpc);
    if vpcs > 256 {
        return Err(format!("{vpcs} VPCs needed; at most 256"));
    }
    let mut s = String::with_capacity(groups * 300 + 4096);
    let _ = writeln!(
        s,
        "// Scale test: {hosts} hosts in {groups} groups.\n\
         // cargo run --release --example gen -- --hosts {hosts} --groups {groups}\n\n\
         project \"scale\" {{\n    owner \"sre@scale.example\"\n}}\n"
    );
    let step = 1usize << (32 - prefix);
    for v in 0..vpcs {
        let _ = writeln!(
            s,
            "vpc \"v{v}\" region=\"us-east-1\" cidr=\"10.{v}.0.0/16\" {{"
        );
        for g in (v * per_vpc..((v + 1) * per_vpc).min(groups)).map(|g| (g, g % per_vpc)) {
            let base = g.1 * step;
            let _ = writeln!(
                s,
                "    subnet \"s{}\" zone=\"us-east-1{}\" cidr=\"10.{v}.{}.{}/{prefix}\"",
                g.0,
                if g.0 % 2 == 0 { 'a' } else { 'b' },
                base >> 8,
                base & 255
            );
        }
        s.push_str("}\n");
        let _ = writeln!(
            s,
            "security-group \"app-{v}\" vpc=\"v{v}\" {{\n    ingress \"tcp\" 8080 from=\"vpc:v{v}\" description=\"app\"\n}}"
        );
    }
    s.push_str("\nfleet {\n    defaults os=\"ubuntu-22.04\" key-pair=\"ops\" type=\"m5.large\" monitored=#false\n");
    let mut left = hosts;
    for g in 0..groups {
        let count = left.div_ceil(groups - g);
        left -= count;
        let v = g / per_vpc;
        let _ = writeln!(
            s,
            "    group \"g{g}\" count={count} {{\n        subnets \"v{v}/s{g}\"\n        security-groups \"app-{v}\"\n    }}"
        );
    }
    s.push_str("}\n");
    Ok(s)
}

fn main() {
    let mut hosts = None;
    let mut groups = None;
    let mut seed = 1u64;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next();
        match (arg.as_str(), value.and_then(|v| v.parse::<u64>().ok())) {
            ("--hosts", Some(n)) => hosts = Some(n as usize),
            ("--seed", Some(s)) => seed = s,
            ("--groups", Some(g)) => groups = Some(g as usize),
            _ => {
                eprintln!(
                    "usage: gen --hosts N [--seed S]   ({MIN_HOSTS} <= N <= {MAX_HOSTS})\n       gen --hosts N --groups G"
                );
                std::process::exit(2);
            }
        }
    }
    if let (Some(n), Some(g)) = (hosts, groups) {
        match generate_groups(n, g) {
            Ok(spec) => print!("{spec}"),
            Err(e) => {
                eprintln!("gen: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    match hosts {
        Some(n) if (MIN_HOSTS..=MAX_HOSTS).contains(&n) => print!("{}", generate(n, seed)),
        _ => {
            eprintln!(
                "usage: gen --hosts N [--seed S]   ({MIN_HOSTS} <= N <= {MAX_HOSTS})\n       gen --hosts N --groups G"
            );
            std::process::exit(2);
        }
    }
}
