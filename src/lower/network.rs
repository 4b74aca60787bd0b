//! `address-set`, `vpc`, `vnet` and their subnets.

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
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
        let Some(name) = Self::name_of(n) else { return };
        let (Some(cidr), Some(region)) = (Self::cidr_prop(n, "cidr"), Self::str_prop(n, "region"))
        else {
            // Reported by the shape validator.
            self.poison_network(n, &name);
            return;
        };
        if !cidr.value.addr().is_ipv4() {
            self.push(
                Diagnostic::error(
                    Code::InvalidCidr,
                    format!("{} `{}` needs an IPv4 CIDR", cloud.display(), name.value),
                )
                .label(cidr.span, "IPv6 address space")
                .help("give the network an IPv4 range such as \"10.0.0.0/16\""),
            );
            self.poison_network(n, &name);
            return;
        }
        let id = NetworkId::from_index(self.model.networks.len());
        if !self
            .networks
            .declare(&name.value, id, name.span, self.diags)
        {
            self.poison_network(n, &name);
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
            nat_per_zone: n
                .prop_str("nat-gateways")
                .unwrap_or(crate::schema::defaults::NAT_GATEWAYS)
                == "per-zone",
        });
        for s in n.children_named("subnet") {
            let Some(sname) = Self::name_of(s) else {
                continue;
            };
            let path = format!("{}/{}", name.value, sname.value);
            let Some(scidr) = Self::cidr_prop(s, "cidr") else {
                self.subnets.declare_poisoned(&path, sname.span);
                continue;
            };
            if !scidr.value.addr().is_ipv4() {
                self.push(
                    Diagnostic::error(
                        Code::InvalidCidr,
                        format!("subnet `{}` needs an IPv4 CIDR", sname.value),
                    )
                    .label(scidr.span, "IPv6 address space")
                    .help("give the subnet an IPv4 range inside its network"),
                );
                self.subnets.declare_poisoned(&path, sname.span);
                continue;
            }
            let sid = SubnetId::from_index(self.model.subnets.len());
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
        self.check_nat_per_zone(n, id);
        if let Some(spec) = super::spec_of(&n.name) {
            for s in super::misspelt(&n.children, spec, "subnet") {
                if let Some(sname) = Self::name_of(s) {
                    let path = format!("{}/{}", name.value, sname.value);
                    self.subnets.declare_poisoned(&path, sname.span);
                }
            }
        }
    }

    /// A network that could not be built (its error is reported): its name
    /// and its subnets' paths stay declared, poisoned.
    pub(super) fn poison_network(&mut self, n: &Node, name: &Spanned<String>) {
        self.networks.declare_poisoned(&name.value, name.span);
        for s in n.children_named("subnet") {
            if let Some(sname) = Self::name_of(s) {
                let path = format!("{}/{}", name.value, sname.value);
                self.subnets.declare_poisoned(&path, sname.span);
            }
        }
    }

    /// `nat-gateways="per-zone"`: every zone with a private subnet needs a
    /// public subnet to hold its NAT gateway (else it would route through
    /// another zone's, which is the single NAT the option is there to end).
    fn check_nat_per_zone(&mut self, n: &Node, id: NetworkId) {
        let Some(p) = n.prop("nat-gateways") else {
            return;
        };
        if !self.model.networks[id.index()].nat_per_zone {
            return;
        }
        let net = &self.model.networks[id.index()];
        let subs: Vec<&Subnet> = net
            .subnets
            .iter()
            .map(|s| &self.model.subnets[s.index()])
            .collect();
        // A subnet that did not lower, or a zone outside the region
        // (`zone-region-mismatch`, the same test), has its own error: the
        // zones here would be wrong, so say nothing more.
        let region = net.region.value.as_str();
        let bad_zone = subs.iter().any(|s| {
            s.zone.as_ref().is_some_and(|z| {
                !z.value.strip_prefix(region).is_some_and(|rest| {
                    rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase())
                })
            })
        });
        let misspelt = super::spec_of(&n.name).is_some_and(|spec| {
            super::misspelt(&n.children, spec, "subnet")
                .next()
                .is_some()
        });
        if bad_zone || misspelt || n.children_named("subnet").count() != subs.len() {
            return;
        }
        let zone = |s: &Subnet| s.zone.as_ref().map(|z| z.value.clone());
        let mut missing: Vec<String> = Vec::new();
        for s in subs.iter().filter(|s| !s.public) {
            let z = zone(s);
            if !subs.iter().any(|x| x.public && zone(x) == z) {
                let label = z.unwrap_or_else(|| "(no zone)".into());
                if !missing.contains(&label) {
                    missing.push(label);
                }
            }
        }
        if missing.is_empty() {
            return;
        }
        let span = p.span;
        self.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!(
                    "nat-gateways=\"per-zone\" needs a public subnet in every zone with private subnets; none in {}",
                    missing.join(", ")
                ),
            )
            .label(span, "one NAT gateway per zone")
            .help(format!(
                "add a `subnet \"public-…\" zone=\"{}\" cidr=… public=#true` to the VPC, or write nat-gateways=\"single\"",
                missing[0]
            )),
        );
    }
}
