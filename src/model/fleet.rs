//! Groups and hosts. Groups are expanded at lowering: every host exists in
//! `Model::hosts` with its settings resolved (defaults, then group, then host).

use super::ids::{GroupId, SgId, SubnetId};
use crate::span::{Span, Spanned};
use std::net::IpAddr;

/// Settings shared by `defaults`, `group` and `host`, after inheritance.
#[derive(Debug, Clone, Default)]
pub struct HostSettings {
    pub instance_type: Option<Spanned<String>>,
    pub os: Option<Spanned<String>>,
    pub key_pair: Option<String>,
    pub volume_size: Option<u32>,
    /// Where `volume-size=` was given, for diagnostics.
    pub volume_size_span: Option<Span>,
    pub public_ip: bool,
    pub memory: Option<Spanned<u64>>,
    pub monitored: bool,
    pub subnets: Vec<SubnetId>,
    pub subnets_span: Option<Span>,
    pub security_groups: Vec<SgId>,
    /// The `security-groups` node these came from, for diagnostics.
    pub security_groups_span: Option<Span>,
    pub tags: Vec<(String, String)>,
    /// Settings given with an invalid or missing value (`"type"`,
    /// `"memory"`, …), already reported: checks that need one of them skip
    /// the host quietly.
    pub poisoned: Vec<&'static str>,
}

impl HostSettings {
    pub fn is_poisoned(&self, key: &str) -> bool {
        self.poisoned.contains(&key)
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub count: Spanned<u32>,
    pub settings: HostSettings,
    pub hosts: Vec<super::ids::HostId>,
}

#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    /// The span that names this host: the `host` name, or the group's name.
    pub name_span: Span,
    /// The declaring `host` or `group` node.
    pub span: Span,
    pub group: Option<GroupId>,
    /// Shared by the hosts of a group: a group's settings are stored once,
    /// not once per host.
    pub settings: std::sync::Arc<HostSettings>,
    pub subnet: SubnetId,
    /// Compile-time private address; None only when the subnet is full.
    pub address: Option<IpAddr>,
    /// Span of `address=` when the spec fixes it.
    pub address_span: Option<Span>,
    pub public_address: Option<Spanned<IpAddr>>,
    /// RAM in bytes: `memory=` or what the instance type says (model::instance_types).
    pub memory: Option<u64>,
    /// The availability zone: the subnet's `zone=` on AWS; `zone=` or the
    /// group's `zones` on Azure (None: the region's zone-less domain).
    pub zone: Option<String>,
}

impl Host {
    pub fn os(&self) -> &str {
        self.settings
            .os
            .as_ref()
            .map(|o| o.value.as_str())
            .unwrap_or(DEFAULT_OS)
    }

    /// The instance type (AWS) or size (Azure); empty when none is set.
    pub fn instance_type(&self) -> &str {
        (self.settings.instance_type.as_ref())
            .map(|t| t.value.as_str())
            .unwrap_or_default()
    }

    pub fn has_public_address(&self) -> bool {
        self.public_address.is_some() || self.settings.public_ip
    }
}

pub const DEFAULT_OS: &str = "ubuntu-24.04";

/// Ubuntu releases before 15.04 boot with upstart, not systemd.
pub fn os_has_systemd(os: &str) -> bool {
    !matches!(os, "ubuntu-14.04")
}
