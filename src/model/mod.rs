//! The typed model of one spec: arenas indexed by typed IDs, with spans for
//! diagnostics. Built by `lower`; read by `graph`, `rules` and `emit`.

pub mod estate;
pub mod fleet;
pub mod ha;
pub mod ids;
pub mod instance_types;
pub mod network;
pub mod nsg;
pub mod pki;
pub mod project;
pub mod security;
pub mod services;
pub mod tf_names;
pub mod traffic;
pub mod zones;

pub use estate::Unit;
pub use fleet::{Group, Host, HostSettings};
pub use ids::*;
pub use network::{AddressSet, Cloud, Network, Subnet};
pub use pki::{Pki, RestAuth, Tls};
pub use project::{Baseline, Project};
pub use security::{Direction, Peer, Proto, SecurityGroup, SgRule};
pub use services::*;
pub use traffic::{
    ApiGateway, LbKind, LbOrigin, LbProtocol, LbScheme, Listener, LoadBalancer, Redis, RedisEngine,
    RedisRole, Route, RouteTarget,
};
pub use zones::Zone;

use crate::span::Span;
use ipnet::IpNet;

/// `allow RULE reason="…"` on a node: silences RULE inside `scope`.
#[derive(Debug, Clone)]
pub struct Suppression {
    pub rule: String,
    pub rule_span: Span,
    pub reason: String,
    pub scope: Span,
}

#[derive(Debug, Clone, Default)]
pub struct Model {
    pub project: Project,
    pub address_sets: Vec<AddressSet>,
    pub networks: Vec<Network>,
    pub subnets: Vec<Subnet>,
    pub baseline: Option<Baseline>,
    pub groups: Vec<Group>,
    pub hosts: Vec<Host>,
    pub security_groups: Vec<SecurityGroup>,
    pub vpns: Vec<Vpn>,
    pub s3_migrations: Vec<S3Migration>,
    pub monitoring: Option<Monitoring>,
    pub postgres: Vec<PostgresCluster>,
    pub elasticsearch: Vec<EsCluster>,
    pub pkis: Vec<Pki>,
    /// `load-balancer` nodes and the balancers of HA HAProxy groups.
    pub load_balancers: Vec<LoadBalancer>,
    pub gateways: Vec<ApiGateway>,
    pub redis: Vec<Redis>,
    pub suppressions: Vec<Suppression>,
}

impl Model {
    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id.index()]
    }

    pub fn subnet(&self, id: SubnetId) -> &Subnet {
        &self.subnets[id.index()]
    }

    pub fn network(&self, id: NetworkId) -> &Network {
        &self.networks[id.index()]
    }

    pub fn sg(&self, id: SgId) -> &SecurityGroup {
        &self.security_groups[id.index()]
    }

    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id.index()]
    }

    /// The network a host sits in.
    pub fn host_network(&self, id: HostId) -> NetworkId {
        self.subnet(self.host(id).subnet).network
    }

    pub fn host_cloud(&self, id: HostId) -> Cloud {
        self.network(self.host_network(id)).cloud
    }

    /// The (network, subnet) names of a subnet: its path without writing it.
    pub fn subnet_path_parts(&self, id: SubnetId) -> (&str, &str) {
        let s = self.subnet(id);
        (self.network(s.network).name.as_str(), s.name.as_str())
    }

    /// `vpc/subnet` path of a subnet.
    pub fn subnet_path(&self, id: SubnetId) -> String {
        let (network, subnet) = self.subnet_path_parts(id);
        format!("{network}/{subnet}")
    }

    /// Is `path` the subnet's `NETWORK/NAME` (`subnet_path`, without
    /// writing it)?
    pub fn is_subnet_path(&self, id: SubnetId, path: &str) -> bool {
        let (network, subnet) = self.subnet_path_parts(id);
        path.strip_prefix(network)
            .and_then(|rest| rest.strip_prefix('/'))
            == Some(subnet)
    }

    pub fn host_by_name(&self, name: &str) -> Option<HostId> {
        self.hosts
            .iter()
            .position(|h| h.name == name)
            .map(HostId::from_index)
    }

    /// The CIDRs a `Peer` stands for, seen from inside `from_network` (for
    /// `host:` peers in another network, the host's public address).
    pub fn peer_cidrs(&self, peer: &Peer, from_network: Option<NetworkId>) -> Vec<IpNet> {
        match peer {
            Peer::Cidr(c) => vec![*c],
            Peer::Set(id) => self.address_sets[id.index()]
                .cidrs
                .iter()
                .map(|c| c.value)
                .collect(),
            Peer::Subnet(id) => vec![self.subnet(*id).cidr.value],
            Peer::Network(id) => vec![self.network(*id).cidr.value],
            Peer::Host(id) => self
                .host_seen_address(*id, from_network)
                .map(IpNet::from)
                .into_iter()
                .collect(),
            Peer::Sg(_) => Vec::new(),
        }
    }

    /// The address a host's packets carry when they reach `from_network`:
    /// its public address across networks, its private address inside.
    pub fn host_seen_address(
        &self,
        id: HostId,
        from_network: Option<NetworkId>,
    ) -> Option<std::net::IpAddr> {
        let host = self.host(id);
        match from_network {
            Some(n) if n != self.host_network(id) => host.public_address.as_ref().map(|a| a.value),
            _ => host.address,
        }
    }

    /// Human name of a peer, as written in the spec.
    pub fn peer_name(&self, peer: &Peer) -> String {
        match peer {
            Peer::Sg(id) => format!("sg:{}", self.sg(*id).name),
            Peer::Set(id) => format!("set:{}", self.address_sets[id.index()].name),
            Peer::Cidr(c) => format!("cidr:{c}"),
            Peer::Host(id) => format!("host:{}", self.host(*id).name),
            Peer::Subnet(id) => format!("subnet:{}", self.subnet_path(*id)),
            Peer::Network(id) => {
                let n = self.network(*id);
                format!("{}:{}", n.cloud.keyword(), n.name)
            }
        }
    }
}

impl Model {
    /// Every environment variable the spec names for a build-time secret,
    /// sorted. (Grafana webhook URLs are read by Grafana itself at run time.)
    pub fn secret_vars(&self) -> Vec<String> {
        let mut vars: Vec<String> = self.vpns.iter().filter_map(|v| v.psk_env.clone()).collect();
        for pg in &self.postgres {
            // The defaults too: patroni.yml needs both passwords.
            vars.push(pg.superuser_or_default().password_env);
            vars.push(pg.replication_user_or_default().password_env);
            vars.extend(
                pg.patroni
                    .rest_auth
                    .as_ref()
                    .map(|r| r.password_env.clone()),
            );
        }
        // Self-hosted only: ElastiCache's auth token goes to Terraform as a
        // sensitive variable, never into a file.
        vars.extend(
            self.redis
                .iter()
                .filter(|r| r.engine == RedisEngine::SelfHosted)
                .map(|r| r.password_env()),
        );
        vars.sort();
        vars.dedup();
        vars
    }
}
