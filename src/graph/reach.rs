//! Does the network let a flow through? Security groups are evaluated the
//! way AWS does (union of the attached groups, stateful, default egress
//! open), and a flow between networks must cross a VPN whose subnets cover
//! both ends and be allowed at both gateways.

use super::flows::Flow;
use crate::model::*;
use std::net::IpAddr;

/// Why a flow is blocked, naming the host whose groups drop it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// No ingress rule on `at` admits the flow from `source`.
    Ingress { at: HostId, source: Option<IpAddr> },
    /// No egress rule on `at` lets the flow out towards `dest`.
    Egress { at: HostId, dest: Option<IpAddr> },
    /// The two networks are not joined by any VPN.
    NoRoute { from: NetworkId, to: NetworkId },
    /// The tunnel's subnets do not include this end's address.
    NotInTunnel { vpn: usize, host: HostId },
}

/// The path a flow takes between two networks.
pub struct Tunnel {
    pub vpn: usize,
    /// Gateway on the source side, then on the destination side.
    pub gateways: [HostId; 2],
}

pub fn tunnel_between(model: &Model, a: NetworkId, b: NetworkId) -> Option<Tunnel> {
    model.vpns.iter().enumerate().find_map(|(i, v)| {
        let (l, r) = (
            model.host_network(v.left.host),
            model.host_network(v.right.host),
        );
        if (l, r) == (a, b) {
            Some(Tunnel {
                vpn: i,
                gateways: [v.left.host, v.right.host],
            })
        } else if (r, l) == (a, b) {
            Some(Tunnel {
                vpn: i,
                gateways: [v.right.host, v.left.host],
            })
        } else {
            None
        }
    })
}

/// Evaluates one flow; `Ok` when every hop lets it through.
pub fn check(model: &Model, flow: &Flow) -> Result<(), Block> {
    let (from_net, to_net) = (model.host_network(flow.from), model.host_network(flow.to));
    if from_net == to_net || flow.purpose.is_tunnel_control() {
        // Same network, or gateway-to-gateway over the internet: each end
        // sees the other's address as it arrives (public across networks).
        let src = model.host_seen_address(flow.from, Some(to_net));
        let dst = model.host_seen_address(flow.to, Some(from_net));
        egress(model, flow, flow.from, dst, flow.to)?;
        return ingress(model, flow, flow.to, src, flow.from);
    }
    let Some(tunnel) = tunnel_between(model, from_net, to_net) else {
        return Err(Block::NoRoute {
            from: from_net,
            to: to_net,
        });
    };
    let vpn = &model.vpns[tunnel.vpn];
    let (src_side, dst_side) = if vpn.left.host == tunnel.gateways[0] {
        (&vpn.left, &vpn.right)
    } else {
        (&vpn.right, &vpn.left)
    };
    // Inside the tunnel, packets keep their private addresses.
    let src = model.host(flow.from).address;
    let dst = model.host(flow.to).address;
    for (end, host, addr) in [(src_side, flow.from, src), (dst_side, flow.to, dst)] {
        let covered = addr.is_some_and(|a| {
            end.subnets
                .iter()
                .flat_map(|p| model.peer_cidrs(p, None))
                .any(|c| c.contains(&a))
        });
        if !covered {
            return Err(Block::NotInTunnel {
                vpn: tunnel.vpn,
                host,
            });
        }
    }
    egress(model, flow, flow.from, dst, flow.to)?;
    for gw in tunnel.gateways {
        if gw != flow.from && gw != flow.to {
            ingress(model, flow, gw, src, flow.from)?;
        }
    }
    ingress(model, flow, flow.to, src, flow.from)
}

fn ingress(
    model: &Model,
    flow: &Flow,
    at: HostId,
    src: Option<IpAddr>,
    src_host: HostId,
) -> Result<(), Block> {
    let host = model.host(at);
    if host.settings.security_groups.is_empty() && model.host_cloud(at) == Cloud::Azure {
        return Ok(()); // A NIC without an NSG filters nothing.
    }
    let net = model.host_network(at);
    let allowed = host.settings.security_groups.iter().any(|sg| {
        model.sg(*sg).ingress.iter().any(|r| {
            r.covers(flow.proto, flow.port) && peer_matches(model, &r.peer, src, src_host, net)
        })
    });
    if allowed {
        Ok(())
    } else {
        Err(Block::Ingress { at, source: src })
    }
}

fn egress(
    model: &Model,
    flow: &Flow,
    at: HostId,
    dst: Option<IpAddr>,
    dst_host: HostId,
) -> Result<(), Block> {
    let host = model.host(at);
    let groups = &host.settings.security_groups;
    // Each group without egress rules keeps the default "all outbound".
    if groups.is_empty() || groups.iter().any(|sg| !model.sg(*sg).egress_declared) {
        return Ok(());
    }
    let net = model.host_network(at);
    let allowed = groups.iter().any(|sg| {
        model.sg(*sg).egress.iter().any(|r| {
            r.covers(flow.proto, flow.port) && peer_matches(model, &r.peer, dst, dst_host, net)
        })
    });
    if allowed {
        Ok(())
    } else {
        Err(Block::Egress { at, dest: dst })
    }
}

/// Does a rule's peer match the other end, seen with address `addr`?
fn peer_matches(
    model: &Model,
    peer: &Peer,
    addr: Option<IpAddr>,
    other: HostId,
    here: NetworkId,
) -> bool {
    match peer {
        // Group references match members of the same network only, by their
        // private address.
        Peer::Sg(id) => {
            model.host_network(other) == here
                && model.host(other).settings.security_groups.contains(id)
        }
        Peer::Host(id) => *id == other && addr.is_some(),
        _ => addr.is_some_and(|a| {
            model
                .peer_cidrs(peer, Some(here))
                .iter()
                .any(|c| c.contains(&a))
        }),
    }
}
