//! `weak-ike-proposal`: A VPN proposal with a broken cipher, hash or DH group.

use super::super::prelude::*;
use crate::span::Spanned;

pub static RULE: Rule = Rule {
    code: Code::WeakIkeProposal,
    family: Family::Security,
    severity: Severity::Warning,
    summary: "A VPN proposal with a broken cipher, hash or DH group.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Reads the `ike` and `esp` proposals of every `vpn` (strongSwan syntax:
algorithms joined by `-`, proposals separated by `,`) and warns about each
algorithm strongSwan advises against: the ciphers `des`, `3des` and
`null`, the hashes and PRFs `md5`, `sha1` (also written `sha`), `prfmd5`
and `prfsha1`, and the Diffie-Hellman groups `modp768`, `modp1024`,
`modp1536` and the RFC 5114 groups `modp1024s160`, `modp2048s224`,
`modp2048s256`. The help shows the
proposal with each weak algorithm replaced.

## Why is this bad
DES and 3DES have 56-bit and 64-bit-block weaknesses (Sweet32), MD5 and
SHA-1 are broken for collision resistance, and DH groups below 2048 bits
can be precomputed by a well-funded attacker (Logjam), who can then
decrypt recorded tunnel traffic. strongSwan recommends AES with SHA-2 and
at least MODP-2048 or an elliptic-curve group.

## Example
```kdl
vpn "aws-azure" {
    left host="vpn-aws" subnets="vpc:core"
    right host="vpn-azure" subnets="vnet:dr"
    ike "3des-sha1-modp1024"
    esp "aes128-sha1"
    psk-env "IPSEC_PSK"
}
```
Fix:
```kdl
    ike "aes256-sha256-modp2048"
    esp "aes256gcm16-ecp256"
```

## Source
- https://docs.strongswan.org/docs/latest/howtos/securityRecommendations.html
- https://docs.strongswan.org/docs/latest/config/IKEv2CipherSuites.html
- https://www.rfc-editor.org/rfc/rfc8247 (algorithm requirements for IKEv2)
"#;

/// Weak algorithms and what to write instead.
const WEAK: &[(&str, &str)] = &[
    ("des", "aes256"),
    ("3des", "aes256"),
    ("null", "aes256"),
    ("md5", "sha256"),
    ("sha1", "sha256"),
    ("sha", "sha256"),
    ("sha1_160", "sha256"),
    ("md5_128", "sha256"),
    ("prfmd5", "prfsha256"),
    ("prfsha1", "prfsha256"),
    ("modp768", "modp2048"),
    ("modp1024", "modp2048"),
    ("modp1536", "modp2048"),
    ("modp1024s160", "modp2048"),
    ("modp2048s224", "modp2048"),
    ("modp2048s256", "modp2048"),
];

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    for vpn in &ctx.model.vpns {
        for (key, proposal) in [("ike", &vpn.ike), ("esp", &vpn.esp)] {
            if let Some(p) = proposal {
                check_proposal(&vpn.name, key, p, out);
            }
        }
    }
}

/// Algorithm names of a proposal list; a trailing `!` (strict) is not part
/// of the last one.
fn tokens(proposal: &str) -> impl Iterator<Item = &str> {
    proposal
        .split([',', '-'])
        .map(|t| t.trim().trim_end_matches('!'))
}

fn replacement(token: &str) -> Option<&'static str> {
    WEAK.iter()
        .find(|(weak, _)| token.eq_ignore_ascii_case(weak))
        .map(|(_, strong)| *strong)
}

fn check_proposal(vpn: &str, key: &str, p: &Spanned<String>, out: &mut Vec<Diagnostic>) {
    let mut weak: Vec<&str> = Vec::new();
    for t in tokens(&p.value) {
        if replacement(t).is_some() && !weak.contains(&t) {
            weak.push(t);
        }
    }
    if weak.is_empty() {
        return;
    }
    let names: Vec<String> = weak.iter().map(|w| format!("`{w}`")).collect();
    let fixed = fixed_proposal(&p.value);
    let example = if key == "ike" {
        "aes256gcm16-prfsha256-ecp256"
    } else {
        "aes256gcm16-ecp256"
    };
    out.push(
        Diagnostic::warning(
            RULE.code,
            format!(
                "the {key} proposal \"{}\" of vpn `{vpn}` uses {}, which strongSwan advises against",
                p.value,
                names.join(", ")
            ),
        )
        .label(p.span, format!("weak: {}", weak.join(", ")))
        .help(format!(
            "write `{key} \"{fixed}\"` (or e.g. `{key} \"{example}\"`); change both gateways together"
        )),
    );
}

/// The proposal with every weak algorithm replaced, separators kept.
fn fixed_proposal(proposal: &str) -> String {
    let mut out = String::with_capacity(proposal.len() + 8);
    let mut token = String::new();
    let flush = |token: &mut String, out: &mut String| {
        let bare = token.trim_end_matches('!');
        match replacement(bare) {
            Some(strong) => {
                out.push_str(strong);
                out.push_str(&token[bare.len()..]);
            }
            None => out.push_str(token),
        }
        token.clear();
    };
    for c in proposal.chars() {
        if c == '-' || c == ',' {
            flush(&mut token, &mut out);
            out.push(c);
        } else {
            token.push(c);
        }
    }
    flush(&mut token, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_weak_tokens_only() {
        assert_eq!(
            fixed_proposal("3des-sha1-modp1024!"),
            "aes256-sha256-modp2048!"
        );
        assert_eq!(
            fixed_proposal("aes256-sha256-modp2048"),
            "aes256-sha256-modp2048"
        );
        assert_eq!(
            fixed_proposal("aes128-sha1,aes256-md5"),
            "aes128-sha256,aes256-sha256"
        );
    }

    #[test]
    fn sha1_inside_other_names_is_not_weak() {
        assert!(tokens("aes256-sha256-ecp256").all(|t| replacement(t).is_none()));
    }
}
