//! `ipsec/<gateway>/ipsec.conf` and `ipsec/<gateway>/ipsec.secrets` for
//! every VPN gateway: a strongSwan (starter/stroke) site-to-site tunnel per
//! `vpn` it ends (one `conn` each, one PSK entry per peer), PSK auth.
//!
//! Both gateways sit behind 1:1 NAT of their public address (an AWS Elastic
//! IP, an Azure static public IP): the host only sees its private address.
//! So each side writes `left=<private address>` (the address IKE binds to)
//! and `leftid=<public address>` (who it is to the peer), and names the peer
//! by its public address in both `right` and `rightid`. NAT traversal
//! (UDP 4500) is detected and used automatically.
//!
//! The spec's `left` gateway initiates (`auto=start`, retrying forever); the
//! `right` one installs trap policies (`auto=route`), so traffic from its
//! side also brings the tunnel up, but both never race to start it at boot.
//! Everything else is the same on both sides with left and right swapped
//! (tests/consistency_services.rs checks the mirror).

use super::text::Text;
use super::{Artifact, EmitContext, Emitter};
use crate::model::{HostId, Model, Vpn, VpnEnd};
use std::fmt::Write as _;

pub struct Ipsec;

/// Proposals when the spec gives none: AES-256, SHA-256, MODP-2048 (the
/// strongSwan security recommendations' floor); ESP with PFS.
const DEFAULT_IKE: &str = "aes256-sha256-modp2048";
const DEFAULT_ESP: &str = "aes256-sha256-modp2048";

impl Emitter for Ipsec {
    fn name(&self) -> &'static str {
        "ipsec"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        // A gateway may end several tunnels (hub and spoke): it gets one
        // ipsec.conf with a `conn` per tunnel and one ipsec.secrets with an
        // entry per peer. Gateways in order of their first tunnel.
        let mut gateways: Vec<(HostId, Vec<Tunnel>)> = Vec::new();
        for vpn in &ctx.model.vpns {
            for (local, remote, initiator) in [
                (&vpn.left, &vpn.right, true),
                (&vpn.right, &vpn.left, false),
            ] {
                let Some(side) = Side::new(ctx.model, local, remote) else {
                    continue;
                };
                let t = Tunnel {
                    vpn,
                    side,
                    initiator,
                };
                match gateways.iter_mut().find(|(h, _)| *h == local.host) {
                    Some((_, tunnels)) => tunnels.push(t),
                    None => gateways.push((local.host, vec![t])),
                }
            }
        }
        for (host, tunnels) in &gateways {
            let gw = ctx.model.host(*host);
            let src = |mut a: Artifact| {
                for t in tunnels {
                    a = a.source(format!("vpn {}", t.vpn.name), ctx.line(t.vpn.span));
                }
                a.source(format!("host {}", gw.name), ctx.line(gw.span))
            };
            out.push(src(Artifact::new(
                format!("ipsec/{}/ipsec.conf", gw.name),
                conf(ctx, tunnels),
            )));
            if tunnels.iter().any(|t| t.vpn.psk_env.is_some()) {
                out.push(
                    src(Artifact::new(
                        format!("ipsec/{}/ipsec.secrets", gw.name),
                        secrets(ctx, tunnels),
                    ))
                    .secret(),
                );
            }
        }
    }
}

/// One tunnel as one of its gateways sees it.
struct Tunnel<'m> {
    vpn: &'m Vpn,
    side: Side,
    /// This gateway is the spec's `left` end.
    initiator: bool,
}

/// One gateway's view of the tunnel.
struct Side {
    name: String,
    peer_name: String,
    /// Private address the gateway's IKE daemon binds to.
    local_addr: String,
    /// Public address (IKE identity) of this gateway, or `@name` without one.
    local_id: String,
    /// The peer's public address, or `%any` when it has none fixed.
    remote_addr: String,
    remote_id: String,
    local_subnets: String,
    remote_subnets: String,
    /// The peer has no fixed public address: this side can only respond.
    peer_unknown: bool,
}

impl Side {
    fn new(model: &Model, local: &VpnEnd, remote: &VpnEnd) -> Option<Side> {
        let lh = model.host(local.host);
        let rh = model.host(remote.host);
        let subnets = |end: &VpnEnd| {
            let net = Some(model.host_network(end.host));
            let cidrs: Vec<String> = end
                .subnets
                .iter()
                .flat_map(|p| model.peer_cidrs(p, net))
                .map(|c| c.to_string())
                .collect();
            cidrs.join(",")
        };
        let id = |h: &crate::model::Host| match &h.public_address {
            Some(p) => p.value.to_string(),
            None => format!("@{}", h.name),
        };
        Some(Side {
            name: lh.name.clone(),
            peer_name: rh.name.clone(),
            local_addr: lh.address?.to_string(),
            local_id: id(lh),
            remote_addr: rh
                .public_address
                .as_ref()
                .map(|p| p.value.to_string())
                .unwrap_or_else(|| "%any".into()),
            remote_id: id(rh),
            local_subnets: subnets(local),
            remote_subnets: subnets(remote),
            peer_unknown: rh.public_address.is_none(),
        })
    }
}

/// strongSwan time value in whole seconds (rounded up).
fn secs(ms: u64) -> String {
    format!("{}s", ms.div_ceil(1000))
}

/// A proposal list made strict: without the trailing `!` charon appends
/// its own defaults and may settle on something weaker.
fn strict(p: &str) -> String {
    let p = p.trim();
    if p.ends_with('!') {
        p.to_string()
    } else {
        format!("{p}!")
    }
}

fn conf(ctx: &EmitContext, tunnels: &[Tunnel]) -> String {
    let mut t = Text::new(ctx.header("#"));
    for tunnel in tunnels {
        let (vpn, s) = (tunnel.vpn, &tunnel.side);
        let nat = if s.local_id.starts_with('@') {
            "no fixed public address".to_string()
        } else {
            format!("behind 1:1 NAT of {}", s.local_id)
        };
        t.line(
            0,
            format!(
                "# Tunnel {}: this gateway {} ({}, {nat}) <-> {} ({}).",
                vpn.name, s.name, s.local_addr, s.peer_name, s.remote_addr
            ),
        );
    }
    t.line(0, "config setup");
    t.line(4, "# IKE and kernel events at level 1: enough to see why a tunnel failed, without key material.");
    t.line(4, "charondebug=\"ike 1, knl 1, cfg 1\"");
    t.line(4, "uniqueids=yes");
    for tunnel in tunnels {
        t.blank();
        conn(&mut t, tunnel);
    }
    t.finish()
}

fn conn(t: &mut Text, tunnel: &Tunnel) {
    let (vpn, s, initiator) = (tunnel.vpn, &tunnel.side, tunnel.initiator);
    let v2 = vpn.ike_version.value != 1;
    t.line(0, format!("conn {}", vpn.name));
    t.line(4, "type=tunnel");
    t.line(
        4,
        format!("keyexchange={}", if v2 { "ikev2" } else { "ikev1" }),
    );
    if v2 {
        t.line(4, "leftauth=psk");
        t.line(4, "rightauth=psk");
    } else {
        t.line(4, "authby=secret");
    }
    t.line(4, format!("left={}", s.local_addr));
    t.line(4, format!("leftid={}", s.local_id));
    t.line(4, format!("leftsubnet={}", s.local_subnets));
    t.line(4, format!("right={}", s.remote_addr));
    t.line(4, format!("rightid={}", s.remote_id));
    t.line(4, format!("rightsubnet={}", s.remote_subnets));
    let ike = vpn.ike.as_ref().map_or(DEFAULT_IKE, |p| p.value.as_str());
    let esp = vpn.esp.as_ref().map_or(DEFAULT_ESP, |p| p.value.as_str());
    t.line(4, format!("ike={}", strict(ike)));
    t.line(4, format!("esp={}", strict(esp)));
    t.line(4, format!("dpddelay={}", secs(vpn.dpd.delay_ms)));
    if !v2 {
        // IKEv2 ignores dpdtimeout: its retransmission timeout decides.
        t.line(4, format!("dpdtimeout={}", secs(vpn.dpd.timeout_ms)));
    }
    t.line(4, format!("dpdaction={}", vpn.dpd.action));
    t.line(4, "keyingtries=%forever");
    let auto = if s.peer_unknown {
        // Nothing to initiate to: wait for the peer.
        "add"
    } else if initiator || s.local_id.starts_with('@') {
        // The peer cannot dial a gateway without a fixed public address.
        "start"
    } else {
        "route"
    };
    t.line(4, format!("auto={auto}"));
}

fn secrets(ctx: &EmitContext, tunnels: &[Tunnel]) -> String {
    let mut t = Text::new(ctx.header("#"));
    for tunnel in tunnels {
        let (vpn, s) = (tunnel.vpn, &tunnel.side);
        let Some(env) = &vpn.psk_env else { continue };
        t.line(
            0,
            format!(
                "# Pre-shared key of tunnel {} (from ${env} at deploy time unless filled by --secrets-from-env). Mode 0600.",
                vpn.name
            ),
        );
        t.line(
            0,
            format!(
                "{} {} : PSK {}",
                s.local_id,
                s.remote_id,
                psk(&ctx.secret(env))
            ),
        );
    }
    t.finish()
}

/// A PSK as ipsec.secrets reads it: in double quotes, or hex-encoded
/// (`0x…`) when it holds a double quote or a line break, which quotes
/// cannot carry.
fn psk(value: &str) -> String {
    if value.contains(['"', '\n', '\r']) {
        let mut hex = String::from("0x");
        for b in value.bytes() {
            let _ = write!(hex, "{b:02x}");
        }
        hex
    } else {
        format!("\"{value}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psk_quotes_or_hex_encodes() {
        assert_eq!(psk("${IPSEC_PSK}"), "\"${IPSEC_PSK}\"");
        assert_eq!(psk("a\"b"), "0x612262");
    }

    #[test]
    fn proposals_end_with_a_bang_once() {
        assert_eq!(strict("aes256-sha256-modp2048"), "aes256-sha256-modp2048!");
        assert_eq!(strict("aes256-sha256!"), "aes256-sha256!");
    }
}
