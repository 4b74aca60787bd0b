//! Compile-time private addresses. Order of precedence: `address=` in the
//! spec, then the lock file, then the lowest free address of the subnet.
//! Hosts are visited in declaration order, so a spec without a lock always
//! gets the same addresses; the lock keeps them when the spec changes.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::lock::AddressLock;
use crate::model::network::RESERVED_AT_START;
use crate::model::*;
use ipnet::IpNet;
// foldhash: keyed by addresses and ids, looked up once or twice per host.
use foldhash::{HashMap, HashMapExt, HashSet};
use std::net::{IpAddr, Ipv4Addr};

/// The usable range of an IPv4 subnet, as u32s: [first, last].
fn usable_range(cidr: &IpNet) -> Option<(u32, u32)> {
    let IpNet::V4(n) = cidr else { return None };
    let first = u32::from(n.network()).checked_add(RESERVED_AT_START)?;
    let last = u32::from(n.broadcast()).checked_sub(1)?;
    (first <= last).then_some((first, last))
}

pub fn assign(model: &mut Model, lock: &AddressLock, diags: &mut Diagnostics) {
    let mut taken: HashMap<SubnetId, HashSet<u32>> = HashMap::new();
    let mut owner: HashMap<u32, HostId> = HashMap::new();

    for i in 0..model.hosts.len() {
        let h = &model.hosts[i];
        let (Some(addr), Some(span)) = (h.address, h.address_span) else {
            continue;
        };
        let subnet = model.subnet(h.subnet);
        let v4 = match addr {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(_) => {
                diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("host `{}` needs an IPv4 address", h.name),
                    )
                    .label(span, "IPv6 address")
                    .help("subnets are IPv4; give an address inside the host's subnet"),
                );
                model.hosts[i].address = None;
                continue;
            }
        };
        let mut problem = None;
        if !subnet.cidr.value.contains(&addr) {
            problem = Some((
                format!(
                    "address {addr} of `{}` is outside its subnet {}",
                    h.name, subnet.cidr.value
                ),
                format!("pick an address inside {}", subnet.cidr.value),
            ));
        } else if !v4.is_loopback()
            && let Some((first, last)) = usable_range(&subnet.cidr.value)
            && !(first..=last).contains(&u32::from(v4))
        {
            problem = Some((
                format!("address {addr} of `{}` is reserved by the cloud", h.name),
                format!(
                    "the first four addresses and the last one are reserved; use {} to {}",
                    Ipv4Addr::from(first),
                    Ipv4Addr::from(last)
                ),
            ));
        } else if let Some(other) = owner.get(&u32::from(v4)) {
            let other = model.host(*other);
            problem = Some((
                format!(
                    "address {addr} is given to both `{}` and `{}`",
                    other.name, h.name
                ),
                "every host needs its own address".to_string(),
            ));
        }
        if let Some((msg, help)) = problem {
            diags.push(
                Diagnostic::error(Code::InvalidValue, msg)
                    .label(span, "this address")
                    .help(help),
            );
            model.hosts[i].address = None;
            continue;
        }
        owner.insert(u32::from(v4), HostId::from_index(i));
        taken.entry(h.subnet).or_default().insert(u32::from(v4));
    }

    // Locked addresses next, so new hosts never take an existing host's place.
    for i in 0..model.hosts.len() {
        let h = &model.hosts[i];
        if h.address_span.is_some() {
            continue;
        }
        let Some((path, IpAddr::V4(v4))) = lock.entries.get(&h.name) else {
            continue;
        };
        if !model.is_subnet_path(h.subnet, path) {
            continue;
        }
        let Some((first, last)) = usable_range(&model.subnet(h.subnet).cidr.value) else {
            continue;
        };
        let a = u32::from(*v4);
        let set = taken.entry(h.subnet).or_default();
        if (first..=last).contains(&a) && set.insert(a) {
            model.hosts[i].address = Some(IpAddr::V4(*v4));
        }
    }

    let mut cursor: HashMap<SubnetId, u32> = HashMap::new();
    for i in 0..model.hosts.len() {
        let h = &model.hosts[i];
        if h.address.is_some() || h.address_span.is_some() {
            continue;
        }
        let subnet = h.subnet;
        let Some((first, last)) = usable_range(&model.subnet(subnet).cidr.value) else {
            continue;
        };
        let set = taken.entry(subnet).or_default();
        let next = cursor.entry(subnet).or_insert(first);
        while *next <= last && set.contains(next) {
            *next += 1;
        }
        if *next > last {
            continue; // `subnet-capacity` reports the full subnet.
        }
        set.insert(*next);
        model.hosts[i].address = Some(IpAddr::V4(Ipv4Addr::from(*next)));
    }
}

/// The lock that pins the model's current addresses.
pub fn lock_of(model: &Model) -> AddressLock {
    let mut lock = AddressLock::default();
    for h in &model.hosts {
        if let Some(a) = h.address {
            lock.entries
                .insert(h.name.clone(), (model.subnet_path(h.subnet), a));
        }
    }
    lock
}

/// The private addresses of the Azure balancers' frontends: each takes the
/// highest free address of its first subnet (hosts fill a subnet from the
/// bottom, so adding hosts does not move it), below any taken by an earlier
/// balancer. A subnet with no address left is an error (the frontend
/// could not be placed at apply either). One pass over the hosts.
pub fn frontends(model: &mut Model, diags: &mut Diagnostics) {
    let subnets: HashSet<SubnetId> = model
        .load_balancers
        .iter()
        .filter_map(|lb| lb.subnets.first().copied())
        .filter(|s| model.network(model.subnet(*s).network).cloud == Cloud::Azure)
        .collect();
    if subnets.is_empty() {
        return;
    }
    let mut taken: HashMap<SubnetId, HashSet<u32>> = HashMap::new();
    for h in &model.hosts {
        if let (true, Some(IpAddr::V4(a))) = (subnets.contains(&h.subnet), h.address) {
            taken.entry(h.subnet).or_default().insert(u32::from(a));
        }
    }
    for i in 0..model.load_balancers.len() {
        let Some(s) = model.load_balancers[i].subnets.first().copied() else {
            continue;
        };
        if !subnets.contains(&s) {
            continue;
        }
        let Some((first, last)) = usable_range(&model.subnet(s).cidr.value) else {
            continue;
        };
        let set = taken.entry(s).or_default();
        // Walks down past taken addresses: at most one step per host of
        // the subnet and balancer before it.
        let free = (first..=last).rev().find(|a| !set.contains(a));
        if let Some(a) = free {
            set.insert(a);
            model.load_balancers[i].frontend_address = Some(IpAddr::V4(Ipv4Addr::from(a)));
        } else {
            let lb = &model.load_balancers[i];
            let sub = model.subnet(s);
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "subnet `{}` ({}) has no address left for the frontend of load balancer `{}`",
                        sub.name, sub.cidr.value, lb.name
                    ),
                )
                .label(lb.span, "its balancer's frontend goes in that subnet")
                .help("give the subnet a larger cidr, or move hosts out of it: the balancer takes one private address"),
            );
        }
    }
}
