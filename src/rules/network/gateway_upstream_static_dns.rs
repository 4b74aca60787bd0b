//! `gateway-upstream-static-dns`: A gateway route to a balancer that NGINX could resolve only once.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::GatewayUpstreamStaticDns,
    family: Family::Network,
    severity: Severity::Error,
    summary: "A gateway route to a load balancer that NGINX would resolve only once.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks every `route … to="lb:NAME"` of a `gateway`. infragen writes such a
route so that NGINX re-resolves the balancer's name through the VPC
resolver (169.254.169.253) every `valid=10s`: with `server NAME resolve`
in a `zone`d upstream from NGINX 1.27.3, with a variable in `proxy_pass`
before. That needs a name fixed at compile time that the gateway's hosts
can resolve: `NAME.DOMAIN` in the Route 53 private hosted zone infragen
creates for `baseline domain`, associated with the VPC. The rule reports a
route when there is no such name:

- the spec has no `baseline domain`: there is no private zone, and the only
  name of the balancer is the one AWS assigns at apply time, which a config
  written at compile time can only carry as a fixed address;
- the gateway's hosts are not in an AWS VPC: the VPC resolver and the
  private zone do not exist for them.

## Why is this bad
An AWS load balancer's addresses change: its nodes are replaced and scaled,
and the DNS name then points elsewhere. Open-source NGINX resolves a name
in `proxy_pass` or an `upstream` once, at start-up, unless told otherwise,
and keeps sending requests to the old addresses: `upstream timed out (110)`
until someone reloads NGINX. This was one of the source estate's outages.

## Example
```kdl
// no `baseline { domain … }`
gateway "edge" group="gw" nginx-version="1.22.1" {
    route "/booking/" to="lb:booking"
}
```
Add `baseline { domain "prod.example.internal" }`: the balancer is then
`booking.prod.example.internal`.

## Source
- NGINX, `resolver` and `proxy_pass` (a variable makes NGINX resolve at run
  time): <https://nginx.org/en/docs/http/ngx_http_proxy_module.html#proxy_pass>
- NGINX 1.27.3 changes ("the resolve parameter of the server directive in
  the upstream block"): <https://nginx.org/en/CHANGES>
- AWS, "Application Load Balancers": "the IP addresses … can change over
  time": <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    let has_domain = model.baseline.as_ref().is_some_and(|b| b.domain.is_some());
    for gw in &model.gateways {
        let off_aws = model
            .group(gw.group)
            .hosts
            .first()
            .is_some_and(|h| model.host_cloud(*h) != Cloud::Aws);
        for r in &gw.routes {
            let RouteTarget::Lb(lb) = r.to else { continue };
            let lb = &model.load_balancers[lb.index()];
            let (why, label, help) = if off_aws {
                (
                    "its hosts are not in an AWS VPC, so they cannot resolve the balancer's private name",
                    "gateway hosts outside AWS",
                    "run the gateway on a group in the balancer's VPC",
                )
            } else if !has_domain {
                (
                    "the spec has no `baseline domain`, so the balancer has no private DNS name NGINX could re-resolve",
                    "no NAME.DOMAIN for this balancer",
                    "add `domain \"prod.example.internal\"` to `baseline`: infragen then names the balancer NAME.DOMAIN in a Route 53 private zone",
                )
            } else {
                continue;
            };
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "gateway `{}` routes `{}` to balancer `{}` by an address NGINX would resolve only once: {why}",
                        gw.name, r.path.value, lb.name
                    ),
                )
                .label(r.to_span, label)
                .label(gw.group_span, "NGINX runs here")
                .help(help),
            );
        }
    }
}
