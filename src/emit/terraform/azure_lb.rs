//! Azure load balancers (in `azure.tf`): the internal Standard Load
//! Balancer infragen puts in front of `haproxy group=` when the group is on
//! Azure — the Azure side of lb.tf's Network Load Balancer. Per balancer: an
//! `azurerm_lb` (sku Standard, one private frontend at the compile-time
//! address `LoadBalancer::frontend_address`, zone-redundant when the hosts
//! sit in zones), one backend pool holding the primary IP configuration of
//! every NIC of the target group, and per listener a TCP probe and a TCP
//! rule; an `output` with the frontend's address. With `baseline domain`,
//! a private DNS zone names each frontend `NAME.DOMAIN` (`private_dns`).
//!
//! The probes come from 168.63.129.16 (service tag `AzureLoadBalancer`):
//! `azure_nsg` admits them ahead of infragen's deny-other-ingress rule.

use super::azure::{location, rg_attr};
use super::dsl::*;
use super::{Tf, TfFile, names, opt};
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

/// The frontend IP configuration's name (one per balancer).
const FRONTEND: &str = "frontend";
/// Standard Load Balancer drops idle flows after this many minutes (Azure's
/// default is 4): as long as HAProxy's client/server timeout (30m), so the
/// balancer never cuts a PostgreSQL session HAProxy still holds; with TCP
/// reset on, both ends learn when it does.
const IDLE_TIMEOUT_MINUTES: i64 = 30;

/// The Azure balancers of the model: those whose first subnet is in a VNet.
pub fn azure_balancers(m: &Model) -> impl Iterator<Item = &LoadBalancer> {
    m.load_balancers.iter().filter(move |lb| {
        lb.subnets
            .first()
            .is_some_and(|s| m.network(m.subnet(*s).network).cloud == Cloud::Azure)
    })
}

pub fn balancer(tf: &Tf, f: &mut TfFile, lb: &LoadBalancer) {
    let m = tf.m;
    let subnet = lb.subnets[0];
    let n = m.subnet(subnet).network;
    let name = super::lb::lb_name(lb);
    f.source(format!("load-balancer {}", lb.name), lb.span);
    let what = match lb.origin {
        LbOrigin::Spec => format!("Load balancer {}", lb.name),
        LbOrigin::Haproxy(pg) => format!(
            "Load balancer {}: in front of the HAProxy group of postgres-cluster {} (clients connect to its frontend address)",
            lb.name,
            m.postgres[pg.index()].name
        ),
    };
    f.comment(&what);
    let mut fe = block("frontend_ip_configuration")
        .add_attribute(("name", s(FRONTEND)))
        .add_attribute((
            "subnet_id",
            r(&format!("azurerm_subnet.{}.id", names::subnet(m, subnet))),
        ))
        .add_attribute(("private_ip_address_version", s("IPv4")));
    fe = match lb.frontend_address {
        Some(a) => fe
            .add_attribute(("private_ip_address_allocation", s("Static")))
            .add_attribute(("private_ip_address", s(a.to_string()))),
        // Only without an address left, which lowering reports as an
        // error: kept total.
        None => fe.add_attribute(("private_ip_address_allocation", s("Dynamic"))),
    };
    // Zone-redundant when the targets sit in zones (a region with zones);
    // a region without zones refuses `zones`.
    let zoned = lb
        .listeners
        .iter()
        .flat_map(|l| &m.group(l.target).hosts)
        .any(|h| m.host(*h).zone.is_some());
    if zoned {
        fe = fe.add_attribute(("zones", strings(["1", "2", "3"])));
    }
    f.add(
        opt(
            resource("azurerm_lb", &name)
                .add_attribute(("name", s(names::cloud_name(m, &lb.name))))
                .add_attribute(location(m, n))
                .add_attribute(rg_attr(m, n))
                .add_attribute(("sku", s("Standard")))
                .add_attribute(("sku_tier", s("Regional")))
                .add_block(fe.build()),
            tf.azure_tags(),
        )
        .build(),
    );
    let lb_id = r(&format!("azurerm_lb.{name}.id"));
    // One pool per target group (a HAProxy balancer has one).
    let mut pools: Vec<GroupId> = Vec::new();
    for l in &lb.listeners {
        if !pools.contains(&l.target) {
            pools.push(l.target);
        }
    }
    for g in &pools {
        let group = names::id(&m.group(*g).name);
        let pool = pool_name(&name, &group, pools.len());
        f.add(
            resource("azurerm_lb_backend_address_pool", &pool)
                .add_attribute(("name", s(&m.group(*g).name)))
                .add_attribute(("loadbalancer_id", lb_id.clone()))
                .build(),
        );
        // Every NIC of the group, keyed by host name like the group's
        // `azurerm_network_interface` (azure_vm.rs).
        f.add(
            resource(
                "azurerm_network_interface_backend_address_pool_association",
                &pool,
            )
            .add_attribute(("for_each", r(&format!("local.hosts.{group}"))))
            .add_attribute((
                "network_interface_id",
                r_idx(
                    &format!("azurerm_network_interface.{group}"),
                    r("each.key"),
                    "id",
                ),
            ))
            .add_attribute(("ip_configuration_name", s("primary")))
            .add_attribute((
                "backend_address_pool_id",
                r(&format!("azurerm_lb_backend_address_pool.{pool}.id")),
            ))
            .build(),
        );
    }
    for l in &lb.listeners {
        let group = names::id(&m.group(l.target).name);
        let pool = pool_name(&name, &group, pools.len());
        let rule = format!("{name}_{}", l.port.value);
        f.add(
            resource("azurerm_lb_probe", &rule)
                .add_attribute(("name", s(format!("tcp-{}", l.target_port))))
                .add_attribute(("loadbalancer_id", lb_id.clone()))
                .add_attribute(("protocol", s("Tcp")))
                .add_attribute(("port", i64::from(l.target_port)))
                .add_attribute(("interval_in_seconds", 5))
                .add_attribute(("number_of_probes", 2))
                .add_attribute(("probe_threshold", 2))
                .build(),
        );
        f.add(
            resource("azurerm_lb_rule", &rule)
                .add_attribute(("name", s(format!("tcp-{}", l.port.value))))
                .add_attribute(("loadbalancer_id", lb_id.clone()))
                .add_attribute(("protocol", s("Tcp")))
                .add_attribute(("frontend_port", i64::from(l.port.value)))
                .add_attribute(("backend_port", i64::from(l.target_port)))
                .add_attribute(("frontend_ip_configuration_name", s(FRONTEND)))
                .add_attribute((
                    "backend_address_pool_ids",
                    list(vec![r(&format!(
                        "azurerm_lb_backend_address_pool.{pool}.id"
                    ))]),
                ))
                .add_attribute(("probe_id", r(&format!("azurerm_lb_probe.{rule}.id"))))
                // The hosts reach out through their own route; an internal
                // balancer has no public address to SNAT to anyway.
                .add_attribute(("disable_outbound_snat", true))
                // The backends see the flow addressed to themselves (HAProxy
                // binds the host's own address, not the frontend's).
                .add_attribute(("floating_ip_enabled", false))
                .add_attribute(("tcp_reset_enabled", true))
                .add_attribute(("idle_timeout_in_minutes", IDLE_TIMEOUT_MINUTES))
                .build(),
        );
    }
    f.add(
        block("output")
            .add_label(format!("{name}_private_ip"))
            .add_attribute((
                "description",
                s(format!(
                    "Private frontend address of load balancer {}",
                    lb.name
                )),
            ))
            .add_attribute((
                "value",
                r_idx(
                    &format!("azurerm_lb.{name}.frontend_ip_configuration"),
                    hcl::Expression::from(0),
                    "private_ip_address",
                ),
            ))
            .build(),
    );
}

/// `lb_orders_pg`, or `lb_orders_pg_<group>` when a balancer has several pools.
fn pool_name(lb: &str, group: &str, pools: usize) -> String {
    if pools == 1 {
        lb.to_string()
    } else {
        format!("{lb}_{group}")
    }
}

/// What the NSG of some balancer targets must admit from the probes: the
/// target ports and the targets' private addresses.
#[derive(Debug, Default)]
pub struct Probes {
    pub ports: BTreeSet<u16>,
    pub addresses: BTreeSet<IpAddr>,
}

/// The probe traffic each NSG (by its set of security groups, as
/// `Model::azure_nsgs` groups NICs) must admit. One pass over the targets
/// of the Azure balancers.
pub fn probes(m: &Model) -> BTreeMap<Vec<SgId>, Probes> {
    let mut out: BTreeMap<Vec<SgId>, Probes> = BTreeMap::new();
    for lb in azure_balancers(m) {
        for l in &lb.listeners {
            for h in &m.group(l.target).hosts {
                let h = m.host(*h);
                if h.settings.security_groups.is_empty() {
                    continue; // no NSG: Azure's defaults admit the probes
                }
                let p = out.entry(h.settings.security_groups.clone()).or_default();
                p.ports.insert(l.target_port);
                p.addresses.extend(h.address);
            }
        }
    }
    out
}

/// With `baseline domain`, an Azure private DNS zone for the domain linked
/// to every VNet, and an A record `NAME.DOMAIN` → the frontend address for
/// each Azure balancer: clients connect to `CLUSTER-pg.DOMAIN` on Azure as
/// on AWS (dns.tf). VMs resolve through Azure's resolver (168.63.129.16),
/// which answers for private zones linked to their VNet.
pub fn private_dns(tf: &Tf, f: &mut TfFile) {
    let m = tf.m;
    let Some(domain) = m.baseline.as_ref().and_then(|b| b.domain.as_ref()) else {
        return;
    };
    let lbs: Vec<&LoadBalancer> = azure_balancers(m).collect();
    let Some(first) = lbs.first() else {
        return;
    };
    // The zone lives with the first balancer; its links and records with it.
    let home = m.subnet(first.subnets[0]).network;
    f.comment(&format!(
        "Private DNS zone {domain}: Azure load balancers get a compile-time name NAME.{domain}."
    ));
    f.add(
        opt(
            resource("azurerm_private_dns_zone", "private")
                .add_attribute(("name", s(domain)))
                .add_attribute(rg_attr(m, home)),
            tf.azure_tags(),
        )
        .build(),
    );
    let zone_name = r("azurerm_private_dns_zone.private.name");
    for i in 0..m.networks.len() {
        let n = NetworkId::from_index(i);
        if m.network(n).cloud != Cloud::Azure {
            continue;
        }
        let vnet = names::network(m, n);
        f.add(
            opt(
                resource("azurerm_private_dns_zone_virtual_network_link", &vnet)
                    .add_attribute(("name", s(names::cloud_name(m, &m.network(n).name))))
                    .add_attribute(rg_attr(m, home))
                    .add_attribute(("private_dns_zone_name", zone_name.clone()))
                    .add_attribute((
                        "virtual_network_id",
                        r(&format!("azurerm_virtual_network.{vnet}.id")),
                    ))
                    .add_attribute(("registration_enabled", false)),
                tf.azure_tags(),
            )
            .build(),
        );
    }
    for lb in lbs {
        let name = super::lb::lb_name(lb);
        f.add(
            opt(
                resource("azurerm_private_dns_a_record", &name)
                    .add_attribute(("name", s(&lb.name)))
                    .add_attribute(("zone_name", zone_name.clone()))
                    .add_attribute(rg_attr(m, home))
                    .add_attribute(("ttl", 300))
                    .add_attribute((
                        "records",
                        list(vec![r_idx(
                            &format!("azurerm_lb.{name}.frontend_ip_configuration"),
                            hcl::Expression::from(0),
                            "private_ip_address",
                        )]),
                    )),
                tf.azure_tags(),
            )
            .build(),
        );
    }
}
