//! Security groups (AWS) and NSGs (Azure).

use super::ids::{AddressSetId, HostId, NetworkId, SgId, SubnetId};
use crate::span::Span;
use ipnet::IpNet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    Tcp,
    Udp,
    Icmp,
    Esp,
    All,
}

impl Proto {
    pub fn parse(s: &str) -> Option<Proto> {
        Some(match s {
            "tcp" => Proto::Tcp,
            "udp" => Proto::Udp,
            "icmp" => Proto::Icmp,
            "esp" => Proto::Esp,
            "all" => Proto::All,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Proto::Tcp => "tcp",
            Proto::Udp => "udp",
            Proto::Icmp => "icmp",
            Proto::Esp => "esp",
            Proto::All => "all",
        }
    }

    pub fn has_ports(self) -> bool {
        matches!(self, Proto::Tcp | Proto::Udp)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

/// The other end of a rule (`from=` / `to=`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Peer {
    Sg(SgId),
    Set(AddressSetId),
    Cidr(IpNet),
    Host(HostId),
    Subnet(SubnetId),
    Network(NetworkId),
}

#[derive(Debug, Clone)]
pub struct SgRule {
    pub direction: Direction,
    pub proto: Proto,
    /// Inclusive port range for tcp/udp; None means every port.
    pub ports: Option<(u16, u16)>,
    pub peer: Peer,
    pub peer_span: Span,
    pub description: Option<String>,
    pub span: Span,
}

impl SgRule {
    pub fn covers(&self, proto: Proto, port: Option<u16>) -> bool {
        let proto_ok = self.proto == Proto::All || self.proto == proto;
        let port_ok = match (self.ports, port) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((lo, hi)), Some(p)) => lo <= p && p <= hi,
        };
        proto_ok && port_ok
    }
}

#[derive(Debug, Clone)]
pub struct SecurityGroup {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub network: Option<NetworkId>,
    pub ingress: Vec<SgRule>,
    /// Empty with `egress_declared == false` means "all egress allowed".
    pub egress: Vec<SgRule>,
    pub egress_declared: bool,
}
