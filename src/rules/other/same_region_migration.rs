//! `same-region-migration`: An S3 migration whose source and destination regions are the same.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::SameRegionMigration,
    family: Family::Other,
    severity: Severity::Error,
    summary: "An S3 migration whose source and destination regions are the same.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks that every `s3-migration` moves buckets to a different region:
`to-region=` must differ from `from-region=`.

## Why is this bad
An `s3-migration` exists to move data between regions (for latency, data
residency or disaster recovery). With the same region on both sides it copies
every object within the region and pays for the requests and the duplicate
storage without moving anything; with `method="replication"` S3 Cross-Region
Replication is not what runs at all. It is almost always a copy-paste slip of
the destination region.

## Example
```kdl
s3-migration "virginia-to-mumbai" from-region="us-east-1" to-region="us-east-1" method="sync" {
    bucket "acme-assets" to="acme-assets-aps1"
}
```
Name the destination region:
```kdl
s3-migration "virginia-to-mumbai" from-region="us-east-1" to-region="ap-south-1" method="sync" {
    bucket "acme-assets" to="acme-assets-aps1"
}
```

## Source
- AWS, "Replicating objects within and across Regions" (Cross-Region vs Same-Region Replication): https://docs.aws.amazon.com/AmazonS3/latest/userguide/replication.html
- AWS CLI, `aws s3 sync` (`--source-region`, `--region`): https://docs.aws.amazon.com/cli/latest/reference/s3/sync.html
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for mig in &ctx.model.s3_migrations {
        let (from, to) = (&mig.from_region, &mig.to_region);
        if !from.value.trim().eq_ignore_ascii_case(to.value.trim()) {
            continue;
        }
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "s3-migration `{}` moves buckets from `{}` to the same region",
                    mig.name, from.value
                ),
            )
            .label(to.span, "destination region")
            .label(from.span, "same as the source region")
            .help("set `to-region=` to the region the buckets should move to, e.g. `to-region=\"ap-south-1\"`"),
        );
    }
}
