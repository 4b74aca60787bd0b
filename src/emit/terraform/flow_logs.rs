//! VPC flow logs: to a CloudWatch log group kept a year (CIS, checkov) and
//! encrypted with a customer-managed key that CloudWatch Logs may use for
//! that log group only, written by a role scoped to that log group.

use super::dsl::*;
use super::{Tf, TfFile, iam, names, opt};
use crate::model::NetworkId;

const RETENTION_DAYS: u32 = 365;

/// The trust policy every flow-log role shares.
pub fn shared(_tf: &Tf, f: &mut TfFile) {
    f.add(iam::assume_role_policy(
        "flow_logs_assume",
        "vpc-flow-logs.amazonaws.com",
    ));
}

pub fn vpc(tf: &Tf, f: &mut TfFile, n: NetworkId) {
    let m = tf.m;
    let net = m.network(n);
    let region = tf.region(n);
    let provider = || tf.provider(region);
    let name = names::flow_logs(&m.network(n).name);
    let group = format!("/aws/vpc/{}/flow-logs", names::cloud_name(m, &net.name));

    let service = format!("logs.{region}.amazonaws.com");
    f.add(iam::kms_key_policy(
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
    f.add(iam::kms_key(
        &name,
        format!("Flow logs of VPC {}", net.name),
        provider(),
    ));
    f.add(
        opt(resource("aws_cloudwatch_log_group", &name), provider())
            .add_attribute(("name", s(&group)))
            .add_attribute(("retention_in_days", RETENTION_DAYS))
            .add_attribute(("kms_key_id", r(&format!("aws_kms_key.{name}.arn"))))
            .build(),
    );
    f.add(iam::role(
        &name,
        names::cloud_name(m, &format!("{}-flow-logs", net.name)),
        "flow_logs_assume",
    ));
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
    f.add(iam::role_policy(&name, "write-flow-logs", &name));
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
