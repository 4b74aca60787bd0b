//! Azure network security groups: which of the spec's security groups share
//! one NSG, and the priorities of an NSG's rules. The Terraform emitter
//! renders them; the `nsg-priority-exhausted` rule checks that they fit.

use super::{Cloud, Direction, Model, NetworkId, SgId, SgRule};
use std::collections::BTreeSet;

/// Azure's range of NSG rule priorities (lower runs first).
pub const AZURE_PRIORITY_MIN: u32 = 100;
pub const AZURE_PRIORITY_MAX: u32 = 4096;
/// The lowest-precedence rules infragen adds: deny what the spec does not
/// allow, outbound (when egress is declared) and inbound.
pub const DENY_OTHER_EGRESS: u32 = 4000;
pub const DENY_OTHER_INGRESS: u32 = 4010;
/// The rule admitting an Azure load balancer's health probes to its
/// targets, ahead of the inbound deny (inbound priorities only need to be
/// unique among inbound rules).
pub const ALLOW_LB_PROBES: u32 = 4005;
/// The spec's own (allow) rules sit between Azure's minimum and the deny
/// rules.
pub const ALLOW_FIRST: u32 = AZURE_PRIORITY_MIN;
pub const ALLOW_LAST: u32 = DENY_OTHER_EGRESS - 1;
/// How many allow rules one direction of an NSG can hold.
pub const ALLOW_CAPACITY: usize = (ALLOW_LAST - ALLOW_FIRST + 1) as usize;
// The allow rules stay below the deny rules, and all inside Azure's range.
const _: () = assert!(
    ALLOW_FIRST >= AZURE_PRIORITY_MIN
        && ALLOW_LAST < DENY_OTHER_EGRESS
        && ALLOW_LAST < DENY_OTHER_INGRESS
        && DENY_OTHER_EGRESS <= AZURE_PRIORITY_MAX
        && DENY_OTHER_INGRESS <= AZURE_PRIORITY_MAX
        && ALLOW_LAST < ALLOW_LB_PROBES
        && ALLOW_LB_PROBES < DENY_OTHER_INGRESS
);
/// The gap between consecutive allow rules while they fit with it, so a
/// rule added by hand between two fits without renumbering.
const STEP: u32 = 10;

/// An NIC takes one NSG: hosts with several security groups get one NSG
/// holding the rules of all of them (named after them all).
#[derive(Debug, Clone)]
pub struct NsgSet {
    pub groups: Vec<SgId>,
    pub network: NetworkId,
}

impl NsgSet {
    /// The rules of its groups, ingress then egress per group, in spec order.
    pub fn rules<'m>(&self, m: &'m Model) -> Vec<&'m SgRule> {
        self.groups
            .iter()
            .flat_map(|g| m.sg(*g).ingress.iter().chain(&m.sg(*g).egress))
            .collect()
    }

    /// `web+db`: the spec names of its groups.
    pub fn spec_name(&self, m: &Model) -> String {
        self.groups
            .iter()
            .map(|g| m.sg(*g).name.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }
}

impl Model {
    /// The NSGs of the Azure estate: one per distinct set of security groups
    /// a unit uses (in unit order), then one per security group of an Azure
    /// VNet that no unit uses.
    pub fn azure_nsgs(&self) -> Vec<NsgSet> {
        let mut out: Vec<NsgSet> = Vec::new();
        let mut seen: BTreeSet<Vec<SgId>> = BTreeSet::new();
        let mut used: BTreeSet<SgId> = BTreeSet::new();
        for u in self.units_in(Cloud::Azure) {
            let groups = self.host(u.hosts[0]).settings.security_groups.clone();
            if !groups.is_empty() && seen.insert(groups.clone()) {
                used.extend(groups.iter().copied());
                out.push(NsgSet {
                    groups,
                    network: self.host_network(u.hosts[0]),
                });
            }
        }
        // Groups no host uses still exist, on their own.
        for (i, g) in self.security_groups.iter().enumerate() {
            let id = SgId::from_index(i);
            let network = g.network.filter(|n| self.network(*n).cloud == Cloud::Azure);
            if let Some(n) = network
                && !used.contains(&id)
                && seen.insert(vec![id])
            {
                out.push(NsgSet {
                    groups: vec![id],
                    network: n,
                });
            }
        }
        out
    }
}

/// The direction that has more allow rules than fit below the deny rules,
/// and how many it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted {
    pub direction: Direction,
    pub rules: usize,
}

/// Priorities for an NSG's allow rules, given in order by direction.
/// Priorities must be unique per direction, and all lie in
/// `ALLOW_FIRST..=ALLOW_LAST`, above the deny rules. While the whole NSG
/// fits in one sequence the rules count up together, 10 apart (100, 110,
/// …) or closer when they would not fit so; past that each direction
/// counts from 100 on its own, one apart. `Err` when a direction has more
/// rules than `ALLOW_CAPACITY`.
pub fn priorities(directions: &[Direction]) -> Result<Vec<u32>, Exhausted> {
    let n = directions.len();
    if n <= ALLOW_CAPACITY {
        let span = ALLOW_LAST - ALLOW_FIRST;
        let step = match n {
            0 | 1 => STEP,
            _ => (span / (n as u32 - 1)).min(STEP),
        };
        return Ok((0..n as u32).map(|i| ALLOW_FIRST + step * i).collect());
    }
    let mut next = [ALLOW_FIRST; 2];
    let mut out = Vec::with_capacity(n);
    for d in directions {
        let k = match d {
            Direction::Ingress => 0,
            Direction::Egress => 1,
        };
        if next[k] > ALLOW_LAST {
            return Err(Exhausted {
                direction: *d,
                rules: directions.iter().filter(|x| *x == d).count(),
            });
        }
        out.push(next[k]);
        next[k] += 1;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Egress, Ingress};

    fn unique_per_direction(dirs: &[Direction], p: &[u32]) -> bool {
        let mut seen = BTreeSet::new();
        dirs.iter()
            .zip(p)
            .all(|(d, p)| seen.insert((*d == Ingress, *p)))
    }

    #[test]
    fn small_nsgs_count_up_by_ten() {
        let dirs = [Ingress, Ingress, Egress];
        assert_eq!(priorities(&dirs), Ok(vec![100, 110, 120]));
        assert_eq!(priorities(&[]), Ok(vec![]));
    }

    #[test]
    fn large_nsgs_stay_below_the_deny_rules_and_unique() {
        for n in [389, 390, 391, 1000, 3900, 3901, 5000, 7800] {
            let dirs: Vec<Direction> = (0..n)
                .map(|i| if i % 2 == 0 { Ingress } else { Egress })
                .collect();
            let p = priorities(&dirs).unwrap_or_else(|e| panic!("{n}: {e:?}"));
            assert_eq!(p.len(), n);
            assert!(
                p.iter().all(|p| (ALLOW_FIRST..=ALLOW_LAST).contains(p)),
                "{n}"
            );
            assert!(unique_per_direction(&dirs, &p), "{n}");
        }
    }

    #[test]
    fn too_many_rules_in_one_direction_is_an_error() {
        let mut dirs = vec![Ingress; ALLOW_CAPACITY];
        assert!(priorities(&dirs).is_ok());
        dirs.push(Egress);
        assert!(priorities(&dirs).is_ok());
        dirs.push(Ingress);
        assert_eq!(
            priorities(&dirs),
            Err(Exhausted {
                direction: Ingress,
                rules: ALLOW_CAPACITY + 1
            })
        );
    }
}
