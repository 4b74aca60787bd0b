//! S3 migrations: the destination buckets in the destination region, one
//! `for_each` resource per concern keyed by bucket name: versioning, SSE-KMS
//! with a rotated key of their own, public access blocked, ACLs disabled,
//! lifecycle housekeeping, access logs to a log bucket. `method="replication"`
//! adds the replication rules on the source buckets (and the versioning S3
//! requires there) with the role S3 assumes to copy.

use super::dsl::*;
use super::fmt::checkov_skip;
use super::iam::{self, principals};
use super::{Tf, TfFile, names, opt};
use crate::model::*;
use hcl::{Attribute, BlockBuilder, Expression};

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let mut f = TfFile::new("s3");
    for mig in &tf.m.s3_migrations {
        migration(tf, &mut f, mig);
    }
    files.push(f);
}

fn migration(tf: &Tf, f: &mut TfFile, mig: &S3Migration) {
    let m = tf.m;
    let name = names::id(&mig.name);
    let to = mig.to_region.value.as_str();
    let dest = || tf.provider(to);
    f.source(format!("s3-migration {}", mig.name), mig.span);

    // The key encrypting the destination buckets.
    f.add(iam::kms_key_policy(&format!("{name}_key"), None));
    f.add(iam::kms_key(
        &name,
        format!("Buckets of S3 migration {}", mig.name),
        dest(),
    ));

    // The access-log bucket. S3 log delivery writes only to SSE-S3 buckets.
    let logs = names::access_logs(&mig.name);
    let log_name = format!("{}-access-logs", names::cloud_name(m, &mig.name));
    f.add(
        opt(resource("aws_s3_bucket", &logs), dest())
            .add_attribute(checkov_skip(
                "CKV_AWS_18",
                "this is the access-log bucket; logging it to itself would loop",
            ))
            .add_attribute(checkov_skip(
                "CKV_AWS_144",
                "access logs need no second region",
            ))
            .add_attribute(checkov_skip(
                "CKV2_AWS_62",
                "nothing consumes access-log object events",
            ))
            .add_attribute(checkov_skip(
                "CKV_AWS_145",
                "S3 server access logging delivers only to SSE-S3 (AES256) buckets",
            ))
            .add_attribute(("bucket", s(log_name)))
            .build(),
    );
    f.add(
        data("aws_iam_policy_document", &logs)
            .add_block(
                block("statement")
                    .add_attribute(("sid", s("S3ServerAccessLogs")))
                    .add_attribute(("actions", strings(["s3:PutObject"])))
                    .add_attribute((
                        "resources",
                        list(vec![tmpl(format!("${{aws_s3_bucket.{logs}.arn}}/*"))]),
                    ))
                    .add_block(principals("Service", "logging.s3.amazonaws.com"))
                    .add_block(
                        block("condition")
                            .add_attribute(("test", s("StringEquals")))
                            .add_attribute(("variable", s("aws:SourceAccount")))
                            .add_attribute((
                                "values",
                                list(vec![r("data.aws_caller_identity.current.account_id")]),
                            ))
                            .build(),
                    )
                    .build(),
            )
            .build(),
    );
    f.add(
        opt(resource("aws_s3_bucket_policy", &logs), dest())
            .add_attribute(("bucket", r(&format!("aws_s3_bucket.{logs}.id"))))
            .add_attribute((
                "policy",
                r(&format!("data.aws_iam_policy_document.{logs}.json")),
            ))
            .build(),
    );
    hardening(f, &logs, dest(), None, Some(365));

    // One set of resources per destination bucket (checkov follows the
    // links between a bucket and its settings only between plain resources).
    for b in &mig.buckets {
        let res = names::id(&b.dest.value);
        f.source(
            format!("s3-migration {} bucket {}", mig.name, b.source.value),
            b.span,
        );
        f.comment(&format!("{} → {}", b.source.value, b.dest.value));
        f.add(
            opt(resource("aws_s3_bucket", &res), dest())
                .add_attribute(checkov_skip(
                    "CKV_AWS_144",
                    "migration destination: the data's other copy is the source bucket",
                ))
                .add_attribute(checkov_skip(
                    "CKV2_AWS_62",
                    "nothing consumes object events of this bucket",
                ))
                .add_attribute(("bucket", s(&b.dest.value)))
                .build(),
        );
        hardening(f, &res, dest(), Some(&name), None);
        f.add(
            opt(resource("aws_s3_bucket_logging", &res), dest())
                .add_attribute(("bucket", r(&format!("aws_s3_bucket.{res}.id"))))
                .add_attribute(("target_bucket", r(&format!("aws_s3_bucket.{logs}.id"))))
                .add_attribute(("target_prefix", s(format!("{}/", b.dest.value))))
                .build(),
        );
    }

    if mig.method == MigrationMethod::Replication {
        replication(tf, f, mig, &name);
    }
}

/// Versioning, encryption (SSE-KMS with `kms`, else SSE-S3), public access
/// block, ownership and lifecycle of one bucket.
fn hardening(
    f: &mut TfFile,
    name: &str,
    provider: Option<Attribute>,
    kms: Option<&str>,
    expire_days: Option<u32>,
) {
    let head = |kind: &str| {
        opt(resource(kind, name), provider.clone())
            .add_attribute(("bucket", r(&format!("aws_s3_bucket.{name}.id"))))
    };
    f.add(versioning(head("aws_s3_bucket_versioning")).build());
    f.add(
        encryption(
            head("aws_s3_bucket_server_side_encryption_configuration"),
            kms,
        )
        .build(),
    );
    f.add(public_access(head("aws_s3_bucket_public_access_block")).build());
    f.add(ownership(head("aws_s3_bucket_ownership_controls")).build());
    f.add(lifecycle(head("aws_s3_bucket_lifecycle_configuration"), expire_days).build());
}

fn versioning(b: BlockBuilder) -> BlockBuilder {
    b.add_block(
        block("versioning_configuration")
            .add_attribute(("status", s("Enabled")))
            .build(),
    )
}

fn encryption(b: BlockBuilder, kms: Option<&str>) -> BlockBuilder {
    let default = match kms {
        Some(key) => block("apply_server_side_encryption_by_default")
            .add_attribute(("sse_algorithm", s("aws:kms")))
            .add_attribute(("kms_master_key_id", r(&format!("aws_kms_key.{key}.arn")))),
        None => block("apply_server_side_encryption_by_default")
            .add_attribute(("sse_algorithm", s("AES256"))),
    };
    let mut rule = block("rule").add_block(default.build());
    if kms.is_some() {
        rule = rule.add_attribute(("bucket_key_enabled", true));
    }
    b.add_block(rule.build())
}

fn public_access(b: BlockBuilder) -> BlockBuilder {
    b.add_attribute(("block_public_acls", true))
        .add_attribute(("block_public_policy", true))
        .add_attribute(("ignore_public_acls", true))
        .add_attribute(("restrict_public_buckets", true))
}

/// ACLs disabled: the bucket owner owns every object.
fn ownership(b: BlockBuilder) -> BlockBuilder {
    b.add_block(
        block("rule")
            .add_attribute(("object_ownership", s("BucketOwnerEnforced")))
            .build(),
    )
}

fn lifecycle(b: BlockBuilder, expire_days: Option<u32>) -> BlockBuilder {
    let mut rule = block("rule")
        .add_attribute(("id", s("housekeeping")))
        .add_attribute(("status", s("Enabled")))
        .add_block(block("filter").build())
        .add_block(
            block("abort_incomplete_multipart_upload")
                .add_attribute(("days_after_initiation", 7))
                .build(),
        )
        .add_block(
            block("noncurrent_version_expiration")
                .add_attribute(("noncurrent_days", 90))
                .build(),
        );
    if let Some(days) = expire_days {
        rule = rule.add_block(block("expiration").add_attribute(("days", days)).build());
    }
    b.add_block(rule.build())
}

/// Replication from the (existing, unmanaged) source buckets: versioning on
/// them, which S3 requires, a role S3 assumes, and one replication
/// configuration per source bucket. Objects that exist before the rule
/// are not replicated by S3 (that needs S3 Batch Replication or a sync).
fn replication(tf: &Tf, f: &mut TfFile, mig: &S3Migration, name: &str) {
    let m = tf.m;
    let from = mig.from_region.value.as_str();
    let src = || tf.provider(from);
    let role = format!("{name}_replication");

    let assume = format!("{role}_assume");
    f.add(iam::assume_role_policy(&assume, "s3.amazonaws.com"));
    f.add(iam::role(
        &role,
        names::cloud_name(m, &format!("{}-replication", mig.name)),
        &assume,
    ));
    let res = |b: &Bucket| names::id(&b.dest.value);
    let arns = |kind: &str, suffix: &str, source: bool| -> Expression {
        list(
            mig.buckets
                .iter()
                .map(|b| {
                    let id = if source {
                        format!("{}_source", res(b))
                    } else {
                        res(b)
                    };
                    if suffix.is_empty() {
                        r(&format!("{kind}.{id}.arn"))
                    } else {
                        tmpl(format!("${{{kind}.{id}.arn}}{suffix}"))
                    }
                })
                .collect(),
        )
    };
    let statement = |actions: &[&str], resources: Expression| {
        block("statement")
            .add_attribute(("actions", strings(actions.iter().copied())))
            .add_attribute(("resources", resources))
            .build()
    };
    f.add(
        data("aws_iam_policy_document", &role)
            .add_block(statement(
                &["s3:GetReplicationConfiguration", "s3:ListBucket"],
                arns("data.aws_s3_bucket", "", true),
            ))
            .add_block(statement(
                &[
                    "s3:GetObjectVersionForReplication",
                    "s3:GetObjectVersionAcl",
                    "s3:GetObjectVersionTagging",
                ],
                arns("data.aws_s3_bucket", "/*", true),
            ))
            .add_block(statement(
                &[
                    "s3:ReplicateObject",
                    "s3:ReplicateDelete",
                    "s3:ReplicateTags",
                ],
                arns("aws_s3_bucket", "/*", false),
            ))
            .add_block(statement(
                &["kms:Encrypt", "kms:GenerateDataKey"],
                list(vec![r(&format!("aws_kms_key.{name}.arn"))]),
            ))
            .build(),
    );
    f.add(iam::role_policy(&role, "replicate", &role));

    for b in &mig.buckets {
        let id = res(b);
        let source = format!("{id}_source");
        f.add(
            opt(data("aws_s3_bucket", &source), src())
                .add_attribute(("bucket", s(&b.source.value)))
                .build(),
        );
        f.add(
            versioning(
                opt(resource("aws_s3_bucket_versioning", &source), src())
                    .add_attribute(("bucket", r(&format!("data.aws_s3_bucket.{source}.id")))),
            )
            .build(),
        );
        let mut destination =
            block("destination").add_attribute(("bucket", r(&format!("aws_s3_bucket.{id}.arn"))));
        if let Some(class) = &b.storage_class {
            destination = destination.add_attribute(("storage_class", s(class)));
        }
        let destination = destination
            .add_block(
                block("encryption_configuration")
                    .add_attribute(("replica_kms_key_id", r(&format!("aws_kms_key.{name}.arn"))))
                    .build(),
            )
            .build();
        f.add(
            opt(
                resource("aws_s3_bucket_replication_configuration", &id),
                src(),
            )
            .add_attribute(("bucket", r(&format!("data.aws_s3_bucket.{source}.id"))))
            .add_attribute(("role", r(&format!("aws_iam_role.{role}.arn"))))
            .add_block(
                block("rule")
                    .add_attribute(("id", s("migrate")))
                    .add_attribute(("status", s("Enabled")))
                    .add_block(block("filter").build())
                    .add_block(
                        block("delete_marker_replication")
                            .add_attribute(("status", s("Enabled")))
                            .build(),
                    )
                    .add_block(
                        block("source_selection_criteria")
                            .add_block(
                                block("sse_kms_encrypted_objects")
                                    .add_attribute(("status", s("Enabled")))
                                    .build(),
                            )
                            .build(),
                    )
                    .add_block(destination)
                    .build(),
            )
            .add_attribute((
                "depends_on",
                list(vec![
                    r(&format!("aws_s3_bucket_versioning.{source}")),
                    r(&format!("aws_s3_bucket_versioning.{id}")),
                ]),
            ))
            .build(),
        );
    }
}
