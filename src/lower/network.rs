//! `address-set`, `vpc`, `vnet` and their subnets.

use super::Lowerer;
use crate::diagnostic::Diagnostic;
use crate::model::*;
use crate::span::Spanned;
use crate::syntax::Node;
use crate::units::parse_cidr;
use ipnet::IpNet;

impl Lowerer<'_> {
    fn cidr_prop(node: &Node, name: &str) -> Option<Spanned<IpNet>> {
        let p = node.prop(name)?;
        // Invalid CIDRs were reported by the shape validator.
        Some(Spanned::new(parse_cidr(p.value.as_str()?).ok()?, p.span))
    }

    pub(super) fn address_set(&mut self, n: &Node) {
        let Some(name) = Self::name_of(n) else { return };
        let id = AddressSetId::from_index(self.model.address_sets.len());
        if !self
            .address_sets
            .declare(&name.value, id, name.span, self.diags)
        {
            return;
        }
        let cidrs = n
            .children_named("cidr")
            .filter_map(|c| {
                let a = c.arg(0)?;
                Some(Spanned::new(parse_cidr(a.value.as_str()?).ok()?, a.span))
            })
            .collect();
        self.model.address_sets.push(AddressSet {
            name: name.value,
            span: n.span,
            cidrs,
        });
    }

    pub(super) fn network(&mut self, n: &Node) {
        let cloud = if n.name == "vpc" {
            Cloud::Aws
        } else {
            Cloud::Azure
        };
        let (Some(name), Some(cidr), Some(region)) = (
            Self::name_of(n),
            Self::cidr_prop(n, "cidr"),
            Self::str_prop(n, "region"),
        ) else {
            return;
        };
        if !cidr.value.addr().is_ipv4() {
            self.push(
                Diagnostic::error(
                    "invalid-cidr",
                    format!("{} `{}` needs an IPv4 CIDR", cloud.display(), name.value),
                )
                .label(cidr.span, "IPv6 address space")
                .help("give the network an IPv4 range such as \"10.0.0.0/16\""),
            );
            return;
        }
        let id = NetworkId::from_index(self.model.networks.len());
        if !self
            .networks
            .declare(&name.value, id, name.span, self.diags)
        {
            return;
        }
        self.model.networks.push(Network {
            name: name.value.clone(),
            name_span: name.span,
            span: n.span,
            cloud,
            region,
            resource_group: n.prop_str("resource-group").map(str::to_string),
            cidr,
            subnets: Vec::new(),
        });
        for s in n.children_named("subnet") {
            let (Some(sname), Some(scidr)) = (Self::name_of(s), Self::cidr_prop(s, "cidr")) else {
                continue;
            };
            if !scidr.value.addr().is_ipv4() {
                self.push(
                    Diagnostic::error(
                        "invalid-cidr",
                        format!("subnet `{}` needs an IPv4 CIDR", sname.value),
                    )
                    .label(scidr.span, "IPv6 address space")
                    .help("give the subnet an IPv4 range inside its network"),
                );
                continue;
            }
            let sid = SubnetId::from_index(self.model.subnets.len());
            let path = format!("{}/{}", name.value, sname.value);
            if !self.subnets.declare(&path, sid, sname.span, self.diags) {
                continue;
            }
            self.model.subnets.push(Subnet {
                name: sname.value,
                name_span: sname.span,
                span: s.span,
                network: id,
                zone: Self::str_prop(s, "zone"),
                cidr: scidr,
                public: s.prop_bool("public").unwrap_or(false),
            });
            self.model.networks[id.index()].subnets.push(sid);
        }
    }
}
