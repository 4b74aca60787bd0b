//! Rule codes: the one table of every rule name a diagnostic can carry.
//!
//! A [`Diagnostic`](super::Diagnostic) holds a [`Code`], never a string, so a
//! misspelt or unregistered rule name cannot be emitted: it does not compile.
//! The registry (`rules::REGISTRY`) pairs each code with its metadata and
//! docs; `tests/codes.rs` checks that the two match one to one, that the
//! names are unique, and that every code has a page in `docs/rules/` and a
//! fixture in `tests/ui/`. To add a rule, see docs/architecture.md,
//! "Adding a rule".

use std::cmp::Ordering;
use std::fmt;

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// A rule's code. [`Code::as_str`] is the stable kebab-case name
        /// shown in every report and written in `allow "NAME"`.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in registry order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The rule name, e.g. `cidr-overlap`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }
        }
    };
}

codes! {
    // spec (reported by the front end: syntax, schema, lower)
    KdlSyntax => "kdl-syntax",
    UnknownNode => "unknown-node",
    UnknownProperty => "unknown-property",
    InvalidValue => "invalid-value",
    MissingValue => "missing-value",
    DuplicateProperty => "duplicate-property",
    DuplicateName => "duplicate-name",
    UnresolvedReference => "unresolved-reference",
    // network
    InvalidCidr => "invalid-cidr",
    SubnetOutsideNetwork => "subnet-outside-network",
    SubnetOverlap => "subnet-overlap",
    CidrOverlap => "cidr-overlap",
    NonPrivateCidr => "non-private-cidr",
    VpcPrefixLength => "vpc-prefix-length",
    ZoneRegionMismatch => "zone-region-mismatch",
    SubnetCapacity => "subnet-capacity",
    PortConflict => "port-conflict",
    GatewayUpstreamStaticDns => "gateway-upstream-static-dns",
    // security
    OpenToWorld => "open-to-world",
    SecretLiteral => "secret-literal",
    SecretInText => "secret-in-text",
    RequiredFlowBlocked => "required-flow-blocked",
    HostPeerWithoutAddress => "host-peer-without-address",
    WeakIkeProposal => "weak-ike-proposal",
    Ikev1 => "ikev1",
    PlaintextDcs => "plaintext-dcs",
    PatroniRestUnauthenticated => "patroni-rest-unauthenticated",
    EsSecurityDisabled => "es-security-disabled",
    // HA and capacity
    EtcdQuorum => "etcd-quorum",
    EtcdClusterOverlap => "etcd-cluster-overlap",
    PatroniTiming => "patroni-timing",
    ClusterTooSmall => "cluster-too-small",
    EsMinimumMasterNodes => "es-minimum-master-nodes",
    ZoneFailureLosesQuorum => "zone-failure-loses-quorum",
    SinglePointOfFailure => "single-point-of-failure",
    JvmHeapOver32g => "jvm-heap-over-32g",
    JvmHeapCompressedOops => "jvm-heap-compressed-oops",
    JvmHeapOverHalfRam => "jvm-heap-over-half-ram",
    RedisNoevictionCache => "redis-noeviction-cache",
    RedisReservedMemoryLow => "redis-reserved-memory-low",
    RedisMaxmemoryOverRam => "redis-maxmemory-over-ram",
    LbSingleZone => "lb-single-zone",
    // other
    InvalidBucketName => "invalid-bucket-name",
    SameRegionMigration => "same-region-migration",
    EolOs => "eol-os",
    AlertForTooShort => "alert-for-too-short",
    TerraformNameCollision => "terraform-name-collision",
    AzureAdminKeyMissing => "azure-admin-key-missing",
    NsgPriorityExhausted => "nsg-priority-exhausted",
    SloObjectiveInvalid => "slo-objective-invalid",
    AlertmanagerReceiverUnsupported => "alertmanager-receiver-unsupported",
    AlertWithoutReceiver => "alert-without-receiver",
}

impl Code {
    /// The code named `name` (as written in `allow "NAME"` or
    /// `infragen rule NAME`), if there is one.
    pub fn from_name(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

/// Prints the name, so `{}` and `{:?}` show what a `&str` code showed.
impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Ordered by name, as the strings were: sorting diagnostics or keying a map
/// by code gives the same order as before.
impl Ord for Code {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `diagnostic.rule == "cidr-overlap"` in tests and filters.
impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Code {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Code> for &str {
    fn eq(&self, other: &Code) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Code> for String {
    fn eq(&self, other: &Code) -> bool {
        self == other.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn names_round_trip() {
        for &c in Code::ALL {
            assert_eq!(Code::from_name(c.as_str()), Some(c));
        }
        assert_eq!(Code::from_name("cidr-overlaps"), None);
    }
}
