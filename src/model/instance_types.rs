//! RAM of the instance types and VM sizes fleets commonly use, for the heap
//! rules. `memory=` overrides it for anything not listed.

use super::network::Cloud;

const GIB: u64 = 1 << 30;

/// (name, RAM in MiB). AWS figures from the EC2 instance-type pages, Azure
/// from the B/D/E-series size pages.
const AWS: &[(&str, u64)] = &[
    ("t3.nano", 512),
    ("t3.micro", 1024),
    ("t3.small", 2048),
    ("t3.medium", 4096),
    ("t3.large", 8192),
    ("t3.xlarge", 16384),
    ("t3.2xlarge", 32768),
    ("m5.large", 8192),
    ("m5.xlarge", 16384),
    ("m5.2xlarge", 32768),
    ("m5.4xlarge", 65536),
    ("m5.8xlarge", 131072),
    ("m5.12xlarge", 196608),
    ("m5.16xlarge", 262144),
    ("m5.24xlarge", 393216),
    ("r5.large", 16384),
    ("r5.xlarge", 32768),
    ("r5.2xlarge", 65536),
    ("r5.4xlarge", 131072),
    ("r5.8xlarge", 262144),
    ("r5.12xlarge", 393216),
    ("r5.16xlarge", 524288),
    ("r5.24xlarge", 786432),
    ("c5.large", 4096),
    ("c5.xlarge", 8192),
    ("c5.2xlarge", 16384),
    ("c5.4xlarge", 32768),
    ("c5.9xlarge", 73728),
    ("c5.12xlarge", 98304),
    ("c5.18xlarge", 147456),
    ("c5.24xlarge", 196608),
];

const AZURE: &[(&str, u64)] = &[
    ("Standard_B1s", 1024),
    ("Standard_B1ms", 2048),
    ("Standard_B2s", 4096),
    ("Standard_B2ms", 8192),
    ("Standard_B4ms", 16384),
    ("Standard_B8ms", 32768),
    ("Standard_B12ms", 49152),
    ("Standard_B16ms", 65536),
    ("Standard_D2s_v3", 8192),
    ("Standard_D4s_v3", 16384),
    ("Standard_D8s_v3", 32768),
    ("Standard_D16s_v3", 65536),
    ("Standard_D32s_v3", 131072),
    ("Standard_D2s_v5", 8192),
    ("Standard_D4s_v5", 16384),
    ("Standard_D8s_v5", 32768),
    ("Standard_D16s_v5", 65536),
    ("Standard_D32s_v5", 131072),
    ("Standard_E2s_v3", 16384),
    ("Standard_E4s_v3", 32768),
    ("Standard_E8s_v3", 65536),
    ("Standard_E16s_v3", 131072),
    ("Standard_E32s_v3", 262144),
    ("Standard_E2s_v5", 16384),
    ("Standard_E4s_v5", 32768),
    ("Standard_E8s_v5", 65536),
    ("Standard_E16s_v5", 131072),
    ("Standard_E32s_v5", 262144),
];

fn table(cloud: Cloud) -> &'static [(&'static str, u64)] {
    match cloud {
        Cloud::Aws => AWS,
        Cloud::Azure => AZURE,
    }
}

/// RAM in bytes of a known type in `cloud`.
pub fn memory_of(cloud: Cloud, instance_type: &str) -> Option<u64> {
    table(cloud)
        .iter()
        .find(|(n, _)| *n == instance_type)
        .map(|(_, mib)| mib * (GIB / 1024))
}

/// The cloud a type name belongs to, judged by its shape.
pub fn cloud_of(instance_type: &str) -> Cloud {
    if instance_type.starts_with("Standard_") || instance_type.starts_with("Basic_") {
        Cloud::Azure
    } else {
        Cloud::Aws
    }
}

pub fn known_types(cloud: Cloud) -> impl Iterator<Item = &'static str> {
    table(cloud).iter().map(|(n, _)| *n)
}
