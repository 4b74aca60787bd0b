//! Self-hosted Redis (`redis … engine="self-hosted"`): `redis/<member>/redis.conf`
//! for every member (the first is the initial primary, the others
//! `replicaof` it) and, when there are replicas, `redis/<member>/sentinel.conf`
//! for a Sentinel beside every member. Checked by the real `redis-server`
//! (tests/oracle_redis.rs, tests/live_redis.rs). ElastiCache lives in
//! `terraform/elasticache.rs`.
//!
//! Both files hold the password (`requirepass`/`masterauth`, `sentinel
//! auth-pass`) once filled, so they are written 0600 like patroni.yml.

mod conf;
mod sentinel;
mod syntax;

pub use syntax::arg;

use super::{Artifact, EmitContext, Emitter};
use crate::model::{Redis, RedisEngine};

pub struct RedisEmitter;

/// Member `index` of a self-hosted Redis and the initial primary (the
/// first member), each with its address. None when either has no address
/// (its subnet is full: reported).
pub(super) struct Member<'m> {
    pub host: &'m crate::model::Host,
    pub addr: std::net::IpAddr,
    pub primary: &'m crate::model::Host,
    pub primary_addr: std::net::IpAddr,
}

impl<'m> Member<'m> {
    pub(super) fn of(model: &'m crate::model::Model, r: &Redis, index: usize) -> Option<Self> {
        let host = model.host(*r.members.hosts.get(index)?);
        let primary = model.host(*r.members.hosts.first()?);
        Some(Member {
            host,
            addr: host.address?,
            primary,
            primary_addr: primary.address?,
        })
    }
}

impl Emitter for RedisEmitter {
    fn name(&self) -> &'static str {
        "redis"
    }

    fn emit(&self, ctx: &EmitContext, out: &mut Vec<Artifact>) {
        for r in ctx
            .model
            .redis
            .iter()
            .filter(|r| r.engine == RedisEngine::SelfHosted)
        {
            for (i, &member) in r.members.hosts.iter().enumerate() {
                let host = ctx.model.host(member);
                let src = |a: Artifact| {
                    a.secret()
                        .source(format!("redis {}", r.name), ctx.line(r.span))
                        .source(format!("host {}", host.name), ctx.line(host.span))
                };
                if let Some(text) = conf::render(ctx, r, i) {
                    out.push(src(Artifact::new(
                        format!("redis/{}/redis.conf", host.name),
                        text,
                    )));
                }
                if r.has_sentinel()
                    && let Some(text) = sentinel::render(ctx, r, i)
                {
                    out.push(src(Artifact::new(
                        format!("redis/{}/sentinel.conf", host.name),
                        text,
                    )));
                }
            }
        }
    }
}
