//! `nsg-priority-exhausted`: an Azure NSG with more rules in one direction
//! than Azure's rule priorities leave room for.

use super::super::prelude::*;
use crate::model::nsg::{self, ALLOW_CAPACITY, ALLOW_FIRST, ALLOW_LAST};

pub static RULE: Rule = Rule {
    code: Code::NsgPriorityExhausted,
    family: Family::Other,
    severity: Severity::Error,
    summary: "An Azure NSG needs more rules in one direction than Azure's priorities 100–4096 allow.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Counts the rules of each Azure NSG, per direction. On Azure a NIC takes one
NSG, so a host's security groups become one NSG holding the rules of all of
them; every rule needs a priority of its own in that direction, between 100
and 4096. infragen puts the spec's rules at 100–3999, below the two rules it
adds last (`deny-other-egress` at 4000, `deny-other-ingress` at 4010, which
make the NSG deny what the spec does not allow): 3900 rules per direction.

## Why is this bad
An NSG rule's priority must be unique within its direction. With more rules
than priorities, two rules would share one and Azure refuses the NSG at
`terraform apply` (or, with the deny rules outnumbered, lets a deny rule
shadow an allow): the spec lints clean and the estate does not deploy as
written.

## Example
```kdl
security-group "edge" vnet="hub" {
    ingress tcp 1 from="10.40.0.0/16"
    ingress tcp 2 from="10.40.0.0/16"
    // … 3900 more ingress rules
}
```
Cover neighbouring ports with one range rule, and sources with one
address-set:
```kdl
security-group "edge" vnet="hub" {
    ingress tcp "1-3902" from="10.40.0.0/16"
}
```

## Source
- Microsoft, "Network security groups: security rules" (priority 100–4096, unique per direction): https://learn.microsoft.com/en-us/azure/virtual-network/network-security-groups-overview#security-rules
- azurerm `azurerm_network_security_rule` (`priority`): https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/network_security_rule
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for set in m.azure_nsgs() {
        let rules = set.rules(m);
        let directions: Vec<Direction> = rules.iter().map(|r| r.direction).collect();
        let Err(e) = nsg::priorities(&directions) else {
            continue;
        };
        let way = match e.direction {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        };
        // The (first) group with the most rules in that direction.
        let Some(&g) = set.groups.iter().rev().max_by_key(|g| {
            let sg = m.sg(**g);
            match e.direction {
                Direction::Ingress => sg.ingress.len(),
                Direction::Egress => sg.egress.len(),
            }
        }) else {
            continue;
        };
        let sg = m.sg(g);
        let shared = if set.groups.len() > 1 {
            format!(
                " (the one NSG of hosts with security groups {}: a NIC takes one NSG)",
                set.groups
                    .iter()
                    .map(|g| format!("`{}`", m.sg(*g).name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            String::new()
        };
        out.push(
            Diagnostic::error(
                RULE.code,
                format!(
                    "Azure NSG `{}` has {} {way} rules{shared}; Azure's priorities leave room for {ALLOW_CAPACITY}",
                    set.spec_name(m),
                    e.rules
                ),
            )
            .label(
                sg.name_span,
                format!("{way} rules take priorities {ALLOW_FIRST}–{ALLOW_LAST}, one each"),
            )
            .help(
                "cover neighbouring ports with one range (`ingress tcp \"8000-8100\" from=…`) and several sources with one address-set (`from=\"set:office\"`)",
            ),
        );
    }
}
