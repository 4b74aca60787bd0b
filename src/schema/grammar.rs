//! Every node, argument and property of the spec language (LANGUAGE.md).

use super::{Args, NodeSpec, PropSpec, Text, Ty};

const fn opt(name: &'static str, ty: Ty, doc: &'static str) -> PropSpec {
    PropSpec {
        name,
        ty,
        required: false,
        doc,
    }
}

const fn req(name: &'static str, ty: Ty, doc: &'static str) -> PropSpec {
    PropSpec {
        name,
        ty,
        required: true,
        doc,
    }
}

macro_rules! one {
    ($ty:expr, $what:expr) => {
        Args {
            types: &[$ty],
            min: 1,
            variadic: false,
            what: $what,
        }
    };
}

const fn leaf(
    name: &'static str,
    args: Args,
    props: &'static [PropSpec],
    repeat: bool,
    doc: &'static str,
) -> NodeSpec {
    NodeSpec {
        name,
        args,
        props,
        children: &[],
        repeat,
        required: false,
        doc,
    }
}

pub const PROTOCOLS: &[&str] = &["tcp", "udp", "icmp", "esp", "all"];
pub const OS_RELEASES: &[&str] = &[
    "ubuntu-14.04",
    "ubuntu-16.04",
    "ubuntu-18.04",
    "ubuntu-20.04",
    "ubuntu-22.04",
    "ubuntu-24.04",
];
pub const STORAGE_CLASSES: &[&str] = &[
    "STANDARD",
    "STANDARD_IA",
    "ONEZONE_IA",
    "INTELLIGENT_TIERING",
    "GLACIER_IR",
    "GLACIER",
    "DEEP_ARCHIVE",
];
pub const DASHBOARDS: &[&str] = &["node-overview", "postgres"];

/// `allow RULE reason="…"`: accepted under any node; suppresses one rule for
/// diagnostics inside that node.
pub static ALLOW: NodeSpec = leaf(
    "allow",
    one!(Ty::Name, "the rule to allow"),
    &[req(
        "reason",
        Ty::Str,
        "why this node may break the rule (required)",
    )],
    true,
    "Suppress one rule on the enclosing node, with a reason.",
);

static TAG: NodeSpec = leaf(
    "tag",
    Args {
        types: &[Ty::Str, Ty::Str],
        min: 2,
        variadic: false,
        what: "a tag key and value",
    },
    &[],
    true,
    "A tag (key, value).",
);

static OWNER: NodeSpec = leaf(
    "owner",
    one!(Ty::Str, "the owner's contact"),
    &[],
    false,
    "Who owns the estate.",
);

static TERRAFORM_BACKEND: NodeSpec = leaf(
    "terraform-backend",
    one!(Ty::Enum(&["s3"]), "the backend type"),
    &[
        req("bucket", Ty::Str, "state bucket"),
        req("key", Ty::Str, "state object key"),
        req("region", Ty::Str, "bucket region"),
        opt("lock-table", Ty::Str, "DynamoDB lock table"),
    ],
    false,
    "Terraform state backend.",
);

static PROJECT: NodeSpec = NodeSpec {
    name: "project",
    args: one!(Ty::Name, "the project name"),
    props: &[],
    children: &[&OWNER, &TAG, &TERRAFORM_BACKEND],
    repeat: false,
    required: false,
    doc: "Naming prefix, common tags, Terraform state backend.",
};

static CIDR: NodeSpec = leaf(
    "cidr",
    one!(Ty::Cidr, "a CIDR"),
    &[],
    true,
    "One CIDR of the set.",
);

static ADDRESS_SET: NodeSpec = NodeSpec {
    name: "address-set",
    args: one!(Ty::Name, "the address set name"),
    props: &[],
    children: &[&CIDR],
    repeat: true,
    required: false,
    doc: "A named list of CIDRs (office, VPN users).",
};

static VPC_SUBNET: NodeSpec = leaf(
    "subnet",
    one!(Ty::Name, "the subnet name"),
    &[
        req(
            "zone",
            Ty::Text(Text::Word),
            "availability zone, e.g. us-east-1a",
        ),
        req("cidr", Ty::Cidr, "subnet CIDR inside the VPC"),
        opt("public", Ty::Bool, "routes to an internet gateway"),
    ],
    true,
    "An AWS subnet.",
);

static VPC: NodeSpec = NodeSpec {
    name: "vpc",
    args: one!(Ty::Name, "the VPC name"),
    props: &[
        req("region", Ty::Text(Text::Word), "AWS region"),
        req("cidr", Ty::Cidr, "VPC CIDR (/16 to /28)"),
    ],
    children: &[&VPC_SUBNET],
    repeat: true,
    required: false,
    doc: "An AWS VPC and its subnets.",
};

static VNET_SUBNET: NodeSpec = leaf(
    "subnet",
    one!(Ty::Name, "the subnet name"),
    &[req("cidr", Ty::Cidr, "subnet CIDR inside the VNet")],
    true,
    "An Azure subnet.",
);

static VNET: NodeSpec = NodeSpec {
    name: "vnet",
    args: one!(Ty::Name, "the VNet name"),
    props: &[
        req("region", Ty::Text(Text::Word), "Azure region"),
        req(
            "resource-group",
            Ty::Text(Text::Word),
            "Azure resource group",
        ),
        req("cidr", Ty::Cidr, "VNet address space"),
    ],
    children: &[&VNET_SUBNET],
    repeat: true,
    required: false,
    doc: "An Azure VNet and its subnets.",
};

static ADMIN: NodeSpec = leaf(
    "admin",
    one!(Ty::Name, "the user name"),
    &[req("ssh-key", Ty::Text(Text::SshKey), "public SSH key")],
    true,
    "A sudo admin user with an SSH key.",
);
static DOMAIN: NodeSpec = leaf(
    "domain",
    one!(Ty::Text(Text::Domain), "the DNS domain"),
    &[],
    false,
    "Domain for host FQDNs.",
);
static PACKAGES: NodeSpec = leaf(
    "packages",
    Args {
        types: &[Ty::Text(Text::Package)],
        min: 1,
        variadic: true,
        what: "package names",
    },
    &[],
    true,
    "Packages installed at first boot.",
);
static DOCKER: NodeSpec = leaf(
    "docker",
    Args::NONE,
    &[
        opt("log-driver", Ty::Text(Text::Word), "Docker log driver"),
        opt("log-max-size", Ty::Size, "log file size before rotation"),
        opt("log-max-file", Ty::Int, "log files kept"),
        opt(
            "storage-driver",
            Ty::Text(Text::Word),
            "Docker storage driver",
        ),
    ],
    false,
    "Docker daemon settings (/etc/docker/daemon.json).",
);
static NETWORK_TUNING: NodeSpec = leaf(
    "network-tuning",
    Args::NONE,
    &[req(
        "profile",
        Ty::Enum(&["high-traffic"]),
        "the sysctl profile",
    )],
    false,
    "Kernel network tuning profile.",
);
static COMMAND_LOG: NodeSpec = leaf(
    "command-log",
    Args::NONE,
    &[req(
        "path",
        Ty::Text(Text::AbsPath),
        "file that receives every command users run",
    )],
    false,
    "Log every command users run.",
);

static BASELINE: NodeSpec = NodeSpec {
    name: "baseline",
    args: Args::NONE,
    props: &[],
    children: &[
        &ADMIN,
        &DOMAIN,
        &PACKAGES,
        &DOCKER,
        &NETWORK_TUNING,
        &COMMAND_LOG,
    ],
    repeat: false,
    required: false,
    doc: "What every host gets at first boot (cloud-init).",
};

static SUBNETS: NodeSpec = leaf(
    "subnets",
    Args {
        types: &[Ty::Str],
        min: 1,
        variadic: true,
        what: "subnet references (\"vpc/subnet\")",
    },
    &[],
    false,
    "Subnets the hosts are spread over, round-robin.",
);
const AZURE_ZONES: &[&str] = &["1", "2", "3"];
static ZONES: NodeSpec = leaf(
    "zones",
    Args {
        types: &[Ty::Enum(AZURE_ZONES)],
        min: 1,
        variadic: true,
        what: "Azure availability zones (\"1\", \"2\", \"3\")",
    },
    &[],
    false,
    "Azure only: availability zones the group's hosts are spread over, round-robin.",
);
static SECURITY_GROUPS: NodeSpec = leaf(
    "security-groups",
    Args {
        types: &[Ty::Name],
        min: 1,
        variadic: true,
        what: "security group names",
    },
    &[],
    false,
    "Security groups attached to the hosts.",
);

macro_rules! host_props {
    ($($extra:expr),* $(,)?) => {
        &[
            $($extra,)*
            opt("type", Ty::Text(Text::Word), "AWS instance type or Azure VM size"),
            opt("os", Ty::Enum(OS_RELEASES), "operating system release"),
            opt("key-pair", Ty::Str, "AWS key pair"),
            opt("volume-size", Ty::Int, "root volume size in GiB"),
            opt("public-ip", Ty::Bool, "ask for a fresh dynamic public IP"),
            opt("memory", Ty::Size, "RAM, overriding the instance-type table"),
            opt("monitored", Ty::Bool, "run Node Exporter and scrape it (default #true)"),
        ]
    };
}

static DEFAULTS: NodeSpec = NodeSpec {
    name: "defaults",
    args: Args::NONE,
    props: host_props!(),
    children: &[&SUBNETS, &SECURITY_GROUPS, &TAG],
    repeat: false,
    required: false,
    doc: "Properties every group and host inherits.",
};

static GROUP: NodeSpec = NodeSpec {
    name: "group",
    args: one!(Ty::Name, "the group name"),
    props: host_props!(
        req("count", Ty::Int, "number of hosts (NAME-01 … NAME-N)"),
        opt(
            "digits",
            Ty::Int,
            "minimum width of the host numbers (default 2; never derived from count)"
        ),
    ),
    children: &[&SUBNETS, &ZONES, &SECURITY_GROUPS, &TAG],
    repeat: true,
    required: false,
    doc: "A group of identical hosts.",
};

static HOST: NodeSpec = NodeSpec {
    name: "host",
    args: one!(Ty::Name, "the host name"),
    props: host_props!(
        opt("address", Ty::Ip, "fixed private address"),
        opt(
            "public-address",
            Ty::Ip,
            "an existing public IP (Elastic IP / static public IP) to attach"
        ),
        opt(
            "zone",
            Ty::Enum(AZURE_ZONES),
            "Azure only: the availability zone (AWS hosts take their subnet's)"
        ),
    ),
    children: &[&SUBNETS, &SECURITY_GROUPS, &TAG],
    repeat: true,
    required: false,
    doc: "A single host.",
};

static FLEET: NodeSpec = NodeSpec {
    name: "fleet",
    args: Args::NONE,
    props: &[],
    children: &[&DEFAULTS, &GROUP, &HOST],
    repeat: false,
    required: false,
    doc: "The hosts of the estate.",
};

const RULE_ARGS: Args = Args {
    types: &[Ty::Enum(PROTOCOLS), Ty::PortOrRange],
    min: 1,
    variadic: false,
    what: "a protocol and, for tcp/udp, a port or range",
};

static INGRESS: NodeSpec = leaf(
    "ingress",
    RULE_ARGS,
    &[
        req(
            "from",
            Ty::Str,
            "source: sg:, set:, cidr:, host:, subnet:, vpc:, vnet: or lb:",
        ),
        opt("description", Ty::Str, "why the rule exists"),
    ],
    true,
    "An inbound rule.",
);
static EGRESS: NodeSpec = leaf(
    "egress",
    RULE_ARGS,
    &[
        req(
            "to",
            Ty::Str,
            "destination: sg:, set:, cidr:, host:, subnet:, vpc:, vnet: or lb:",
        ),
        opt("description", Ty::Str, "why the rule exists"),
    ],
    true,
    "An outbound rule (without any, egress is open).",
);

static SECURITY_GROUP: NodeSpec = NodeSpec {
    name: "security-group",
    args: one!(Ty::Name, "the security group name"),
    props: &[
        opt("vpc", Ty::Name, "the AWS VPC (one of vpc= or vnet=)"),
        opt("vnet", Ty::Name, "the Azure VNet (one of vpc= or vnet=)"),
    ],
    children: &[&INGRESS, &EGRESS],
    repeat: true,
    required: false,
    doc: "An AWS security group or Azure NSG.",
};

static VPN_LEFT: NodeSpec = leaf(
    "left",
    Args::NONE,
    &[
        req("host", Ty::Name, "gateway host"),
        req(
            "subnets",
            Ty::Str,
            "networks behind it (vpc:, vnet:, subnet:, cidr:)",
        ),
    ],
    false,
    "The left gateway.",
);
static VPN_RIGHT: NodeSpec = leaf(
    "right",
    Args::NONE,
    &[
        req("host", Ty::Name, "gateway host"),
        req(
            "subnets",
            Ty::Str,
            "networks behind it (vpc:, vnet:, subnet:, cidr:)",
        ),
    ],
    false,
    "The right gateway.",
);
static IKE: NodeSpec = leaf(
    "ike",
    one!(Ty::Text(Text::Proposal), "an IKE proposal"),
    &[],
    false,
    "IKE proposal, e.g. aes256-sha256-modp2048.",
);
static ESP: NodeSpec = leaf(
    "esp",
    one!(Ty::Text(Text::Proposal), "an ESP proposal"),
    &[],
    false,
    "ESP proposal, e.g. aes256-sha256.",
);
static PSK_ENV: NodeSpec = leaf(
    "psk-env",
    one!(
        Ty::EnvVar,
        "the environment variable holding the pre-shared key"
    ),
    &[],
    false,
    "Where the pre-shared key comes from.",
);
static DPD: NodeSpec = leaf(
    "dpd",
    Args::NONE,
    &[
        opt("delay", Ty::Duration, "dead peer detection interval"),
        opt(
            "timeout",
            Ty::Duration,
            "IKEv1 only: time before the peer is declared dead",
        ),
        opt(
            "action",
            Ty::Enum(&["restart", "clear", "hold", "none"]),
            "what to do when the peer is dead",
        ),
    ],
    false,
    "Dead peer detection.",
);

static VPN: NodeSpec = NodeSpec {
    name: "vpn",
    args: one!(Ty::Name, "the tunnel name"),
    props: &[opt("ike-version", Ty::Int, "1 or 2 (default 2)")],
    children: &[&VPN_LEFT, &VPN_RIGHT, &IKE, &ESP, &PSK_ENV, &DPD],
    repeat: true,
    required: false,
    doc: "A StrongSwan site-to-site tunnel between two gateway hosts.",
};

static BUCKET: NodeSpec = leaf(
    "bucket",
    one!(Ty::Str, "the source bucket"),
    &[
        req("to", Ty::Str, "destination bucket"),
        opt(
            "storage-class",
            Ty::Enum(STORAGE_CLASSES),
            "destination storage class",
        ),
    ],
    true,
    "A bucket to move.",
);

static S3_MIGRATION: NodeSpec = NodeSpec {
    name: "s3-migration",
    args: one!(Ty::Name, "the migration name"),
    props: &[
        req("from-region", Ty::Text(Text::Word), "source region"),
        req("to-region", Ty::Text(Text::Word), "destination region"),
        opt(
            "method",
            Ty::Enum(&["sync", "replication"]),
            "aws s3 sync, or S3 replication (default sync)",
        ),
    ],
    children: &[&BUCKET],
    repeat: true,
    required: false,
    doc: "Move buckets between regions.",
};

static NODE_EXPORTER: NodeSpec = leaf(
    "node-exporter",
    Args::NONE,
    &[
        opt("version", Ty::Text(Text::Version), "Node Exporter release"),
        opt("port", Ty::Port, "listen port (default 9100)"),
    ],
    false,
    "Node Exporter on every monitored host.",
);
static FILTER: NodeSpec = leaf(
    "filter",
    Args {
        types: &[Ty::Str, Ty::Str],
        min: 2,
        variadic: true,
        what: "a filter name and its values",
    },
    &[],
    true,
    "An EC2 API filter.",
);
static RELABEL: NodeSpec = leaf(
    "relabel",
    one!(Ty::Text(Text::LabelName), "the target label"),
    &[req(
        "from",
        Ty::Str,
        "tag:NAME, instance-id, private-ip, availability-zone, instance-type",
    )],
    true,
    "Copy EC2 metadata into a label.",
);
static EC2_DISCOVERY: NodeSpec = NodeSpec {
    name: "ec2-discovery",
    args: Args::NONE,
    props: &[req(
        "region",
        Ty::Text(Text::Word),
        "AWS region to discover",
    )],
    children: &[&FILTER, &RELABEL],
    repeat: true,
    required: false,
    doc: "EC2 service discovery.",
};
static PROMETHEUS: NodeSpec = NodeSpec {
    name: "prometheus",
    args: Args::NONE,
    props: &[
        req("host", Ty::Name, "host that runs Prometheus"),
        opt("port", Ty::Port, "listen port (default 9090)"),
        opt("scrape-interval", Ty::Duration, "default 15s"),
        opt("evaluation-interval", Ty::Duration, "default 15s"),
        opt("retention", Ty::Duration, "TSDB retention (default 15d)"),
    ],
    children: &[&EC2_DISCOVERY],
    repeat: false,
    required: false,
    doc: "The Prometheus server.",
};
static DASHBOARD: NodeSpec = leaf(
    "dashboard",
    one!(Ty::Enum(DASHBOARDS), "a dashboard"),
    &[],
    true,
    "A dashboard to provision.",
);
static CONTACT_POINT: NodeSpec = leaf(
    "contact-point",
    one!(Ty::Name, "the contact point name"),
    &[
        req(
            "type",
            Ty::Enum(&["email", "googlechat", "slack"]),
            "notifier type",
        ),
        opt("to", Ty::Text(Text::Emails), "email addresses (type=email)"),
        opt(
            "url-env",
            Ty::EnvVar,
            "environment variable with the webhook URL (googlechat, slack)",
        ),
    ],
    true,
    "A Grafana contact point.",
);
static DEFAULT_CONTACT_POINT: NodeSpec = leaf(
    "default-contact-point",
    one!(Ty::Name, "a contact point"),
    &[],
    false,
    "Where alerts without notify= go.",
);
static GRAFANA: NodeSpec = NodeSpec {
    name: "grafana",
    args: Args::NONE,
    props: &[
        req("host", Ty::Name, "host that runs Grafana"),
        opt("port", Ty::Port, "listen port (default 3000)"),
    ],
    children: &[&DASHBOARD, &CONTACT_POINT, &DEFAULT_CONTACT_POINT],
    repeat: false,
    required: false,
    doc: "Grafana dashboards and alerting.",
};
static ALERT: NodeSpec = leaf(
    "alert",
    one!(Ty::Name, "the alert (built-in name or your own)"),
    &[
        opt(
            "above",
            Ty::Threshold,
            "threshold: percent, or a duration for replication-lag",
        ),
        opt("for", Ty::Duration, "how long the condition must hold"),
        opt(
            "severity",
            Ty::Enum(&["critical", "warning", "info"]),
            "alert severity",
        ),
        opt("notify", Ty::Name, "contact point"),
        opt("cluster", Ty::Name, "postgres cluster (replication-lag)"),
        opt(
            "expr",
            Ty::Text(Text::PromQl),
            "PromQL, for alerts that are not built in",
        ),
    ],
    true,
    "An alert rule.",
);
static SLO: NodeSpec = leaf(
    "slo",
    one!(Ty::Name, "the SLO name"),
    &[
        req(
            "objective",
            Ty::Threshold,
            "target in percent of good events, e.g. 99.9",
        ),
        opt("window", Ty::Duration, "SLO window (default 30d)"),
        req(
            "errors",
            Ty::Str,
            "PromQL of bad events, with {{window}} for the range",
        ),
        req(
            "total",
            Ty::Str,
            "PromQL of all events, with {{window}} for the range",
        ),
        opt("page", Ty::Name, "contact point for fast burns"),
        opt("ticket", Ty::Name, "contact point for slow burns"),
    ],
    true,
    "A service level objective with multi-window burn-rate alerts.",
);
static ALERTMANAGER: NodeSpec = leaf(
    "alertmanager",
    Args::NONE,
    &[
        req("host", Ty::Name, "host that runs Alertmanager"),
        opt("port", Ty::Port, "listen port (default 9093)"),
    ],
    false,
    "Alertmanager: Prometheus sends its alerts there.",
);
static MONITORING: NodeSpec = NodeSpec {
    name: "monitoring",
    args: Args::NONE,
    props: &[],
    children: &[
        &NODE_EXPORTER,
        &PROMETHEUS,
        &GRAFANA,
        &ALERT,
        &SLO,
        &ALERTMANAGER,
    ],
    repeat: false,
    required: false,
    doc: "Node Exporter, Prometheus, Grafana and alerts.",
};

const MEMBER_ARGS: Args = Args {
    types: &[Ty::Name],
    min: 0,
    variadic: true,
    what: "host names",
};

static MEMBERS: NodeSpec = leaf(
    "members",
    MEMBER_ARGS,
    &[opt("group", Ty::Name, "a fleet group (or list host names)")],
    false,
    "The cluster's hosts.",
);
static ETCD: NodeSpec = leaf(
    "etcd",
    MEMBER_ARGS,
    &[opt("group", Ty::Name, "a fleet group (or list host names)")],
    false,
    "The etcd members Patroni uses as DCS.",
);
static CLIENTS: NodeSpec = leaf(
    "clients",
    MEMBER_ARGS,
    &[opt("group", Ty::Name, "a fleet group (or list host names)")],
    true,
    "Hosts that connect to the cluster.",
);
static HAPROXY: NodeSpec = leaf(
    "haproxy",
    Args::NONE,
    &[
        req("host", Ty::Name, "host that runs HAProxy"),
        opt(
            "port",
            Ty::Port,
            "client port routed to the leader (default 5000)",
        ),
        opt("stats-port", Ty::Port, "stats page port (default 7000)"),
        opt(
            "check-interval",
            Ty::Duration,
            "health check interval (default 3s)",
        ),
        opt(
            "fall",
            Ty::Int,
            "failed checks before a server is down (default 3)",
        ),
        opt(
            "rise",
            Ty::Int,
            "passed checks before a server is up (default 2)",
        ),
    ],
    false,
    "HAProxy routing to the Patroni leader.",
);
static PATRONI: NodeSpec = leaf(
    "patroni",
    Args::NONE,
    &[
        opt("ttl", Ty::Int, "leader key TTL in seconds (default 30)"),
        opt(
            "loop-wait",
            Ty::Int,
            "seconds between HA loops (default 10)",
        ),
        opt(
            "retry-timeout",
            Ty::Int,
            "DCS and PostgreSQL retry timeout in seconds (default 10)",
        ),
        opt(
            "maximum-lag-on-failover",
            Ty::Int,
            "bytes (default 1048576)",
        ),
        opt("use-pg-rewind", Ty::Bool, "default #true"),
        opt("use-slots", Ty::Bool, "default #true"),
        opt("synchronous-mode", Ty::Bool, "default #false"),
        opt(
            "rest-user",
            Ty::Str,
            "user for HTTP basic auth on the REST API's unsafe endpoints (with rest-password-env)",
        ),
        opt(
            "rest-password-env",
            Ty::EnvVar,
            "environment variable with the REST API password",
        ),
    ],
    false,
    "Patroni timing and replication settings.",
);
static REPLICATION_USER: NodeSpec = leaf(
    "replication-user",
    one!(
        Ty::Str,
        "the PostgreSQL role name ([a-z_][a-z0-9_]*, at most 63 bytes)"
    ),
    &[req(
        "password-env",
        Ty::EnvVar,
        "environment variable with the password",
    )],
    false,
    "The replication role.",
);
static SUPERUSER: NodeSpec = leaf(
    "superuser",
    one!(
        Ty::Str,
        "the PostgreSQL role name ([a-z_][a-z0-9_]*, at most 63 bytes)"
    ),
    &[req(
        "password-env",
        Ty::EnvVar,
        "environment variable with the password",
    )],
    false,
    "The superuser role.",
);
static EXPORTER: NodeSpec = leaf(
    "exporter",
    Args::NONE,
    &[req("port", Ty::Port, "exporter port")],
    false,
    "A Prometheus exporter on every member.",
);
static PARAMETER: NodeSpec = leaf(
    "parameter",
    Args {
        types: &[Ty::Text(Text::PgParam), Ty::Scalar],
        min: 2,
        variadic: false,
        what: "a parameter name and value",
    },
    &[],
    true,
    "A postgresql.conf parameter.",
);
static TLS: NodeSpec = leaf(
    "tls",
    Args::NONE,
    &[req(
        "pki",
        Ty::Name,
        "the `pki` whose CA and host certificates the cluster uses",
    )],
    false,
    "TLS (and certificate authentication) for everything the cluster runs.",
);
static POSTGRES_CLUSTER: NodeSpec = NodeSpec {
    name: "postgres-cluster",
    args: one!(Ty::Name, "the cluster name"),
    props: &[req(
        "version",
        Ty::Scalar,
        "PostgreSQL major version, e.g. 15",
    )],
    children: &[
        &MEMBERS,
        &ETCD,
        &CLIENTS,
        &HAPROXY,
        &PATRONI,
        &REPLICATION_USER,
        &SUPERUSER,
        &EXPORTER,
        &PARAMETER,
        &TLS,
    ],
    repeat: true,
    required: false,
    doc: "PostgreSQL HA with Patroni, etcd and HAProxy.",
};

static MASTER_ELIGIBLE: NodeSpec = leaf(
    "master-eligible",
    MEMBER_ARGS,
    &[opt("group", Ty::Name, "a fleet group (or list host names)")],
    false,
    "Members that may become master (default: all).",
);
static HEAP: NodeSpec = leaf(
    "heap",
    one!(Ty::Size, "the JVM heap size"),
    &[],
    false,
    "JVM heap (-Xms = -Xmx).",
);
static MINIMUM_MASTER_NODES: NodeSpec = leaf(
    "minimum-master-nodes",
    one!(Ty::Int, "a member count"),
    &[],
    false,
    "discovery.zen.minimum_master_nodes (6.x); computed when absent.",
);
static ELASTICSEARCH_CLUSTER: NodeSpec = NodeSpec {
    name: "elasticsearch-cluster",
    args: one!(Ty::Name, "the cluster name"),
    props: &[req(
        "version",
        Ty::Text(Text::Version),
        "Elasticsearch version, e.g. \"6.8.23\"",
    )],
    children: &[
        &MEMBERS,
        &MASTER_ELIGIBLE,
        &CLIENTS,
        &HEAP,
        &MINIMUM_MASTER_NODES,
        &EXPORTER,
        &TLS,
    ],
    repeat: true,
    required: false,
    doc: "An Elasticsearch cluster.",
};

static CA_FILE: NodeSpec = NodeSpec {
    required: true,
    ..leaf(
        "ca-file",
        one!(Ty::Str, "an absolute path on the hosts"),
        &[],
        false,
        "Where the CA certificate (PEM) lives on every host.",
    )
};
static CERT_DIR: NodeSpec = NodeSpec {
    required: true,
    ..leaf(
        "cert-dir",
        one!(Ty::Str, "an absolute path on the hosts"),
        &[],
        false,
        "Directory holding each host's HOST.crt and HOST.key.",
    )
};
static PKI: NodeSpec = NodeSpec {
    name: "pki",
    args: one!(Ty::Name, "the PKI name"),
    props: &[],
    children: &[&CA_FILE, &CERT_DIR],
    repeat: true,
    required: false,
    doc: "Where the CA certificate and the host certificates live on the hosts (issued by your CA from build's pki/ requests).",
};

static LB_SUBNETS: NodeSpec = leaf(
    "subnets",
    Args {
        types: &[Ty::Str],
        min: 1,
        variadic: true,
        what: "subnet references (\"vpc/subnet\")",
    },
    &[],
    false,
    "The subnets the service sits in (\"vpc/subnet\", one per zone).",
);
static LB_SECURITY_GROUPS: NodeSpec = leaf(
    "security-groups",
    Args {
        types: &[Ty::Name],
        min: 1,
        variadic: true,
        what: "security group names",
    },
    &[],
    false,
    "Security groups of the service itself.",
);
/// The protocols of a `listener`.
pub const LB_PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "TCP", "TLS", "UDP"];
static LISTENER: NodeSpec = leaf(
    "listener",
    one!(Ty::Port, "the listener port"),
    &[
        opt(
            "protocol",
            Ty::Enum(LB_PROTOCOLS),
            "HTTP/HTTPS (application) or TCP/TLS/UDP (network); default HTTP or TCP",
        ),
        req("target", Ty::Name, "the group whose every host is a target"),
        opt(
            "target-port",
            Ty::Port,
            "port on the targets (default: the listener port)",
        ),
        opt(
            "health-path",
            Ty::Str,
            "HTTP health check path such as \"/healthz\" (default \"/\" on an application balancer; a TCP check on a network one)",
        ),
        opt(
            "certificate-arn",
            Ty::Str,
            "ACM certificate ARN (required for HTTPS and TLS)",
        ),
    ],
    true,
    "A listener forwarding to the hosts of a group.",
);
static LOAD_BALANCER: NodeSpec = NodeSpec {
    name: "load-balancer",
    args: one!(Ty::Name, "the load balancer name"),
    props: &[
        opt(
            "type",
            Ty::Enum(&["application", "network"]),
            "AWS ALB or NLB (default application)",
        ),
        opt(
            "scheme",
            Ty::Enum(&["internet-facing", "internal"]),
            "default internal",
        ),
    ],
    children: &[&LB_SUBNETS, &LB_SECURITY_GROUPS, &LISTENER],
    repeat: true,
    required: false,
    doc: "An AWS load balancer (named NAME.DOMAIN in the private zone of `baseline domain`).",
};
static ROUTE: NodeSpec = leaf(
    "route",
    one!(Ty::Str, "the URL path prefix, e.g. \"/booking/\""),
    &[
        req(
            "to",
            Ty::Str,
            "lb:NAME (through its private DNS name) or group:NAME (its hosts)",
        ),
        opt(
            "port",
            Ty::Port,
            "the port proxied to: a listener of the balancer (default its first) or the port on the group's hosts (default 80)",
        ),
    ],
    true,
    "A location the gateway proxies.",
);
static GATEWAY: NodeSpec = NodeSpec {
    name: "gateway",
    args: one!(Ty::Name, "the gateway name"),
    props: &[
        req("group", Ty::Name, "the group whose hosts run NGINX"),
        req(
            "nginx-version",
            Ty::Text(Text::Version),
            "the NGINX release on the hosts, e.g. \"1.22.1\" (decides how upstream names are re-resolved)",
        ),
        opt("port", Ty::Port, "listen port (default 80)"),
    ],
    children: &[&ROUTE],
    repeat: true,
    required: false,
    doc: "An NGINX API gateway on every host of a group.",
};
/// Redis's `maxmemory-policy` values (redis.conf, ElastiCache parameter).
pub const MAXMEMORY_POLICIES: &[&str] = &[
    "noeviction",
    "allkeys-lru",
    "allkeys-lfu",
    "allkeys-random",
    "volatile-lru",
    "volatile-lfu",
    "volatile-random",
    "volatile-ttl",
];
static REDIS: NodeSpec = NodeSpec {
    name: "redis",
    args: one!(Ty::Name, "the Redis name"),
    props: &[
        req(
            "engine",
            Ty::Enum(&["elasticache", "self-hosted"]),
            "AWS ElastiCache or redis-server on the members",
        ),
        req(
            "version",
            Ty::Text(Text::Version),
            "Redis engine version, e.g. \"7.1\" (major 6 or 7)",
        ),
        opt(
            "node-type",
            Ty::Str,
            "ElastiCache node type, e.g. \"cache.r7g.large\" (required for elasticache)",
        ),
        opt(
            "replicas",
            Ty::Int,
            "replicas per primary (elasticache, default 1; self-hosted: the members after the first)",
        ),
        opt(
            "maxmemory-policy",
            Ty::Enum(MAXMEMORY_POLICIES),
            "what Redis does when full (default allkeys-lru for a cache, noeviction for a store)",
        ),
        opt(
            "reserved-memory-percent",
            Ty::Int,
            "share of RAM kept free of data, 0-99 (default 25)",
        ),
        opt(
            "role",
            Ty::Enum(&["cache", "store"]),
            "cache (keys may be evicted) or store (default cache)",
        ),
        opt("port", Ty::Port, "Redis port (default 6379)"),
    ],
    children: &[&CLIENTS, &MEMBERS, &LB_SUBNETS, &LB_SECURITY_GROUPS],
    repeat: true,
    required: false,
    doc: "Redis: an ElastiCache replication group or redis-server with Sentinel on a group.",
};

/// The document root.
pub static ROOT: NodeSpec = NodeSpec {
    name: "(document)",
    args: Args::NONE,
    props: &[],
    children: &[
        &PROJECT,
        &ADDRESS_SET,
        &VPC,
        &VNET,
        &BASELINE,
        &FLEET,
        &SECURITY_GROUP,
        &VPN,
        &S3_MIGRATION,
        &MONITORING,
        &PKI,
        &POSTGRES_CLUSTER,
        &ELASTICSEARCH_CLUSTER,
        &LOAD_BALANCER,
        &GATEWAY,
        &REDIS,
    ],
    repeat: false,
    required: true,
    doc: "An infragen spec.",
};
