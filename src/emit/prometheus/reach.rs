//! Can Prometheus (or Grafana) reach a TCP port? Asked of the graph's reachability check with
//! a synthetic flow, and answered with the spec change that would open it.

use crate::graph::flows::{Flow, Purpose};
use crate::graph::reach::{Block, check};
use crate::model::*;
use crate::span::Span;

pub enum Verdict {
    Open,
    /// The spec change that would let the scrape through.
    Blocked(String),
}

/// Checks `from` → `to` on TCP `port` (a host reaching itself always works).
pub fn tcp(model: &Model, from: HostId, to: HostId, port: u16, origin: Span) -> Verdict {
    if from == to {
        return Verdict::Open;
    }
    let flow = Flow {
        // Any scrape purpose: `check` only asks whether it is tunnel control.
        purpose: Purpose::ScrapeNodeExporter,
        from,
        to,
        proto: Proto::Tcp,
        port: Some(port),
        origin,
    };
    match check(model, &flow) {
        Ok(()) => Verdict::Open,
        Err(block) => Verdict::Blocked(fix(model, &flow, &block)),
    }
}

/// One sentence naming the rule to add, in spec syntax.
fn fix(model: &Model, flow: &Flow, block: &Block) -> String {
    let port = flow.port.unwrap_or_default();
    let from = model.host(flow.from);
    match block {
        Block::Ingress { at, .. } => {
            let source = if model.host_network(*at) == model.host_network(flow.from) {
                match from.settings.security_groups.first() {
                    Some(sg) => format!("sg:{}", model.sg(*sg).name),
                    None => format!("host:{}", from.name),
                }
            } else {
                // Inside the tunnel packets keep their private address.
                cidr_of(from.address)
            };
            let rule = format!("ingress \"tcp\" {port} from=\"{source}\"");
            in_group(model, *at, &rule)
        }
        Block::Egress { dest, .. } => {
            let rule = format!("egress \"tcp\" {port} to=\"{}\"", cidr_of(Some(*dest)));
            in_group(model, flow.from, &rule)
        }
        Block::NoRoute { from, to } => format!(
            "no VPN joins {} `{}` and {} `{}`: add a `vpn` between them",
            model.network(*from).cloud.keyword(),
            model.network(*from).name,
            model.network(*to).cloud.keyword(),
            model.network(*to).name
        ),
        Block::NoPublicAddress { host } => format!(
            "VPN gateway `{}` has no public-address=: give it one",
            model.host(*host).name
        ),
        Block::NotInTunnel { vpn, host } => format!(
            "host `{}` is outside the subnets of vpn `{}`: add its network there",
            model.host(*host).name,
            model.vpns[*vpn].name
        ),
    }
}

fn in_group(model: &Model, at: HostId, rule: &str) -> String {
    let host = model.host(at);
    match host.settings.security_groups.first() {
        Some(sg) => format!("add `{rule}` to security-group \"{}\"", model.sg(*sg).name),
        None => format!("give host `{}` a security group with `{rule}`", host.name),
    }
}

fn cidr_of(addr: Option<std::net::IpAddr>) -> String {
    match addr {
        Some(std::net::IpAddr::V6(a)) => format!("cidr:{a}/128"),
        Some(a) => format!("cidr:{a}/32"),
        None => "cidr:…".to_string(),
    }
}
