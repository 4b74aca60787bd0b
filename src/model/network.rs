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
