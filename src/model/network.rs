//! Address sets, VPCs, VNets and subnets.

use super::ids::{NetworkId, SubnetId};
use crate::span::{Span, Spanned};
use ipnet::IpNet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cloud {
    Aws,
    Azure,
}

impl Cloud {
    pub fn keyword(self) -> &'static str {
        match self {
            Cloud::Aws => "vpc",
            Cloud::Azure => "vnet",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS VPC",
            Cloud::Azure => "Azure VNet",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AddressSet {
    pub name: String,
    pub span: Span,
    pub cidrs: Vec<Spanned<IpNet>>,
}

/// An AWS VPC or an Azure VNet.
#[derive(Debug, Clone)]
pub struct Network {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub cloud: Cloud,
    pub region: Spanned<String>,
    pub resource_group: Option<String>,
    pub cidr: Spanned<IpNet>,
    pub subnets: Vec<SubnetId>,
    /// `nat-gateways="per-zone"` on an AWS `vpc`: one NAT gateway (and one
    /// private route table) per zone that has a public subnet, instead of
    /// one for the whole VPC.
    pub nat_per_zone: bool,
}

#[derive(Debug, Clone)]
pub struct Subnet {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub network: NetworkId,
    pub zone: Option<Spanned<String>>,
    pub cidr: Spanned<IpNet>,
    pub public: bool,
}

/// AWS and Azure both reserve the first four addresses and the last one of
/// every subnet.
pub const RESERVED_AT_START: u32 = 4;

/// Usable host addresses of an IPv4 subnet (0 for IPv6 or tiny subnets).
pub fn usable_addresses(cidr: &IpNet) -> u64 {
    match cidr {
        IpNet::V4(n) => {
            let total = 1u64 << (32 - n.prefix_len());
            total.saturating_sub(RESERVED_AT_START as u64 + 1)
        }
        IpNet::V6(_) => 0,
    }
}

/// The public subnet whose NAT gateway a private AWS subnet routes out
/// through: with one NAT per zone (`nat-gateways="per-zone"`, or the
/// simulator's what-if) the first public subnet of its zone, else (and
/// when its zone has none) the VPC's first public subnet. None when the
/// VPC has no public subnet. The Terraform emitter and the failure
/// simulator both ask this.
pub fn nat_subnet(m: &super::Model, private: SubnetId, per_zone: bool) -> Option<SubnetId> {
    let sub = m.subnet(private);
    let net = m.network(sub.network);
    let publics = || net.subnets.iter().copied().filter(|s| m.subnet(*s).public);
    let zone = sub.zone.as_ref().map(|z| &z.value);
    per_zone
        .then(|| publics().find(|p| m.subnet(*p).zone.as_ref().map(|z| &z.value) == zone))
        .flatten()
        .or_else(|| publics().next())
}
