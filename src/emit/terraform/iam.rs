//! AWS IAM and KMS policy pieces every concern shares: principals, the
//! trust policy a service assumes a role by, the role itself, an inline
//! role policy, and KMS key policies. The concerns (flow logs, S3
//! replication, the fleet's instance role) only say which service, which
//! name and which statements.

use super::dsl::*;
use super::fmt::checkov_skip;

/// `principals { type = kind, identifiers = [id] }`.
pub fn principals(kind: &str, id: &str) -> hcl::Block {
    block("principals")
        .add_attribute(("type", s(kind)))
        .add_attribute(("identifiers", list(vec![tmpl(id)])))
        .build()
}

/// `data "aws_iam_policy_document" "<name>"`: the trust policy by which
/// `service` (e.g. `ec2.amazonaws.com`) assumes a role.
pub fn assume_role_policy(name: &str, service: &str) -> hcl::Block {
    data("aws_iam_policy_document", name)
        .add_block(
            block("statement")
                .add_attribute(("actions", strings(["sts:AssumeRole"])))
                .add_block(principals("Service", service))
                .build(),
        )
        .build()
}

/// `resource "aws_iam_role" "<res>"` named `cloud_name` in the account,
/// trusted through the policy document `assume` (see `assume_role_policy`).
pub fn role(res: &str, cloud_name: String, assume: &str) -> hcl::Block {
    resource("aws_iam_role", res)
        .add_attribute(("name", s(cloud_name)))
        .add_attribute((
            "assume_role_policy",
            r(&format!("data.aws_iam_policy_document.{assume}.json")),
        ))
        .build()
}

/// `resource "aws_iam_role_policy" "<res>"`: the policy document of the
/// same name, attached inline to the role `role` as `policy_name`.
pub fn role_policy(res: &str, policy_name: &str, role: &str) -> hcl::Block {
    resource("aws_iam_role_policy", res)
        .add_attribute(("name", s(policy_name)))
        .add_attribute(("role", r(&format!("aws_iam_role.{role}.id"))))
        .add_attribute((
            "policy",
            r(&format!("data.aws_iam_policy_document.{res}.json")),
        ))
        .build()
}

/// A KMS key policy as a policy document: the account administers the key
/// (without this statement nobody could; IAM policies then grant use), and
/// optionally one AWS service may use it, under `condition`.
///
/// checkov's IAM checks read every policy document as an identity policy;
/// in a key policy `"*"` is the key itself and `kms:*` for the account root
/// is AWS's default, so those checks are skipped with the reason.
pub fn kms_key_policy(name: &str, service: Option<(&str, Option<hcl::Block>)>) -> hcl::Block {
    let mut doc = key_policy(name, service);
    let reason = "KMS key policy: resource \"*\" is this key, and root administering it is AWS's default key policy";
    let skips = ["CKV_AWS_109", "CKV_AWS_111", "CKV_AWS_356"]
        .map(|c| hcl::Structure::Attribute(checkov_skip(c, reason)));
    let mut body: Vec<hcl::Structure> = skips.to_vec();
    body.extend(doc.body);
    doc.body = hcl::Body::from(body);
    doc
}

fn key_policy(name: &str, service: Option<(&str, Option<hcl::Block>)>) -> hcl::Block {
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

/// `resource "aws_kms_key" "<name>"`: rotated yearly, 30 days' deletion
/// window, governed by the key policy `<name>_key` (see `kms_key_policy`).
pub fn kms_key(name: &str, description: String, provider: Option<hcl::Attribute>) -> hcl::Block {
    super::opt(resource("aws_kms_key", name), provider)
        .add_attribute(("description", s(description)))
        .add_attribute(("enable_key_rotation", true))
        .add_attribute(("deletion_window_in_days", 30))
        .add_attribute((
            "policy",
            r(&format!("data.aws_iam_policy_document.{name}_key.json")),
        ))
        .build()
}
