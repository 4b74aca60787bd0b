//! `security-group` nodes and the `from=`/`to=` peer references.

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::model::*;
use crate::span::Span;
use crate::syntax::{Node, Value};
use crate::units::parse_cidr;
use crate::units::parse_port_range;

const PEER_KINDS: &[&str] = &["sg", "set", "cidr", "host", "subnet", "vpc", "vnet", "lb"];

impl Lowerer<'_> {
    pub(super) fn declare_sg(&mut self, n: &Node) -> Option<SgId> {
        let name = Self::name_of(n)?;
        let id = SgId::from_index(self.model.security_groups.len());
        if !self.sgs.declare(&name.value, id, name.span, self.diags) {
            return None;
        }
        let network = match (Self::str_prop(n, "vpc"), Self::str_prop(n, "vnet")) {
            (Some(_), Some(v)) => {
                self.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("security group `{}` names both vpc= and vnet=", name.value),
                    )
                    .label(v.span, "second network")
                    .help("a security group belongs to one network"),
                );
                None
            }
            (Some(v), None) => self.resolve_network(&v.value, v.span, Cloud::Aws),
            (None, Some(v)) => self.resolve_network(&v.value, v.span, Cloud::Azure),
            (None, None) if !Self::absent(n, "vpc") || !Self::absent(n, "vnet") => None,
            (None, None) => {
                self.push(
                    Diagnostic::error(
                        Code::MissingValue,
                        format!("security group `{}` needs vpc= or vnet=", name.value),
                    )
                    .label(name.span, "no network")
                    .help("add `vpc=\"NAME\"` (AWS) or `vnet=\"NAME\"` (Azure)"),
                );
                None
            }
        };
        self.model.security_groups.push(SecurityGroup {
            name: name.value,
            name_span: name.span,
            span: n.span,
            network,
            ingress: Vec::new(),
            egress: Vec::new(),
            egress_declared: false,
        });
        Some(id)
    }

    fn resolve_network(&mut self, name: &str, span: Span, cloud: Cloud) -> Option<NetworkId> {
        let id = self.networks.resolve(name, span, self.diags)?;
        let net = self.model.network(id);
        if net.cloud != cloud {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "`{name}` is an {}, not an {}",
                        net.cloud.display(),
                        cloud.display()
                    ),
                )
                .label(span, "wrong kind of network")
                .help(format!("write `{}=\"{name}\"`", net.cloud.keyword())),
            );
            return None;
        }
        Some(id)
    }

    pub(super) fn sg_rules(&mut self, id: SgId, n: &Node) {
        let own_network = self.model.security_groups[id.index()].network;
        for c in &n.children {
            let (direction, key) = match c.name.as_str() {
                "ingress" => (Direction::Ingress, "from"),
                "egress" => (Direction::Egress, "to"),
                _ => continue,
            };
            if direction == Direction::Egress {
                self.model.security_groups[id.index()].egress_declared = true;
            }
            let Some(proto) = c.arg_str(0).and_then(Proto::parse) else {
                continue;
            };
            let ports = match (proto.has_ports(), c.arg(1)) {
                (true, None) => {
                    self.push(
                        Diagnostic::error(
                            Code::MissingValue,
                            format!("a {} rule needs a port", proto.as_str()),
                        )
                        .label(c.name_span, "no port")
                        .help(format!(
                            "write `{} \"{}\" 443 …` or a range \"8000-8100\"",
                            c.name,
                            proto.as_str()
                        )),
                    );
                    continue;
                }
                (true, Some(a)) => match &a.value {
                    Value::Int(p) => match u16::try_from(*p) {
                        Ok(p) if p > 0 => Some((p, p)),
                        _ => continue,
                    },
                    Value::Str(s) => match parse_port_range(s) {
                        Some(r) => Some(r),
                        None => continue,
                    },
                    _ => continue,
                },
                (false, Some(a)) => {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("{} has no ports", proto.as_str()),
                        )
                        .label(a.span, "port given")
                        .help("remove the port, or use tcp/udp"),
                    );
                    continue;
                }
                (false, None) => None,
            };
            let Some(p) = c.prop(key) else { continue };
            let Some(text) = p.value.as_str() else {
                continue;
            };
            let Some(peer) = self.peer(text, p.span, own_network) else {
                continue;
            };
            let rule = SgRule {
                direction,
                proto,
                ports,
                peer,
                peer_span: p.span,
                description: c.prop_str("description").map(str::to_string),
                span: c.span,
            };
            let sg = &mut self.model.security_groups[id.index()];
            match direction {
                Direction::Ingress => sg.ingress.push(rule),
                Direction::Egress => sg.egress.push(rule),
            }
        }
    }

    /// Parses `sg:NAME`, `set:NAME`, `cidr:X`, `host:NAME`, `subnet:V/S`,
    /// `vpc:NAME`, `vnet:NAME`.
    pub(super) fn peer(
        &mut self,
        text: &str,
        span: Span,
        own_network: Option<NetworkId>,
    ) -> Option<Peer> {
        let Some((kind, name)) = text.split_once(':') else {
            let guess = if parse_cidr(text).is_ok() {
                format!("did you mean `cidr:{text}`?")
            } else if self.sgs.contains(text) {
                format!("did you mean `sg:{text}`?")
            } else if self.hosts.contains(text) {
                format!("did you mean `host:{text}`?")
            } else {
                "prefix the reference with its kind: sg:, set:, cidr:, host:, subnet:, vpc:, vnet: or lb:".into()
            };
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{text}` does not say what it refers to"),
                )
                .label(span, "missing kind prefix")
                .help(guess),
            );
            return None;
        };
        Some(match kind {
            "sg" => {
                let sg = self.sgs.resolve(name, span, self.diags)?;
                let other = self.model.sg(sg).network;
                if own_network.is_some() && other.is_some() && other != own_network {
                    self.push(
                        Diagnostic::error(Code::InvalidValue, format!("`sg:{name}` belongs to another network"))
                            .label(span, "security group of another network")
                            .help("reference groups of the same network; across networks use vpc:, vnet:, subnet: or host:"),
                    );
                    return None;
                }
                Peer::Sg(sg)
            }
            "set" => Peer::Set(self.address_sets.resolve(name, span, self.diags)?),
            "host" => Peer::Host(self.hosts.resolve(name, span, self.diags)?),
            "lb" => self.lb_peer(name, span, own_network)?,
            "subnet" => Peer::Subnet(self.resolve_subnet(name, span)?),
            "vpc" => Peer::Network(self.resolve_network(name, span, Cloud::Aws)?),
            "vnet" => Peer::Network(self.resolve_network(name, span, Cloud::Azure)?),
            "cidr" => match parse_cidr(name) {
                Ok(c) => Peer::Cidr(c),
                Err(e) => {
                    let help = match e {
                        crate::units::CidrError::NotNetwork(net) => {
                            format!("did you mean `cidr:{net}`?")
                        }
                        crate::units::CidrError::Syntax => "write e.g. `cidr:10.0.0.0/16`".into(),
                    };
                    self.push(
                        Diagnostic::error(
                            Code::InvalidCidr,
                            format!("`{name}` is not a network CIDR"),
                        )
                        .label(span, "invalid CIDR")
                        .help(help),
                    );
                    return None;
                }
            },
            _ => {
                let help = did_you_mean(kind, PEER_KINDS.iter().copied()).unwrap_or_else(|| {
                    "use sg:, set:, cidr:, host:, subnet:, vpc:, vnet: or lb:".into()
                });
                self.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("unknown reference kind `{kind}:`"),
                    )
                    .label(span, "unknown kind")
                    .help(help),
                );
                return None;
            }
        })
    }
}
