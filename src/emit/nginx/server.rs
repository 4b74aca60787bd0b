//! The gateway's `server` block: the listen port, the health endpoint the
//! balancer in front checks, and one `location` per route.

use super::upstreams::{Target, render_proxy};
use crate::emit::escape::{line_value, nginx_str};
use crate::emit::text::Text;
use crate::model::{ApiGateway, Model};
use std::collections::BTreeSet;

/// The health endpoint every gateway answers (docs/gateway.md).
pub const HEALTH_PATH: &str = "/healthz";

/// The exact paths NGINX answers itself with 200: [`HEALTH_PATH`] and the
/// `health-path` of every balancer listener that forwards to the gateway's
/// group, so the balancer in front checks NGINX, not what is behind it.
pub fn health_paths(model: &Model, gw: &ApiGateway) -> BTreeSet<String> {
    let mut out = BTreeSet::from([HEALTH_PATH.to_string()]);
    for l in model.load_balancers.iter().flat_map(|lb| &lb.listeners) {
        if l.target == gw.group
            && let Some(p) = &l.health_path
        {
            out.insert(p.clone());
        }
    }
    out
}

pub fn render_server(t: &mut Text, model: &Model, gw: &ApiGateway, targets: &[Target]) {
    let resolve = gw.has_upstream_resolve();
    t.blank();
    t.line(4, "server {");
    t.line(8, format!("listen {} default_server;", gw.port));
    t.line(8, "server_name _;");
    for p in health_paths(model, gw) {
        t.blank();
        t.line(
            8,
            "# Health check of the balancer in front: NGINX itself answers.",
        );
        t.line(8, format!("location = {} {{", nginx_str(&p)));
        t.line(12, "access_log off;");
        t.line(12, "default_type text/plain;");
        t.line(12, r#"return 200 "ok\n";"#);
        t.line(8, "}");
    }
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for r in &gw.routes {
        let path = r.path.value.as_str();
        if !seen.insert(path) {
            continue;
        }
        t.blank();
        let Some(target) = targets.iter().find(|x| x.to == r.to && x.port == r.port) else {
            // Nothing to send it to (a balancer without a listener or a
            // private name, a group without addresses): say so with a 502
            // rather than let the route fall through to another location.
            t.line(
                8,
                format!(
                    "# route {}: no target address (a balancer needs a listener on the port and `baseline domain`)",
                    line_value(path)
                ),
            );
            t.line(8, format!("location ^~ {} {{", nginx_str(path)));
            t.line(12, "return 502;");
            t.line(8, "}");
            continue;
        };
        let to = match &target.kind {
            super::upstreams::TargetKind::Dns { name, .. } => format!("{name}:{}", target.port),
            super::upstreams::TargetKind::Static { .. } => format!("upstream {}", target.ident),
        };
        t.line(
            8,
            format!("# route {} → {}", line_value(path), line_value(&to)),
        );
        // `^~`: a prefix match whatever the path starts with (`=`, `~` or
        // `@` at its start cannot turn it into another kind of location).
        t.line(8, format!("location ^~ {} {{", nginx_str(path)));
        render_proxy(t, 12, target, resolve);
        t.line(8, "}");
    }
    if !seen.contains("/") {
        t.blank();
        t.line(8, "# No route: nothing behind the gateway answers.");
        t.line(8, "location / {");
        t.line(12, "return 404;");
        t.line(8, "}");
    }
    t.line(4, "}");
}
