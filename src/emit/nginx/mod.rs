//! `gateway/<gateway>/nginx.conf`: the NGINX API gateway on every host of a
//! `gateway`'s group (one file per gateway; the group's hosts share it, as
//! nothing in it is host-specific). Contents, docs/gateway.md:
//!
//! - `resolver` = the cloud's VPC resolver (AWS: the Route 53 Resolver at
//!   169.254.169.253) with `valid=10s`, so a balancer's rotated addresses
//!   are seen within ten seconds, and a `resolver_timeout`;
//! - per route target an `upstream` or a variable (`upstreams.rs`): the form
//!   depends on `nginx-version` (1.27.3 brought `server NAME resolve;` to
//!   open-source NGINX);
//! - an access log with the upstream's address and timings, and the health
//!   endpoint the balancer in front checks (`server.rs`).
//!
//! Checked by `nginx -t` (Debian's 1.22, the pre-1.27.3 form) and by
//! NGINX's own parser `crossplane` with a context check (the resolve form)
//! in tests/oracle_nginx.rs; the re-resolution is proven live in
//! tests/live_nginx_dns.rs.

mod server;
mod upstreams;

pub use server::{HEALTH_PATH, health_paths};
pub use upstreams::{Target, TargetKind, ident, listener_tls, targets};

use super::escape::line_value;
use super::text::Text;
use super::{Artifact, EmitContext, Emitter};
use crate::model::{ApiGateway, Cloud, Model};

pub struct Nginx;

/// How long NGINX trusts an answer (overrides the record's TTL): AWS
/// rotates balancer addresses with a 60 s TTL; 10 s bounds the time a
/// removed address is used to ten seconds plus one request.
pub const RESOLVER_VALID_SECS: u32 = 10;
/// How long a request waits for the resolver. The VPC resolver answers in
/// milliseconds; 5 s (NGINX's default is 30 s) keeps a resolver outage from
/// holding every request for half a minute.
pub const RESOLVER_TIMEOUT_SECS: u32 = 5;
/// AWS: the Route 53 Resolver's link-local address, the same in every VPC
/// and reachable from every instance (the VPC CIDR base + 2 is the same
/// service, but depends on the VPC's primary CIDR). What the incident's fix
/// used.
pub const AWS_RESOLVER: &str = "169.254.169.253";
/// Azure: the platform's virtual public IP, which serves Azure DNS (and its
/// private zones) in every VNet.
pub const AZURE_RESOLVER: &str = "168.63.129.16";
/// Above the AWS application balancer's default 60 s idle timeout, so NGINX
/// never closes a kept-alive connection the balancer is about to reuse
/// (AWS's advice against 502s at the balancer).
const CLIENT_KEEPALIVE: &str = "75s";
/// Inside a VPC a connect takes milliseconds.
const PROXY_CONNECT_TIMEOUT: &str = "5s";

/// Where the file lands in the output tree.
pub fn config_path(gw: &ApiGateway) -> String {
    format!("gateway/{}/nginx.conf", gw.name)
}

/// Where the file goes on the hosts (Debian's nginx.service
/// reads it; the unit passes `-g 'daemon on; master_process on;'`, so the
/// file sets neither).
pub const HOST_CONFIG_PATH: &str = "/etc/nginx/nginx.conf";

/// The resolver for a gateway: the VPC resolver of the cloud its group's
/// hosts run in.
pub fn resolver(model: &Model, gw: &ApiGateway) -> Option<&'static str> {
    let first = *model.groups.get(gw.group.index())?.hosts.first()?;
    Some(match model.host_cloud(first) {
        Cloud::Aws => AWS_RESOLVER,
        Cloud::Azure => AZURE_RESOLVER,
    })
}

impl Emitter for Nginx {
    fn name(&self) -> &'static str {
        "nginx"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        for gw in &ctx.model.gateways {
            let Some(text) = render(ctx, gw) else {
                continue;
            };
            let group = ctx.model.group(gw.group);
            out.push(
                Artifact::new(config_path(gw), text)
                    .source(format!("gateway {}", gw.name), ctx.line(gw.span))
                    .source(format!("group {}", group.name), ctx.line(group.span)),
            );
        }
    }
}

/// The nginx.conf of a gateway; `None` when its group is unknown or empty.
pub fn render(ctx: &EmitContext, gw: &ApiGateway) -> Option<String> {
    let model = ctx.model;
    let group = model.groups.get(gw.group.index())?;
    let resolver = resolver(model, gw)?;
    let resolve = gw.has_upstream_resolve();
    let targets = targets(model, gw);
    let (major, minor, patch) = gw.nginx_version.value;
    let mut t = Text::new(ctx.header("#"));
    t.line(
        0,
        format!(
            "# gateway {} on every host of group {} ({} hosts), NGINX {major}.{minor}.{patch}.",
            line_value(&gw.name),
            line_value(&group.name),
            group.hosts.len()
        ),
    );
    if resolve {
        t.line(
            0,
            "# NGINX ≥ 1.27.3: balancer names are `server NAME resolve;` in zoned upstreams,",
        );
        t.line(0, "# re-resolved in the background every `valid=`.");
    } else {
        t.line(
            0,
            "# NGINX < 1.27.3 has no `resolve` in open-source upstreams: balancer names are",
        );
        t.line(
            0,
            "# variables in proxy_pass, resolved at request time through `resolver` (cached for `valid=`).",
        );
    }
    t.line(0, "user www-data;");
    t.line(0, "worker_processes auto;");
    t.line(0, "pid /run/nginx.pid;");
    t.line(0, "error_log /var/log/nginx/error.log warn;");
    t.blank();
    t.line(0, "events {");
    t.line(4, "worker_connections 1024;");
    t.line(0, "}");
    t.blank();
    t.line(0, "http {");
    t.line(
        4,
        "# The VPC resolver: the balancers' private names live in the private zone of `baseline domain`.",
    );
    t.line(
        4,
        format!("resolver {resolver} valid={RESOLVER_VALID_SECS}s ipv6=off;"),
    );
    t.line(4, format!("resolver_timeout {RESOLVER_TIMEOUT_SECS}s;"));
    t.blank();
    t.line(
        4,
        "# Which balancer address answered, and how fast: a rotated-away address shows as",
    );
    t.line(4, "# upstream_connect_time \"-\" with status 502/504.");
    t.line(
        4,
        "log_format gateway '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent '",
    );
    t.line(
        8,
        "'\"$http_referer\" \"$http_user_agent\" rt=$request_time '",
    );
    t.line(
        8,
        "'upstream=$upstream_addr us=$upstream_status urt=$upstream_response_time uct=$upstream_connect_time';",
    );
    t.line(4, "access_log /var/log/nginx/access.log gateway;");
    t.blank();
    t.line(4, "server_tokens off;");
    t.line(4, "default_type application/octet-stream;");
    t.line(4, format!("keepalive_timeout {CLIENT_KEEPALIVE};"));
    t.line(4, format!("proxy_connect_timeout {PROXY_CONNECT_TIMEOUT};"));
    t.line(
        4,
        "# HTTP/1.1 without `Connection: close`: upstream keepalive.",
    );
    t.line(4, "proxy_http_version 1.1;");
    t.line(4, r#"proxy_set_header Connection "";"#);
    t.line(4, "proxy_set_header Host $host;");
    t.line(
        4,
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
    );
    upstreams::render_upstreams(&mut t, &targets, resolve);
    server::render_server(&mut t, model, gw, &targets);
    t.line(0, "}");
    Some(t.finish())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::*;
    use crate::span::{Span, Spanned};
    use std::sync::Arc;

    fn sp<T>(v: T) -> Spanned<T> {
        Spanned::new(v, Span::new(0, 0))
    }

    /// A small estate built by hand: an AWS VPC, a gateway group `gw` of two
    /// hosts, an app group `app` of two hosts behind an internal balancer
    /// `booking`, and a gateway routing `/booking/` to the balancer and
    /// `/app/` to the group.
    pub(crate) fn model(version: (u32, u32, u32), path: &str) -> Model {
        let z = Span::new(0, 0);
        let mut m = Model {
            baseline: Some(Baseline {
                domain: Some("prod.acme.internal".into()),
                ..Baseline::default()
            }),
            ..Model::default()
        };
        m.networks.push(Network {
            name: "main".into(),
            name_span: z,
            span: z,
            cloud: Cloud::Aws,
            region: sp("eu-west-1".into()),
            resource_group: None,
            cidr: sp("10.0.0.0/16".parse().unwrap()),
            subnets: vec![SubnetId(0)],
            nat_per_zone: false,
        });
        m.subnets.push(Subnet {
            name: "a".into(),
            name_span: z,
            span: z,
            network: NetworkId(0),
            zone: Some(sp("eu-west-1a".into())),
            cidr: sp("10.0.1.0/24".parse().unwrap()),
            public: false,
        });
        let settings = Arc::new(HostSettings::default());
        for (g, name) in ["gw", "app"].iter().enumerate() {
            let mut hosts = Vec::new();
            for i in 0..2 {
                hosts.push(HostId::from_index(m.hosts.len()));
                m.hosts.push(Host {
                    name: format!("{name}-0{}", i + 1),
                    name_span: z,
                    span: z,
                    group: Some(GroupId::from_index(g)),
                    settings: settings.clone(),
                    subnet: SubnetId(0),
                    address: Some(format!("10.0.1.{}", 10 * (g + 1) + i).parse().unwrap()),
                    address_span: None,
                    public_address: None,
                    memory: None,
                    zone: None,
                });
            }
            m.groups.push(Group {
                name: name.to_string(),
                name_span: z,
                span: z,
                count: sp(2),
                settings: (*settings).clone(),
                hosts,
            });
        }
        let listener =
            |port: u16, target: usize, target_port: u16, health: Option<&str>| Listener {
                port: sp(port),
                protocol: LbProtocol::Http,
                target: GroupId::from_index(target),
                target_span: z,
                target_port,
                health_path: health.map(str::to_string),
                certificate_arn: None,
                span: z,
            };
        m.load_balancers.push(LoadBalancer {
            name: "public".into(),
            name_span: z,
            span: z,
            kind: LbKind::Application,
            scheme: LbScheme::InternetFacing,
            origin: LbOrigin::Spec,
            subnets: vec![SubnetId(0)],
            subnets_span: None,
            security_groups: vec![],
            security_groups_span: None,
            listeners: vec![listener(80, 0, 8080, Some("/healthz"))],
        });
        m.load_balancers.push(LoadBalancer {
            name: "booking".into(),
            name_span: z,
            span: z,
            kind: LbKind::Application,
            scheme: LbScheme::Internal,
            origin: LbOrigin::Spec,
            subnets: vec![SubnetId(0)],
            subnets_span: None,
            security_groups: vec![],
            security_groups_span: None,
            listeners: vec![listener(8081, 1, 9000, Some("/health"))],
        });
        let route = |p: &str, to, port| Route {
            path: sp(p.to_string()),
            to,
            to_span: z,
            port,
            span: z,
        };
        m.gateways.push(ApiGateway {
            name: "api".into(),
            name_span: z,
            span: z,
            group: GroupId(0),
            group_span: z,
            nginx_version: sp(version),
            port: 8080,
            routes: vec![
                route(path, RouteTarget::Lb(LbId(1)), 8081),
                route("/app/", RouteTarget::Group(GroupId(1)), 9000),
                route("/booking-v2/", RouteTarget::Lb(LbId(1)), 8081),
            ],
        });
        m
    }

    pub(crate) fn render_model(m: &Model) -> String {
        let graph = crate::graph::build(m);
        let secrets = crate::emit::Secrets::Placeholders;
        let ctx = EmitContext::new(m, &graph, "t.kdl", "", &secrets);
        render(&ctx, &m.gateways[0]).expect("a config")
    }

    #[test]
    fn old_nginx_resolves_per_request() {
        let text = render_model(&model((1, 22, 1), "/booking/"));
        if let Ok(dir) = std::env::var("NGINX_DUMP") {
            std::fs::write(format!("{dir}/old.conf"), &text).unwrap();
            let new = render_model(&model((1, 27, 3), "/booking/"));
            std::fs::write(format!("{dir}/new.conf"), new).unwrap();
            let bad = render_model(&model((1, 22, 1), "/a\"; } server { listen 1;\n#$x"));
            std::fs::write(format!("{dir}/bad.conf"), bad).unwrap();
        }
        assert!(text.contains("resolver 169.254.169.253 valid=10s ipv6=off;"));
        assert!(text.contains("set $lb_booking_8081 \"booking.prod.acme.internal\";"));
        assert!(text.contains("proxy_pass http://$lb_booking_8081:8081;"));
        assert!(!text.contains("resolve;"), "{text}");
        // The group's hosts, statically, on the route's port.
        assert!(text.contains("server 10.0.1.20:9000;\n        server 10.0.1.21:9000;"));
        assert!(text.contains("location = \"/healthz\""));
        assert!(text.contains("listen 8080 default_server;"));
        assert_eq!(text.matches("upstream group_app_9000 {").count(), 1);
    }

    #[test]
    fn new_nginx_uses_zoned_resolve_upstreams() {
        let text = render_model(&model((1, 27, 3), "/booking/"));
        assert!(text.contains(
            "upstream lb_booking_8081 {\n        zone lb_booking_8081 64k;\n        server booking.prod.acme.internal:8081 resolve;"
        ));
        // Two routes to one balancer share one upstream.
        assert_eq!(text.matches("upstream lb_booking_8081 {").count(), 1);
        assert_eq!(
            text.matches("proxy_pass http://lb_booking_8081;").count(),
            2
        );
        assert!(!text.contains("set $"), "{text}");
    }

    #[test]
    fn a_route_without_a_target_answers_502() {
        let mut m = model((1, 22, 1), "/booking/");
        m.baseline = None;
        let text = render_model(&m);
        assert!(
            text.contains("location ^~ \"/booking/\" {\n            return 502;"),
            "{text}"
        );
        assert!(!text.contains("$lb_booking"), "{text}");
        // The group route needs no domain.
        assert!(text.contains("proxy_pass http://group_app_9000;"));
    }

    #[test]
    fn a_route_to_a_port_without_a_listener_answers_502() {
        let mut m = model((1, 22, 1), "/booking/");
        m.gateways[0].routes[0].port = 9999;
        let text = render_model(&m);
        assert!(
            text.contains("location ^~ \"/booking/\" {\n            return 502;"),
            "{text}"
        );
        // The other route to the balancer keeps its listener.
        assert!(text.contains("proxy_pass http://$lb_booking_8081:8081;"));
    }

    #[test]
    fn a_hostile_path_stays_one_location_argument() {
        let text = render_model(&model((1, 22, 1), "/a\"; } server { listen 1;\n#$x"));
        assert!(
            text.contains(r#"location ^~ "/a\"; } server { listen 1;\n#$x" {"#),
            "{text}"
        );
        let listens = text
            .lines()
            .filter(|l| l.trim_start().starts_with("listen "));
        assert_eq!(listens.count(), 1);
    }
}
