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
    /// The balancer's listener port, or the port on the group's hosts.
    pub port: u16,
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
        /// The listener speaks TLS (HTTPS): `proxy_pass https://`.
        tls: bool,
    },
    /// A group's hosts.
    Static { servers: Vec<SocketAddr> },
}

/// An nginx identifier for a target: prefix, the infragen name
/// (`[a-z][a-z0-9-]*`) with `-` → `_` (which keeps distinct names distinct;
/// anything else, never admitted by the front end, also becomes `_`), port.
pub fn ident(prefix: &str, name: &str, port: u16) -> String {
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
    format!("{prefix}_{body}_{port}")
}

/// Whether the listener of `lb` on `port` speaks TLS (HTTPS, TLS); `None`
/// when the balancer has no listener there.
pub fn listener_tls(lb: &LoadBalancer, port: u16) -> Option<bool> {
    lb.listeners
        .iter()
        .find(|l| l.port.value == port)
        .map(|l| matches!(l.protocol, LbProtocol::Https | LbProtocol::Tls))
}

/// The gateway's targets: one per distinct (`to=`, port) of its routes, in
/// the order the routes first name them (two routes to the same place share
/// one). The port is the route's (`Route::port`: a listener port of the
/// balancer, or the port on the group's hosts; the graph's flows use the
/// same). A balancer without a listener on that port or without a private
/// name (no `baseline domain`), or a group without an address, has none:
/// its routes answer 502 (`server.rs`).
pub fn targets(model: &Model, gw: &ApiGateway) -> Vec<Target> {
    let domain = model.baseline.as_ref().and_then(|b| b.domain.as_deref());
    let mut out: Vec<Target> = Vec::new();
    for r in &gw.routes {
        if out.iter().any(|t| t.to == r.to && t.port == r.port) {
            continue;
        }
        let port = r.port;
        let target = match r.to {
            RouteTarget::Lb(id) => {
                let Some(lb) = model.load_balancers.get(id.index()) else {
                    continue;
                };
                let (Some(domain), Some(tls)) = (domain, listener_tls(lb, port)) else {
                    continue;
                };
                let name = format!("{}.{domain}", lb.name);
                if nginx_script_str(&name).is_none() {
                    continue;
                }
                Target {
                    to: r.to,
                    port,
                    ident: ident("lb", &lb.name, port),
                    kind: TargetKind::Dns { name, tls },
                }
            }
            RouteTarget::Group(g) => {
                let Some(group) = model.groups.get(g.index()) else {
                    continue;
                };
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
                    port,
                    ident: ident("group", &group.name, port),
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
            TargetKind::Dns { name, .. } if resolve => {
                let port = target.port;
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
        TargetKind::Dns { name, tls } => {
            let port = target.port;
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
        assert_eq!(
            ident("lb", "booking-internal", 80),
            "lb_booking_internal_80"
        );
        assert_eq!(ident("group", "app2", 8080), "group_app2_8080");
        assert_eq!(ident("lb", "a;b$c", 1), "lb_a_b_c_1");
    }

    fn proxy(kind: TargetKind, port: u16, resolve: bool) -> String {
        let target = Target {
            to: RouteTarget::Lb(crate::model::LbId::from_index(0)),
            port,
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
            tls: false,
        };
        assert_eq!(
            proxy(dns.clone(), 8080, false),
            "set $lb_booking \"booking.prod.internal\";\nproxy_pass http://$lb_booking:8080;\n"
        );
        assert_eq!(proxy(dns, 8080, true), "proxy_pass http://lb_booking;\n");
        let tls = TargetKind::Dns {
            name: "b.x".into(),
            tls: true,
        };
        assert_eq!(
            proxy(tls, 443, false),
            "set $lb_booking \"b.x\";\nproxy_pass https://$lb_booking:443;\nproxy_ssl_server_name on;\nproxy_ssl_name \"b.x\";\n"
        );
    }
}
