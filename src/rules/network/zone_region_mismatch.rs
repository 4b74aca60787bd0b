//! `zone-region-mismatch`: An AWS subnet's zone is not in its VPC's region.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::ZoneRegionMismatch,
    family: Family::Network,
    severity: Severity::Error,
    summary: "An AWS subnet's zone is not in its VPC's region.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks that the `zone=` of every subnet of an AWS `vpc` is an Availability
Zone of the VPC's `region=`: the region name followed by one letter, such as
`us-east-1a` in `us-east-1`.

## Why is this bad
A VPC lives in one region and its subnets in that region's Availability
Zones. A subnet in `us-west-2a` under a VPC in `us-east-1` cannot be created:
`CreateSubnet` fails with `InvalidParameterValue`, and `terraform apply` stops
there. It is usually a copy-paste slip from another estate.

## Example
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-west-2a" cidr="10.10.0.0/24"
}
```
Use a zone of the VPC's region:
```kdl
vpc "core" region="us-east-1" cidr="10.10.0.0/16" {
    subnet "private-a" zone="us-east-1a" cidr="10.10.0.0/24"
}
```

## Source
- AWS, "Regions and Zones" (an Availability Zone code is its Region code followed by a letter identifier): https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-regions-availability-zones.html
- AWS, "Subnets for your VPC" (a subnet resides in one Availability Zone of the VPC's Region): https://docs.aws.amazon.com/vpc/latest/userguide/configure-subnets.html
"#;

/// `us-east-1a` is a zone of `us-east-1`: the region, then one letter.
pub(crate) fn in_region(zone: &str, region: &str) -> bool {
    zone.strip_prefix(region)
        .is_some_and(|rest| rest.len() == 1 && rest.bytes().all(|b| b.is_ascii_lowercase()))
}

/// The zone letter the spec meant (`us-west-2b` → `b`), or `a`.
fn zone_letter(zone: &str) -> char {
    zone.chars()
        .last()
        .filter(|c| c.is_ascii_lowercase())
        .unwrap_or('a')
}

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for n in m.networks.iter().filter(|n| n.cloud == Cloud::Aws) {
        let region = &n.region;
        for id in &n.subnets {
            let Some(zone) = &m.subnet(*id).zone else {
                continue;
            };
            if in_region(&zone.value, &region.value) {
                continue;
            }
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "subnet `{}` is in zone `{}`, which is not an Availability Zone of its VPC's region `{}`",
                        m.subnet_path(*id),
                        zone.value,
                        region.value
                    ),
                )
                .label(zone.span, format!("not a zone of `{}`", region.value))
                .label(region.span, format!("VPC `{}` is in this region", n.name))
                .help(format!(
                    "use a zone of `{0}`, e.g. `zone=\"{0}{1}\"`",
                    region.value,
                    zone_letter(&zone.value)
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::in_region;

    #[test]
    fn zone_is_region_plus_one_letter() {
        assert!(in_region("us-east-1a", "us-east-1"));
        assert!(!in_region("us-west-2a", "us-east-1"));
        assert!(!in_region("us-east-1", "us-east-1"));
        assert!(!in_region("us-east-1-az1", "us-east-1"));
        assert!(!in_region("us-east-1A", "us-east-1"));
    }
}
