//! VPC flow logs: to a CloudWatch log group kept a year (CIS, checkov) and
//! encrypted with a customer-managed key that CloudWatch Logs may use for
//! that log group only, written by a role scoped to that log group.

use super::dsl::*;
use super::{Tf, TfFile, names, opt};
use crate::model::NetworkId;

const RETENTION_DAYS: u32 = 365;

/// The trust policy every flow-log role shares.
pub fn shared(_tf: &Tf, f: &mut TfFile) {
    f.add(
        data("aws_iam_policy_document", "flow_logs_assume")
            .add_block(
                block("statement")
                    .add_attribute(("actions", strings(["sts:AssumeRole"])))
                    .add_block(principals("Service", "vpc-flow-logs.amazonaws.com"))
                    .build(),
            )
            .build(),
    );
}

pub fn principals(kind: &str, id: &str) -> hcl::Block {
    block("principals")
        .add_attribute(("type", s(kind)))
        .add_attribute(("identifiers", list(vec![tmpl(id)])))
        .build()
}

/// Key policy: the account administers the key (without this statement
/// nobody could; IAM policies then grant use), and optionally one AWS
/// service may use it, under `condition`.
pub fn key_policy(name: &str, service: Option<(&str, Option<hcl::Block>)>) -> hcl::Block {
    let mut doc = data("aws_iam_policy_document", name).add_block(
        block("statement")
            .add_attribute(("sid", s("AccountAdministersTheKey")))
            .add_attribute(("actions", strings(["kms:*"])))
            .add_attribute(("resources", strings(["*"])))
            .add_block(principals(
                "AWS",
                "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root",
            ))
            .build(),
    );
    if let Some((service, condition)) = service {
        let mut use_stmt = block("statement")
            .add_attribute(("sid", s("ServiceUsesTheKey")))
            .add_attribute((
                "actions",
                strings([
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ]),
            ))
            .add_attribute(("resources", strings(["*"])))
            .add_block(principals("Service", service));
        if let Some(c) = condition {
            use_stmt = use_stmt.add_block(c);
        }
        doc = doc.add_block(use_stmt.build());
    }
    doc.build()
}

pub fn vpc(tf: &Tf, f: &mut TfFile, n: NetworkId) {
    let m = tf.m;
    let net = m.network(n);
    let region = tf.region(n);
    let provider = || tf.provider(region);
    let name = names::flow_logs(&m.network(n).name);
    let group = format!("/aws/vpc/{}/flow-logs", names::cloud_name(m, &net.name));

    let service = format!("logs.{region}.amazonaws.com");
    f.add(super::s3::kms_key_policy(
        &format!("{name}_key"),
        Some((&service, Some(
            block("condition")
                .add_attribute(("test", s("ArnEquals")))
                .add_attribute(("variable", s("kms:EncryptionContext:aws:logs:arn")))
                .add_attribute((
                    "values",
                    list(vec![tmpl(format!(
                        "arn:aws:logs:{region}:${{data.aws_caller_identity.current.account_id}}:log-group:{group}"
                    ))]),
                ))
                .build(),
        ))),
    ));
    f.add(
        opt(resource("aws_kms_key", &name), provider())
            .add_attribute(("description", s(format!("Flow logs of VPC {}", net.name))))
            .add_attribute(("enable_key_rotation", true))
            .add_attribute(("deletion_window_in_days", 30))
            .add_attribute((
                "policy",
                r(&format!("data.aws_iam_policy_document.{name}_key.json")),
            ))
            .build(),
    );
    f.add(
        opt(resource("aws_cloudwatch_log_group", &name), provider())
            .add_attribute(("name", s(&group)))
            .add_attribute(("retention_in_days", RETENTION_DAYS))
            .add_attribute(("kms_key_id", r(&format!("aws_kms_key.{name}.arn"))))
            .build(),
    );
    f.add(
        resource("aws_iam_role", &name)
            .add_attribute((
                "name",
                s(names::cloud_name(m, &format!("{}-flow-logs", net.name))),
            ))
            .add_attribute((
                "assume_role_policy",
                r("data.aws_iam_policy_document.flow_logs_assume.json"),
            ))
            .build(),
    );
    f.add(
        data("aws_iam_policy_document", &name)
            .add_block(
                block("statement")
                    .add_attribute((
                        "actions",
                        strings([
                            "logs:CreateLogStream",
                            "logs:PutLogEvents",
                            "logs:DescribeLogStreams",
                        ]),
                    ))
                    .add_attribute((
                        "resources",
                        list(vec![tmpl(format!(
                            "${{aws_cloudwatch_log_group.{name}.arn}}:*"
                        ))]),
                    ))
                    .build(),
            )
            .build(),
    );
    f.add(
        resource("aws_iam_role_policy", &name)
            .add_attribute(("name", s("write-flow-logs")))
            .add_attribute(("role", r(&format!("aws_iam_role.{name}.id"))))
            .add_attribute((
                "policy",
                r(&format!("data.aws_iam_policy_document.{name}.json")),
            ))
            .build(),
    );
    f.add(
        opt(resource("aws_flow_log", &names::network(m, n)), provider())
            .add_attribute(("vpc_id", r(&format!("aws_vpc.{}.id", names::network(m, n)))))
            .add_attribute(("traffic_type", s("ALL")))
            .add_attribute((
                "log_destination",
                r(&format!("aws_cloudwatch_log_group.{name}.arn")),
            ))
            .add_attribute(("iam_role_arn", r(&format!("aws_iam_role.{name}.arn"))))
            .build(),
    );
}
