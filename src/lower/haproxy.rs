//! `haproxy host=` / `haproxy group=` inside a `postgres-cluster`, and the
//! internal load balancer infragen puts in front of an HAProxy group (an
//! AWS Network Load Balancer, or an Azure Standard Load Balancer).

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::Node;

impl Lowerer<'_> {
    /// Exactly one of `host=` (one host) and `group=` (a group of two or
    /// more hosts). None (reported) when neither, both, or an unknown name.
    pub(super) fn haproxy_placement(
        &mut self,
        h: &Node,
    ) -> Option<(Vec<HostId>, Span, HaproxyPlacement)> {
        match (h.prop("host"), h.prop("group")) {
            (Some(_), Some(g)) => {
                self.push(
                    Diagnostic::error(Code::InvalidValue, "`haproxy` names both host= and group=")
                        .label(g.span, "and group=")
                        .help("write `haproxy host=\"HOST\"` for one HAProxy, or `haproxy group=\"GROUP\"` for an HA group behind a load balancer"),
                );
                None
            }
            (None, None) => {
                // A misspelt `hoost=` already got "did you mean `host`?".
                let misspelt = h
                    .props
                    .iter()
                    .any(|p| crate::diagnostic::closest(&p.name, ["host", "group"]).is_some());
                if misspelt {
                    return None;
                }
                self.push(
                    Diagnostic::error(Code::MissingValue, "`haproxy` needs host= or group=")
                        .label(h.name_span, "no host= or group=")
                        .help("write `haproxy group=\"GROUP\"` (two or more hosts in different zones, behind an internal load balancer) or `haproxy host=\"HOST\"`"),
                );
                None
            }
            (Some(_), None) => {
                let (host, span) = self.host_ref(h, "host")?;
                Some((vec![host], span, HaproxyPlacement::Host))
            }
            (None, Some(_)) => {
                let g = Self::str_prop(h, "group")?;
                let gid = self.groups.resolve(&g.value, g.span, self.diags)?;
                let hosts = self.model.group(gid).hosts.clone();
                if hosts.len() < 2 {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!(
                                "the HAProxy group `{}` has {} host(s); an HA group needs at least 2",
                                g.value,
                                hosts.len()
                            ),
                        )
                        .label(g.span, "fewer than 2 hosts")
                        .help("give the group count=2 or more over subnets in different zones, or write `haproxy host=\"HOST\"` for one HAProxy"),
                    );
                    return None;
                }
                let clouds: Vec<Cloud> = hosts.iter().map(|x| self.model.host_cloud(*x)).collect();
                if clouds.iter().any(|c| *c != clouds[0]) {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("the HAProxy group `{}` spans clouds", g.value),
                        )
                        .label(g.span, "hosts on more than one cloud")
                        .help(
                            "one load balancer fronts the group: place all its hosts on one cloud",
                        ),
                    );
                    return None;
                }
                Some((hosts, g.span, HaproxyPlacement::Group(gid)))
            }
        }
    }

    /// The internal network balancer in front of the HAProxy group of the
    /// cluster just pushed: a TCP listener on the HAProxy port, every host
    /// of the group a target, in the group's subnets.
    pub(super) fn haproxy_balancer(&mut self, pg: PgClusterId) {
        let c = &self.model.postgres[pg.index()];
        let Some(hx) = &c.haproxy else { return };
        let HaproxyPlacement::Group(gid) = hx.placement else {
            return;
        };
        let mut subnets: Vec<SubnetId> = Vec::new();
        for h in &hx.hosts {
            let s = self.model.host(*h).subnet;
            if !subnets.contains(&s) {
                subnets.push(s);
            }
        }
        let lb = LoadBalancer {
            name: haproxy_balancer_name(&c.name),
            name_span: c.name_span,
            span: hx.span,
            kind: LbKind::Network,
            scheme: LbScheme::Internal,
            origin: LbOrigin::Haproxy(pg),
            subnets,
            subnets_span: None,
            security_groups: Vec::new(),
            security_groups_span: None,
            // An Azure frontend's address: `addresses::frontends`, once
            // every cluster is lowered.
            frontend_address: None,
            listeners: vec![Listener {
                port: Spanned::new(hx.port, hx.span),
                protocol: LbProtocol::Tcp,
                target: gid,
                target_span: hx.host_span,
                target_port: hx.port,
                health_path: None,
                certificate_arn: None,
                span: hx.span,
            }],
        };
        let id = LbId::from_index(self.model.load_balancers.len());
        self.model.load_balancers.push(lb);
        if let Some(hx) = &mut self.model.postgres[pg.index()].haproxy {
            hx.balancer = Some(id);
        }
    }
}

/// `orders` → `orders-pg`: the balancer's name (and its private DNS label
/// `orders-pg.DOMAIN`).
pub fn haproxy_balancer_name(cluster: &str) -> String {
    format!("{cluster}-pg")
}
