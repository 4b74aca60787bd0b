//! The VPN, the S3 migration, monitoring and the clusters.

use super::ids::{HostId, PgClusterId};
use super::security::Peer;
use crate::span::{Span, Spanned};

#[derive(Debug, Clone)]
pub struct VpnEnd {
    pub host: HostId,
    pub host_span: Span,
    /// Networks behind this gateway: `Network`, `Subnet` or `Cidr` peers.
    pub subnets: Vec<Peer>,
    pub subnets_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Dpd {
    pub delay_ms: u64,
    pub timeout_ms: u64,
    pub action: String,
}

#[derive(Debug, Clone)]
pub struct Vpn {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub ike_version: Spanned<u8>,
    pub left: VpnEnd,
    pub right: VpnEnd,
    pub ike: Option<Spanned<String>>,
    pub esp: Option<Spanned<String>>,
    pub psk_env: Option<String>,
    pub dpd: Dpd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrationMethod {
    Sync,
    Replication,
}

#[derive(Debug, Clone)]
pub struct Bucket {
    pub source: Spanned<String>,
    pub dest: Spanned<String>,
    pub storage_class: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct S3Migration {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub from_region: Spanned<String>,
    pub to_region: Spanned<String>,
    pub method: MigrationMethod,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone)]
pub struct Ec2Discovery {
    pub region: String,
    pub filters: Vec<(String, Vec<String>)>,
    /// (target label, source: `tag:Name`, `instance-id`, …)
    pub relabels: Vec<(String, String)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Prometheus {
    pub host: HostId,
    pub host_span: Span,
    pub port: u16,
    pub scrape_interval_ms: u64,
    pub evaluation_interval_ms: u64,
    pub retention_ms: u64,
    pub ec2: Vec<Ec2Discovery>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactKind {
    Email,
    GoogleChat,
    Slack,
}

#[derive(Debug, Clone)]
pub struct ContactPoint {
    pub name: String,
    pub kind: ContactKind,
    pub to: Option<String>,
    pub url_env: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Grafana {
    pub host: HostId,
    pub host_span: Span,
    pub port: u16,
    pub dashboards: Vec<String>,
    pub contact_points: Vec<ContactPoint>,
    /// Index into `contact_points`.
    pub default_contact_point: Option<usize>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AlertKind {
    DiskUsage { above: f64 },
    CpuUsage { above: f64 },
    MemoryUsage { above: f64 },
    InstanceDown,
    ReplicationLag { cluster: PgClusterId, above_ms: u64 },
    Custom { expr: String },
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub name: String,
    pub kind: AlertKind,
    pub for_ms: Option<Spanned<u64>>,
    pub severity: String,
    /// Index into the Grafana contact points.
    pub notify: Option<usize>,
    pub span: Span,
    pub name_span: Span,
}

#[derive(Debug, Clone)]
pub struct NodeExporter {
    pub version: String,
    pub port: u16,
    /// The `node-exporter` line, or the `monitoring` name when it is implicit.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Monitoring {
    pub node_exporter: NodeExporter,
    pub prometheus: Option<Prometheus>,
    pub grafana: Option<Grafana>,
    pub alerts: Vec<Alert>,
    pub slos: Vec<Slo>,
    pub alertmanager: Option<Alertmanager>,
    pub span: Span,
    /// The scrape interval is not known: `prometheus` could not be built or
    /// its `scrape-interval=` is bad (reported). Checks against it skip.
    pub scrape_interval_poisoned: bool,
    /// A contact point (or Grafana, which holds them) could not be built
    /// (reported): checks on who receives alerts skip.
    pub contacts_poisoned: bool,
}

impl Monitoring {
    /// The contact point alerts without `notify=`/`page=`/`ticket=` go to:
    /// the default one, else the first declared (as Grafana's policy does).
    pub fn root_contact(&self) -> Option<usize> {
        let g = self.grafana.as_ref()?;
        let i = g.default_contact_point.unwrap_or(0);
        (i < g.contact_points.len()).then_some(i)
    }

    /// Contact points an alert can reach: the root and every one an alert
    /// or SLO names, in declaration order.
    pub fn routed_contacts(&self) -> Vec<usize> {
        let mut named: Vec<usize> = self
            .alerts
            .iter()
            .map(|a| a.notify)
            .chain(self.slos.iter().flat_map(|s| [s.page, s.ticket]))
            .flatten()
            .chain(self.root_contact())
            .collect();
        named.sort_unstable();
        named.dedup();
        named
    }
}

/// `slo NAME objective= window= errors= total= page= ticket=`.
#[derive(Debug, Clone)]
pub struct Slo {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    /// Percent of good events, e.g. 99.9 (checked by `slo-objective-invalid`).
    pub objective: Spanned<f64>,
    pub window_ms: Spanned<u64>,
    /// PromQL with `{{window}}` where the range goes.
    pub errors: String,
    pub total: String,
    /// Contact points (indices into `Grafana::contact_points`).
    pub page: Option<usize>,
    pub ticket: Option<usize>,
}

impl Slo {
    /// The error budget as a ratio: 99.9 → 0.001.
    pub fn budget(&self) -> f64 {
        (100.0 - self.objective.value) / 100.0
    }

    /// The four multi-window burn-rate alerts of the SRE workbook (ch. 5),
    /// scaled to this SLO's window.
    pub fn burn_alerts(&self) -> [BurnAlert; 4] {
        BURN_ALERTS.map(|(severity, budget_spent, long_ms, short_ms)| BurnAlert {
            severity,
            budget_spent,
            long_ms,
            short_ms,
            burn_rate: round_sig(budget_spent * self.window_ms.value as f64 / long_ms as f64),
        })
    }

    /// The ranges the error ratio is recorded over: the alerts' windows and
    /// the SLO window itself, ascending, without duplicates.
    pub fn ratio_windows(&self) -> Vec<u64> {
        let mut w = RATIO_WINDOWS_MS.to_vec();
        w.push(self.window_ms.value);
        w.sort_unstable();
        w.dedup();
        w
    }
}

const MIN: u64 = 60_000;
const HOUR: u64 = 60 * MIN;
const DAY: u64 = 24 * HOUR;

/// 5m, 30m, 1h, 2h, 6h, 1d, 3d.
pub const RATIO_WINDOWS_MS: [u64; 7] = [5 * MIN, 30 * MIN, HOUR, 2 * HOUR, 6 * HOUR, DAY, 3 * DAY];

/// (severity, share of the budget spent, long window, short window). With a
/// 30-day window these give the workbook's burn rates 14.4, 6, 3 and 1.
const BURN_ALERTS: [(&str, f64, u64, u64); 4] = [
    ("page", 0.02, HOUR, 5 * MIN),
    ("page", 0.05, 6 * HOUR, 30 * MIN),
    ("ticket", 0.10, DAY, 2 * HOUR),
    ("ticket", 0.10, 3 * DAY, 6 * HOUR),
];

/// One burn-rate alert of an SLO: it fires when the error ratio over both
/// windows is at least `burn_rate` times the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnAlert {
    pub severity: &'static str,
    /// The share of the window's budget spent when the long window alone
    /// burns at `burn_rate` (0.02 = 2 %).
    pub budget_spent: f64,
    pub long_ms: u64,
    pub short_ms: u64,
    pub burn_rate: f64,
}

/// `x` rounded to 12 significant digits, so that 14.4 × 0.001 is written
/// 0.0144 and not 0.014400000000000001.
pub fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// `alertmanager host= port=`.
#[derive(Debug, Clone)]
pub struct Alertmanager {
    pub host: HostId,
    pub host_span: Span,
    pub port: u16,
    pub span: Span,
}

/// A list of hosts given as `group=` or as host names.
#[derive(Debug, Clone, Default)]
pub struct Members {
    pub hosts: Vec<HostId>,
    pub span: Span,
}

/// Where HAProxy runs: `haproxy host=` (one host) or `haproxy group=`
/// (every host of the group, behind an internal load balancer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HaproxyPlacement {
    Host,
    Group(super::ids::GroupId),
}

#[derive(Debug, Clone)]
pub struct Haproxy {
    /// The hosts that run HAProxy: the one `host=`, or every host of the
    /// `group=` (at least two).
    pub hosts: Vec<HostId>,
    /// The span of the `host=`/`group=` value.
    pub host_span: Span,
    pub placement: HaproxyPlacement,
    /// `group=`: the internal balancer in front of the group
    /// (`Model::load_balancers`, origin `Haproxy`).
    pub balancer: Option<super::ids::LbId>,
    pub port: u16,
    pub stats_port: u16,
    pub check_interval_ms: u64,
    pub fall: u32,
    pub rise: u32,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Patroni {
    pub ttl: u32,
    pub loop_wait: u32,
    pub retry_timeout: u32,
    pub maximum_lag_on_failover: u64,
    pub use_pg_rewind: bool,
    pub use_slots: bool,
    pub synchronous_mode: bool,
    /// `rest-user=`/`rest-password-env=`: basic auth on unsafe endpoints.
    pub rest_auth: Option<super::RestAuth>,
    /// `rest-user=`/`rest-password-env=` given but refused (reported).
    pub rest_auth_poisoned: bool,
    pub span: Option<Span>,
    /// A timing was given with a bad value (reported): its default stands
    /// in, so checks of the timings skip the cluster.
    pub poisoned: bool,
}

impl Default for Patroni {
    fn default() -> Self {
        use crate::schema::defaults as d;
        Patroni {
            ttl: d::PATRONI_TTL,
            loop_wait: d::PATRONI_LOOP_WAIT,
            retry_timeout: d::PATRONI_RETRY_TIMEOUT,
            maximum_lag_on_failover: d::PATRONI_MAXIMUM_LAG_ON_FAILOVER,
            use_pg_rewind: d::PATRONI_USE_PG_REWIND,
            use_slots: d::PATRONI_USE_SLOTS,
            synchronous_mode: d::PATRONI_SYNCHRONOUS_MODE,
            rest_auth: None,
            rest_auth_poisoned: false,
            span: None,
            poisoned: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DbUser {
    pub name: String,
    pub password_env: String,
}

/// Well-known ports of the cluster services. The graph's flows, the security
/// group checks and every emitted config must agree on them.
pub mod ports {
    pub const POSTGRES: u16 = 5432;
    pub const PATRONI_REST: u16 = 8008;
    pub const ETCD_CLIENT: u16 = 2379;
    pub const ETCD_PEER: u16 = 2380;
    pub const ES_HTTP: u16 = 9200;
    pub const ES_TRANSPORT: u16 = 9300;
}

impl PostgresCluster {
    /// The `superuser`, or `postgres` with `PG_SUPERUSER_PASSWORD` when the
    /// spec names none (Patroni needs one to bootstrap).
    pub fn superuser_or_default(&self) -> DbUser {
        self.superuser.clone().unwrap_or_else(|| DbUser {
            name: "postgres".into(),
            password_env: "PG_SUPERUSER_PASSWORD".into(),
        })
    }

    /// The `replication-user`, or `replicator` with `PG_REPLICATION_PASSWORD`.
    pub fn replication_user_or_default(&self) -> DbUser {
        self.replication_user.clone().unwrap_or_else(|| DbUser {
            name: "replicator".into(),
            password_env: "PG_REPLICATION_PASSWORD".into(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct PostgresCluster {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub version: Spanned<u32>,
    pub members: Members,
    pub etcd: Members,
    pub clients: Members,
    pub haproxy: Option<Haproxy>,
    pub patroni: Patroni,
    pub replication_user: Option<DbUser>,
    pub superuser: Option<DbUser>,
    pub exporter_port: Option<u16>,
    /// The `exporter` line (the cluster name without one).
    pub exporter_span: Span,
    pub parameters: Vec<(String, String)>,
    /// `tls pki=NAME`.
    pub tls: Option<super::Tls>,
}

#[derive(Debug, Clone)]
pub struct EsCluster {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub version: Spanned<String>,
    pub major: u32,
    pub members: Members,
    /// Defaults to all members.
    pub master_eligible: Members,
    /// Master-eligible hosts that are not in the spec's `members`: they hold
    /// no data (lowering adds them to `members`, the cluster being the union).
    pub dedicated_masters: Vec<HostId>,
    pub clients: Members,
    pub heap: Option<Spanned<u64>>,
    pub minimum_master_nodes: Option<Spanned<u32>>,
    pub exporter_port: Option<u16>,
    /// The `exporter` line (the cluster name without one).
    pub exporter_span: Span,
    /// `tls pki=NAME`.
    pub tls: Option<super::Tls>,
}

impl EsCluster {
    /// ⌊n/2⌋ + 1 of the master-eligible members.
    pub fn quorum(&self) -> u32 {
        self.master_eligible.hosts.len() as u32 / 2 + 1
    }
}
