//! Failure domains: every host sits in one cloud, one region and (usually)
//! one availability zone. Hosts of one zone fail together (power, network,
//! a bad deploy of the zone's control plane); an Azure host without a zone
//! is placed by Azure anywhere in its region, so all zone-less hosts of a
//! region count as one domain.

use super::{Cloud, HostId, Model};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The zone a host fails with.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Zone {
    pub cloud: Cloud,
    pub region: String,
    /// `us-east-1a` on AWS, `1`/`2`/`3` on Azure; None: zone-less.
    pub zone: Option<String>,
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.zone, self.cloud) {
            (Some(z), Cloud::Aws) => write!(f, "{z}"),
            (Some(z), Cloud::Azure) => write!(f, "{}-{z}", self.region),
            (None, _) => write!(f, "{} (no zone)", self.region),
        }
    }
}

impl Model {
    /// The cloud, region and zone of a host.
    pub fn host_zone(&self, id: HostId) -> Zone {
        let net = self.network(self.host_network(id));
        Zone {
            cloud: net.cloud,
            region: net.region.value.clone(),
            zone: self.host(id).zone.clone(),
        }
    }
}

/// The hosts of each zone (each host once), zones in order.
pub fn hosts_by_zone(model: &Model, hosts: &[HostId]) -> BTreeMap<Zone, Vec<HostId>> {
    let mut seen = BTreeSet::new();
    let mut out: BTreeMap<Zone, Vec<HostId>> = BTreeMap::new();
    for &h in hosts {
        if seen.insert(h) {
            out.entry(model.host_zone(h)).or_default().push(h);
        }
    }
    out
}

/// How many zone failures at once a set of quorum voters survives (0, 1 or
/// more), given its zones: each zone lost takes its members along.
pub fn zone_failures_tolerated(model: &Model, voters: &[HostId]) -> usize {
    let by_zone = hosts_by_zone(model, voters);
    let n: usize = by_zone.values().map(Vec::len).sum();
    if n == 0 {
        return 0;
    }
    let quorum = n / 2 + 1;
    let mut sizes: Vec<usize> = by_zone.values().map(Vec::len).collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    // Worst case: the largest zones go first.
    let mut left = n;
    let mut k = 0;
    for s in sizes {
        if left - s < quorum {
            break;
        }
        left -= s;
        k += 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_domain() {
        let z = |cloud, zone: Option<&str>| Zone {
            cloud,
            region: if cloud == Cloud::Aws {
                "us-east-1"
            } else {
                "centralindia"
            }
            .into(),
            zone: zone.map(str::to_string),
        };
        assert_eq!(z(Cloud::Aws, Some("us-east-1a")).to_string(), "us-east-1a");
        assert_eq!(z(Cloud::Azure, Some("2")).to_string(), "centralindia-2");
        assert_eq!(z(Cloud::Azure, None).to_string(), "centralindia (no zone)");
    }
}
