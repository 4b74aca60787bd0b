//! `fleet`: defaults, groups (expanded to hosts) and hosts.

use super::Lowerer;
use crate::diagnostic::{Code, Diagnostic};
use crate::model::instance_types;
use crate::model::*;
use crate::schema::defaults;
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

/// The size of the Ubuntu images infragen boots from: Canonical's AMIs
/// carry an 8 GiB root snapshot, its Azure marketplace images a 30 GiB OS
/// disk; a root volume cannot be smaller than its image.
fn min_root_volume_gib(cloud: Cloud) -> u32 {
    match cloud {
        Cloud::Aws => 8,
        Cloud::Azure => 30,
    }
}

/// Longest host name: a DNS label (RFC 1035), also the Linux hostname limit.
const MAX_HOST_NAME: usize = 63;

/// Group host numbers are zero-padded to at least this many digits.
const MIN_DIGITS: usize = 2;
/// The most `digits=` may ask for.
const MAX_DIGITS: usize = 6;

impl Lowerer<'_> {
    pub(super) fn fleet(&mut self, fleet: &Node) {
        let mut base = HostSettings {
            monitored: defaults::MONITORED,
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
        if let Some(spec) = super::spec_of("fleet") {
            for n in super::misspelt(&fleet.children, spec, "host") {
                if let Some(name) = Self::name_of(n) {
                    self.hosts.declare_poisoned(&name.value, name.span);
                }
            }
            for n in super::misspelt(&fleet.children, spec, "group") {
                if let Some(name) = Self::name_of(n) {
                    self.poison_group(&name);
                }
            }
        }
    }

    /// Reads the host properties of `n` on top of `parent`'s.
    fn settings(&mut self, n: &Node, parent: &HostSettings) -> HostSettings {
        let mut s = parent.clone();
        // A property given with a bad value (reported by the validator)
        // poisons that setting; a good value here overrides a bad inherited one.
        fn mark(s: &mut HostSettings, key: &'static str, ok: bool) {
            s.poisoned.retain(|k| *k != key);
            if !ok {
                s.poisoned.push(key);
            }
        }
        if let Some(t) = Self::str_prop(n, "type") {
            s.instance_type = Some(t);
            mark(&mut s, "type", true);
        } else if !Self::absent(n, "type") {
            s.instance_type = None;
            mark(&mut s, "type", false);
        }
        if let Some(os) = Self::str_prop(n, "os") {
            s.os = Some(os);
        }
        if let Some(k) = n.prop_str("key-pair") {
            s.key_pair = Some(k.to_string());
        }
        if let Some(v) = Self::int_prop(n, "volume-size") {
            match u32::try_from(v.value) {
                Ok(size) => {
                    s.volume_size = Some(size);
                    s.volume_size_span = Some(v.span);
                    mark(&mut s, "volume-size", true);
                }
                Err(_) => {
                    s.volume_size = None;
                    s.volume_size_span = None;
                    mark(&mut s, "volume-size", false);
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("volume-size {} is out of range", v.value),
                        )
                        .label(v.span, "not a size in GiB")
                        .help("give the root volume size in GiB, e.g. volume-size=50"),
                    );
                }
            }
        } else if n.prop("volume-size").is_some() {
            s.volume_size = None;
            s.volume_size_span = None;
            mark(&mut s, "volume-size", false);
        }
        if let Some(b) = n.prop_bool("public-ip") {
            s.public_ip = b;
        }
        if let Some(b) = n.prop_bool("monitored") {
            s.monitored = b;
        }
        if let Some(p) = n.prop("memory") {
            let bytes = p
                .value
                .as_str()
                .and_then(|v| crate::units::parse_size(v).ok());
            s.memory = bytes.map(|b| Spanned::new(b, p.span));
            mark(&mut s, "memory", bytes.is_some());
        }
        if n.child("subnets").is_none() && !Self::absent(n, "subnets") {
            mark(&mut s, "subnets", false);
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
            let complete = s.subnets.len() == c.args.len();
            mark(&mut s, "subnets", complete);
        }
        if let Some(c) = n.child("security-groups") {
            s.security_groups = c
                .args
                .iter()
                .filter_map(|a| self.sgs.resolve(a.value.as_str()?, a.span, self.diags))
                .collect();
            s.security_groups_span = Some(c.span);
            let complete = s.security_groups.len() == c.args.len();
            mark(&mut s, "security-groups", complete);
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
                    Code::InvalidValue,
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
    /// false when the entry cannot produce hosts (the caller poisons its
    /// names); a bad instance type only poisons the hosts' `type`.
    fn check_settings(&mut self, n: &Node, label: Span, s: &mut HostSettings) -> bool {
        let mut ok = true;
        // Placement over part of the subnets would be wrong; the failed
        // reference is reported.
        if s.is_poisoned("subnets") {
            return false;
        }
        if s.subnets.is_empty() {
            if n.child("subnets").is_none() && s.subnets_span.is_none() {
                self.push(
                    Diagnostic::error(
                        Code::MissingValue,
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
                        Code::InvalidValue,
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
                        Code::InvalidValue,
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
        if let (Some(size), Some(span)) = (s.volume_size, s.volume_size_span) {
            let min = min_root_volume_gib(cloud);
            if size < min {
                self.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "volume-size {size} GiB is smaller than the {} Ubuntu image ({min} GiB)",
                            match cloud {
                                Cloud::Aws => "AWS",
                                Cloud::Azure => "Azure",
                            }
                        ),
                    )
                    .label(span, format!("below the image's {min} GiB"))
                    .help(format!(
                        "a root volume cannot be smaller than the image it is made from: use volume-size={min} or more"
                    )),
                );
                ok = false;
            }
        }
        match &s.instance_type {
            // Given, but not as a string: the validator reported it.
            None if s.is_poisoned("type") => {}
            None => {
                self.push(
                    Diagnostic::error(
                        Code::MissingValue,
                        format!("`{}` needs `type=`", n.arg_str(0).unwrap_or("")),
                    )
                    .label(label, "no instance type")
                    .help(if cloud == Cloud::Aws {
                        "add `type=\"m5.large\"` (an EC2 instance type) here or in `defaults`"
                    } else {
                        "add `type=\"Standard_B2s\"` (an Azure VM size) here or in `defaults`"
                    }),
                );
                s.poisoned.push("type");
            }
            Some(t) => {
                let t = t.clone();
                if instance_types::cloud_of(&t.value) != cloud {
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("`{}` is not a size of {} `{net_name}`", t.value, cloud.display()),
                        )
                        .label(t.span, "type of the other cloud")
                        .help("AWS hosts take EC2 instance types (m5.large); Azure hosts take VM sizes (Standard_B2s)"),
                    );
                    s.poisoned.push("type");
                } else if s.memory.is_none()
                    && !s.is_poisoned("memory")
                    && instance_types::memory_of(cloud, &t.value).is_none()
                {
                    let near: Vec<String> = instance_types::nearest(cloud, &t.value, 3)
                        .into_iter()
                        .map(|(n, bytes)| {
                            format!("`{n}` ({} GiB)", bytes as f64 / (1u64 << 30) as f64)
                        })
                        .collect();
                    let help = format!(
                        "nearest known: {}; if `{}` is right, give its RAM as `memory=\"<GiB>g\"` from the provider's size table so the heap rules can check it",
                        near.join(", "),
                        t.value
                    );
                    self.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!(
                                "unknown instance type `{}`: infragen cannot tell its RAM",
                                t.value
                            ),
                        )
                        .label(
                            t.span,
                            "neither derivable from the name nor in the exception table",
                        )
                        .help(help),
                    );
                    s.poisoned.push("type");
                }
            }
        }
        ok
    }

    fn memory_for(&self, s: &HostSettings, subnet: SubnetId) -> Option<u64> {
        // The table's RAM is not what a bad `memory=` meant.
        if s.is_poisoned("memory") {
            return None;
        }
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
            self.poison_group(&name);
            return;
        };
        if !(1..=MAX_GROUP_COUNT).contains(&count.value) {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("group `{}` has count {}", name.value, count.value),
                )
                .label(count.span, "out of range")
                .help(format!("a group has 1 to {MAX_GROUP_COUNT} hosts")),
            );
            self.poison_group(&name);
            return;
        }
        if name.value.len() > MAX_NAME_BYTES {
            return;
        }
        if self.model.hosts.len() + count.value as usize > MAX_HOSTS {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
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
            self.poison_group(&name);
            return;
        }
        let Some(width) = self.digits(n) else {
            self.poison_group(&name);
            return;
        };
        let longest = format!("{}-{:0width$}", name.value, count.value);
        if longest.len() > MAX_HOST_NAME {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!(
                        "group `{}` names its hosts up to `{longest}`, {} characters",
                        name.value,
                        longest.len()
                    ),
                )
                .label(name.span, format!("host names are at most {MAX_HOST_NAME} characters"))
                .help(format!(
                    "host names are DNS labels (RFC 1035) and Linux hostnames: shorten the group name to at most {} characters",
                    MAX_HOST_NAME.saturating_sub(longest.len() - name.value.len())
                )),
            );
            self.poison_group(&name);
            return;
        }
        // Declared only once it is sure to be pushed: a reference to it
        // indexes `model.groups`.
        let gid = GroupId::from_index(self.model.groups.len());
        self.groups.declare(&name.value, gid, name.span, self.diags);
        let mut hosts = Vec::with_capacity(count.value as usize);
        let shared = std::sync::Arc::new(settings.clone());
        let buckets = self.zone_buckets(&settings.subnets);
        let azure_zones = self.azure_zones(n, &settings);
        // The members share their settings: RAM is looked up once per cloud.
        let mut memory_by_cloud: Vec<(Cloud, Option<u64>)> = Vec::new();
        for i in 0..count.value as usize {
            let host_name = format!("{}-{:0width$}", name.value, i + 1);
            let subnet = self.place(&host_name, i, &buckets, &settings.subnets);
            let zone = match &azure_zones {
                Some(zones) => Some(zones[i % zones.len()].clone()),
                None => self.subnet_zone(subnet),
            };
            let hid = HostId::from_index(self.model.hosts.len());
            if !self.hosts.declare(&host_name, hid, name.span, self.diags) {
                continue;
            }
            let cloud = self.model.network(self.model.subnet(subnet).network).cloud;
            let memory = match memory_by_cloud.iter().find(|(c, _)| *c == cloud) {
                Some((_, m)) => *m,
                None => {
                    let m = self.memory_for(&settings, subnet);
                    memory_by_cloud.push((cloud, m));
                    m
                }
            };
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
                zone,
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

    /// The minimum width of a group's host numbers: two digits, or
    /// `digits=`. Never derived from `count`, so a resize renames no host
    /// (`app-09` stays `app-09` when the group grows to 10 or 100).
    fn digits(&mut self, n: &Node) -> Option<usize> {
        let Some(d) = Self::int_prop(n, "digits") else {
            return Some(MIN_DIGITS);
        };
        if !(MIN_DIGITS as i128..=MAX_DIGITS as i128).contains(&d.value) {
            self.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`digits={}` is out of range", d.value),
                )
                .label(
                    d.span,
                    format!("host numbers have {MIN_DIGITS} to {MAX_DIGITS} digits"),
                )
                .help(format!(
                    "numbers are always padded to at least {MIN_DIGITS} digits; `digits=` only raises the minimum (at most {MAX_DIGITS})"
                )),
            );
            return None;
        }
        Some(d.value as usize)
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
            self.hosts.declare_poisoned(&name.value, name.span);
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
        let zone = self.host_zone_prop(n, subnet);
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
            zone,
        });
    }

    /// The hosts and groups of a misspelt `fleet` (reported), poisoned.
    pub(super) fn poison_fleet(&mut self, fleet: &Node) {
        for n in &fleet.children {
            let Some(name) = Self::name_of(n) else {
                continue;
            };
            match n.name.as_str() {
                "host" => self.hosts.declare_poisoned(&name.value, name.span),
                "group" => self.poison_group(&name),
                _ => {}
            }
        }
    }

    /// A group that could not be expanded (its error is reported): its name
    /// and its hosts' names stay declared, poisoned.
    fn poison_group(&mut self, name: &Spanned<String>) {
        self.groups.declare_poisoned(&name.value, name.span);
        self.hosts.poison_family(&name.value);
    }

    /// The group's subnets by zone, zones in the order first listed: hosts
    /// go round-robin over the zones first, then over a zone's subnets, so
    /// consecutive hosts land in different zones even when two listed
    /// subnets share one. (Azure subnets carry no zone: one bucket.)
    fn zone_buckets(&self, subnets: &[SubnetId]) -> Vec<Vec<SubnetId>> {
        let mut buckets: Vec<(Option<String>, Vec<SubnetId>)> = Vec::new();
        for &sid in subnets {
            let zone = self.subnet_zone(sid);
            match buckets.iter_mut().find(|(z, _)| *z == zone) {
                Some((_, b)) => b.push(sid),
                None => buckets.push((zone, vec![sid])),
            }
        }
        buckets.into_iter().map(|(_, b)| b).collect()
    }

    /// Where the `i`-th host of a group goes: its locked subnet when the
    /// lock names one of the group's subnets (placement never moves a
    /// built host), else round-robin by zone.
    fn place(
        &self,
        host: &str,
        i: usize,
        buckets: &[Vec<SubnetId>],
        subnets: &[SubnetId],
    ) -> SubnetId {
        if let Some((path, _)) = self.lock.entries.get(host)
            && let Some(&sid) = subnets
                .iter()
                .find(|&&sid| self.model.is_subnet_path(sid, path))
        {
            return sid;
        }
        let bucket = &buckets[i % buckets.len()];
        bucket[(i / buckets.len()) % bucket.len()]
    }

    /// An AWS subnet's zone (None on Azure: subnets span the region).
    fn subnet_zone(&self, subnet: SubnetId) -> Option<String> {
        let s = self.model.subnet(subnet);
        if self.model.network(s.network).cloud != Cloud::Aws {
            return None;
        }
        s.zone.as_ref().map(|z| z.value.clone())
    }

    /// Whether `zone=`/`zones` may be written here: Azure only (an AWS
    /// host's zone is its subnet's). Reports it otherwise.
    fn zone_allowed(&mut self, subnet: SubnetId, span: crate::span::Span, what: &str) -> bool {
        let cloud = self.model.network(self.model.subnet(subnet).network).cloud;
        if cloud == Cloud::Azure {
            return true;
        }
        self.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!("`{what}` is for Azure hosts; an AWS host takes its subnet's zone"),
            )
            .label(span, "on an AWS host")
            .help("remove it, and list subnets of the zones you want in `subnets`"),
        );
        false
    }

    /// A group's `zones "1" "2" "3"` (Azure).
    fn azure_zones(&mut self, n: &Node, settings: &HostSettings) -> Option<Vec<String>> {
        let c = n.child("zones")?;
        let zones: Vec<String> = c
            .args
            .iter()
            .filter_map(|a| a.value.as_str())
            .filter(|z| AZURE_ZONES.contains(z))
            .map(str::to_string)
            .collect();
        // A bad value was reported by the validator: zone-less hosts.
        if zones.len() != c.args.len() || zones.is_empty() {
            return None;
        }
        self.zone_allowed(settings.subnets[0], c.span, "zones")
            .then_some(zones)
    }

    /// A host's zone: its subnet's on AWS, `zone=` on Azure.
    fn host_zone_prop(&mut self, n: &Node, subnet: SubnetId) -> Option<String> {
        let Some(p) = n.prop("zone") else {
            return self.subnet_zone(subnet);
        };
        let span = p.span;
        // A bad value was reported by the validator.
        let Some(value) = p.value.as_str().filter(|z| AZURE_ZONES.contains(z)) else {
            return self.subnet_zone(subnet);
        };
        let value = value.to_string();
        if self.zone_allowed(subnet, span, "zone=") {
            Some(value)
        } else {
            self.subnet_zone(subnet)
        }
    }
}

/// Azure's availability zones (the grammar's `zone=`/`zones` values).
const AZURE_ZONES: &[&str] = &["1", "2", "3"];
