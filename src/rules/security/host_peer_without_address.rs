//! `host-peer-without-address`: A `host:NAME` rule across networks that no address can render.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::HostPeerWithoutAddress,
    family: Family::Security,
    severity: Severity::Error,
    summary: "A `host:NAME` rule across networks that no address can render.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reports a security-group rule `from="host:NAME"` (or `to=`) whose host sits
in another network and has no fixed public address (`public-address=`).
Across networks a host's packets carry its public address, and without a
fixed one there is no address to write into the rule: the rule would be
left out of the Terraform output, so the traffic the spec asked for would
be dropped without a word.

## Why is this bad
A security group (or NSG) rule names addresses. Inside its own network a
host is its private address; from another VPC, VNet or cloud its traffic
arrives from its public address. A dynamic public IP (`public-ip=#true`) is
only known after apply and changes when the instance stops and starts, so
a rule pinned to it would break silently at the next restart.

## Example
```kdl
fleet {
    host "runner" type="t3.small" public-ip=#true { subnets "ci/public-a"; }
}
security-group "db" vpc="core" {
    ingress "tcp" 5432 from="host:runner"   // runner is in vpc "ci"
}
```
Give `runner` the static public IP the estate holds for it
(`public-address="203.0.113.10"`, an Elastic IP or an Azure static public IP),
or, when the traffic comes through a VPN tunnel (private addresses kept),
name the host's network or subnet: `from="vpc:ci"` or `from="subnet:ci/public-a"`.

## Source
- AWS, "Security group rules" (sources are CIDRs, prefix lists or security
  groups): <https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html>
- AWS, "Amazon EC2 instance IP addressing" (a public IPv4 address is released
  when the instance stops): <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html>
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    let m = ctx.model;
    for sg in &m.security_groups {
        let Some(own) = sg.network else { continue };
        for rule in sg.ingress.iter().chain(&sg.egress) {
            let Peer::Host(h) = rule.peer else { continue };
            let host = m.host(h);
            let theirs = m.host_network(h);
            if theirs == own || host.public_address.is_some() {
                continue;
            }
            let (key, dynamic) = (
                match rule.direction {
                    Direction::Ingress => "from",
                    Direction::Egress => "to",
                },
                host.settings.public_ip,
            );
            let why = if dynamic {
                "its dynamic public IP (public-ip=#true) is not fixed"
            } else {
                "it has no public address"
            };
            let net = m.network(theirs);
            out.push(
                Diagnostic::error(
                    RULE.code,
                    format!(
                        "`{key}=\"host:{}\"` in security group `{}` has no address to render: `{}` sits in {} `{}` and {why}",
                        host.name,
                        sg.name,
                        host.name,
                        net.cloud.keyword(),
                        net.name
                    ),
                )
                .label(rule.peer_span, "host of another network")
                .label(host.name_span, "no `public-address=`")
                .help(format!(
                    "give `{}` a fixed public address (`public-address=\"…\"`, an Elastic IP or an Azure static public IP), or, for traffic through a VPN tunnel, write `{key}=\"{}:{}\"`",
                    host.name,
                    net.cloud.keyword(),
                    net.name
                )),
            );
        }
    }
}
