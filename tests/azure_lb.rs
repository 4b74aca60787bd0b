//! The HA HAProxy pair on Azure (issue 12): `haproxy group=` on Azure hosts
//! is fronted by an internal Standard Load Balancer (azure_lb.rs) whose
//! backend pool is exactly the group's NICs, at a compile-time frontend
//! address; the group's NSG admits the balancer's probes
//! (AzureLoadBalancer) ahead of infragen's deny-other-ingress. The output
//! passes terraform fmt and checkov; each host's haproxy.cfg passes
//! `haproxy -c`. With `baseline domain`, `CLUSTER-pg.DOMAIN` names the
//! frontend in an Azure private DNS zone. (The provider-schema check renders the same spec:
//! tests/provider_schema.rs.)

#[path = "support/build.rs"]
mod build;
#[path = "support/terraform.rs"]
mod terraform;
#[path = "support/tools.rs"]
mod tools;

use hcl::{Block, Body, Expression};
use infragen::diagnostic::Severity;
use infragen::lock::AddressLock;
use infragen::model::{HaproxyPlacement, LbKind, LbOrigin, LbScheme, Model};
use infragen::pipeline::check;
use std::collections::BTreeSet;
use std::net::IpAddr;

fn spec() -> String {
    std::fs::read_to_string(tools::repo_root().join("tests/fixtures/azure-ha.kdl"))
        .expect("tests/fixtures/azure-ha.kdl")
}

fn errors(src: &str) -> Vec<String> {
    check(src, &AddressLock::default())
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| format!("{}: {}", d.rule, d.message))
        .collect()
}

fn model(src: &str) -> Model {
    let c = check(src, &AddressLock::default());
    assert_eq!(c.errors(), 0, "{:#?}", c.diagnostics);
    c.model.expect("a model")
}

fn azure_tf(src: &str) -> Body {
    let arts = build::render("azure-ha", src, &AddressLock::default());
    let tf = arts
        .iter()
        .find(|a| a.path == "terraform/azure.tf")
        .expect("azure.tf");
    hcl::parse(&tf.contents).expect("azure.tf parses")
}

fn hosts_tf(src: &str) -> Body {
    let arts = build::render("azure-ha", src, &AddressLock::default());
    let tf = arts
        .iter()
        .find(|a| a.path == "terraform/hosts.tf")
        .expect("hosts.tf");
    hcl::parse(&tf.contents).expect("hosts.tf parses")
}

fn resources<'a>(body: &'a Body, ty: &str) -> Vec<&'a Block> {
    body.blocks()
        .filter(|b| b.identifier.as_str() == "resource")
        .filter(|b| b.labels.first().map(|l| l.as_str()) == Some(ty))
        .collect()
}

fn attr<'a>(b: &'a Block, name: &str) -> &'a Expression {
    b.body
        .attributes()
        .find(|a| a.key.as_str() == name)
        .map(|a| &a.expr)
        .unwrap_or_else(|| panic!("no {name} in {:?}", b.labels))
}

/// An expression as HCL text (`local.hosts.haproxy`).
fn text(e: &Expression) -> String {
    let t = hcl::format::to_string(e).expect("format");
    // Arrays print one item a line: join them as `["1", "2"]`.
    if t.starts_with('[') {
        let items: Vec<&str> = t
            .trim_matches(['[', ']'])
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .collect();
        return format!("[{}]", items.join(", "));
    }
    t
}

#[test]
fn azure_haproxy_group_gets_an_internal_network_balancer_in_its_subnets() {
    let m = model(&spec());
    let hx = m.postgres[0].haproxy.as_ref().expect("haproxy");
    let HaproxyPlacement::Group(g) = hx.placement else {
        panic!("azure-ha uses haproxy group=");
    };
    assert_eq!(hx.hosts, m.group(g).hosts);
    assert_eq!(hx.hosts.len(), 3);
    let lb = &m.load_balancers[hx.balancer.expect("a balancer").index()];
    assert_eq!(
        lb.origin,
        LbOrigin::Haproxy(infragen::model::PgClusterId::from_index(0))
    );
    assert_eq!((lb.kind, lb.scheme), (LbKind::Network, LbScheme::Internal));
    let subnets: BTreeSet<_> = hx.hosts.iter().map(|h| m.host(*h).subnet).collect();
    assert_eq!(lb.subnets.iter().copied().collect::<BTreeSet<_>>(), subnets);
    assert_eq!(lb.listeners.len(), 1);
    assert_eq!(lb.listeners[0].target, g);
    assert_eq!(
        (lb.listeners[0].port.value, lb.listeners[0].target_port),
        (5000, 5000)
    );
    // The frontend: the subnet's highest usable address (10.50.1.0/24:
    // .255 is reserved), no host's.
    let fe = lb.frontend_address.expect("a frontend address");
    assert_eq!(fe, "10.50.1.254".parse::<IpAddr>().unwrap());
    assert!(m.hosts.iter().all(|h| h.address != Some(fe)));
    // The hosts sit in three zones (the failure domains the pair spreads over).
    let zones: BTreeSet<_> = hx.hosts.iter().map(|h| m.host(*h).zone.clone()).collect();
    assert_eq!(zones.len(), 3, "{zones:?}");
}

#[test]
fn the_backend_pool_is_exactly_the_haproxy_groups_nics() {
    let src = spec();
    let m = model(&src);
    let hx = m.postgres[0].haproxy.as_ref().unwrap();
    let HaproxyPlacement::Group(g) = hx.placement else {
        unreachable!()
    };
    let group = &m.group(g).name;
    let body = azure_tf(&src);

    let lbs = resources(&body, "azurerm_lb");
    assert_eq!(lbs.len(), 1);
    let lb = lbs[0];
    assert_eq!(lb.labels[1].as_str(), "lb_ledger_pg");
    assert_eq!(text(attr(lb, "sku")), "\"Standard\"");
    let fe = lb
        .body
        .blocks()
        .find(|b| b.identifier.as_str() == "frontend_ip_configuration")
        .expect("a frontend");
    assert_eq!(text(attr(fe, "private_ip_address")), "\"10.50.1.254\"");
    assert_eq!(
        text(attr(fe, "private_ip_address_allocation")),
        "\"Static\""
    );
    assert_eq!(text(attr(fe, "zones")), "[\"1\", \"2\", \"3\"]");
    assert!(
        lb.body
            .attributes()
            .all(|a| a.key.as_str() != "public_ip_address_id")
    );

    // One pool; its associations are the NICs of the group, one per host.
    assert_eq!(resources(&body, "azurerm_lb_backend_address_pool").len(), 1);
    let assoc = resources(
        &body,
        "azurerm_network_interface_backend_address_pool_association",
    );
    assert_eq!(assoc.len(), 1);
    let a = assoc[0];
    assert_eq!(text(attr(a, "for_each")), format!("local.hosts.{group}"));
    assert_eq!(
        text(attr(a, "network_interface_id")),
        format!("azurerm_network_interface.{group}[each.key].id")
    );
    assert_eq!(text(attr(a, "ip_configuration_name")), "\"primary\"");
    // …and that NIC resource iterates the same map, whose keys are the
    // group's hosts (the ip_configuration named "primary").
    let nic = resources(&body, "azurerm_network_interface")
        .into_iter()
        .find(|b| b.labels[1].as_str() == group.as_str())
        .expect("the group's NIC");
    assert_eq!(text(attr(nic, "for_each")), format!("local.hosts.{group}"));
    let ipc = nic
        .body
        .blocks()
        .find(|b| b.identifier.as_str() == "ip_configuration")
        .unwrap();
    assert_eq!(text(attr(ipc, "name")), "\"primary\"");
    let hosts = hosts_tf(&src);
    let locals = hosts
        .blocks()
        .find(|b| b.identifier.as_str() == "locals")
        .expect("locals");
    let Expression::Object(map) = attr(locals, "hosts") else {
        panic!("local.hosts is an object")
    };
    let (_, members) = map
        .iter()
        .find(|(k, _)| k.to_string() == *group)
        .expect("local.hosts.haproxy");
    let Expression::Object(members) = members else {
        panic!("an object")
    };
    let keys: BTreeSet<String> = members
        .keys()
        .map(|k| k.to_string().trim_matches('"').to_string())
        .collect();
    let want: BTreeSet<String> = hx.hosts.iter().map(|h| m.host(*h).name.clone()).collect();
    assert_eq!(keys, want);
    // Each VM sits in the zone the model (and the simulator) puts it in.
    let vm = resources(&body, "azurerm_linux_virtual_machine")
        .into_iter()
        .find(|b| b.labels[1].as_str() == group.as_str())
        .expect("the group's VMs");
    assert_eq!(text(attr(vm, "zone")), "each.value.zone");
    for h in &hx.hosts {
        let host = m.host(*h);
        let (_, entry) = members
            .iter()
            .find(|(k, _)| k.to_string().trim_matches('"') == host.name)
            .unwrap();
        let Expression::Object(entry) = entry else {
            panic!("an object")
        };
        let zone = entry
            .iter()
            .find(|(k, _)| k.to_string() == "zone")
            .map(|(_, v)| text(v));
        assert_eq!(
            zone,
            host.zone.as_ref().map(|z| format!("\"{z}\"")),
            "{}",
            host.name
        );
    }

    // The probe and rule: TCP on the HAProxy port, floating IP off, no SNAT.
    let probes = resources(&body, "azurerm_lb_probe");
    assert_eq!(probes.len(), 1);
    assert_eq!(text(attr(probes[0], "protocol")), "\"Tcp\"");
    assert_eq!(text(attr(probes[0], "port")), "5000");
    let rules = resources(&body, "azurerm_lb_rule");
    assert_eq!(rules.len(), 1);
    let r = rules[0];
    assert_eq!(text(attr(r, "frontend_port")), "5000");
    assert_eq!(text(attr(r, "backend_port")), "5000");
    assert_eq!(text(attr(r, "floating_ip_enabled")), "false");
    assert_eq!(text(attr(r, "disable_outbound_snat")), "true");
    assert_eq!(
        text(attr(r, "probe_id")),
        "azurerm_lb_probe.lb_ledger_pg_5000.id"
    );
    assert!(
        body.blocks().any(|b| b.identifier.as_str() == "output"
            && b.labels[0].as_str() == "lb_ledger_pg_private_ip")
    );

    // `ledger-pg.DOMAIN` names the frontend in a private DNS zone linked
    // to the VNet.
    let zone = resources(&body, "azurerm_private_dns_zone");
    assert_eq!(zone.len(), 1);
    assert_eq!(text(attr(zone[0], "name")), "\"prod.ledger.internal\"");
    let links = resources(&body, "azurerm_private_dns_zone_virtual_network_link");
    assert_eq!(links.len(), 1);
    assert_eq!(
        text(attr(links[0], "virtual_network_id")),
        "azurerm_virtual_network.core.id"
    );
    let a = resources(&body, "azurerm_private_dns_a_record");
    assert_eq!(a.len(), 1);
    assert_eq!(text(attr(a[0], "name")), "\"ledger-pg\"");
    assert_eq!(
        text(attr(a[0], "records")),
        "[azurerm_lb.lb_ledger_pg.frontend_ip_configuration[0].private_ip_address]"
    );

    // The probes pass the group's NSG: admitted from AzureLoadBalancer to
    // exactly the group's addresses, ahead of the inbound deny.
    let nsg_rules = resources(&body, "azurerm_network_security_rule");
    let probe_rules: Vec<_> = nsg_rules
        .iter()
        .filter(|b| text(attr(b, "name")) == "\"allow-lb-probes\"")
        .collect();
    assert_eq!(probe_rules.len(), 1, "one NSG holds the HAProxy hosts");
    let p = probe_rules[0];
    assert_eq!(
        text(attr(p, "network_security_group_name")),
        "azurerm_network_security_group.haproxy.name"
    );
    assert_eq!(
        text(attr(p, "source_address_prefix")),
        "\"AzureLoadBalancer\""
    );
    assert_eq!(text(attr(p, "destination_port_range")), "\"5000\"");
    let want: Vec<String> = hx
        .hosts
        .iter()
        .map(|h| format!("\"{}/32\"", m.host(*h).address.unwrap()))
        .collect();
    assert_eq!(
        text(attr(p, "destination_address_prefixes")),
        format!("[{}]", want.join(", "))
    );
    let priority = |b: &Block| text(attr(b, "priority")).parse::<u32>().unwrap();
    let deny = nsg_rules
        .iter()
        .find(|b| b.labels[1].as_str() == "haproxy_deny_other_ingress")
        .expect("the inbound deny");
    assert!(priority(p) < priority(deny));
    // Allow rules of the spec keep their own range below.
    assert!(
        nsg_rules
            .iter()
            .filter(|b| text(attr(b, "access")) == "\"Allow\""
                && b.labels[1].as_str() != p.labels[1].as_str())
            .all(|b| priority(b) < 4000)
    );
}

#[test]
fn no_single_zone_takes_the_azure_pairs_writes_down() {
    let src = spec();
    let c = check(&src, &AddressLock::default());
    let r = infragen::graph::failures::simulate(
        c.model.as_ref().unwrap(),
        c.graph.as_ref().unwrap(),
        infragen::graph::failures::Options::default(),
    );
    let zones: Vec<_> = r
        .rows
        .iter()
        .filter(|x| x.domain.label().starts_with("zone "))
        .collect();
    assert_eq!(zones.len(), 3);
    for row in zones {
        assert!(
            row.cells.iter().all(|c| c.survives),
            "{}",
            row.domain.label()
        );
    }
    assert!(
        check(&src, &AddressLock::default())
            .diagnostics
            .iter()
            .all(|d| d.rule != "single-point-of-failure" && d.rule != "zone-failure-loses-quorum")
    );
}

#[test]
fn the_frontend_address_is_stable_and_distinct_per_balancer() {
    let src = spec();
    let before = model(&src).load_balancers[0].frontend_address;
    // More hosts fill the subnet from the bottom: the frontend stays.
    let more = src.replace("group \"api\" count=3", "group \"api\" count=9");
    assert_ne!(more, src);
    assert_eq!(model(&more).load_balancers[0].frontend_address, before);
    // A host pinned to the top address pushes the frontend below it.
    let pinned = src.replace(
        "    group \"api\" count=3",
        "    host \"jump\" type=\"Standard_B2s\" address=\"10.50.1.254\" zone=\"1\" {\n        subnets \"core/workloads\"\n    }\n    group \"api\" count=3",
    );
    assert_ne!(pinned, src);
    let m = model(&pinned);
    assert_eq!(
        m.load_balancers[0].frontend_address,
        Some("10.50.1.253".parse().unwrap())
    );
    // A subnet the hosts fill leaves the frontend no address: an error.
    let full = src
        .replace("cidr=\"10.50.1.0/24\"", "cidr=\"10.50.1.0/27\"")
        .replace("group \"api\" count=3", "group \"api\" count=18");
    let e = errors(&full);
    assert!(
        e.contains(&"invalid-value: subnet `workloads` (10.50.1.0/27) has no address left for the frontend of load balancer `ledger-pg`".to_string()),
        "{e:?}"
    );
    let fits = full.replace("count=18", "count=17");
    assert_eq!(
        model(&fits).load_balancers[0].frontend_address,
        Some("10.50.1.30".parse().unwrap())
    );
    // A standalone host's VM takes its own `zone=`.
    let body = azure_tf(&pinned);
    let jump = resources(&body, "azurerm_linux_virtual_machine")
        .into_iter()
        .find(|b| b.labels[1].as_str() == "jump")
        .expect("the jump VM");
    assert_eq!(text(attr(jump, "zone")), "\"1\"");
    // A second cluster's balancer in the same subnet takes the next one down.
    let second = src
        .replace(
            "    group \"api\" count=3",
            "    group \"db2\" count=3 type=\"Standard_E4s_v5\" {\n        security-groups \"db\"\n        zones \"1\" \"2\" \"3\"\n    }\n    group \"haproxy2\" count=2 type=\"Standard_B2s\" {\n        security-groups \"haproxy\"\n        zones \"1\" \"2\"\n    }\n    group \"api\" count=3",
        )
        + "\npostgres-cluster \"audit\" version=15 {\n    members group=\"db2\"\n    etcd group=\"etcd\"\n    clients group=\"api\"\n    haproxy group=\"haproxy2\" port=5000 stats-port=7000\n    replication-user \"replicator\" password-env=\"PG_REPLICATION_PASSWORD\"\n    superuser \"postgres\" password-env=\"PG_SUPERUSER_PASSWORD\"\n}\n";
    let m = model(&second);
    let fes: Vec<_> = m
        .load_balancers
        .iter()
        .map(|lb| lb.frontend_address)
        .collect();
    assert_eq!(
        fes,
        [
            Some("10.50.1.254".parse().unwrap()),
            Some("10.50.1.253".parse().unwrap())
        ]
    );
    // Both balancers' targets share the `haproxy` NSG: one probe rule
    // admits all five HAProxy hosts.
    let body = azure_tf(&second);
    let probe = resources(&body, "azurerm_network_security_rule")
        .into_iter()
        .find(|b| text(attr(b, "name")) == "\"allow-lb-probes\"")
        .unwrap();
    assert_eq!(
        text(attr(probe, "destination_address_prefixes"))
            .matches('/')
            .count(),
        5
    );
    assert_eq!(resources(&body, "azurerm_lb").len(), 2);
}

#[test]
fn an_azure_haproxy_group_stays_in_one_vnet() {
    // A backend pool takes NICs of the balancer's VNet only; a group never
    // spans networks, so the group itself is refused.
    let src = spec();
    let two_vnets = src
        .replace(
            "    subnet \"workloads\" cidr=\"10.50.1.0/24\"\n}",
            "    subnet \"workloads\" cidr=\"10.50.1.0/24\"\n}\nvnet \"edge\" region=\"westeurope\" resource-group=\"ledger-core\" cidr=\"10.60.0.0/16\" {\n    subnet \"workloads\" cidr=\"10.60.1.0/24\"\n}",
        )
        .replace(
            "    group \"haproxy\" count=3 type=\"Standard_B2s\" {\n",
            "    group \"haproxy\" count=3 type=\"Standard_B2s\" {\n        subnets \"core/workloads\" \"edge/workloads\"\n",
        );
    let e = errors(&two_vnets);
    assert!(
        e.contains(
            &"invalid-value: `haproxy` spreads over two networks (`core` and `edge`)".to_string()
        ),
        "{e:?}"
    );
}

#[test]
#[ignore = "needs terraform and checkov: tests/scripts/test.sh runs it"]
fn the_azure_balancer_passes_terraform_fmt_and_checkov() {
    let (Some(terraform), Some(checkov)) = (tools::require("terraform"), tools::require("checkov"))
    else {
        return;
    };
    let arts = build::render("azure-ha", &spec(), &AddressLock::default());
    let dir = build::write(&arts);
    let tf = dir.path().join("terraform");
    terraform::fmt_check(&terraform, &tf);
    let report = terraform::checkov(&checkov, &tf);
    report.assert_clean("azure-ha");
    assert!(report.passed > 100, "{report:?}");
    // Checkov saw the balancer: it parsed the azurerm_lb resources.
    assert!(report.resources > 0, "{report:?}");
}

#[test]
#[ignore = "needs haproxy: tests/scripts/test.sh runs it"]
fn haproxy_accepts_the_config_of_every_host_of_the_azure_pair() {
    let Some(haproxy) = tools::require("haproxy") else {
        return;
    };
    let arts = build::render("azure-ha", &spec(), &AddressLock::default());
    let dir = build::write(&arts);
    let mut checked = 0;
    for h in ["haproxy-01", "haproxy-02", "haproxy-03"] {
        let cfg = dir.path().join(format!("haproxy/{h}/haproxy.cfg"));
        let out = tools::run(tools::command(&haproxy).args(["-dW", "-c", "-f"]).arg(&cfg));
        assert!(out.status.success(), "{h}: {}", tools::describe(&out));
        checked += 1;
    }
    assert_eq!(checked, 3);
}
