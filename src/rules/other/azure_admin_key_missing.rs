//! `azure-admin-key-missing`: Azure VMs, but no baseline admin with an SSH key.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    code: Code::AzureAdminKeyMissing,
    family: Family::Other,
    severity: Severity::Error,
    summary: "Azure VMs, but `baseline` names no admin with an SSH key.",
    docs: DOCS,
    check: Some(check),
};

const DOCS: &str = r#"## What it does
Checks that a spec with hosts on Azure has a `baseline { admin NAME ssh-key=… }`.

## Why is this bad
infragen renders every Azure VM with password login disabled
(`disable_password_authentication = true`) and installs the first baseline
admin's key as its `admin_ssh_key`. Without an admin there is neither a password
nor a key, and the azurerm provider refuses the VM at `terraform plan`
("either admin_password or admin_ssh_key must be specified"): the spec lints
clean and the estate does not deploy. Adding a password instead would put a
secret on every VM and open SSH to password guessing.

## Example
```kdl
fleet {
    host "vpn-hub" type="Standard_B2s" public-address="192.0.2.40" {
        subnets "hub/gateway"
    }
}
```
Name the admin whose key Azure installs:
```kdl
baseline {
    admin "sre" ssh-key="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNyZXNy sre@example"
}
```

## Source
- azurerm `azurerm_linux_virtual_machine` (`admin_ssh_key`, `disable_password_authentication`): https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/linux_virtual_machine
- Microsoft, "Create and use an SSH public-private key pair for Linux VMs in Azure": https://learn.microsoft.com/en-us/azure/virtual-machines/linux/mac-create-ssh-keys
"#;

fn check(ctx: &Context, out: &mut Vec<Diagnostic>) {
    // A misspelt or incomplete `admin` is reported by the front end already.
    if !ctx.frontend_clean {
        return;
    }
    let m = ctx.model;
    if m.baseline.as_ref().is_some_and(|b| !b.admins.is_empty()) {
        return;
    }
    let Some(h) = (0..m.hosts.len())
        .map(HostId::from_index)
        .find(|h| m.host_cloud(*h) == Cloud::Azure)
    else {
        return;
    };
    let host = m.host(h);
    let (what, span) = match host.group {
        Some(g) => (format!("group `{}`", m.group(g).name), m.group(g).name_span),
        None => (format!("host `{}`", host.name), host.name_span),
    };
    out.push(
        Diagnostic::error(
            RULE.code,
            format!("{what} runs on Azure, but `baseline` names no `admin` with an SSH key"),
        )
        .label(span, "an Azure VM with password login disabled needs an admin key")
        .help(
            "add `baseline { admin \"sre\" ssh-key=\"ssh-ed25519 AAAA… sre@example\" }`: Azure installs that key as the VM's admin_ssh_key",
        ),
    );
}
