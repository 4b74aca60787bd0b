//! `s3-migration/<name>.sh`: `aws s3 sync` per bucket, then a per-bucket
//! object count and total size comparison that fails loudly on mismatch.
//! For `method="replication"` the replication rule (Terraform) copies new
//! objects; the script backfills the existing ones and verifies.

use super::{Artifact, EmitContext, Emitter};
use crate::model::{MigrationMethod, S3Migration};

pub struct S3Scripts;

impl Emitter for S3Scripts {
    fn name(&self) -> &'static str {
        "s3-migration"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        for m in &ctx.model.s3_migrations {
            out.push(
                Artifact::new(format!("s3-migration/{}.sh", m.name), script(ctx, m))
                    .executable()
                    .source(format!("s3-migration {}", m.name), ctx.line(m.span)),
            );
        }
    }
}

use super::escape::sh_quote as sh;

fn script(ctx: &EmitContext, m: &S3Migration) -> String {
    let method = match m.method {
        MigrationMethod::Sync => "sync: this script copies every object",
        MigrationMethod::Replication => {
            "replication: S3 replication copies new objects; this script backfills existing ones"
        }
    };
    let mut s = format!(
        r#"#!/usr/bin/env bash
{header}# s3-migration "{name}": {from} -> {to} ({method}).
# Run with credentials that can read the sources and write the destinations.
set -euo pipefail

SRC_REGION={src_region}
DST_REGION={dst_region}
failed=0

# "COUNT SIZE" of a bucket, from `aws s3 ls --summarize`.
summarize() {{
	aws s3 ls "s3://$1" --recursive --summarize --region "$2" |
		awk '/Total Objects:/ {{ n = $3 }} /Total Size:/ {{ s = $3 }} END {{ print n + 0, s + 0 }}'
}}

# migrate SRC DST [STORAGE_CLASS]
migrate() {{
	local src="$1" dst="$2"
	local args=(--source-region "$SRC_REGION" --region "$DST_REGION" --only-show-errors)
	if [[ $# -ge 3 ]]; then
		args+=(--storage-class "$3")
	fi
	echo "==> s3://$src ($SRC_REGION) -> s3://$dst ($DST_REGION)"
	aws s3 sync "s3://$src" "s3://$dst" "${{args[@]}}"
}}

# verify SRC DST: same object count and total size, or the run fails.
verify() {{
	local src="$1" dst="$2" a b
	a=$(summarize "$src" "$SRC_REGION")
	b=$(summarize "$dst" "$DST_REGION")
	if [[ "$a" == "$b" ]]; then
		echo "ok: s3://$src and s3://$dst both hold $a (objects bytes)"
	else
		echo "MISMATCH: s3://$src has $a but s3://$dst has $b (objects bytes)" >&2
		failed=1
	fi
}}

"#,
        header = ctx.header("#"),
        name = m.name,
        from = m.from_region.value,
        to = m.to_region.value,
        src_region = sh(&m.from_region.value),
        dst_region = sh(&m.to_region.value),
    );
    for b in &m.buckets {
        let class = b
            .storage_class
            .as_deref()
            .map(|c| format!(" {}", sh(c)))
            .unwrap_or_default();
        s.push_str(&format!(
            "migrate {} {}{class}\n",
            sh(&b.source.value),
            sh(&b.dest.value)
        ));
    }
    s.push('\n');
    for b in &m.buckets {
        s.push_str(&format!(
            "verify {} {}\n",
            sh(&b.source.value),
            sh(&b.dest.value)
        ));
    }
    s.push_str(&format!(
        r#"
if [[ $failed -ne 0 ]]; then
	echo "s3-migration {name}: FAILED: counts or sizes differ (see above)" >&2
	exit 1
fi
echo "s3-migration {name}: all {n} buckets verified"
"#,
        name = m.name,
        n = m.buckets.len()
    ));
    s
}
