//! Terraform: `terraform/*.tf`, one file per concern, built as `hcl::Body`
//! and printed the way `terraform fmt` would (see `fmt`). Resources are
//! named after spec entities and reference each other instead of pasting
//! IDs; hosts of a group share one `for_each` resource keyed by host name,
//! so the output grows with the number of groups, not hosts.

mod azure;
mod azure_lb;
mod azure_network;
mod azure_nsg;
mod azure_vm;
mod compute;
mod dns;
mod dsl;
mod elasticache;
mod flow_logs;
mod fmt;
mod iam;
mod lb;
mod names;
mod network;
mod providers;
mod s3;
mod security;
mod vpn;

use super::{Artifact, EmitContext, Emitter};
use crate::model::*;
use crate::span::Span;
use hcl::{Attribute, Block, Body, Structure};
use std::collections::BTreeSet;

pub struct Terraform;

impl Emitter for Terraform {
    fn name(&self) -> &'static str {
        "terraform"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        let tf = Tf::new(ctx);
        let mut files = Vec::new();
        providers::emit(&tf, &mut files);
        network::emit(&tf, &mut files);
        security::emit(&tf, &mut files);
        compute::emit(&tf, &mut files);
        azure::emit(&tf, &mut files);
        lb::emit(&tf, &mut files);
        dns::emit(&tf, &mut files);
        vpn::emit(&tf, &mut files);
        s3::emit(&tf, &mut files);
        elasticache::emit(&tf, &mut files);
        for f in files.into_iter().filter(|f| !f.body.is_empty()) {
            out.push(f.into_artifact(ctx));
        }
    }
}

/// One `.tf` file being built.
pub(crate) struct TfFile {
    name: &'static str,
    body: Vec<Structure>,
    sources: Vec<(String, Span)>,
}

impl TfFile {
    fn new(name: &'static str) -> Self {
        TfFile {
            name,
            body: Vec::new(),
            sources: Vec::new(),
        }
    }

    fn add(&mut self, mut block: Block) {
        fmt::hoist_skips(&mut block);
        self.body.push(Structure::Block(block));
    }

    /// A top-level `# text` comment before the next block.
    fn comment(&mut self, text: &str) {
        self.body.push(Structure::Attribute(fmt::comment(text)));
    }

    fn source(&mut self, entity: impl Into<String>, span: Span) {
        self.sources.push((entity.into(), span));
    }

    fn into_artifact(self, ctx: &EmitContext) -> Artifact {
        let body = Body::from(self.body);
        let text = fmt::render(&ctx.header("#"), &body);
        let mut a = Artifact::new(format!("terraform/{}.tf", self.name), text);
        for (entity, span) in self.sources {
            a = a.source(entity, ctx.line(span));
        }
        a
    }
}

/// What every concern needs: the model and the AWS regions in use.
pub(crate) struct Tf<'a> {
    pub m: &'a Model,
    /// The default AWS provider's region (the first VPC's, else the first
    /// migration's source region).
    pub aws_region: Option<String>,
    /// Every other AWS region used; each gets a provider alias.
    pub aws_aliases: BTreeSet<String>,
}

impl<'a> Tf<'a> {
    fn new(ctx: &'a EmitContext) -> Self {
        let m = ctx.model;
        let mut regions: Vec<&str> = m
            .networks
            .iter()
            .filter(|n| n.cloud == Cloud::Aws)
            .map(|n| n.region.value.as_str())
            .collect();
        for mig in &m.s3_migrations {
            if mig.method == MigrationMethod::Replication {
                regions.push(&mig.from_region.value);
            }
            regions.push(&mig.to_region.value);
        }
        let aws_region = regions.first().map(|r| r.to_string());
        let aws_aliases = regions
            .iter()
            .filter(|r| Some(**r) != aws_region.as_deref())
            .map(|r| r.to_string())
            .collect();
        Tf {
            m,
            aws_region,
            aws_aliases,
        }
    }

    pub fn uses_aws(&self) -> bool {
        self.aws_region.is_some()
    }

    pub fn uses_azure(&self) -> bool {
        self.m.networks.iter().any(|n| n.cloud == Cloud::Azure)
    }

    /// `provider = aws.<alias>` for resources outside the default region.
    pub fn provider(&self, region: &str) -> Option<Attribute> {
        (Some(region) != self.aws_region.as_deref()).then(|| {
            Attribute::new(
                "provider",
                dsl::r(&format!("aws.{}", names::region_alias(region))),
            )
        })
    }

    /// The AWS region of a network.
    pub fn region(&self, n: NetworkId) -> &str {
        &self.m.network(n).region.value
    }

    /// The project's tags (Azure resources carry them explicitly; AWS ones
    /// get them from the provider's `default_tags`).
    pub fn has_tags(&self) -> bool {
        !self.m.project.tags.is_empty()
    }

    /// `tags = { Name = "<project>-<name>" }`.
    pub fn name_tag(&self, name: &str) -> Attribute {
        Attribute::new(
            "tags",
            dsl::obj(vec![("Name", dsl::s(names::cloud_name(self.m, name)))]),
        )
    }

    /// Azure tags: `local.tags` when the project declares any.
    pub fn azure_tags(&self) -> Option<Attribute> {
        self.has_tags()
            .then(|| Attribute::new("tags", dsl::r("local.tags")))
    }
}

/// Adds an optional attribute to a block builder.
pub(crate) fn opt(b: hcl::BlockBuilder, a: Option<Attribute>) -> hcl::BlockBuilder {
    match a {
        Some(a) => b.add_attribute(a),
        None => b,
    }
}
