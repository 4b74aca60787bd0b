//! The traffic tier: `load-balancer`, `gateway` and `redis`.
//!
//! Every free-form value here lands in nginx.conf, redis.conf or HCL, so it
//! is checked against the narrow syntax it may have (`url_path_problem`,
//! `arn_problem`, `node_type_problem`, the version parsers). An entity with
//! a bad value is not built: its name is poisoned, so references to it
//! resolve quietly (one mistake, one error).

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::traffic::{
    DEFAULT_RESERVED_MEMORY_PERCENT, GATEWAY_PORT, REDIS_PORT, ROUTE_GROUP_PORT,
};
use crate::model::*;
use crate::schema::defaults;
use crate::span::{Span, Spanned};
use crate::syntax::Node;

/// ElastiCache allows at most five replicas per shard.
const MAX_ELASTICACHE_REPLICAS: u32 = 5;

impl Lowerer<'_> {
    fn missing(&mut self, n: &Node, what: &str, help: String) {
        self.push(
            Diagnostic::error(
                Code::MissingValue,
                format!(
                    "`{} \"{}\"` needs `{what}`",
                    n.name,
                    n.arg_str(0).unwrap_or("")
                ),
            )
            .label(n.name_span, format!("no `{what}`"))
            .help(help),
        );
    }

    fn invalid(&mut self, span: Span, message: String, label: &str, help: String) {
        self.push(
            Diagnostic::error(Code::InvalidValue, message)
                .label(span, label.to_string())
                .help(help),
        );
    }

    /// An enum property: Some(value) when absent (`default`) or valid; None
    /// when given with a value the validator rejected.
    fn enum_prop<'n>(n: &'n Node, key: &str, default: &'n str) -> Option<&'n str> {
        match n.prop(key) {
            None => Some(default),
            Some(p) => p.value.as_str(),
        }
    }

    /// `subnets "vpc/a" "vpc/b"`: every reference resolved and in one AWS
    /// VPC, or None (reported, or an unresolved name already reported).
    fn aws_subnets(&mut self, c: &Node) -> Option<Vec<SubnetId>> {
        let mut out = Vec::new();
        let mut ok = true;
        for a in &c.args {
            let Some(path) = a.value.as_str() else {
                ok = false;
                continue;
            };
            match self.resolve_subnet(path, a.span) {
                Some(id) if !out.contains(&id) => out.push(id),
                Some(_) => {
                    self.invalid(
                        a.span,
                        format!("subnet `{path}` is listed twice"),
                        "listed again",
                        "list each subnet once".into(),
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        if !ok {
            return None;
        }
        let first_net = out.first().map(|s| self.model.subnet(*s).network)?;
        if self.model.network(first_net).cloud != Cloud::Aws {
            self.invalid(
                c.span,
                format!("`{}` needs AWS subnets", c.name),
                "an Azure subnet",
                "load balancers and ElastiCache are AWS services: list subnets of a `vpc`".into(),
            );
            return None;
        }
        if let Some(other) = out
            .iter()
            .find(|s| self.model.subnet(**s).network != first_net)
        {
            let path = self.model.subnet_path(*other);
            self.invalid(
                c.span,
                format!("`{path}` is in another VPC than the first subnet"),
                "subnets of two VPCs",
                "list subnets of one VPC".into(),
            );
            return None;
        }
        Some(out)
    }

    /// `security-groups "a" "b"`: every one resolved and of `network`.
    fn own_sgs(&mut self, c: &Node, network: Option<NetworkId>) -> Option<Vec<SgId>> {
        let mut out = Vec::new();
        let mut ok = true;
        for a in &c.args {
            let Some(name) = a.value.as_str() else {
                ok = false;
                continue;
            };
            let Some(id) = self.sgs.resolve(name, a.span, self.diags) else {
                ok = false;
                continue;
            };
            let sg_net = self.model.sg(id).network;
            if network.is_some() && sg_net.is_some() && sg_net != network {
                self.invalid(
                    a.span,
                    format!("security group `{name}` belongs to another network"),
                    "security group of another network",
                    "use a security group of the VPC the subnets are in".into(),
                );
                ok = false;
                continue;
            }
            if !out.contains(&id) {
                out.push(id);
            }
        }
        ok.then_some(out)
    }

    /// `from="lb:NAME"` / `to="lb:NAME"` in a security group rule: the
    /// balancer's own security group (traffic from an ALB carries the
    /// addresses of its nodes, which only its security group names at
    /// compile time). A balancer with none or several cannot be one peer.
    pub(super) fn lb_peer(
        &mut self,
        name: &str,
        span: Span,
        own_network: Option<NetworkId>,
    ) -> Option<Peer> {
        let id = self.lbs.resolve(name, span, self.diags)?;
        let lb = &self.model.load_balancers[id.index()];
        let [sg] = lb.security_groups[..] else {
            let n = lb.security_groups.len();
            self.invalid(
                span,
                format!("balancer `{name}` has {n} security groups; a rule names one peer"),
                "not one security group",
                if n == 0 {
                    format!(
                        "give `{name}` a `security-groups` child, or name its subnets with subnet:"
                    )
                } else {
                    "name the balancer's security group with sg:".into()
                },
            );
            return None;
        };
        let other = self.model.sg(sg).network;
        if own_network.is_some() && other.is_some() && other != own_network {
            self.invalid(
                span,
                format!("balancer `{name}` is in another network"),
                "balancer of another network",
                "reference balancers of the same network".into(),
            );
            return None;
        }
        Some(Peer::Sg(sg))
    }

    pub(super) fn load_balancer(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let id = LbId::from_index(self.model.load_balancers.len());
        if !self.lbs.declare(&name.value, id, name.span, self.diags) {
            return;
        }
        match self.build_lb(n, &name) {
            Some(lb) => self.model.load_balancers.push(lb),
            None => self.lbs.poison(&name.value),
        }
    }

    fn build_lb(&mut self, n: &Node, name: &Spanned<String>) -> Option<LoadBalancer> {
        let mut ok = true;
        let kind = match Self::enum_prop(n, "type", defaults::LB_TYPE) {
            Some("application") => Some(LbKind::Application),
            Some("network") => Some(LbKind::Network),
            _ => None,
        };
        let scheme = match Self::enum_prop(n, "scheme", defaults::LB_SCHEME) {
            Some("internal") => Some(LbScheme::Internal),
            Some("internet-facing") => Some(LbScheme::InternetFacing),
            _ => None,
        };
        let subnets_node = n.child("subnets");
        let subnets = match subnets_node {
            Some(c) => self.aws_subnets(c),
            None => {
                if Self::absent(n, "subnets") {
                    self.missing(
                        n,
                        "subnets",
                        "add `subnets \"vpc/public-a\" \"vpc/public-b\"`: one subnet in each zone the balancer serves".into(),
                    );
                }
                None
            }
        };
        let network = subnets
            .as_ref()
            .and_then(|s| s.first())
            .map(|s| self.model.subnet(*s).network);
        let sgs_node = n.child("security-groups");
        let security_groups = match sgs_node {
            Some(c) => self.own_sgs(c, network),
            // A misspelt `security-groups` (reported) may have named the
            // groups `lb:NAME` stands for.
            None => Self::absent(n, "security-groups").then(Vec::new),
        };
        if let (Some(LbScheme::InternetFacing), Some(subnets), Some(c)) =
            (scheme, &subnets, subnets_node)
            && let Some(private) = subnets.iter().find(|s| !self.model.subnet(**s).public)
        {
            let path = self.model.subnet_path(*private);
            self.invalid(
                c.span,
                format!(
                    "internet-facing balancer `{}` sits in the private subnet `{path}`",
                    name.value
                ),
                "a subnet without `public=#true`",
                "an internet-facing balancer's nodes need public subnets (a route to the internet gateway): list public subnets, or write scheme=\"internal\"".into(),
            );
            ok = false;
        }
        let mut listeners: Vec<Listener> = Vec::new();
        for c in n.children_named("listener") {
            let Some(kind) = kind else { break };
            match self.listener(c, kind, network) {
                Some(l) => {
                    if let Some(first) = listeners.iter().find(|o| o.port.value == l.port.value) {
                        self.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                format!(
                                    "balancer `{}` has two listeners on port {}",
                                    name.value, l.port.value
                                ),
                            )
                            .label(l.port.span, "second listener")
                            .label(first.port.span, "first listener")
                            .help("give each listener its own port"),
                        );
                        ok = false;
                    } else {
                        listeners.push(l);
                    }
                }
                None => ok = false,
            }
        }
        if n.child("listener").is_none() && Self::absent(n, "listener") {
            self.missing(
                n,
                "listener",
                "add `listener 443 protocol=\"HTTPS\" target=\"GROUP\" certificate-arn=\"…\"`"
                    .into(),
            );
            ok = false;
        }
        let (kind, scheme, subnets, security_groups) = (kind?, scheme?, subnets?, security_groups?);
        if !ok {
            return None;
        }
        Some(LoadBalancer {
            name: name.value.clone(),
            name_span: name.span,
            span: n.span,
            kind,
            scheme,
            origin: LbOrigin::Spec,
            subnets,
            subnets_span: subnets_node.map(|c| c.span),
            security_groups,
            security_groups_span: sgs_node.map(|c| c.span),
            listeners,
            frontend_address: None,
        })
    }

    fn listener(&mut self, c: &Node, kind: LbKind, network: Option<NetworkId>) -> Option<Listener> {
        let arg = c.arg(0)?;
        let port = u16::try_from(arg.value.as_int()?).ok().filter(|p| *p > 0)?;
        let default = match kind {
            LbKind::Application => defaults::LISTENER_PROTOCOL_APPLICATION,
            LbKind::Network => defaults::LISTENER_PROTOCOL_NETWORK,
        };
        let protocol = match Self::enum_prop(c, "protocol", default)? {
            "HTTP" => LbProtocol::Http,
            "HTTPS" => LbProtocol::Https,
            "TCP" => LbProtocol::Tcp,
            "TLS" => LbProtocol::Tls,
            "UDP" => LbProtocol::Udp,
            _ => return None,
        };
        let fits = match kind {
            LbKind::Application => matches!(protocol, LbProtocol::Http | LbProtocol::Https),
            LbKind::Network => !matches!(protocol, LbProtocol::Http | LbProtocol::Https),
        };
        let proto_span = c.prop("protocol").map_or(c.name_span, |p| p.span);
        if !fits {
            let (kw, allowed) = match kind {
                LbKind::Application => ("an application", "HTTP or HTTPS"),
                LbKind::Network => ("a network", "TCP, TLS or UDP"),
            };
            self.invalid(
                proto_span,
                format!("{kw} balancer has no {} listeners", protocol.keyword()),
                "protocol of the other balancer type",
                format!(
                    "write protocol=\"{}\" ({allowed}), or change the balancer's type=",
                    default
                ),
            );
            // Its certificate and health check would be judged for the
            // wrong protocol: one mistake, one error.
            return None;
        }
        let target_prop = Self::str_prop(c, "target")?;
        let mut ok = true;
        let target = self
            .groups
            .resolve(&target_prop.value, target_prop.span, self.diags);
        if let (Some(g), Some(net)) = (target, network)
            && let Some(h) = self
                .model
                .group(g)
                .hosts
                .iter()
                .find(|h| self.model.host_network(**h) != net)
        {
            let host = self.model.host(*h).name.clone();
            self.invalid(
                target_prop.span,
                format!(
                    "target group `{}` has hosts outside the balancer's VPC (`{host}`)",
                    target_prop.value
                ),
                "targets in another network",
                "a balancer forwards to hosts of its own VPC: target a group there, or move the balancer's subnets".into(),
            );
            ok = false;
        }
        let target_port = match c.prop("target-port") {
            None => port,
            Some(_) => Self::port_prop(c, "target-port")?,
        };
        let health_path = match Self::str_prop(c, "health-path") {
            Some(p) => {
                if let Some(problem) = url_path_problem(&p.value) {
                    self.invalid(
                        p.span,
                        format!("`{}` is not a health check path", p.value),
                        problem,
                        "write an absolute URL path of letters, digits and `/._~-`, e.g. \"/healthz\"".into(),
                    );
                    ok = false;
                }
                if protocol == LbProtocol::Udp {
                    self.invalid(
                        p.span,
                        "a UDP listener has no HTTP health check".into(),
                        "health-path on UDP",
                        "drop health-path= (UDP targets get a TCP check on the target port)".into(),
                    );
                    ok = false;
                }
                Some(p.value)
            }
            None => (kind == LbKind::Application)
                .then(|| defaults::LISTENER_HEALTH_PATH_APPLICATION.to_string()),
        };
        let needs_cert = matches!(protocol, LbProtocol::Https | LbProtocol::Tls);
        let certificate_arn = match Self::str_prop(c, "certificate-arn") {
            Some(a) => {
                if !needs_cert {
                    self.invalid(
                        a.span,
                        format!(
                            "listener {port} ({}) takes no certificate",
                            protocol.keyword()
                        ),
                        "certificate on a plaintext listener",
                        "write protocol=\"HTTPS\" (or \"TLS\"), or drop certificate-arn=".into(),
                    );
                    ok = false;
                } else if let Some(problem) = arn_problem(&a.value) {
                    self.invalid(
                        a.span,
                        format!("`{}` is not a certificate ARN", a.value),
                        problem,
                        "write an ACM certificate ARN such as \"arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-…\"".into(),
                    );
                    ok = false;
                }
                Some(a)
            }
            None => {
                if needs_cert
                    && c.prop("certificate-arn").is_none()
                    && Self::absent(c, "certificate-arn")
                {
                    self.push(
                        Diagnostic::error(
                            Code::MissingValue,
                            format!(
                                "listener {port} ({}) needs `certificate-arn`",
                                protocol.keyword()
                            ),
                        )
                        .label(proto_span, "no certificate")
                        .help("add certificate-arn=\"arn:aws:acm:REGION:ACCOUNT:certificate/ID\""),
                    );
                }
                if needs_cert {
                    ok = false;
                }
                None
            }
        };
        let target = target?;
        ok.then_some(Listener {
            port: Spanned::new(port, arg.span),
            protocol,
            target,
            target_span: target_prop.span,
            target_port,
            health_path,
            certificate_arn,
            span: c.span,
        })
    }

    pub(super) fn gateway(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let id = GatewayId::from_index(self.model.gateways.len());
        if !self
            .gateway_names
            .declare(&name.value, id, name.span, self.diags)
        {
            return;
        }
        match self.build_gateway(n, &name) {
            Some(g) => self.model.gateways.push(g),
            None => self.gateway_names.poison(&name.value),
        }
    }

    fn build_gateway(&mut self, n: &Node, name: &Spanned<String>) -> Option<ApiGateway> {
        let mut ok = true;
        let group_prop = Self::str_prop(n, "group");
        let mut group = group_prop
            .as_ref()
            .and_then(|g| self.groups.resolve(&g.value, g.span, self.diags));
        // One NGINX per host: a second gateway on the group would want the
        // same /etc/nginx/nginx.conf.
        if let (Some(g), Some(p)) = (group, &group_prop)
            && let Some(other) = self.model.gateways.iter().find(|o| o.group == g)
        {
            self.invalid(
                p.span,
                format!(
                    "group `{}` already runs gateway `{}`: one NGINX per host",
                    p.value, other.name
                ),
                "a second gateway on this group",
                format!(
                    "add these routes to gateway `{}`, or run this gateway on a group of its own",
                    other.name
                ),
            );
            group = None;
        }
        let version = Self::str_prop(n, "nginx-version").and_then(|v| {
            match parse_triple(&v.value) {
                Some(t) => Some(Spanned::new(t, v.span)),
                None => {
                    self.invalid(
                        v.span,
                        format!("`{}` is not an NGINX version", v.value),
                        "expected MAJOR.MINOR.PATCH",
                        "write the release the hosts run, e.g. nginx-version=\"1.22.1\" (Debian 12) or \"1.27.3\"".into(),
                    );
                    None
                }
            }
        });
        let port = match n.prop("port") {
            None => Some(GATEWAY_PORT),
            Some(_) => Self::port_prop(n, "port"),
        };
        let mut routes: Vec<Route> = Vec::new();
        for c in n.children_named("route") {
            match self.route(c) {
                Some(r) => {
                    if let Some(first) = routes.iter().find(|o| o.path.value == r.path.value) {
                        self.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                format!("gateway `{}` routes `{}` twice", name.value, r.path.value),
                            )
                            .label(r.path.span, "second route")
                            .label(first.path.span, "first route")
                            .help("give each route its own path"),
                        );
                        ok = false;
                    } else {
                        routes.push(r);
                    }
                }
                None => ok = false,
            }
        }
        if n.child("route").is_none() && Self::absent(n, "route") {
            self.missing(
                n,
                "route",
                "add `route \"/api/\" to=\"lb:NAME\"` or `route \"/\" to=\"group:NAME\"`".into(),
            );
            ok = false;
        }
        let (group_prop, group, version, port) = (group_prop?, group?, version?, port?);
        // Flows run from every gateway host to every host of a group route,
        // and to every target of a network balancer (it keeps the client's
        // address, so each target must admit each gateway host).
        let gw_hosts = self.model.group(group).hosts.len();
        for r in &routes {
            let (targets, help) = match r.to {
                RouteTarget::Group(g) => (
                    self.model.group(g).hosts.len(),
                    "put a load balancer in front of the group and route to lb:NAME",
                ),
                RouteTarget::Lb(lb) => {
                    let lb = &self.model.load_balancers[lb.index()];
                    if lb.kind != LbKind::Network {
                        continue;
                    }
                    let most = lb
                        .listeners
                        .iter()
                        .map(|l| self.model.group(l.target).hosts.len())
                        .max()
                        .unwrap_or(0);
                    (
                        most,
                        "an application balancer connects to its targets itself: type=\"application\"",
                    )
                }
            };
            if gw_hosts * targets > super::clusters::MAX_CLIENT_PAIRS {
                self.invalid(
                    r.to_span,
                    format!(
                        "{gw_hosts} gateway hosts × {targets} targets is too many host pairs to check (at most {})",
                        super::clusters::MAX_CLIENT_PAIRS
                    ),
                    "too many host pairs",
                    help.into(),
                );
                ok = false;
            }
        }
        ok.then(|| ApiGateway {
            name: name.value.clone(),
            name_span: name.span,
            span: n.span,
            group,
            group_span: group_prop.span,
            nginx_version: version,
            port,
            routes,
        })
    }

    fn route(&mut self, c: &Node) -> Option<Route> {
        let arg = c.arg(0)?;
        let path = arg.value.as_str()?.to_string();
        let mut ok = true;
        if let Some(problem) = url_path_problem(&path) {
            self.invalid(
                arg.span,
                format!("`{path}` is not a route path"),
                problem,
                "write an absolute URL path prefix of letters, digits and `/._~-`, e.g. \"/booking/\"".into(),
            );
            ok = false;
        }
        let to = Self::str_prop(c, "to")?;
        let target = match to.value.split_once(':') {
            Some(("lb", name)) => self
                .lbs
                .resolve(name, to.span, self.diags)
                .map(RouteTarget::Lb),
            Some(("group", name)) => self
                .groups
                .resolve(name, to.span, self.diags)
                .map(RouteTarget::Group),
            _ => {
                let guess = match to.value.split_once(':') {
                    None if self.lbs.contains(&to.value) => format!("did you mean `lb:{}`?", to.value),
                    None if self.groups.contains(&to.value) => {
                        format!("did you mean `group:{}`?", to.value)
                    }
                    _ => "write to=\"lb:NAME\" (a load balancer) or to=\"group:NAME\" (a group's hosts)"
                        .into(),
                };
                self.invalid(
                    to.span,
                    format!("`{}` is not a route target", to.value),
                    "expected lb:NAME or group:NAME",
                    guess,
                );
                None
            }
        };
        let target = target?;
        let given = match c.prop("port") {
            None => None,
            Some(p) => Some((Self::port_prop(c, "port")?, p.span)),
        };
        let port = match (target, given) {
            (RouteTarget::Group(_), None) => ROUTE_GROUP_PORT,
            (RouteTarget::Group(_), Some((p, _))) => p,
            (RouteTarget::Lb(lb), given) => {
                let lb = &self.model.load_balancers[lb.index()];
                let ports: Vec<u16> = lb.listeners.iter().map(|l| l.port.value).collect();
                match given {
                    None => *ports.first()?,
                    Some((p, _)) if ports.contains(&p) => p,
                    Some((p, span)) => {
                        let list: Vec<String> = ports.iter().map(u16::to_string).collect();
                        self.invalid(
                            span,
                            format!("balancer `{}` has no listener on port {p}", lb.name),
                            "not a listener port",
                            format!("use one of its listener ports: {}", list.join(", ")),
                        );
                        return None;
                    }
                }
            }
        };
        ok.then_some(Route {
            path: Spanned::new(path, arg.span),
            to: target,
            to_span: to.span,
            port,
            span: c.span,
        })
    }

    pub(super) fn redis(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let id = RedisId::from_index(self.model.redis.len());
        if !self
            .redis_names
            .declare(&name.value, id, name.span, self.diags)
        {
            return;
        }
        match self.build_redis(n, &name) {
            Some(r) => self.model.redis.push(r),
            None => self.redis_names.poison(&name.value),
        }
    }

    fn build_redis(&mut self, n: &Node, name: &Spanned<String>) -> Option<Redis> {
        let mut ok = true;
        let engine = match n.prop_str("engine") {
            Some("elasticache") => Some(RedisEngine::Elasticache),
            Some("self-hosted") => Some(RedisEngine::SelfHosted),
            _ => None,
        };
        let role = match Self::enum_prop(n, "role", defaults::REDIS_ROLE) {
            Some("cache") => Some(RedisRole::Cache),
            Some("store") => Some(RedisRole::Store),
            _ => None,
        };
        let role_span = n.prop("role").map_or(n.name_span, |p| p.span);
        let version = Self::str_prop(n, "version").and_then(|v| {
            if redis_version_ok(&v.value) {
                Some(v)
            } else {
                self.invalid(
                    v.span,
                    format!("`{}` is not a Redis version", v.value),
                    "expected MAJOR.MINOR[.PATCH], major 6 to 8",
                    "write e.g. version=\"7.1\" (ElastiCache) or \"7.0\" (Debian 12's redis-server)".into(),
                );
                None
            }
        });
        let policy = match n.prop("maxmemory-policy") {
            Some(p) => p
                .value
                .as_str()
                .map(|s| Spanned::new(s.to_string(), p.span)),
            None => role.map(|r| {
                let d = match r {
                    RedisRole::Cache => defaults::REDIS_POLICY_CACHE,
                    RedisRole::Store => defaults::REDIS_POLICY_STORE,
                };
                Spanned::new(d.to_string(), n.name_span)
            }),
        };
        let reserved = match n.prop("reserved-memory-percent") {
            None => Some(Spanned::new(DEFAULT_RESERVED_MEMORY_PERCENT, n.name_span)),
            Some(p) => match p.value.as_int() {
                Some(v) if (0..=99).contains(&v) => Some(Spanned::new(v as u32, p.span)),
                Some(_) => {
                    self.invalid(
                        p.span,
                        "reserved-memory-percent must be from 0 to 99".into(),
                        "out of range",
                        "write the share of RAM kept free of data, e.g. reserved-memory-percent=25"
                            .into(),
                    );
                    None
                }
                None => None,
            },
        };
        let port = match n.prop("port") {
            None => Some(REDIS_PORT),
            Some(_) => Self::port_prop(n, "port"),
        };
        let mut clients = self.members(n, "clients", true);
        let members_given = n.child("members").is_some();
        let mut members = Members::default();
        let mut node_type = None;
        let mut subnets = Vec::new();
        let mut security_groups = Vec::new();
        let replicas_prop = n.prop("replicas");
        let replicas_given = replicas_prop.and_then(|p| {
            let v = p.value.as_int()?;
            Some((v, p.span))
        });
        if replicas_prop.is_some() && replicas_given.is_none() {
            ok = false;
        }
        let mut replicas = None;
        match engine {
            Some(RedisEngine::Elasticache) => {
                // The replication group id is the project-prefixed name
                // (emit::terraform::elasticache): AWS refuses it at apply.
                let id = self.model.project.cloud_name(&name.value);
                if let Some(problem) = crate::model::traffic::elasticache_id_problem(&id) {
                    self.invalid(
                        name.span,
                        format!("the ElastiCache replication group id `{id}` is not valid: {problem}"),
                        "the replication group id",
                        format!(
                            "shorten the redis name (or the project name) so `PROJECT-NAME` has at most {} characters, with no `--` and no trailing `-`",
                            crate::model::traffic::ELASTICACHE_ID_MAX
                        ),
                    );
                    ok = false;
                }
                if let Some(c) = n.child("members") {
                    self.invalid(
                        c.span,
                        "ElastiCache runs on AWS nodes, not on members".into(),
                        "members of an elasticache redis",
                        "drop `members` (set node-type= and replicas=), or write engine=\"self-hosted\"".into(),
                    );
                    ok = false;
                }
                match Self::str_prop(n, "node-type") {
                    Some(t) => {
                        if let Some(problem) = node_type_problem(&t.value) {
                            self.invalid(
                                t.span,
                                format!("`{}` is not an ElastiCache node type", t.value),
                                problem,
                                "write a node type such as \"cache.r7g.large\" or \"cache.t4g.small\"".into(),
                            );
                            ok = false;
                        } else {
                            node_type = Some(t);
                        }
                    }
                    None => {
                        if n.prop("node-type").is_none() && Self::absent(n, "node-type") {
                            self.missing(
                                n,
                                "node-type",
                                "add node-type=\"cache.r7g.large\" (the ElastiCache node size)"
                                    .into(),
                            );
                        }
                        ok = false;
                    }
                }
                replicas = match replicas_given {
                    None => Some(Spanned::new(1, n.name_span)),
                    Some((v, span)) if (0..=i128::from(MAX_ELASTICACHE_REPLICAS)).contains(&v) => {
                        Some(Spanned::new(v as u32, span))
                    }
                    Some((_, span)) => {
                        self.invalid(
                            span,
                            format!(
                                "ElastiCache takes 0 to {MAX_ELASTICACHE_REPLICAS} replicas"
                            ),
                            "out of range",
                            "write e.g. replicas=1 (a primary and one replica in another zone, with automatic failover)".into(),
                        );
                        None
                    }
                };
                match n.child("subnets") {
                    Some(c) => match self.aws_subnets(c) {
                        Some(s) => subnets = s,
                        None => ok = false,
                    },
                    None => {
                        // The private subnets its clients use, in their order.
                        for h in &clients.hosts {
                            let s = self.model.host(*h).subnet;
                            if !self.model.subnet(s).public && !subnets.contains(&s) {
                                subnets.push(s);
                            }
                        }
                        let clouds: Vec<Cloud> = clients
                            .hosts
                            .iter()
                            .map(|h| self.model.host_cloud(*h))
                            .collect();
                        if clouds.contains(&Cloud::Azure) {
                            self.invalid(
                                clients.span,
                                "ElastiCache serves clients in an AWS VPC".into(),
                                "Azure clients",
                                "list AWS clients, or use engine=\"self-hosted\"".into(),
                            );
                            ok = false;
                        } else if let Some(first) = subnets.first() {
                            let net = self.model.subnet(*first).network;
                            if subnets.iter().any(|s| self.model.subnet(*s).network != net) {
                                self.invalid(
                                    clients.span,
                                    "the clients sit in more than one VPC".into(),
                                    "clients of two VPCs",
                                    "add `subnets` to say which VPC's subnets ElastiCache uses"
                                        .into(),
                                );
                                ok = false;
                            }
                        } else if !clients.hosts.is_empty() {
                            self.invalid(
                                clients.span,
                                "the clients sit in no private subnet".into(),
                                "only public subnets",
                                "add `subnets \"vpc/private-a\" \"vpc/private-b\"` for ElastiCache's subnet group".into(),
                            );
                            ok = false;
                        }
                    }
                }
                let network = subnets.first().map(|s| self.model.subnet(*s).network);
                if let Some(c) = n.child("security-groups") {
                    match self.own_sgs(c, network) {
                        Some(s) => security_groups = s,
                        None => ok = false,
                    }
                }
            }
            Some(RedisEngine::SelfHosted) => {
                members = self.members(n, "members", true);
                if !members_given {
                    ok = false;
                }
                for (key, what) in [
                    ("node-type", "the members' own instance types"),
                    ("subnets", "the members' subnets"),
                    ("security-groups", "the members' security groups"),
                ] {
                    let span = n.prop(key).map(|p| p.span).or(n.child(key).map(|c| c.span));
                    if let Some(span) = span {
                        self.invalid(
                            span,
                            format!("`{key}` is for ElastiCache; self-hosted Redis uses {what}"),
                            "not used by self-hosted Redis",
                            format!("drop `{key}`, or write engine=\"elasticache\""),
                        );
                        ok = false;
                    }
                }
                let derived = members.hosts.len().saturating_sub(1) as u32;
                replicas = match replicas_given {
                    None => Some(Spanned::new(derived, members.span)),
                    Some((v, span)) if v == i128::from(derived) || members.hosts.is_empty() => {
                        Some(Spanned::new(derived, span))
                    }
                    Some((v, span)) => {
                        self.invalid(
                            span,
                            format!(
                                "replicas={v}, but the members make one primary and {derived} replicas"
                            ),
                            "does not match the members",
                            format!("drop replicas= (it follows the members), or write replicas={derived}"),
                        );
                        None
                    }
                };
                self.bound_clients(&members, &mut clients);
            }
            None => ok = false,
        }
        let (role, version, policy, reserved, port, replicas) =
            (role?, version?, policy?, reserved?, port?, replicas?);
        if !ok || n.child("clients").is_none() {
            return None;
        }
        let engine = engine?;
        Some(Redis {
            name: name.value.clone(),
            name_span: name.span,
            span: n.span,
            engine,
            version,
            node_type,
            replicas,
            maxmemory_policy: policy,
            reserved_memory_percent: reserved,
            role,
            role_span,
            port,
            clients,
            members,
            subnets,
            security_groups,
        })
    }
}

/// Why `s` is not a URL path infragen can write into nginx.conf
/// (`location`), HCL and a health check: `/`, then letters, digits and
/// `/._~-`, no `..`, no `//`, at most 256 bytes. None when it is one.
pub fn url_path_problem(s: &str) -> Option<&'static str> {
    if !s.starts_with('/') {
        return Some("does not start with `/`");
    }
    if s.len() > 256 {
        return Some("longer than 256 bytes");
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._~-".contains(c))
    {
        return Some("has a character outside letters, digits and `/._~-`");
    }
    if s.contains("//") || s.split('/').any(|p| p == ".." || p == ".") {
        return Some("has an empty, `.` or `..` segment");
    }
    None
}

/// Why `s` is not a certificate ARN: `arn:PARTITION:acm:REGION:ACCOUNT:certificate/ID`
/// (or an IAM server certificate, `arn:PARTITION:iam::ACCOUNT:server-certificate/NAME`).
pub fn arn_problem(s: &str) -> Option<&'static str> {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    let [arn, partition, service, region, account, resource] = parts[..] else {
        return Some("not arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE");
    };
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    if arn != "arn" || !matches!(partition, "aws" | "aws-cn" | "aws-us-gov") {
        return Some("does not start with arn:aws:");
    }
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Some("the account is not 12 digits");
    }
    let id_ok = |id: &str, extra: &str| {
        !id.is_empty()
            && id.len() <= 128
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || extra.contains(c))
    };
    match service {
        "acm" if word(region) => match resource.strip_prefix("certificate/") {
            Some(id) if id_ok(id, "-") => None,
            _ => Some("the resource is not certificate/ID"),
        },
        "iam" if region.is_empty() => match resource.strip_prefix("server-certificate/") {
            Some(name) if id_ok(name, "+=,.@_-/") => None,
            _ => Some("the resource is not server-certificate/NAME"),
        },
        _ => Some("not an ACM (or IAM server) certificate"),
    }
}

/// Why `s` is not an ElastiCache node type (`cache.FAMILY.SIZE`).
pub fn node_type_problem(s: &str) -> Option<&'static str> {
    let mut parts = s.split('.');
    let ok = parts.next() == Some("cache")
        && parts
            .by_ref()
            .take(2)
            .filter(|p| {
                !p.is_empty()
                    && p.len() <= 16
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            .count()
            == 2
        && parts.next().is_none()
        && s.split('.').count() == 3;
    (!ok).then_some("expected cache.FAMILY.SIZE")
}

/// `"1.27.3"` → (1, 27, 3).
pub fn parse_triple(s: &str) -> Option<(u32, u32, u32)> {
    let mut it = s.split('.').map(|p| {
        (!p.is_empty() && p.len() <= 6 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    });
    let t = (it.next()??, it.next()??, it.next()??);
    it.next().is_none().then_some(t)
}

/// `MAJOR.MINOR` or `MAJOR.MINOR.PATCH`, major 6 to 8.
fn redis_version_ok(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    (2..=3).contains(&parts.len())
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
        && parts[0].parse::<u32>().is_ok_and(|m| (6..=8).contains(&m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_form_values_are_checked() {
        for ok in ["/", "/healthz", "/booking/", "/a-b/c_d.e~f"] {
            assert_eq!(url_path_problem(ok), None, "{ok}");
        }
        for bad in [
            "", "healthz", "/a b", "/a;b", "/a{b}", "/../etc", "//x", "/$x", "/a\"b",
        ] {
            assert!(url_path_problem(bad).is_some(), "{bad}");
        }
        for ok in [
            "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
            "arn:aws:iam::123456789012:server-certificate/prod/web",
        ] {
            assert_eq!(arn_problem(ok), None, "{ok}");
        }
        for bad in [
            "arn:aws:acm:eu-west-1:1234:certificate/x",
            "arn:aws:acm:eu-west-1:123456789012:certificate/x\"}",
            "arn:aws:s3:::bucket",
            "cert",
            "arn:aws:acm:eu-west-1:123456789012:certificate/${x}",
        ] {
            assert!(arn_problem(bad).is_some(), "{bad}");
        }
        for ok in ["cache.r7g.large", "cache.t4g.small", "cache.m6g.16xlarge"] {
            assert_eq!(node_type_problem(ok), None, "{ok}");
        }
        for bad in [
            "r7g.large",
            "cache.r7g",
            "cache.r7g.large.x",
            "cache..large",
            "cache.R7g.large",
        ] {
            assert!(node_type_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(parse_triple("1.27.3"), Some((1, 27, 3)));
        for bad in ["1.27", "1.27.3.1", "latest", "1.x.3", "", "1..3"] {
            assert_eq!(parse_triple(bad), None, "{bad}");
        }
        assert!(redis_version_ok("7.1") && redis_version_ok("7.0.15"));
        assert!(!redis_version_ok("latest") && !redis_version_ok("5.0") && !redis_version_ok("7"));
    }
}
