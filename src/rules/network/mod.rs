pub mod cidr_overlap;
pub mod gateway_upstream_static_dns;
pub mod invalid_cidr;
pub mod non_private_cidr;
pub mod port_conflict;
pub mod subnet_capacity;
pub mod subnet_outside_network;
pub mod subnet_overlap;
pub mod vpc_prefix_length;
pub mod zone_region_mismatch;

use ipnet::IpNet;

/// True when the two ranges share at least one address. CIDR blocks either
/// nest or are disjoint, so checking both network addresses is enough.
pub(crate) fn overlaps(a: &IpNet, b: &IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

/// How many candidate blocks a suggestion looks at before giving up: a /8
/// split into /28s would otherwise walk a million blocks.
const SUGGESTION_SCAN_LIMIT: usize = 65_536;

/// The first `/prefix` block of `within` that overlaps none of `taken`, to
/// suggest as a concrete replacement.
pub(crate) fn free_block(within: &IpNet, prefix: u8, taken: &[IpNet]) -> Option<IpNet> {
    within
        .subnets(prefix)
        .ok()?
        .take(SUGGESTION_SCAN_LIMIT)
        .find(|c| !taken.iter().any(|t| overlaps(c, t)))
}

/// RFC 1918 private IPv4 space.
pub(crate) const RFC1918: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// A private `/prefix` block no other network of the estate uses, to
/// suggest when `network` has to be renumbered.
pub(crate) fn free_private_block(
    m: &crate::model::Model,
    network: crate::model::NetworkId,
    prefix: u8,
) -> Option<IpNet> {
    let taken: Vec<IpNet> = m
        .networks
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != network.index())
        .map(|(_, n)| n.cidr.value)
        .collect();
    RFC1918
        .iter()
        .filter_map(|s| s.parse::<IpNet>().ok())
        .find_map(|space| free_block(&space, prefix, &taken))
}

#[cfg(test)]
mod tests {
    use super::{free_block, overlaps};
    use ipnet::IpNet;

    fn net(s: &str) -> IpNet {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn overlap_is_nesting() {
        assert!(overlaps(&net("10.0.0.0/8"), &net("10.10.0.0/16")));
        assert!(overlaps(&net("10.10.0.0/16"), &net("10.0.0.0/8")));
        assert!(!overlaps(&net("10.10.0.0/16"), &net("10.11.0.0/16")));
    }

    #[test]
    fn free_block_skips_taken() {
        let taken = [net("10.10.0.0/24"), net("10.10.1.0/24")];
        assert_eq!(
            free_block(&net("10.10.0.0/16"), 24, &taken),
            Some(net("10.10.2.0/24"))
        );
        assert_eq!(free_block(&net("10.10.0.0/16"), 8, &taken), None);
    }
}
