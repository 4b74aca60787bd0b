//! Live proof, part 2 (issue 6): the two `ipsec.conf`/`ipsec.secrets`
//! infragen writes for a site-to-site tunnel bring up a real IKEv2 tunnel
//! between two real charon daemons, traffic between the two tunnelled
//! networks crosses it, and a wrong PSK fails with AUTHENTICATION_FAILED.
//! Gated by `INFRAGEN_LIVE=1` (tests/scripts/test.sh sets it); see
//! docs/live-tests.md.
//!
//! Two network namespaces play the gateways, joined by a veth pair that
//! carries their public addresses (documentation ranges). As in the clouds
//! infragen targets, each gateway only owns its private address (on `lo`,
//! with one address of its tunnelled network) and sits behind a 1:1 NAT of
//! its public address (nftables inside its namespace). This kernel has no
//! ESP xfrm, so charon uses `kernel-libipsec` (user-space ESP over a TUN
//! device); that is a setting of charon's own strongswan.conf, written here,
//! not of infragen's files, which are loaded unchanged.

#[path = "support/build.rs"]
mod build;
#[path = "support/live.rs"]
mod live;
#[path = "support/tools.rs"]
mod tools;

use infragen::emit::Secrets;
use infragen::lock::AddressLock;
use live::{Deadline, Live};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(120);
const PSK_VAR: &str = "LIVE_VPN_PSK";

/// The test estate: two networks, one gateway in each, a tunnel between them.
const SPEC: &str = r#"
project "live-vpn" {
    owner "ci@infragen.invalid"
}
baseline {
    admin "ci" ssh-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNy ci@example"
}

vpc "a" region="us-east-1" cidr="10.101.0.0/16" {
    subnet "gw" zone="us-east-1a" cidr="10.101.0.0/24"
}

vnet "b" region="westeurope" resource-group="live-vpn" cidr="10.102.0.0/16" {
    subnet "gw" cidr="10.102.0.0/24"
}

fleet {
    host "gw-a" type="t3.small" os="ubuntu-24.04" address="10.101.0.10" public-address="192.0.2.1" {
        subnets "a/gw"
        security-groups "vpn-a"
    }
    host "gw-b" type="Standard_B2s" os="ubuntu-24.04" address="10.102.0.10" public-address="198.51.100.1" {
        subnets "b/gw"
        security-groups "vpn-b"
    }
}

security-group "vpn-a" vpc="a" {
    ingress "udp" 500 from="host:gw-b" description="IKE"
    ingress "udp" 4500 from="host:gw-b" description="IPsec NAT traversal"
    ingress "esp" from="host:gw-b" description="IPsec ESP"
    ingress "all" from="vnet:b" description="Traffic from b through the tunnel"
    ingress "all" from="vpc:a" description="Traffic into the tunnel"
}

security-group "vpn-b" vnet="b" {
    ingress "udp" 500 from="host:gw-a" description="IKE"
    ingress "udp" 4500 from="host:gw-a" description="IPsec NAT traversal"
    ingress "esp" from="host:gw-a" description="IPsec ESP"
    ingress "all" from="vpc:a" description="Traffic from a through the tunnel"
    ingress "all" from="vnet:b" description="Traffic into the tunnel"
}

vpn "a-b" {
    left host="gw-a" subnets="vpc:a"
    right host="gw-b" subnets="vnet:b"
    ike "aes256-sha256-modp2048"
    esp "aes256-sha256-modp2048"
    psk-env "LIVE_VPN_PSK"
    dpd delay="10s" action="restart"
}
"#;

/// One gateway of the test: its name in the spec, private and public
/// address, and an address of its tunnelled network that is not the
/// gateway's own (a "workload" behind it).
struct Gateway {
    name: &'static str,
    private: &'static str,
    public: &'static str,
    inside: &'static str,
}

const A: Gateway = Gateway {
    name: "gw-a",
    private: "10.101.0.10",
    public: "192.0.2.1",
    inside: "10.101.1.1",
};
const B: Gateway = Gateway {
    name: "gw-b",
    private: "10.102.0.10",
    public: "198.51.100.1",
    inside: "10.102.1.1",
};

/// charon's own daemon settings (not an infragen output): the user-space
/// IPsec backend this kernel needs, and a debug log file.
fn strongswan_conf(log: &Path) -> String {
    format!(
        "# written by tests/live_ipsec.rs (charon's daemon settings, not an infragen output)
charon {{
  load_modular = yes
  plugins {{
    include strongswan.d/charon/*.conf
    kernel-libipsec {{
      load = yes
    }}
  }}
  filelog {{
    live {{
      path = {}
      time_format = %T
      default = 1
      ike = 2
      knl = 1
      cfg = 2
      flush_line = yes
    }}
  }}
}}
include strongswan.d/*.conf
",
        log.display()
    )
}

/// nftables rules for a 1:1 NAT of `gw`'s private address to its public
/// one on interface `dev` (what an AWS Elastic IP / Azure public IP does).
fn nat_rules(gw: &Gateway, dev: &str) -> String {
    format!(
        "table ip infragen_live_nat {{
  chain pre {{
    type nat hook prerouting priority dstnat; policy accept;
    iifname \"{dev}\" ip daddr {public} dnat to {private}
  }}
  chain post {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname \"{dev}\" ip saddr {private} snat to {public}
  }}
}}
",
        public = gw.public,
        private = gw.private,
    )
}

/// Starts starter+charon inside `ns` with `dir`'s files mounted over
/// /etc/ipsec.conf, /etc/ipsec.secrets, /etc/strongswan.conf and /run (a
/// private mount namespace), as the oracle scripts did.
const STARTER: &str = r#"set -e
mount --bind "$1/run" /run
mount --bind "$1/ipsec.conf" /etc/ipsec.conf
mount --bind "$1/ipsec.secrets" /etc/ipsec.secrets
mount --bind "$1/strongswan.conf" /etc/strongswan.conf
exec /usr/lib/ipsec/starter --nofork"#;

/// Runs a command with `dir/run` as /run, to reach that namespace's charon.
const WITH_RUN: &str = r#"mount --bind "$0/run" /run && exec "$@""#;

struct Site {
    ns: String,
    dir: PathBuf,
}

struct Tunnel {
    live: Live,
    deadline: Deadline,
    a: Site,
    b: Site,
}

impl Tunnel {
    /// Builds the spec with `psk_a` for gateway A's files and `psk_b` for
    /// B's, sets up the two namespaces, and starts B's charon (the responder).
    fn new(tag: &str, psk_a: &str, psk_b: &str) -> Self {
        let deadline = Deadline::new(DEADLINE);
        let mut live = Live::new(tag);
        let render = |psk: &str| {
            build::render_with(
                "live-vpn",
                SPEC,
                &AddressLock::default(),
                &Secrets::Values(BTreeMap::from([(PSK_VAR.to_string(), psk.to_string())])),
            )
        };
        let arts_a = render(psk_a);
        let arts_b = render(psk_b);
        let ns_a = live.netns("a");
        let ns_b = live.netns("b");
        // The "internet": a veth pair straight between the two namespaces
        // (created inside them, so no name is ever taken in the host's).
        live.ip(
            "",
            &[
                "link", "add", "pub-a", "netns", &ns_a, "type", "veth", "peer", "name", "pub-b",
                "netns", &ns_b,
            ],
        );
        let mut sites = Vec::new();
        for (gw, peer, ns, dev, arts) in [
            (&A, &B, &ns_a, "pub-a", &arts_a),
            (&B, &A, &ns_b, "pub-b", &arts_b),
        ] {
            live.ip(
                ns,
                &["addr", "add", &format!("{}/32", gw.public), "dev", dev],
            );
            live.ip(ns, &["link", "set", dev, "up"]);
            live.ip(
                ns,
                &["route", "add", &format!("{}/32", peer.public), "dev", dev],
            );
            for a in [gw.private, gw.inside] {
                live.ip(ns, &["addr", "add", &format!("{a}/32"), "dev", "lo"]);
            }
            let dir = live.path(gw.name);
            std::fs::create_dir_all(dir.join("run")).expect("mkdir run");
            let nft = dir.join("nat.nft");
            std::fs::write(&nft, nat_rules(gw, dev)).expect("write nat rules");
            let out = live.run_in(
                ns,
                None,
                10,
                &[Path::new("nft"), Path::new("-f"), &nft],
                &[],
            );
            assert!(
                out.status.success(),
                "nft -f {}: {}",
                nft.display(),
                live::stderr(&out)
            );
            for f in ["ipsec.conf", "ipsec.secrets"] {
                let path = format!("ipsec/{}/{f}", gw.name);
                let art = arts
                    .iter()
                    .find(|a| a.path == path)
                    .unwrap_or_else(|| panic!("infragen did not write {path}"));
                std::fs::write(dir.join(f), &art.contents).expect("write ipsec file");
            }
            live::set_mode(&dir.join("ipsec.secrets"), 0o600);
            let log = dir.join("charon.log");
            std::fs::write(dir.join("strongswan.conf"), strongswan_conf(&log))
                .expect("write strongswan.conf");
            live.add_log(&format!("charon {}", gw.name), log);
            sites.push(Site {
                ns: ns.clone(),
                dir,
            });
        }
        let b = sites.pop().expect("site b");
        let a = sites.pop().expect("site a");
        let mut t = Tunnel {
            live,
            deadline,
            a,
            b,
        };
        t.start("b");
        let ctl = t.b.dir.join("run/charon.ctl");
        t.deadline.wait_for(
            "charon of gw-b to listen",
            Duration::from_millis(100),
            || ctl.exists().then_some(()),
        );
        t
    }

    fn site(&self, which: &str) -> &Site {
        if which == "a" { &self.a } else { &self.b }
    }

    fn start(&mut self, which: &str) {
        let (ns, dir) = {
            let s = self.site(which);
            (s.ns.clone(), s.dir.to_string_lossy().into_owned())
        };
        self.live.spawn(
            &format!("starter-{which}"),
            &ns,
            None,
            &[
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                STARTER,
                "sh",
                &dir,
            ],
            &[],
        );
    }

    /// `ipsec status` against that side's charon.
    fn status(&self, which: &str) -> String {
        self.ipsec(which, "status")
    }

    /// `ipsec <cmd>` against that side's charon.
    fn ipsec(&self, which: &str, cmd: &str) -> String {
        let s = self.site(which);
        let dir = s.dir.to_string_lossy().into_owned();
        let out = self.live.run_in(
            &s.ns,
            None,
            10,
            &[
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                WITH_RUN,
                &dir,
                "ipsec",
                cmd,
            ],
            &[],
        );
        live::stdout(&out)
    }

    fn log(&self, which: &str) -> String {
        std::fs::read_to_string(self.site(which).dir.join("charon.log")).unwrap_or_default()
    }

    /// One ping from A's inside address to B's.
    fn ping(&self) -> bool {
        self.live
            .run_in(
                &self.a.ns,
                None,
                5,
                &["ping", "-n", "-c", "1", "-W", "1", "-I", A.inside, B.inside],
                &[],
            )
            .status
            .success()
    }
}

fn prerequisites() -> bool {
    for t in [
        "ip",
        "nft",
        "ping",
        "unshare",
        "ipsec",
        "/usr/lib/ipsec/starter",
    ] {
        if tools::require(t).is_none() {
            return false;
        }
    }
    for p in [
        "/usr/lib/ipsec/charon",
        "/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so",
    ] {
        if !Path::new(p).exists() {
            tools::missing(&format!("{p} (strongswan-charon, libcharon-extra-plugins)"));
            return false;
        }
    }
    if !Path::new("/dev/net/tun").exists() {
        tools::missing("/dev/net/tun (kernel-libipsec needs a TUN device)");
        return false;
    }
    true
}

fn psk(tag: &str) -> String {
    let n = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("live-{tag}-{n:x}-{}", std::process::id())
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn ipsec_tunnel_from_generated_configs() {
    if !live::enabled("live_ipsec") || !prerequisites() {
        return;
    }
    let key = psk("ok");
    let mut t = Tunnel::new("vpn", &key, &key);
    // Setup time: from starting the initiator (gw-a, auto=start) to the
    // CHILD_SA INSTALLED, the responder already listening.
    let t0 = Instant::now();
    t.start("a");
    let (_, setup) = t.deadline.wait_for(
        "the tunnel to be INSTALLED on gw-a (`ipsec status`)",
        Duration::from_millis(200),
        || t.status("a").contains("INSTALLED").then_some(()),
    );
    let status_a = t.status("a");
    let status_b = t.status("b");
    eprintln!("--- ipsec status gw-a ---\n{status_a}\n--- ipsec status gw-b ---\n{status_b}");
    assert!(
        status_b.contains("INSTALLED"),
        "gw-b has no INSTALLED CHILD_SA:\n{status_b}"
    );
    for (s, want) in [
        (&status_a, "10.101.0.0/16 === 10.102.0.0/16"),
        (&status_b, "10.102.0.0/16 === 10.101.0.0/16"),
    ] {
        assert!(s.contains(want), "expected `{want}` in:\n{s}");
    }
    // The gateways are behind 1:1 NAT: charon must have noticed and moved to UDP 4500.
    let log_a = t.log("a");
    assert!(
        log_a.contains("local host is behind NAT") && status_a.contains("ESP in UDP"),
        "no NAT traversal (ESP in UDP) on gw-a:\n{status_a}"
    );
    let (_, ping_wait) = t.deadline.wait_for(
        &format!("a ping {} -> {} across the tunnel", A.inside, B.inside),
        Duration::from_millis(200),
        || t.ping().then_some(()),
    );
    let total = t0.elapsed();
    // The ping really crossed the tunnel: charon's libipsec counted the bytes.
    let status_a = t.ipsec("a", "statusall");
    let bytes_in = status_a
        .lines()
        .find(|l| l.contains("bytes_i"))
        .unwrap_or("")
        .to_string();
    eprintln!(
        "TUNNEL: INSTALLED {:.2}s after the initiator started; first ping across it after {:.2}s \
         (+{:.2}s); {}",
        setup.as_secs_f64(),
        total.as_secs_f64(),
        ping_wait.as_secs_f64(),
        bytes_in.trim()
    );
    assert!(
        !bytes_in.is_empty() && !bytes_in.contains(" 0 bytes_i,"),
        "no traffic counted on the CHILD_SA:\n{status_a}"
    );
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn ipsec_wrong_psk_fails_authentication() {
    if !live::enabled("live_ipsec") || !prerequisites() {
        return;
    }
    let mut t = Tunnel::new("vpnbad", &psk("a"), &psk("b"));
    t.start("a");
    let (_, took) = t.deadline.wait_for(
        "AUTHENTICATION_FAILED in gw-a's charon log",
        Duration::from_millis(200),
        || t.log("a").contains("AUTHENTICATION_FAILED").then_some(()),
    );
    let status = t.status("a");
    assert!(
        !status.contains("INSTALLED"),
        "a tunnel came up with mismatched PSKs:\n{status}"
    );
    let line = t
        .log("a")
        .lines()
        .find(|l| l.contains("AUTHENTICATION_FAILED"))
        .unwrap_or("")
        .to_string();
    // The responder checked the initiator's AUTH payload with its own key.
    let log_b = t.log("b");
    let responder = log_b
        .lines()
        .find(|l| l.contains("MAC mismatched"))
        .unwrap_or_else(|| panic!("gw-b did not log a PSK MAC mismatch:\n{log_b}"))
        .to_string();
    assert!(
        log_b.contains("N(AUTH_FAILED)"),
        "gw-b did not answer AUTHENTICATION_FAILED"
    );
    eprintln!(
        "WRONG PSK: rejected after {:.2}s; gw-a: {}; gw-b: {}",
        took.as_secs_f64(),
        line.trim(),
        responder.trim()
    );
}

/// Hub and spoke (issue 10): one gateway in two tunnels. Its single
/// ipsec.conf (a `conn` per tunnel) and ipsec.secrets (an entry per peer)
/// bring up both tunnels at once with two real spoke daemons.
const HUB_SPEC: &str = r#"
project "live-hub" {
    owner "ci@infragen.invalid"
}
baseline {
    admin "ci" ssh-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNy ci@example"
}

vnet "hub" region="westeurope" resource-group="live-hub" cidr="10.110.0.0/16" {
    subnet "gw" cidr="10.110.0.0/24"
}
vpc "east" region="us-east-1" cidr="10.111.0.0/16" {
    subnet "gw" zone="us-east-1a" cidr="10.111.0.0/24"
}
vpc "west" region="us-west-2" cidr="10.112.0.0/16" {
    subnet "gw" zone="us-west-2a" cidr="10.112.0.0/24"
}

fleet {
    defaults os="ubuntu-24.04" monitored=#false
    host "gw-hub" type="Standard_B2s" address="10.110.0.10" public-address="192.0.2.10" {
        subnets "hub/gw"
        security-groups "vpn-hub"
    }
    host "gw-east" type="t3.small" address="10.111.0.10" public-address="198.51.100.11" {
        subnets "east/gw"
        security-groups "vpn-east"
    }
    host "gw-west" type="t3.small" address="10.112.0.10" public-address="198.51.100.12" {
        subnets "west/gw"
        security-groups "vpn-west"
    }
}

security-group "vpn-hub" vnet="hub" {
    ingress "udp" 500 from="host:gw-east" description="IKE"
    ingress "udp" 4500 from="host:gw-east" description="IPsec NAT traversal"
    ingress "esp" from="host:gw-east" description="IPsec ESP"
    ingress "udp" 500 from="host:gw-west" description="IKE"
    ingress "udp" 4500 from="host:gw-west" description="IPsec NAT traversal"
    ingress "esp" from="host:gw-west" description="IPsec ESP"
    ingress "all" from="vpc:east" description="Traffic from east through its tunnel"
    ingress "all" from="vpc:west" description="Traffic from west through its tunnel"
    ingress "all" from="vnet:hub" description="Traffic into the tunnels"
}
security-group "vpn-east" vpc="east" {
    ingress "udp" 500 from="host:gw-hub" description="IKE"
    ingress "udp" 4500 from="host:gw-hub" description="IPsec NAT traversal"
    ingress "esp" from="host:gw-hub" description="IPsec ESP"
    ingress "all" from="vnet:hub" description="Traffic from the hub through the tunnel"
    ingress "all" from="vpc:east" description="Traffic into the tunnel"
}
security-group "vpn-west" vpc="west" {
    ingress "udp" 500 from="host:gw-hub" description="IKE"
    ingress "udp" 4500 from="host:gw-hub" description="IPsec NAT traversal"
    ingress "esp" from="host:gw-hub" description="IPsec ESP"
    ingress "all" from="vnet:hub" description="Traffic from the hub through the tunnel"
    ingress "all" from="vpc:west" description="Traffic into the tunnel"
}

vpn "hub-east" {
    left host="gw-hub" subnets="vnet:hub"
    right host="gw-east" subnets="vpc:east"
    psk-env "LIVE_PSK_EAST"
}
vpn "hub-west" {
    left host="gw-hub" subnets="vnet:hub"
    right host="gw-west" subnets="vpc:west"
    psk-env "LIVE_PSK_WEST"
}
"#;

const HUB: Gateway = Gateway {
    name: "gw-hub",
    private: "10.110.0.10",
    public: "192.0.2.10",
    inside: "10.110.1.1",
};
const EAST: Gateway = Gateway {
    name: "gw-east",
    private: "10.111.0.10",
    public: "198.51.100.11",
    inside: "10.111.1.1",
};
const WEST: Gateway = Gateway {
    name: "gw-west",
    private: "10.112.0.10",
    public: "198.51.100.12",
    inside: "10.112.1.1",
};

/// 1:1 NAT of `gw` on every `pub-*` interface of its namespace.
fn hub_nat_rules(gw: &Gateway) -> String {
    nat_rules(gw, "pub-*")
}

#[test]
#[ignore = "live: root and INFRAGEN_LIVE=1; tests/scripts/test.sh runs it"]
fn ipsec_hub_gateway_brings_up_both_tunnels() {
    if !live::enabled("live_ipsec") || !prerequisites() {
        return;
    }
    let deadline = Deadline::new(DEADLINE);
    let mut live = Live::new("hub");
    let secrets = Secrets::Values(BTreeMap::from([
        ("LIVE_PSK_EAST".to_string(), psk("east")),
        ("LIVE_PSK_WEST".to_string(), psk("west")),
    ]));
    let arts = build::render_with("live-hub", HUB_SPEC, &AddressLock::default(), &secrets);
    let hub_conf = &arts
        .iter()
        .find(|a| a.path == "ipsec/gw-hub/ipsec.conf")
        .expect("hub ipsec.conf")
        .contents;
    assert_eq!(hub_conf.matches("\nconn ").count(), 2, "{hub_conf}");

    let ns_hub = live.netns("hub");
    let ns_east = live.netns("east");
    let ns_west = live.netns("west");
    // Two "internet" links: hub–east and hub–west.
    for (spoke_ns, dev_hub, dev_spoke) in
        [(&ns_east, "pub-he", "pub-e"), (&ns_west, "pub-hw", "pub-w")]
    {
        live.ip(
            "",
            &[
                "link", "add", dev_hub, "netns", &ns_hub, "type", "veth", "peer", "name",
                dev_spoke, "netns", spoke_ns,
            ],
        );
    }
    let mut sites: Vec<Site> = Vec::new();
    for (gw, ns, links) in [
        (&HUB, &ns_hub, vec![("pub-he", &EAST), ("pub-hw", &WEST)]),
        (&EAST, &ns_east, vec![("pub-e", &HUB)]),
        (&WEST, &ns_west, vec![("pub-w", &HUB)]),
    ] {
        for (dev, peer) in &links {
            live.ip(
                ns,
                &["addr", "add", &format!("{}/32", gw.public), "dev", dev],
            );
            live.ip(ns, &["link", "set", dev, "up"]);
            live.ip(
                ns,
                &["route", "add", &format!("{}/32", peer.public), "dev", dev],
            );
        }
        for a in [gw.private, gw.inside] {
            live.ip(ns, &["addr", "add", &format!("{a}/32"), "dev", "lo"]);
        }
        let dir = live.path(gw.name);
        std::fs::create_dir_all(dir.join("run")).expect("mkdir run");
        let nft = dir.join("nat.nft");
        std::fs::write(&nft, hub_nat_rules(gw)).expect("write nat rules");
        let out = live.run_in(
            ns,
            None,
            10,
            &[Path::new("nft"), Path::new("-f"), &nft],
            &[],
        );
        assert!(out.status.success(), "nft -f: {}", live::stderr(&out));
        for f in ["ipsec.conf", "ipsec.secrets"] {
            let path = format!("ipsec/{}/{f}", gw.name);
            let art = arts
                .iter()
                .find(|a| a.path == path)
                .unwrap_or_else(|| panic!("infragen did not write {path}"));
            std::fs::write(dir.join(f), &art.contents).expect("write ipsec file");
        }
        live::set_mode(&dir.join("ipsec.secrets"), 0o600);
        let log = dir.join("charon.log");
        std::fs::write(dir.join("strongswan.conf"), strongswan_conf(&log))
            .expect("write strongswan.conf");
        live.add_log(&format!("charon {}", gw.name), log);
        sites.push(Site {
            ns: ns.clone(),
            dir,
        });
    }
    let start = |live: &mut Live, name: &str, s: &Site| {
        let dir = s.dir.to_string_lossy().into_owned();
        live.spawn(
            &format!("starter-{name}"),
            &s.ns,
            None,
            &[
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                STARTER,
                "sh",
                &dir,
            ],
            &[],
        );
    };
    let ipsec = |live: &Live, s: &Site, cmd: &str| {
        let dir = s.dir.to_string_lossy().into_owned();
        let out = live.run_in(
            &s.ns,
            None,
            10,
            &[
                "unshare",
                "-m",
                "--propagation",
                "private",
                "sh",
                "-c",
                WITH_RUN,
                &dir,
                "ipsec",
                cmd,
            ],
            &[],
        );
        live::stdout(&out)
    };
    // The spokes answer (auto=route); the hub starts both tunnels.
    for (i, name) in [(1, "east"), (2, "west")] {
        start(&mut live, name, &sites[i]);
        let ctl = sites[i].dir.join("run/charon.ctl");
        deadline.wait_for(
            &format!("charon of gw-{name} to listen"),
            Duration::from_millis(100),
            || ctl.exists().then_some(()),
        );
    }
    let t0 = Instant::now();
    start(&mut live, "hub", &sites[0]);
    deadline.wait_for(
        "both tunnels INSTALLED on gw-hub (`ipsec status`)",
        Duration::from_millis(200),
        || {
            (ipsec(&live, &sites[0], "status")
                .matches("INSTALLED")
                .count()
                >= 2)
                .then_some(())
        },
    );
    let status = ipsec(&live, &sites[0], "status");
    eprintln!("--- ipsec status gw-hub ---\n{status}");
    for want in [
        "10.110.0.0/16 === 10.111.0.0/16",
        "10.110.0.0/16 === 10.112.0.0/16",
    ] {
        assert!(status.contains(want), "expected `{want}` in:\n{status}");
    }
    for spoke in [&EAST, &WEST] {
        let ns = &ns_hub;
        deadline.wait_for(
            &format!(
                "a ping {} -> {} across its tunnel",
                HUB.inside, spoke.inside
            ),
            Duration::from_millis(200),
            || {
                live.run_in(
                    ns,
                    None,
                    5,
                    &[
                        "ping",
                        "-n",
                        "-c",
                        "1",
                        "-W",
                        "1",
                        "-I",
                        HUB.inside,
                        spoke.inside,
                    ],
                    &[],
                )
                .status
                .success()
                .then_some(())
            },
        );
    }
    eprintln!(
        "HUB: both tunnels INSTALLED and pinged through {:.2}s after the hub started",
        t0.elapsed().as_secs_f64()
    );
}
