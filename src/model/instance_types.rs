//! RAM and CPU architecture of AWS instance types and Azure VM sizes, for
//! the heap rules and the images. Regular families follow from their names;
//! an exception table holds the irregular ones; `memory=` overrides all.
//!
//! AWS: `<family><generation><attributes>[-flex].<size>`. The size gives the
//! vCPUs (`medium` 1, `large` 2, `xlarge` 4, `Nxlarge` 4·N) and the family
//! letter the GiB per vCPU: `c` 2, `m` 4, `r` 8, `x` 16 (`z1d` 8). The burstable
//! `t2`/`t3`/`t3a`/`t4g` go by size alone. A `g` among the attributes is
//! Graviton (arm64).
//!
//! Azure: `Standard_<family><vCPUs><attributes>[_v<N>]`. The number is the
//! vCPUs, the family the GiB per vCPU: `D` 4, `E` 8, `F` 2 (`l` among the
//! attributes halves D to 2); D and E count from v3 on (v2 and older differ).
//! The B series v1 is a table; B v2 is 4 GiB per vCPU (`l` 2, `t` ½). A `p` among
//! the attributes is an Arm (Ampere) size.

use super::network::Cloud;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

/// CPU architecture, as Ubuntu names its images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arch {
    Amd64,
    Arm64,
}

impl Arch {
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::Amd64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// Irregular AWS types (RAM in MiB), from the EC2 instance-type pages.
const AWS_EXCEPTIONS: &[(&str, u64)] = &[
    // c5n: 5.25 GiB per 2 vCPUs, and 96/192 GiB at the top.
    ("c5n.large", 5376),
    ("c5n.xlarge", 10752),
    ("c5n.2xlarge", 21504),
    ("c5n.4xlarge", 43008),
    ("c5n.9xlarge", 98304),
    ("c5n.18xlarge", 196608),
    ("c5n.metal", 196608),
    // x1 / x1e: 15.25 and 30.5 GiB per vCPU.
    ("x1.16xlarge", 999_424),
    ("x1.32xlarge", 1_998_848),
    ("x1e.xlarge", 124_928),
    ("x1e.2xlarge", 249_856),
    ("x1e.4xlarge", 499_712),
    ("x1e.8xlarge", 999_424),
    ("x1e.16xlarge", 1_998_848),
    ("x1e.32xlarge", 3_997_696),
    // x2iedn / x2iezn: 32 GiB per vCPU.
    ("x2iedn.xlarge", 131_072),
    ("x2iedn.2xlarge", 262_144),
    ("x2iedn.4xlarge", 524_288),
    ("x2iedn.8xlarge", 1_048_576),
    ("x2iedn.16xlarge", 2_097_152),
    ("x2iedn.24xlarge", 3_145_728),
    ("x2iedn.32xlarge", 4_194_304),
    ("x2iezn.2xlarge", 262_144),
    ("x2iezn.4xlarge", 524_288),
    ("x2iezn.6xlarge", 786_432),
    ("x2iezn.8xlarge", 1_048_576),
    ("x2iezn.12xlarge", 1_572_864),
    // Storage-optimised i3 / i3en.
    ("i3.large", 15_616),
    ("i3.xlarge", 31_232),
    ("i3.2xlarge", 62_464),
    ("i3.4xlarge", 124_928),
    ("i3.8xlarge", 249_856),
    ("i3.16xlarge", 499_712),
    ("i4i.large", 16_384),
    ("i4i.xlarge", 32_768),
    ("i4i.2xlarge", 65_536),
    ("i4i.4xlarge", 131_072),
    ("i4i.8xlarge", 262_144),
];

/// Burstable AWS families: RAM by size (MiB); vCPUs differ, RAM does not.
const AWS_BURSTABLE: &[&str] = &["t2", "t3", "t3a", "t4g"];
const AWS_BURSTABLE_SIZES: &[(&str, u64)] = &[
    ("nano", 512),
    ("micro", 1024),
    ("small", 2048),
    ("medium", 4096),
    ("large", 8192),
    ("xlarge", 16384),
    ("2xlarge", 32768),
];

/// Azure B series v1 (MiB) and the irregular tops of the D/E series.
const AZURE_EXCEPTIONS: &[(&str, u64)] = &[
    ("Standard_B1ls", 512),
    ("Standard_B1s", 1024),
    ("Standard_B1ms", 2048),
    ("Standard_B2s", 4096),
    ("Standard_B2ms", 8192),
    ("Standard_B4ms", 16384),
    ("Standard_B8ms", 32768),
    ("Standard_B12ms", 49152),
    ("Standard_B16ms", 65536),
    ("Standard_B20ms", 81920),
    ("Standard_E64_v3", 442_368),
    ("Standard_E64s_v3", 442_368),
    ("Standard_E64i_v3", 442_368),
    ("Standard_E64is_v3", 442_368),
    ("Standard_E64_v4", 516_096),
    ("Standard_E64s_v4", 516_096),
    ("Standard_E64d_v4", 516_096),
    ("Standard_E64ds_v4", 516_096),
    ("Standard_E80is_v4", 516_096),
    ("Standard_E80ids_v4", 516_096),
    ("Standard_E96as_v4", 688_128),
    ("Standard_E96das_v4", 688_128),
    ("Standard_E96_v5", 688_128),
    ("Standard_E96s_v5", 688_128),
    ("Standard_E96d_v5", 688_128),
    ("Standard_E96ds_v5", 688_128),
    ("Standard_E96as_v5", 688_128),
    ("Standard_E96ads_v5", 688_128),
    ("Standard_E104i_v5", 688_128),
    ("Standard_E104is_v5", 688_128),
    ("Standard_E104id_v5", 688_128),
    ("Standard_E104ids_v5", 688_128),
];

fn exceptions(cloud: Cloud) -> &'static [(&'static str, u64)] {
    match cloud {
        Cloud::Aws => AWS_EXCEPTIONS,
        Cloud::Azure => AZURE_EXCEPTIONS,
    }
}

/// RAM in bytes of a type in `cloud`: the exception table, else derived
/// from the name; `None` when neither knows it.
pub fn memory_of(cloud: Cloud, instance_type: &str) -> Option<u64> {
    if let Some((_, mib)) = exceptions(cloud).iter().find(|(n, _)| *n == instance_type) {
        return Some(mib * MIB);
    }
    match cloud {
        Cloud::Aws => aws_memory(instance_type),
        Cloud::Azure => azure_memory(instance_type),
    }
}

/// An AWS type's parts: `m7i-flex.2xlarge` → ("m", 7, "i-flex", "2xlarge").
fn aws_parts(t: &str) -> Option<(&str, u32, &str, &str)> {
    let (family, size) = t.split_once('.')?;
    let letters = family
        .find(|c: char| !c.is_ascii_lowercase())
        .filter(|i| *i > 0)?;
    let (letter, rest) = family.split_at(letters);
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (generation, attrs) = rest.split_at(digits);
    let generation = generation.parse().ok().filter(|g| *g > 0 && *g < 100)?;
    let attrs_ok = attrs
        .strip_suffix("-flex")
        .unwrap_or(attrs)
        .chars()
        .all(|c| c.is_ascii_lowercase());
    attrs_ok.then_some((letter, generation, attrs, size))
}

/// vCPUs of a regular AWS size name.
fn aws_vcpus(size: &str) -> Option<u64> {
    match size {
        "medium" => Some(1),
        "large" => Some(2),
        "xlarge" => Some(4),
        _ => {
            let n: u64 = size.strip_suffix("xlarge")?.parse().ok()?;
            (1..=448).contains(&n).then_some(n * 4)
        }
    }
}

fn aws_memory(t: &str) -> Option<u64> {
    let (letter, _, attrs, size) = aws_parts(t)?;
    let family = t.split_once('.')?.0;
    if AWS_BURSTABLE.contains(&family) {
        return AWS_BURSTABLE_SIZES
            .iter()
            .find(|(s, _)| *s == size)
            .map(|(_, mib)| mib * MIB);
    }
    let per_vcpu = match (letter, attrs) {
        ("c", _) => 2,
        ("m", _) => 4,
        ("r", _) => 8,
        ("z", "d") => 8,
        ("x", _) => 16,
        _ => return None,
    };
    Some(aws_vcpus(size)? * per_vcpu * GIB)
}

/// An Azure size's parts: `Standard_D4as_v5` → ("D", 4, "as", Some(5)).
fn azure_parts(t: &str) -> Option<(&str, u64, &str, Option<u32>)> {
    let rest = t.strip_prefix("Standard_")?;
    let (body, version) = match rest.rsplit_once("_v") {
        Some((b, v)) => (b, Some(v.parse().ok()?)),
        None => (rest, None),
    };
    let digits = body.find(|c: char| c.is_ascii_digit())?;
    let (family, rest) = body.split_at(digits);
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (vcpus, attrs) = rest.split_at(end);
    let vcpus = vcpus.parse().ok().filter(|n| (1..=512).contains(n))?;
    attrs
        .chars()
        .all(|c| c.is_ascii_lowercase())
        .then_some((family, vcpus, attrs, version))
}

fn azure_memory(t: &str) -> Option<u64> {
    let (family, vcpus, attrs, version) = azure_parts(t)?;
    // Half GiB steps (B v2 `t` sizes), in MiB.
    let mib_per_vcpu = match (family, version) {
        ("D", Some(v)) if v >= 3 && attrs.contains('l') => 2048,
        ("D", Some(v)) if v >= 3 => 4096,
        ("E", Some(v)) if v >= 3 => 8192,
        ("F", Some(v)) if v >= 2 => 2048,
        ("B", Some(v)) if v >= 2 && attrs.contains('t') => 512,
        ("B", Some(v)) if v >= 2 && attrs.contains('l') => 2048,
        ("B", Some(v)) if v >= 2 => 4096,
        _ => return None,
    };
    Some(vcpus * mib_per_vcpu * MIB)
}

/// The CPU architecture of a type: Graviton (`t4g`, `m7g`, `c6gn`, `r8gd`:
/// a `g` after the generation digit) and Azure's Arm sizes (`p` after the
/// vCPU count: `Standard_D4ps_v5`) are arm64; the rest amd64.
pub fn arch_of(cloud: Cloud, instance_type: &str) -> Arch {
    let arm = match cloud {
        Cloud::Aws => aws_parts(instance_type).is_some_and(|(_, _, attrs, _)| {
            attrs.strip_suffix("-flex").unwrap_or(attrs).contains('g')
        }),
        Cloud::Azure => azure_parts(instance_type).is_some_and(|(_, _, a, _)| a.contains('p')),
    };
    if arm { Arch::Arm64 } else { Arch::Amd64 }
}

/// The cloud a type name belongs to, judged by its shape.
pub fn cloud_of(instance_type: &str) -> Cloud {
    if instance_type.starts_with("Standard_") || instance_type.starts_with("Basic_") {
        Cloud::Azure
    } else {
        Cloud::Aws
    }
}

/// Common current types, the candidates for "nearest known" suggestions.
fn suggestions(cloud: Cloud) -> Vec<String> {
    let mut out: Vec<String> = exceptions(cloud)
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    match cloud {
        Cloud::Aws => {
            for f in AWS_BURSTABLE {
                for (s, _) in AWS_BURSTABLE_SIZES {
                    out.push(format!("{f}.{s}"));
                }
            }
            let families = [
                "m5", "m6i", "m6a", "m6g", "m7i", "m7i-flex", "m7a", "m7g", "m8g", "c5", "c6i",
                "c6a", "c6g", "c6gn", "c7i", "c7a", "c7g", "c8g", "r5", "r6i", "r6a", "r6g", "r7i",
                "r7a", "r7g", "r8g", "x2gd", "x2idn", "z1d",
            ];
            let sizes = [
                "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
                "16xlarge", "24xlarge",
            ];
            for f in families {
                for s in sizes {
                    out.push(format!("{f}.{s}"));
                }
            }
        }
        Cloud::Azure => {
            for (family, versions) in [
                ("D", &["_v3", "_v4", "_v5", "_v6"][..]),
                ("E", &["_v3", "_v4", "_v5", "_v6"][..]),
                ("F", &["_v2"][..]),
                ("B", &["_v2"][..]),
            ] {
                for n in [2, 4, 8, 16, 32, 48, 64] {
                    for attrs in ["", "s", "as", "ds", "ads", "ps", "ls"] {
                        for v in versions {
                            out.push(format!("Standard_{family}{n}{attrs}{v}"));
                        }
                    }
                }
            }
        }
    }
    out.retain(|t| memory_of(cloud, t).is_some());
    out.sort();
    out.dedup();
    out
}

/// Up to `n` known types closest to `instance_type` (Jaro-Winkler), with
/// their RAM in bytes, best first.
pub fn nearest(cloud: Cloud, instance_type: &str, n: usize) -> Vec<(String, u64)> {
    let mut scored: Vec<(f64, String)> = suggestions(cloud)
        .into_iter()
        .map(|t| (strsim::jaro_winkler(instance_type, &t), t))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(n)
        .filter_map(|(_, t)| {
            let mem = memory_of(cloud, &t)?;
            Some((t, mem))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 40+ common current types and their RAM in GiB (EC2 instance-type pages,
    /// Azure size pages).
    const COMMON: &[(&str, f64)] = &[
        ("m6i.large", 8.0),
        ("m6i.xlarge", 16.0),
        ("m6i.2xlarge", 32.0),
        ("m6i.4xlarge", 64.0),
        ("m7i.large", 8.0),
        ("m7i.2xlarge", 32.0),
        ("m7i-flex.xlarge", 16.0),
        ("m6g.medium", 4.0),
        ("m7g.large", 8.0),
        ("m6a.8xlarge", 128.0),
        ("m5.24xlarge", 384.0),
        ("c6g.large", 4.0),
        ("c6g.xlarge", 8.0),
        ("c7g.2xlarge", 16.0),
        ("c7g.medium", 2.0),
        ("c6i.4xlarge", 32.0),
        ("c7i.large", 4.0),
        ("c6gn.xlarge", 8.0),
        ("c5.9xlarge", 72.0),
        ("c5n.large", 5.25),
        ("c7a.xlarge", 8.0),
        ("r6i.large", 16.0),
        ("r6i.2xlarge", 64.0),
        ("r7g.xlarge", 32.0),
        ("r7g.4xlarge", 128.0),
        ("r6g.medium", 8.0),
        ("r7i.large", 16.0),
        ("r5.24xlarge", 768.0),
        ("t4g.micro", 1.0),
        ("t4g.small", 2.0),
        ("t4g.medium", 4.0),
        ("t3a.large", 8.0),
        ("t3.xlarge", 16.0),
        ("t3.nano", 0.5),
        ("t2.micro", 1.0),
        ("x2gd.xlarge", 64.0),
        ("z1d.large", 16.0),
        ("Standard_D2s_v5", 8.0),
        ("Standard_D4s_v5", 16.0),
        ("Standard_D8as_v5", 32.0),
        ("Standard_D4ds_v5", 16.0),
        ("Standard_D4as_v5", 16.0),
        ("Standard_D4ps_v5", 16.0),
        ("Standard_D2ls_v5", 4.0),
        ("Standard_D16s_v3", 64.0),
        ("Standard_D4_v4", 16.0),
        ("Standard_E2s_v5", 16.0),
        ("Standard_E4s_v5", 32.0),
        ("Standard_E8as_v5", 64.0),
        ("Standard_E16ds_v5", 128.0),
        ("Standard_E96s_v5", 672.0),
        ("Standard_E64s_v3", 432.0),
        ("Standard_F4s_v2", 8.0),
        ("Standard_F16s_v2", 32.0),
        ("Standard_B2s", 4.0),
        ("Standard_B2ms", 8.0),
        ("Standard_B2s_v2", 8.0),
        ("Standard_B2ts_v2", 1.0),
        ("Standard_B4als_v2", 8.0),
    ];

    #[test]
    fn common_current_types_get_their_ram() {
        assert!(COMMON.len() >= 40);
        for (t, gib) in COMMON {
            let cloud = cloud_of(t);
            let got = memory_of(cloud, t).map(|b| b as f64 / GIB as f64);
            assert_eq!(got, Some(*gib), "{t}");
        }
    }

    #[test]
    fn irregular_or_malformed_types_are_unknown() {
        for t in [
            "m7i.huge",
            "m5",
            "p4d.24xlarge",
            "g5.xlarge",
            "m7i.0xlarge",
            "t3.4xlarge",
            ".large",
            "Standard_D2_v2",
            "Standard_M128s",
            "Standard_D",
            "Standard_D4s_vx",
        ] {
            assert_eq!(memory_of(cloud_of(t), t), None, "{t}");
        }
    }

    #[test]
    fn graviton_and_azure_arm_sizes_are_arm64() {
        for t in [
            "t4g.micro",
            "m7g.large",
            "c6gn.xlarge",
            "r8gd.2xlarge",
            "x2gd.xlarge",
        ] {
            assert_eq!(arch_of(Cloud::Aws, t), Arch::Arm64, "{t}");
        }
        for t in [
            "g4dn.xlarge",
            "m7i-flex.large",
            "c7a.large",
            "t3.micro",
            "nonsense",
        ] {
            assert_eq!(arch_of(Cloud::Aws, t), Arch::Amd64, "{t}");
        }
        assert_eq!(arch_of(Cloud::Azure, "Standard_D4ps_v5"), Arch::Arm64);
        assert_eq!(arch_of(Cloud::Azure, "Standard_D4s_v5"), Arch::Amd64);
    }

    #[test]
    fn nearest_suggests_known_types_of_the_family() {
        let near = nearest(Cloud::Aws, "m7i.huge", 3);
        assert_eq!(near.len(), 3);
        assert!(near.iter().all(|(t, _)| t.starts_with("m7i")), "{near:?}");
        let near = nearest(Cloud::Azure, "Standard_D4s_v9", 3);
        assert!(
            near.iter().any(|(t, _)| t.starts_with("Standard_D4")),
            "{near:?}"
        );
    }
}
