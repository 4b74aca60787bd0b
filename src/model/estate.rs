//! Facts about the estate that several emitters need: the deployment units
//! (a group, or a host outside any group: what one Terraform resource and
//! one cloud-init document render), which hosts are VPN gateways, and where
//! a unit's cloud-init document lives in the build output.

use super::{Cloud, GroupId, HostId, HostSettings, Model};
use crate::span::Span;
use std::collections::BTreeSet;

/// A group, or a standalone host: what one resource renders.
#[derive(Debug, Clone)]
pub struct Unit {
    pub name: String,
    pub group: Option<GroupId>,
    /// The group's hosts in order, or the one host.
    pub hosts: Vec<HostId>,
}

impl Unit {
    pub fn is_group(&self) -> bool {
        self.group.is_some()
    }

    /// `"group"` or `"host"`: the spec node that declares the unit.
    pub fn kind(&self) -> &'static str {
        if self.is_group() { "group" } else { "host" }
    }

    /// The declaring `group` or `host` node.
    pub fn span(&self, m: &Model) -> Span {
        match self.group {
            Some(g) => m.group(g).span,
            None => m.host(self.hosts[0]).span,
        }
    }

    /// The settings the spec gives the unit (a group's are its hosts').
    pub fn settings<'m>(&self, m: &'m Model) -> &'m HostSettings {
        match self.group {
            Some(g) => &m.group(g).settings,
            None => &m.host(self.hosts[0]).settings,
        }
    }

    /// Does one of its hosts end a VPN (so it forwards others' traffic)?
    pub fn is_gateway(&self, m: &Model) -> bool {
        self.hosts.iter().any(|h| m.is_gateway(*h))
    }

    /// The unit's first-boot document, relative to the build output.
    pub fn cloud_init_path(&self) -> String {
        cloud_init_path(&self.name)
    }
}

/// `cloud-init/<unit>.yaml`: the first-boot document of the group or
/// standalone host `unit`, relative to the build output.
pub fn cloud_init_path(unit: &str) -> String {
    format!("cloud-init/{unit}.yaml")
}

/// The unit whose `cloud_init_path` this is, if it is one.
pub fn unit_of_cloud_init_path(path: &str) -> Option<&str> {
    path.strip_prefix("cloud-init/")?.strip_suffix(".yaml")
}

impl Model {
    /// The groups and standalone hosts of one cloud, in spec order (a group
    /// where its first host of that cloud stands).
    pub fn units_in(&self, cloud: Cloud) -> Vec<Unit> {
        self.units_where(|h| self.host_cloud(h) == cloud)
    }

    /// Every group and standalone host, in spec order.
    pub fn units(&self) -> Vec<Unit> {
        self.units_where(|_| true)
    }

    fn units_where(&self, keep: impl Fn(HostId) -> bool) -> Vec<Unit> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, h) in self.hosts.iter().enumerate() {
            let hid = HostId::from_index(i);
            if !keep(hid) {
                continue;
            }
            match h.group {
                Some(g) if seen.insert(g) => out.push(Unit {
                    name: self.group(g).name.clone(),
                    group: Some(g),
                    hosts: self.group(g).hosts.clone(),
                }),
                Some(_) => {}
                None => out.push(Unit {
                    name: h.name.clone(),
                    group: None,
                    hosts: vec![hid],
                }),
            }
        }
        out
    }

    /// Is this host one end of a VPN (it forwards traffic for others)?
    pub fn is_gateway(&self, h: HostId) -> bool {
        self.vpns
            .iter()
            .any(|v| v.left.host == h || v.right.host == h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_init_path_round_trips() {
        assert_eq!(cloud_init_path("web"), "cloud-init/web.yaml");
        assert_eq!(
            unit_of_cloud_init_path(&cloud_init_path("web")),
            Some("web")
        );
        assert_eq!(unit_of_cloud_init_path("terraform/web.tf"), None);
    }
}
