//! `lb-single-zone`: A load balancer whose subnets sit in one zone.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::LbSingleZone,
    family: Family::Ha,
    severity: Severity::Warning,
    summary: "A load balancer whose subnets sit in one availability zone.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns when every subnet of a `load-balancer` sits in the same availability
zone (the balancers infragen puts in front of an HA HAProxy group follow
their hosts and are covered by `single-point-of-failure`).

## Why is this bad
A balancer has a node only in the zones of its subnets. With one zone, the
loss of that zone takes the entry point down even when the targets are
spread over several, so the balancer is the single point of failure of
everything behind it. AWS refuses an application load balancer with fewer
than two zones ("At least two subnets in two different Availability Zones
must be specified"), so `terraform apply` fails for one.

## Example
```kdl
load-balancer "public" scheme="internet-facing" {
    subnets "web/public-a"
    listener 80 target="gw"
}
```
List a subnet in a second zone: `subnets "web/public-a" "web/public-b"`.

## Source
- AWS, "Application Load Balancers", availability zones:
  <https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones>
- AWS, "Network Load Balancers", availability zones:
  <https://docs.aws.amazon.com/elasticloadbalancing/latest/network/network-load-balancers.html#availability-zones>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let model = ctx.model;
    for lb in &model.load_balancers {
        if lb.origin != LbOrigin::Spec {
            continue;
        }
        let zones: Vec<Option<&str>> = lb
            .subnets
            .iter()
            .map(|s| model.subnet(*s).zone.as_ref().map(|z| z.value.as_str()))
            .collect();
        let Some(Some(zone)) = zones.first() else {
            continue;
        };
        if zones.iter().any(|z| z != &Some(*zone)) {
            continue;
        }
        let extra = if lb.kind == LbKind::Application {
            "; AWS refuses an application balancer in fewer than two zones"
        } else {
            ""
        };
        out.push(
            Diagnostic::warning(
                RULE.code,
                format!(
                    "load balancer `{}` sits in one zone ({zone}): losing it takes the balancer down{extra}",
                    lb.name
                ),
            )
            .label(lb.subnets_span.unwrap_or(lb.name_span), format!("every subnet in {zone}"))
            .help("list a subnet in a second zone in `subnets`"),
        );
    }
}
