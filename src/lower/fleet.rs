//! `fleet`: defaults, groups (expanded to hosts) and hosts.

use super::Lowerer;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::model::instance_types;
use crate::model::*;
use crate::span::{Span, Spanned};
use crate::syntax::Node;

/// Larger groups are almost certainly a typo, and would make every later
/// stage allocate for nothing.
const MAX_GROUP_COUNT: i128 = 100_000;
/// Most hosts in one spec, all groups together (docs/language.md, "Limits"):
/// memory stays bounded (about 1 KB per host through the whole build).
pub const MAX_HOSTS: usize = 1_000_000;
/// Longest group name expanded into hosts. Longer names are invalid anyway
/// (the validator reports them: names have at most 63 characters); not
/// expanding them keeps `count` copies of a huge name out of memory.
const MAX_NAME_BYTES: usize = 63;

impl Lowerer<'_> {
    pub(super) fn fleet(&mut self, fleet: &Node) {
        let mut base = HostSettings {
            monitored: true,
            ..HostSettings::default()
        };
        if let Some(d) = fleet.child("defaults") {
            base = self.settings(d, &base);
        }
        for entry in &fleet.children {
            match entry.name.as_str() {
                "group" => self.group(entry, &base),
                "host" => self.single_host(entry, &base),
                _ => {}
            }
        }
    }

    /// Reads the host properties of `n` on top of `parent`'s.
    fn settings(&mut self, n: &Node, parent: &HostSettings) -> HostSettings {
        let mut s = parent.clone();
        if let Some(t) = Self::str_prop(n, "type") {
            s.instance_type = Some(t);
        }
        if let Some(os) = Self::str_prop(n, "os") {
            s.os = Some(os);
        }
        if let Some(k) = n.prop_str("key-pair") {
            s.key_pair = Some(k.to_string());
        }
        if let Some(v) = Self::u32_prop(n, "volume-size") {
            s.volume_size = Some(v);
        }
        if let Some(b) = n.prop_bool("public-ip") {
            s.public_ip = b;
        }
        if let Some(b) = n.prop_bool("monitored") {
            s.monitored = b;
        }
        if let Some(p) = n.prop("memory")
            && let Some(bytes) = p
                .value
                .as_str()
                .and_then(|v| crate::units::parse_size(v).ok())
        {
            s.memory = Some(Spanned::new(bytes, p.span));
        }
        if let Some(c) = n.child("subnets") {
            s.subnets = c
                .args
                .iter()
                .filter_map(|a| {
                    let path = a.value.as_str()?;
                    self.resolve_subnet(path, a.span)
                })
                .collect();
            s.subnets_span = Some(c.span);
        }
        if let Some(c) = n.child("security-groups") {
            s.security_groups = c
                .args
                .iter()
                .filter_map(|a| self.sgs.resolve(a.value.as_str()?, a.span, self.diags))
                .collect();
            s.security_groups_span = Some(c.span);
        }
        for t in n.children_named("tag") {
            if let (Some(k), Some(v)) = (t.arg_str(0), t.arg_str(1)) {
                s.tags.retain(|(key, _)| key != k);
                s.tags.push((k.to_string(), v.to_string()));
            }
        }
        s
    }

    pub(super) fn resolve_subnet(&mut self, path: &str, span: Span) -> Option<SubnetId> {
        if !path.contains('/') {
            let candidates: Vec<String> = self
                .model
                .subnets
                .iter()
                .filter(|s| s.name == path)
                .map(|s| format!("{}/{}", self.model.network(s.network).name, s.name))
                .collect();
            let help = match candidates.first() {
                Some(c) => format!("did you mean `{c}`?"),
                None => "write subnets as \"NETWORK/SUBNET\", e.g. \"core/private-a\"".into(),
            };
            self.push(
                Diagnostic::error(
                    "invalid-value",
                    format!("`{path}` is not a subnet reference"),
                )
                .label(span, "expected \"NETWORK/SUBNET\"")
                .help(help),
            );
            return None;
        }
        self.subnets.resolve(path, span, self.diags)
    }

    /// Checks what every host needs and derives its cloud facts. Returns
    /// false when the entry cannot produce hosts.
    fn check_settings(&mut self, n: &Node, label: Span, s: &mut HostSettings) -> bool {
        let mut ok = true;
        if s.subnets.is_empty() {
            if n.child("subnets").is_none() && s.subnets_span.is_none() {
                self.push(
                    Diagnostic::error(
                        "missing-value",
                        format!(
                            "`{} \"{}\"` needs `subnets`",
                            n.name,
                            n.arg_str(0).unwrap_or("")
                        ),
                    )
                    .label(label, "no subnet to place it in")
                    .help("add `subnets \"vpc/subnet\" …` here or in `defaults`"),
                );
            }
            return false;
        }
        let network = self.model.subnet(s.subnets[0]).network;
        for sid in &s.subnets[1..] {
            let other = self.model.subnet(*sid).network;
            if other != network {
                self.push(
                    Diagnostic::error(
                        "invalid-value",
                        format!(
                            "`{}` spreads over two networks (`{}` and `{}`)",
                            n.arg_str(0).unwrap_or(""),
                            self.model.network(network).name,
                            self.model.network(other).name
                        ),
                    )
                    .label(
                        s.subnets_span.unwrap_or(label),
                        "subnets of different networks",
                    )
                    .help("a group lives in one VPC or VNet; split it into one group per network"),
                );
                ok = false;
                break;
            }
        }
        let net = self.model.network(network);
        let (net_name, cloud) = (net.name.clone(), net.cloud);
        for sg in &s.security_groups {
            let g = self.model.sg(*sg);
            if let Some(sg_net) = g.network
                && sg_net != network
            {
                self.push(
                    Diagnostic::error(
                        "invalid-value",
                        format!(
                            "security group `{}` belongs to `{}`, but `{}` sits in `{net_name}`",
                            g.name,
                            self.model.network(sg_net).name,
                            n.arg_str(0).unwrap_or("")
                        ),
                    )
                    .label(label, "host placed here")
                    .label(g.name_span, "security group declared here")
                    .help("attach only security groups of the host's own network"),
                );
                ok = false;
            }
        }
        match &s.instance_type {
            None => {
                self.push(
                    Diagnostic::error(
                        "missing-value",
                        format!("`{}` needs `type=`", n.arg_str(0).unwrap_or("")),
                    )
                    .label(label, "no instance type")
                    .help(if cloud == Cloud::Aws {
                        "add `type=\"m5.large\"` (an EC2 instance type) here or in `defaults`"
                    } else {
                        "add `type=\"Standard_B2s\"` (an Azure VM size) here or in `defaults`"
                    }),
                );
                ok = false;
            }
            Some(t) => {
                let t = t.clone();
                if instance_types::cloud_of(&t.value) != cloud {
                    self.push(
                        Diagnostic::error(
                            "invalid-value",
                            format!("`{}` is not a size of {} `{net_name}`", t.value, cloud.display()),
                        )
                        .label(t.span, "type of the other cloud")
                        .help("AWS hosts take EC2 instance types (m5.large); Azure hosts take VM sizes (Standard_B2s)"),
                    );
                    ok = false;
                } else if s.memory.is_none() && instance_types::memory_of(cloud, &t.value).is_none()
                {
                    let help = did_you_mean(&t.value, instance_types::known_types(cloud))
                        .map(|d| format!("{d} Otherwise give its RAM with `memory=\"16g\"`"))
                        .unwrap_or_else(|| {
                            "give its RAM with `memory=\"16g\"` so the heap rules can check it"
                                .into()
                        });
                    self.push(
                        Diagnostic::error(
                            "invalid-value",
                            format!("unknown instance type `{}`", t.value),
                        )
                        .label(t.span, "not in infragen's instance-type table")
                        .help(help),
                    );
                    ok = false;
                }
            }
        }
        ok
    }

    fn memory_for(&self, s: &HostSettings, subnet: SubnetId) -> Option<u64> {
        let cloud = self.model.network(self.model.subnet(subnet).network).cloud;
        s.memory
            .as_ref()
            .map(|m| m.value)
            .or_else(|| instance_types::memory_of(cloud, &s.instance_type.as_ref()?.value))
    }

    fn group(&mut self, n: &Node, base: &HostSettings) {
        let Some(name) = Self::name_of(n) else { return };
        let mut settings = self.settings(n, base);
        if !self
            .fleet_entries
            .declare(&name.value, (), name.span, self.diags)
        {
            return;
        }
        let Some(count) = Self::int_prop(n, "count") else {
            return;
        };
        if !(1..=MAX_GROUP_COUNT).contains(&count.value) {
            self.push(
                Diagnostic::error(
                    "invalid-value",
                    format!("group `{}` has count {}", name.value, count.value),
                )
                .label(count.span, "out of range")
                .help(format!("a group has 1 to {MAX_GROUP_COUNT} hosts")),
            );
            return;
        }
        if name.value.len() > MAX_NAME_BYTES {
            return;
        }
        if self.model.hosts.len() + count.value as usize > MAX_HOSTS {
            self.push(
                Diagnostic::error(
                    "invalid-value",
                    format!(
                        "group `{}` brings the spec past {MAX_HOSTS} hosts",
                        name.value
                    ),
                )
                .label(count.span, "one group too many")
                .help(format!("a spec has at most {MAX_HOSTS} hosts in all; split the estate into several specs")),
            );
            return;
        }
        if !self.check_settings(n, name.span, &mut settings) {
            return;
        }
        let gid = GroupId::from_index(self.model.groups.len());
        self.groups.declare(&name.value, gid, name.span, self.diags);
        let width = count.value.to_string().len();
        let mut hosts = Vec::with_capacity(count.value as usize);
        let shared = std::sync::Arc::new(settings.clone());
        for i in 0..count.value as usize {
            let host_name = format!("{}-{:0width$}", name.value, i + 1);
            let subnet = settings.subnets[i % settings.subnets.len()];
            let hid = HostId::from_index(self.model.hosts.len());
            if !self.hosts.declare(&host_name, hid, name.span, self.diags) {
                continue;
            }
            let memory = self.memory_for(&settings, subnet);
            self.model.hosts.push(Host {
                name: host_name,
                name_span: name.span,
                span: n.span,
                group: Some(gid),
                settings: std::sync::Arc::clone(&shared),
                subnet,
                address: None,
                address_span: None,
                public_address: None,
                memory,
            });
            hosts.push(hid);
        }
        self.model.groups.push(Group {
            name: name.value,
            name_span: name.span,
            span: n.span,
            count: Spanned::new(count.value as u32, count.span),
            settings,
            hosts,
        });
    }

    fn single_host(&mut self, n: &Node, base: &HostSettings) {
        let Some(name) = Self::name_of(n) else { return };
        let mut settings = self.settings(n, base);
        if !self
            .fleet_entries
            .declare(&name.value, (), name.span, self.diags)
        {
            return;
        }
        if !self.check_settings(n, name.span, &mut settings) {
            return;
        }
        let hid = HostId::from_index(self.model.hosts.len());
        if !self.hosts.declare(&name.value, hid, name.span, self.diags) {
            return;
        }
        let subnet = settings.subnets[0];
        let ip = |key: &str| {
            let p = n.prop(key)?;
            Some(Spanned::new(
                crate::units::parse_ip(p.value.as_str()?)?,
                p.span,
            ))
        };
        let address = ip("address");
        let memory = self.memory_for(&settings, subnet);
        self.model.hosts.push(Host {
            name: name.value,
            name_span: name.span,
            span: n.span,
            group: None,
            settings: std::sync::Arc::new(settings),
            subnet,
            address: address.as_ref().map(|a| a.value),
            address_span: address.map(|a| a.span),
            public_address: ip("public-address"),
            memory,
        });
    }
}
