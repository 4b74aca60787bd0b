//! `ikev1`: A VPN that uses IKEv1.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::Ikev1,
    family: Family::Security,
    severity: Severity::Warning,
    summary: "A VPN that uses IKEv1.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Warns about every `vpn` with `ike-version=1`. Without the property a tunnel
uses IKEv2 (strongSwan `keyexchange=ikev2`).

## Why is this bad
IKEv1 is deprecated (RFC 9395): its aggressive mode with pre-shared keys
leaks a hash an attacker can brute-force offline, it needs more round
trips, and it lacks IKEv2's built-in NAT traversal, liveness checks and
EAP. Both gateways here run strongSwan, which speaks IKEv2 natively.

## Example
```kdl
vpn "aws-azure" ike-version=1 {
    left host="vpn-aws" subnets="vpc:core"
    right host="vpn-azure" subnets="vnet:dr"
    psk-env "IPSEC_PSK"
}
```
Fix: drop the property (or write `ike-version=2`).
```kdl
vpn "aws-azure" {
    left host="vpn-aws" subnets="vpc:core"
    right host="vpn-azure" subnets="vnet:dr"
    psk-env "IPSEC_PSK"
}
```

## Source
- https://www.rfc-editor.org/rfc/rfc9395 (Deprecation of IKEv1 and obsoleted algorithms)
- https://docs.strongswan.org/docs/latest/howtos/securityRecommendations.html
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for vpn in &ctx.model.vpns {
        if vpn.ike_version.value == 1 {
            out.push(
                Diagnostic::warning(RULE.code, format!("vpn `{}` uses IKEv1", vpn.name))
                    .label(vpn.ike_version.span, "IKEv1 is deprecated (RFC 9395)")
                    .help("write `ike-version=2` or drop the property (IKEv2 is the default); both gateways run strongSwan, which speaks IKEv2"),
            );
        }
    }
}
