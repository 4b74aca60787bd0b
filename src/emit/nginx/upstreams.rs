//! Where each route goes: one target per distinct `to=` of a gateway, and
//! its rendering in the two forms NGINX offers for a name that changes.
//!
//! - `lb:NAME`: the balancer's private DNS name `NAME.DOMAIN` (the alias
//!   record in the private zone of `baseline domain`) on its listener port.
//!   AWS rotates the addresses behind it, so NGINX must ask the resolver
//!   again: from 1.27.3 a `zone`d `upstream` with `server NAME:PORT resolve;`
//!   (re-resolved in the background at `valid=`); before that, a variable in
//!   `proxy_pass`, which makes NGINX resolve at request time through
//!   `resolver` (cached for `valid=`). A plain `server NAME;` or
//!   `proxy_pass http://NAME;` is resolved once at start: the incident.
//! - `group:NAME`: the group's hosts' private addresses, fixed at compile
//!   time: a static `upstream`, no DNS.

use crate::emit::escape::nginx_script_str;
use crate::emit::text::{Text, host_port};
use crate::model::{ApiGateway, LbProtocol, LoadBalancer, Model, RouteTarget};
use std::net::SocketAddr;

/// Per-upstream shared memory for the resolve form: the servers' state and
/// the re-resolved addresses live there (NGINX requires a `zone` for
/// `resolve`). 64k holds dozens of addresses.
const ZONE_SIZE: &str = "64k";
/// Idle connections kept open to each upstream, per worker.
const KEEPALIVE: u32 = 16;

/// One `to=` of a gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub to: RouteTarget,
    /// `[a-z0-9_]`: the upstream's name, or the variable's (`$lb_booking`).
    pub ident: String,
    pub kind: TargetKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetKind {
    /// A balancer by its private DNS name.
    Dns {
        /// `NAME.DOMAIN`.
        name: String,
        port: u16,
        /// The listener speaks TLS (HTTPS): `proxy_pass https://`.
        tls: bool,
    },
    /// A group's hosts.
    Static { servers: Vec<SocketAddr> },
}

/// An nginx identifier for an infragen name (`[a-z][a-z0-9-]*`): `-` → `_`,
/// which keeps distinct names distinct; anything else (never admitted by
/// the front end) also becomes `_`.
pub fn ident(prefix: &str, name: &str) -> String {
    let body: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("{prefix}_{body}")
}

/// The listener a gateway proxies to: the first HTTP one (TCP on a network
/// balancer), else the first HTTPS/TLS one.
pub fn listener_of(lb: &LoadBalancer) -> Option<(u16, bool)> {
    let plain = lb
        .listeners
        .iter()
        .find(|l| matches!(l.protocol, LbProtocol::Http | LbProtocol::Tcp));
    let tls = lb
        .listeners
        .iter()
        .find(|l| matches!(l.protocol, LbProtocol::Https | LbProtocol::Tls));
    plain
        .map(|l| (l.port.value, false))
        .or_else(|| tls.map(|l| (l.port.value, true)))
}

/// The port a group's hosts serve HTTP on: the `target-port` of the first
/// balancer listener that forwards to the group (that is where its app
/// listens), else the gateway's own port.
pub fn group_port(model: &Model, gw: &ApiGateway, group: crate::model::GroupId) -> u16 {
    model
        .load_balancers
        .iter()
        .flat_map(|lb| &lb.listeners)
        .find(|l| l.target == group)
        .map_or(gw.port, |l| l.target_port)
}

/// The gateway's targets, in the order its routes first name them (two
/// routes to the same place share one). A balancer without a listener or
/// without a private name (no `baseline domain`), or a group without an
/// address, has none: its routes answer 502 (`server.rs`).
pub fn targets(model: &Model, gw: &ApiGateway) -> Vec<Target> {
    let domain = model.baseline.as_ref().and_then(|b| b.domain.as_deref());
    let mut out: Vec<Target> = Vec::new();
    for r in &gw.routes {
        if out.iter().any(|t| t.to == r.to) {
            continue;
        }
        let target = match r.to {
            RouteTarget::Lb(id) => {
                let Some(lb) = model.load_balancers.get(id.index()) else {
                    continue;
                };
                let (Some(domain), Some((port, tls))) = (domain, listener_of(lb)) else {
                    continue;
                };
                let name = format!("{}.{domain}", lb.name);
                if nginx_script_str(&name).is_none() {
                    continue;
                }
                Target {
                    to: r.to,
                    ident: ident("lb", &lb.name),
                    kind: TargetKind::Dns { name, port, tls },
                }
            }
            RouteTarget::Group(g) => {
                let Some(group) = model.groups.get(g.index()) else {
                    continue;
                };
                let port = group_port(model, gw, g);
                let servers: Vec<SocketAddr> = group
                    .hosts
                    .iter()
                    .filter_map(|&h| model.host(h).address)
                    .map(|a| SocketAddr::new(a, port))
                    .collect();
                if servers.is_empty() {
                    continue;
                }
                Target {
                    to: r.to,
                    ident: ident("group", &group.name),
                    kind: TargetKind::Static { servers },
                }
            }
        };
        out.push(target);
    }
    out
}

/// The `upstream` blocks (http context): every static group, and in the
/// resolve form every balancer.
pub fn render_upstreams(t: &mut Text, targets: &[Target], resolve: bool) {
    for target in targets {
        match &target.kind {
            TargetKind::Dns { name, port, .. } if resolve => {
                t.blank();
                t.line(
                    4,
                    format!(
                        "# {name}: re-resolved through `resolver` every `valid=` (NGINX ≥ 1.27.3 `resolve`)."
                    ),
                );
                t.line(4, format!("upstream {} {{", target.ident));
                t.line(8, format!("zone {} {ZONE_SIZE};", target.ident));
                t.line(8, format!("server {name}:{port} resolve;"));
                t.line(8, format!("keepalive {KEEPALIVE};"));
                t.line(4, "}");
            }
            TargetKind::Dns { .. } => {}
            TargetKind::Static { servers } => {
                t.blank();
                t.line(
                    4,
                    "# The group's private addresses, fixed at compile time: no DNS.",
                );
                t.line(4, format!("upstream {} {{", target.ident));
                for s in servers {
                    t.line(8, format!("server {};", host_port(s.ip(), s.port())));
                }
                t.line(8, format!("keepalive {KEEPALIVE};"));
                t.line(4, "}");
            }
        }
    }
}

/// The lines inside a route's `location` that send the request to `target`.
/// Both forms pass the request URI unchanged (no URI part after the
/// address: with a variable NGINX then sends the client's original URI,
/// as an `upstream` name without a URI does).
pub fn render_proxy(t: &mut Text, indent: usize, target: &Target, resolve: bool) {
    match &target.kind {
        TargetKind::Dns { name, port, tls } => {
            let scheme = if *tls { "https" } else { "http" };
            if resolve {
                t.line(indent, format!("proxy_pass {scheme}://{};", target.ident));
            } else {
                // A variable in proxy_pass: resolved per request through
                // `resolver`, cached for `valid=`.
                let Some(quoted) = nginx_script_str(name) else {
                    return;
                };
                t.line(indent, format!("set ${} {quoted};", target.ident));
                t.line(
                    indent,
                    format!("proxy_pass {scheme}://${}:{port};", target.ident),
                );
            }
            if *tls {
                // SNI with the balancer's name; NGINX does not verify the
                // upstream certificate by default (ACM certificates of an
                // internal balancer rarely name the private alias).
                let Some(quoted) = nginx_script_str(name) else {
                    return;
                };
                t.line(indent, "proxy_ssl_server_name on;");
                t.line(indent, format!("proxy_ssl_name {quoted};"));
            }
        }
        TargetKind::Static { .. } => {
            t.line(indent, format!("proxy_pass http://{};", target.ident));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idents_are_nginx_names() {
        assert_eq!(ident("lb", "booking-internal"), "lb_booking_internal");
        assert_eq!(ident("group", "app2"), "group_app2");
        assert_eq!(ident("lb", "a;b$c"), "lb_a_b_c");
    }

    fn proxy(kind: TargetKind, resolve: bool) -> String {
        let target = Target {
            to: RouteTarget::Lb(crate::model::LbId::from_index(0)),
            ident: "lb_booking".into(),
            kind,
        };
        let mut t = Text::default();
        render_proxy(&mut t, 0, &target, resolve);
        t.finish()
    }

    #[test]
    fn the_two_forms_of_a_balancer_route() {
        let dns = TargetKind::Dns {
            name: "booking.prod.internal".into(),
            port: 8080,
            tls: false,
        };
        assert_eq!(
            proxy(dns.clone(), false),
            "set $lb_booking \"booking.prod.internal\";\nproxy_pass http://$lb_booking:8080;\n"
        );
        assert_eq!(proxy(dns, true), "proxy_pass http://lb_booking;\n");
        let tls = TargetKind::Dns {
            name: "b.x".into(),
            port: 443,
            tls: true,
        };
        assert_eq!(
            proxy(tls, false),
            "set $lb_booking \"b.x\";\nproxy_pass https://$lb_booking:443;\nproxy_ssl_server_name on;\nproxy_ssl_name \"b.x\";\n"
        );
    }
}
