//! AWS instances: one `for_each` resource per group (keyed by host name,
//! over `local.hosts.<group>` in hosts.tf) and one resource per standalone
//! host; the Ubuntu AMIs they use; the fleet's instance profile; Elastic IP
//! lookups and associations for `public-address=` hosts.

use super::dsl::*;
use super::fmt::{checkov_skip, one_line_text, push_quoted};
use super::{Tf, TfFile, iam, names, opt};
use crate::model::*;
use hcl::expr::Variable;
use hcl::{Attribute, Expression};
use std::collections::{BTreeSet, HashMap};

/// Canonical's AWS account, which publishes the Ubuntu images.
const CANONICAL: &str = "099720109477";

pub fn emit(tf: &Tf, files: &mut Vec<TfFile>) {
    let m = tf.m;
    let mut hosts_file = TfFile::new("hosts");
    hosts(tf, &mut hosts_file);
    files.push(hosts_file);

    let mut f = TfFile::new("compute");
    let units = m.units_in(Cloud::Aws);
    if units.is_empty() {
        files.push(f);
        return;
    }
    let mut amis = BTreeSet::new();
    for u in &units {
        let h = m.host(u.hosts[0]);
        amis.insert((region_of(tf, h), h.os().to_string(), arch(h)));
    }
    for (region, os, arch) in &amis {
        f.add(ami(tf, region, os, arch));
    }
    fleet_role(tf, &mut f);
    for u in &units {
        instance(tf, &mut f, u);
    }
    for (i, h) in m.hosts.iter().enumerate() {
        let hid = HostId::from_index(i);
        if let (Cloud::Aws, Some(ip)) = (m.host_cloud(hid), &h.public_address) {
            elastic_ip(tf, &mut f, hid, ip.value);
        }
    }
    files.push(f);
}

/// hosts.tf: each group's hosts with their compile-time private address
/// and subnet, one line per group so the file grows with groups, not hosts.
/// The line is written as text (what hcl-rs prints for the object, checked
/// by a test): building and printing an `hcl::Object` per host was most of
/// the Terraform emitter's time at 10 000 hosts.
fn hosts(tf: &Tf, f: &mut TfFile) {
    let m = tf.m;
    let mut groups = Vec::new();
    let mut subnet_refs: HashMap<SubnetId, String> = HashMap::new();
    for cloud in [Cloud::Aws, Cloud::Azure] {
        for u in m.units_in(cloud).into_iter().filter(|u| u.is_group()) {
            let mut text = String::with_capacity(u.hosts.len() * 80);
            for (i, h) in u.hosts.iter().enumerate() {
                text.push_str(if i == 0 { "{ " } else { ", " });
                let host = m.host(*h);
                let subnet = subnet_refs
                    .entry(host.subnet)
                    .or_insert_with(|| one_line_text(&subnet_ref(m, *h)));
                host_entry(&mut text, m, *h, subnet);
            }
            text.push_str(if text.is_empty() { "{}" } else { " }" });
            groups.push((
                names::id(&u.name),
                Expression::Variable(Variable::unchecked(text)),
            ));
            if let Some(g) = u.group {
                f.source(format!("group {}", u.name), m.group(g).span);
            }
        }
    }
    if groups.is_empty() {
        return;
    }
    f.comment(
        "Hosts of each group: compile-time private address and subnet (from the address lock).",
    );
    f.add(
        block("locals")
            .add_attribute(("hosts", obj(groups)))
            .build(),
    );
}

fn subnet_ref(m: &Model, h: HostId) -> Expression {
    let host = m.host(h);
    r(&match m.host_cloud(h) {
        Cloud::Aws => format!("aws_subnet.{}.id", names::subnet(m, host.subnet)),
        Cloud::Azure => format!("azurerm_subnet.{}.id", names::subnet(m, host.subnet)),
    })
}

/// `"NAME" = { subnet_id = …, private_ip = "…" }`, and an Azure VM's
/// availability zone (AWS: the subnet's).
fn host_entry(out: &mut String, m: &Model, h: HostId, subnet: &str) {
    use std::fmt::Write;
    let host = m.host(h);
    push_quoted(out, &host.name);
    out.push_str(" = { subnet_id = ");
    out.push_str(subnet);
    if let Some(a) = host.address {
        // An address needs no escape.
        let _ = write!(out, ", private_ip = \"{a}\"");
    }
    if let (Cloud::Azure, Some(z)) = (m.host_cloud(h), &host.zone) {
        out.push_str(", zone = ");
        push_quoted(out, z);
    }
    out.push_str(" }");
}

fn region_of(tf: &Tf, h: &Host) -> String {
    tf.region(tf.m.subnet(h.subnet).network).to_string()
}

/// Graviton types (`t4g`, `m7gd`, `c6gn`) run arm64 images
/// (`model::instance_types::arch_of`).
fn arch(h: &Host) -> &'static str {
    crate::model::instance_types::arch_of(Cloud::Aws, h.instance_type()).as_str()
}

fn ami_name(tf: &Tf, region: &str, os: &str, arch: &str) -> String {
    let mut n = names::id(os);
    if arch != "amd64" {
        n.push('_');
        n.push_str(arch);
    }
    if tf.provider(region).is_some() {
        n.push('_');
        n.push_str(&names::region_alias(region));
    }
    n
}

fn ami(tf: &Tf, region: &str, os: &str, arch: &str) -> hcl::Block {
    let release = os.trim_start_matches("ubuntu-");
    let (code, store) = match release {
        "14.04" => ("trusty", "hvm-ssd"),
        "16.04" => ("xenial", "hvm-ssd"),
        "18.04" => ("bionic", "hvm-ssd"),
        "20.04" => ("focal", "hvm-ssd"),
        "22.04" => ("jammy", "hvm-ssd"),
        _ => ("noble", "hvm-ssd-gp3"),
    };
    let mut b = opt(
        data("aws_ami", &ami_name(tf, region, os, arch)),
        tf.provider(region),
    )
    .add_attribute(("most_recent", true))
    .add_attribute(("owners", strings([CANONICAL])));
    if past_standard_support(release) {
        // Canonical stops building images once a release leaves standard
        // support, and AWS deprecates public AMIs two years after their
        // creation; the data source skips deprecated images unless asked.
        b = b.add_attribute(("include_deprecated", true));
    }
    b.add_block(filter(
        "name",
        &format!("ubuntu/images/{store}/ubuntu-{code}-{release}-{arch}-server-*"),
    ))
    .add_block(filter("virtualization-type", "hvm"))
    .build()
}

/// Ubuntu releases whose standard support has ended (20.04 in May 2025):
/// their last images are, or will soon be, deprecated AMIs.
fn past_standard_support(release: &str) -> bool {
    matches!(release, "14.04" | "16.04" | "18.04" | "20.04")
}

pub fn filter(name: &str, value: &str) -> hcl::Block {
    block("filter")
        .add_attribute(("name", s(name)))
        .add_attribute(("values", strings([value])))
        .build()
}

/// One role for the whole fleet. When Prometheus discovers targets through
/// the EC2 API, the role may describe instances (read-only).
fn fleet_role(tf: &Tf, f: &mut TfFile) {
    let m = tf.m;
    f.add(iam::assume_role_policy("fleet_assume", "ec2.amazonaws.com"));
    f.add(iam::role(
        "fleet",
        names::cloud_name(m, "fleet"),
        "fleet_assume",
    ));
    f.add(
        resource("aws_iam_instance_profile", "fleet")
            .add_attribute(("name", s(names::cloud_name(m, "fleet"))))
            .add_attribute(("role", r("aws_iam_role.fleet.name")))
            .build(),
    );
    let discovery = m
        .monitoring
        .as_ref()
        .and_then(|mon| mon.prometheus.as_ref())
        .is_some_and(|p| !p.ec2.is_empty());
    if discovery {
        f.add(
            data("aws_iam_policy_document", "ec2_discovery")
                .add_block(
                    block("statement")
                        .add_attribute((
                            "actions",
                            strings(["ec2:DescribeInstances", "ec2:DescribeAvailabilityZones"]),
                        ))
                        .add_attribute(("resources", strings(["*"])))
                        .build(),
                )
                .build(),
        );
        f.add(iam::role_policy(
            "ec2_discovery",
            "prometheus-ec2-discovery",
            "fleet",
        ));
    }
}

fn instance(tf: &Tf, f: &mut TfFile, u: &Unit) {
    let m = tf.m;
    let first = m.host(u.hosts[0]);
    let st = &first.settings;
    let region = region_of(tf, first);
    let name = names::id(&u.name);
    let mut b = opt(resource("aws_instance", &name), tf.provider(&region));
    if st.public_ip {
        b = b.add_attribute(checkov_skip(
            "CKV_AWS_88",
            "the spec gives this host a public IP (public-ip=#true)",
        ));
    }
    let (subnet, ip) = match u.group {
        Some(_) => {
            b = b.add_attribute(("for_each", r(&format!("local.hosts.{name}"))));
            (r("each.value.subnet_id"), Some(r("each.value.private_ip")))
        }
        None => (
            r(&format!("aws_subnet.{}.id", names::subnet(m, first.subnet))),
            first.address.map(|a| s(a.to_string())),
        ),
    };
    b = b.add_attribute((
        "ami",
        r(&format!(
            "data.aws_ami.{}.id",
            ami_name(tf, &region, first.os(), arch(first))
        )),
    ));
    if let Some(t) = &st.instance_type {
        b = b.add_attribute(("instance_type", s(&t.value)));
    }
    if let Some(k) = &st.key_pair {
        b = b.add_attribute(("key_name", s(k)));
    }
    b = b.add_attribute(("subnet_id", subnet));
    if let Some(ip) = ip {
        b = b.add_attribute(("private_ip", ip));
    }
    let sgs = st
        .security_groups
        .iter()
        .map(|g| r(&format!("aws_security_group.{}.id", names::sg(m, *g))))
        .collect();
    b = b
        .add_attribute(("vpc_security_group_ids", list(sgs)))
        .add_attribute((
            "iam_instance_profile",
            r("aws_iam_instance_profile.fleet.name"),
        ))
        .add_attribute(("ebs_optimized", true))
        .add_attribute(("monitoring", true));
    if st.public_ip {
        b = b.add_attribute(("associate_public_ip_address", true));
    }
    if u.is_gateway(m) {
        // A VPN gateway forwards packets that are neither from nor to it.
        b = b.add_attribute(("source_dest_check", false));
    }
    b = b.add_attribute(("user_data", cloud_init(u)));
    b = b.add_block(
        block("metadata_options")
            .add_attribute(("http_endpoint", s("enabled")))
            .add_attribute(("http_tokens", s("required")))
            .build(),
    );
    let mut root = block("root_block_device").add_attribute(("volume_type", s("gp3")));
    if let Some(size) = st.volume_size {
        root = root.add_attribute(("volume_size", size));
    }
    b = b.add_block(root.add_attribute(("encrypted", true)).build());
    b = b.add_attribute(instance_tags(m, u));
    b = b.add_block(
        block("lifecycle")
            .add_attribute(fmt_comment(
                "A newer Ubuntu image must not replace running hosts.",
            ))
            .add_attribute(("ignore_changes", list(vec![r("ami")])))
            .build(),
    );
    match u.group {
        Some(g) => f.source(format!("group {}", u.name), m.group(g).span),
        None => f.source(format!("host {}", u.name), first.span),
    }
    f.add(b.build());
}

fn fmt_comment(text: &str) -> Attribute {
    super::fmt::comment(text)
}

/// The cloud-init document written for the group or host, rendered with
/// `templatefile()`: a group's file is shared by its hosts and takes the
/// host name as its one variable, `hostname`.
pub fn cloud_init(u: &Unit) -> Expression {
    let hostname = if u.is_group() {
        r("each.key")
    } else {
        s(&u.name)
    };
    call(
        "templatefile",
        vec![
            tmpl(format!("${{path.module}}/../{}", u.cloud_init_path())),
            obj(vec![("hostname", hostname)]),
        ],
    )
}

/// `Name`, `group`, `Monitored` and the group's own tags (the project's
/// come from the provider's `default_tags`).
pub fn instance_tags(m: &Model, u: &Unit) -> Attribute {
    let first = m.host(u.hosts[0]);
    let name = match u.group {
        Some(_) => r("each.key"),
        None => s(&u.name),
    };
    let mut pairs: Vec<(String, Expression)> = vec![("Name".into(), name)];
    if u.group.is_some() {
        pairs.push(("group".into(), s(&u.name)));
    }
    let monitored = if first.settings.monitored {
        "true"
    } else {
        "false"
    };
    pairs.push(("Monitored".into(), s(monitored)));
    for (k, v) in &first.settings.tags {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k.clone(), s(v)));
    }
    let object = pairs.into_iter().map(|(k, v)| (tag_key(&k), v)).collect();
    Attribute::new("tags", Expression::Object(object))
}

fn elastic_ip(tf: &Tf, f: &mut TfFile, h: HostId, ip: std::net::IpAddr) {
    let m = tf.m;
    let host = m.host(h);
    let region = region_of(tf, host);
    let name = names::id(&host.name);
    let (res, key) = names::host_resource(m, h);
    let instance = match key {
        Some(k) => r_key(&format!("aws_instance.{res}"), &k, "id"),
        None => r(&format!("aws_instance.{res}.id")),
    };
    f.comment(&format!(
        "{}: the Elastic IP the estate already holds.",
        host.name
    ));
    f.add(
        opt(data("aws_eip", &name), tf.provider(&region))
            .add_attribute(("public_ip", s(ip.to_string())))
            .build(),
    );
    f.add(
        opt(resource("aws_eip_association", &name), tf.provider(&region))
            .add_attribute(("instance_id", instance))
            .add_attribute(("allocation_id", r(&format!("data.aws_eip.{name}.id"))))
            .build(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text is what hcl-rs prints for the object it replaces.
    #[test]
    fn a_host_entry_is_what_hcl_rs_prints() {
        let src = include_str!("../../../examples/reference.kdl");
        let lock =
            crate::lock::AddressLock::parse(include_str!("../../../examples/reference.lock"))
                .unwrap();
        let checked = crate::pipeline::check(src, &lock);
        let m = checked.model.as_ref().unwrap();
        let mut n = 0;
        for (i, host) in m.hosts.iter().enumerate() {
            let h = HostId::from_index(i);
            let mut pairs = vec![("subnet_id", subnet_ref(m, h))];
            if let Some(a) = host.address {
                pairs.push(("private_ip", s(a.to_string())));
            }
            if let (Cloud::Azure, Some(z)) = (m.host_cloud(h), &host.zone) {
                pairs.push(("zone", s(z)));
            }
            let want = one_line_text(&map(vec![(host.name.clone(), obj(pairs))]));
            let mut text = String::from("{ ");
            host_entry(&mut text, m, h, &one_line_text(&subnet_ref(m, h)));
            text.push_str(" }");
            assert_eq!(text, want);
            n += 1;
        }
        assert!(n > 50);
    }
}
