//! Spec text is data, never code: for every free-form field of the spec, a
//! set of payloads (quotes, line breaks, a lone `\r`, `$(…)`, backticks,
//! `${…}`, `%{…}`, `}}`, `#`, YAML document markers) must either be
//! rejected by lint with an error on that field, or reach the outputs such
//! that the real consumers read back exactly the literal value:
//!
//! - cloud-init documents are rendered by Terraform's `templatefile()`
//!   (`terraform console`, offline), checked by `cloud-init schema`, read
//!   back with PyYAML, and their `runcmd` goes through `bash -n` and
//!   shellcheck;
//! - every other YAML and JSON file is read back with PyYAML / `json`;
//! - Terraform files pass `terraform fmt -check`, and every changed line is
//!   evaluated by `terraform console` (`jsonencode({ LINE })`), which reads
//!   the HCL strings exactly as `terraform apply` would;
//! - shell scripts pass `bash -n` and shellcheck, haproxy.cfg `haproxy -c`,
//!   prometheus.yml `promtool check config`, ipsec.conf strongSwan's starter
//!   without parse errors or unknown keywords.
//!
//! The payload is written after a valid prefix (`1.8.1` + payload for a
//! version, a key + ` x` + payload for an SSH key comment), so a check that
//! only looks at the first characters does not pass.

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use infragen::emit::{self, Artifact, EmitContext, Secrets};
use infragen::lock::AddressLock;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const PAYLOADS: &[&str] = &[
    "\"",
    "'",
    "a\nb",
    "a\rb",
    "$(id)",
    "`id`",
    "${hostname}",
    "%{ if true }x%{ endif }",
    "}}",
    " # c",
    "\n---\nx: 1",
    "\n...\n",
    "a: b",
    "\\",
    "{{ query \"up\" }}",
];

/// One free-form field: `find` (unique in the base spec) is replaced by
/// `replace` with `{V}` standing for the KDL string of `prefix` + payload.
struct Field {
    name: &'static str,
    find: &'static str,
    replace: &'static str,
    prefix: &'static str,
    /// The value reaches some output as is (not transformed), so it must be
    /// read back literally.
    literal: bool,
    /// A PromQL expression: lint checks it lexically (closed strings,
    /// balanced brackets, label matchers, no `$`, `\\`, `{{`), not its
    /// grammar; a payload that is lexically fine but not PromQL is
    /// rejected by promtool, which counts as rejected (and is reported).
    promql: bool,
}

const fn f(
    name: &'static str,
    find: &'static str,
    replace: &'static str,
    prefix: &'static str,
) -> Field {
    Field {
        name,
        find,
        replace,
        prefix,
        literal: true,
        promql: false,
    }
}

const SSH: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHd3bm9uZ2tleWZvcmFsaWNlAAAAAAAAAAAAAAAA";

/// Every free-form (string) field of the grammar. Reference fields (`from=`,
/// `subnets`, `host=`) and names are checked against declared entities or
/// the name syntax and are covered too.
fn fields() -> Vec<Field> {
    let mut v = vec![
        f(
            "owner",
            "owner \"sre@acme.example\"",
            "owner {V}",
            "sre@acme.example",
        ),
        f(
            "project tag key",
            "tag \"env\" \"prod\"",
            "tag {V} \"prod\"",
            "env",
        ),
        f(
            "project tag value",
            "tag \"env\" \"prod\"",
            "tag \"env\" {V}",
            "prod",
        ),
        f(
            "group tag value",
            "tag \"service\" \"booking\"",
            "tag \"service\" {V}",
            "booking",
        ),
        f(
            "backend bucket",
            "bucket=\"acme-tfstate\"",
            "bucket={V}",
            "acme-tfstate",
        ),
        f(
            "backend key",
            "key=\"prod/infragen.tfstate\"",
            "key={V}",
            "prod/x",
        ),
        f(
            "backend lock-table",
            "lock-table=\"acme-tf-locks\"",
            "lock-table={V}",
            "locks",
        ),
        f(
            "vpc region",
            "vpc \"core\" region=\"us-east-1\"",
            "vpc \"core\" region={V}",
            "us-east-1",
        ),
        f(
            "subnet zone",
            "zone=\"us-east-1b\"",
            "zone={V}",
            "us-east-1b",
        ),
        f(
            "vnet region",
            "region=\"centralindia\"",
            "region={V}",
            "centralindia",
        ),
        f(
            "vnet resource-group",
            "resource-group=\"acme-dr\"",
            "resource-group={V}",
            "acme-dr",
        ),
        f(
            "admin ssh-key",
            "ssh-key=\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHd3bm9uZ2tleWZvcmFsaWNlAAAAAAAAAAAAAAAA alice@acme\"",
            "ssh-key={V}",
            "",
        ),
        f(
            "domain",
            "domain \"prod.acme.internal\"",
            "domain {V}",
            "prod.acme.internal",
        ),
        f("packages", "\"sysstat\"", "{V}", "sysstat"),
        f(
            "docker log-driver",
            "log-driver=\"json-file\"",
            "log-driver={V}",
            "json-file",
        ),
        f(
            "docker storage-driver",
            "storage-driver=\"overlay2\"",
            "storage-driver={V}",
            "overlay2",
        ),
        f(
            "command-log path",
            "path=\"/var/log/commands.log\"",
            "path={V}",
            "/var/log/commands.log",
        ),
        f("instance type", "type=\"t3.micro\"", "type={V}", "t3.micro"),
        f(
            "key-pair",
            "key-pair=\"ops-2026\"",
            "key-pair={V}",
            "ops-2026",
        ),
        f(
            "ingress description",
            "description=\"SSH from the office\"",
            "description={V}",
            "SSH",
        ),
        f(
            "ingress from",
            "from=\"set:office\" description=\"SSH",
            "from={V} description=\"SSH",
            "set:office",
        ),
        f(
            "vpn left subnets",
            "subnets=\"vpc:core\"",
            "subnets={V}",
            "vpc:core",
        ),
        f(
            "ike",
            "ike \"aes256-sha256-modp2048\"",
            "ike {V}",
            "aes256-sha256-modp2048",
        ),
        f("esp", "esp \"aes256-sha256\"", "esp {V}", "aes256-sha256"),
        f(
            "s3 from-region",
            "from-region=\"us-east-1\"",
            "from-region={V}",
            "us-east-1",
        ),
        f(
            "s3 to-region",
            "to-region=\"ap-south-1\"",
            "to-region={V}",
            "ap-south-1",
        ),
        f(
            "bucket",
            "bucket \"acme-assets\"",
            "bucket {V}",
            "acme-assets",
        ),
        f(
            "bucket to",
            "to=\"acme-assets-aps1\"",
            "to={V}",
            "acme-assets-aps1",
        ),
        f(
            "node-exporter version",
            "version=\"1.8.1\"",
            "version={V}",
            "1.8.1",
        ),
        f(
            "ec2-discovery region",
            "ec2-discovery region=\"us-east-1\"",
            "ec2-discovery region={V}",
            "us-east-1",
        ),
        f(
            "filter name",
            "filter \"instance-state-name\" \"running\"",
            "filter {V} \"running\"",
            "instance-state-name",
        ),
        f(
            "filter value",
            "filter \"instance-state-name\" \"running\"",
            "filter \"instance-state-name\" {V}",
            "running",
        ),
        f(
            "relabel label",
            "relabel \"server_name\"",
            "relabel {V}",
            "server_name",
        ),
        f(
            "contact-point to",
            "to=\"oncall@acme.example\"",
            "to={V}",
            "oncall@acme.example",
        ),
        Field {
            promql: true,
            ..f("alert expr", "expr=\"up == 0\"", "expr={V}", "up == 0")
        },
        f(
            "allow reason",
            "reason=\"ESM contract\"",
            "reason={V}",
            "ESM contract",
        ),
        f(
            "parameter name",
            "parameter \"max_connections\" \"500\"",
            "parameter {V} \"500\"",
            "max_connections",
        ),
        f(
            "parameter value",
            "parameter \"shared_buffers\" \"16GB\"",
            "parameter \"shared_buffers\" {V}",
            "16GB",
        ),
        f("postgres version", "version=15", "version={V}", "15"),
        f(
            "elasticsearch version",
            "version=\"6.8.23\"",
            "version={V}",
            "6.8.23",
        ),
    ];
    // The traffic tier (appended to the base below): each field lands in
    // nginx.conf or HCL and is validated at the front end.
    v.extend([
        f("route path", "route \"/api/\"", "route {V}", "/api/"),
        f(
            "health path",
            "health-path=\"/healthz\"",
            "health-path={V}",
            "/healthz",
        ),
        f(
            "certificate arn",
            "certificate-arn=\"arn:aws:acm:us-east-1:123456789012:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b\"",
            "certificate-arn={V}",
            "arn:aws:acm:us-east-1:123456789012:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b",
        ),
        f(
            "nginx version",
            "nginx-version=\"1.22.1\"",
            "nginx-version={V}",
            "1.22.1",
        ),
        f(
            "node type",
            "node-type=\"cache.r7g.large\"",
            "node-type={V}",
            "cache.r7g.large",
        ),
        f(
            "redis version",
            "version=\"7.1\" node-type",
            "version={V} node-type",
            "7.1",
        ),
    ]);
    // The relabel source becomes a meta label name (`tag:Name` →
    // `__meta_ec2_tag_Name`), so only the consumers' verdict counts.
    v.push(Field {
        literal: false,
        ..f("relabel from", "from=\"tag:Name\"", "from={V}", "tag:Name")
    });
    v
}

/// `examples/reference.kdl`, smaller (the payloads do not need 73 hosts),
/// with a custom alert and an `allow` so those free-text fields exist.
fn base() -> (String, AddressLock) {
    let (src, _) = build::example_source("reference");
    let src = src
        .replace("count=52", "count=2")
        .replace("count=8 type=\"t3.large\" os=\"ubuntu-14.04\" {", "count=1 type=\"t3.large\" os=\"ubuntu-14.04\" {\n        allow \"eol-os\" reason=\"ESM contract\"")
        .replace(
            "    alert \"cpu-usage\"",
            "    alert \"queue-stuck\" expr=\"up == 0\" for=\"5m\" severity=\"warning\"\n    alert \"cpu-usage\"",
        );
    // A traffic tier, so its free-form fields exist.
    let src = src
        + r#"
load-balancer "web" type="application" scheme="internal" {
    subnets "core/private-a" "core/private-b"
    listener 443 protocol="HTTPS" target="app" target-port=8080 health-path="/healthz" certificate-arn="arn:aws:acm:us-east-1:123456789012:certificate/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
}
gateway "edge" group="legacy" nginx-version="1.22.1" port=8081 {
    route "/api/" to="lb:web"
}
redis "cache" engine="elasticache" version="7.1" node-type="cache.r7g.large" replicas=1 {
    clients group="app"
}
"#;
    // The SSH key is the value itself: `prefix` is the whole valid key.
    (src, AddressLock::default())
}

fn kdl_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render(
    source: &str,
    lock: &AddressLock,
) -> Result<Vec<Artifact>, Vec<infragen::diagnostic::Diagnostic>> {
    let checked = infragen::pipeline::check(source, lock);
    if checked.errors() > 0 {
        return Err(checked.diagnostics);
    }
    let model = checked.model.as_ref().expect("model");
    let graph = checked.graph.as_ref().expect("graph");
    let ctx = EmitContext::new(model, graph, "payload.kdl", source, &Secrets::Placeholders);
    Ok(emit::emit_all(&ctx))
}

struct Tools {
    python: PathBuf,
    /// The interpreter of the `cloud-init` script (it imports `cloudinit`).
    cloud_init_python: PathBuf,
    terraform: PathBuf,
    shellcheck: PathBuf,
    bash: PathBuf,
    haproxy: PathBuf,
    promtool: PathBuf,
}

fn require_tools() -> Option<Tools> {
    let cloud_init = tools::require("cloud-init")?;
    let script = std::fs::read_to_string(&cloud_init).unwrap_or_default();
    let interpreter = script
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .map(|l| PathBuf::from(l.trim()))
        .unwrap_or_else(|| PathBuf::from("/usr/bin/python3"));
    Some(Tools {
        python: tools::require("python3")?,
        cloud_init_python: interpreter,
        terraform: tools::require("terraform")?,
        shellcheck: tools::require("shellcheck")?,
        bash: tools::require("bash")?,
        haproxy: tools::require("haproxy")?,
        promtool: tools::require("promtool")?,
    })
}

/// Reads YAML and JSON files back and prints, per file, every string
/// scalar (keys and values; only `str`, so a value PyYAML turned into a
/// number, boolean or date does not count), the `runcmd` entries of a
/// cloud-init document, and the strings of JSON files it writes.
const READBACK: &str = r#"
import json, sys, yaml
def strings(v, out):
    if isinstance(v, str):
        out.append(v)
    elif isinstance(v, dict):
        for k, x in v.items():
            strings(k, out); strings(x, out)
    elif isinstance(v, list):
        for x in v:
            strings(x, out)
result = {}
for path in json.load(open(sys.argv[1])):
    try:
        text = open(path, encoding="utf-8").read()
        doc = json.loads(text) if path.endswith(".json") else yaml.safe_load(text)
        out = []
        strings(doc, out)
        runcmd = []
        if isinstance(doc, dict) and "write_files" in doc:
            runcmd = [c for c in doc.get("runcmd", []) if isinstance(c, str)]
            for f in doc["write_files"]:
                if f["path"].endswith(".json"):
                    strings(json.loads(f["content"]), out)
        result[path] = {"strings": out, "runcmd": runcmd}
    except Exception as e:
        result[path] = {"error": "%s: %s" % (type(e).__name__, e)}
json.dump(result, sys.stdout)
"#;

/// `cloud-init schema --config-file` for many files in one process: the
/// same function of cloud-init's own code.
const SCHEMA: &str = r#"
import json, sys
from cloudinit.config.schema import get_schema, validate_cloudconfig_file
schema = get_schema()
out = {}
for path in json.load(open(sys.argv[1])):
    try:
        validate_cloudconfig_file(path, schema)
        out[path] = None
    except Exception as e:
        out[path] = "%s: %s" % (type(e).__name__, e)
json.dump(out, sys.stdout)
"#;

fn template_call(p: &Path) -> String {
    format!(
        "templatefile({:?}, {{ hostname = \"app-01\" }})",
        p.display().to_string()
    )
}

fn render_all_templates(t: &Tools, tfdir: &Path, cases: &mut [Case]) {
    let all: Vec<String> = cases
        .iter()
        .map(|c| {
            format!(
                "[{}]",
                c.templates
                    .iter()
                    .map(|p| template_call(p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    match terraform_eval(t, tfdir, &format!("jsonencode([{}])", all.join(", "))) {
        Ok(bytes) => {
            let rendered: Vec<Vec<String>> =
                serde_json::from_slice(&bytes).expect("lists of strings");
            for (case, texts) in cases.iter_mut().zip(rendered) {
                let templates = case.templates.clone();
                for (p, text) in templates.iter().zip(texts) {
                    queue_rendered(p, &text, case);
                }
            }
        }
        Err(_) => {
            for case in cases.iter_mut() {
                let templates = case.templates.clone();
                render_templates(t, tfdir, &templates, case);
            }
        }
    }
}

fn queue_rendered(p: &Path, text: &str, case: &mut Case) {
    let out = p.with_extension("rendered.yaml");
    std::fs::write(&out, text).unwrap();
    case.schema.push(out.clone());
    case.readback.push(out);
}

fn eval_all_tf_lines(t: &Tools, tfdir: &Path, cases: &mut [Case]) {
    let all: Vec<String> = cases
        .iter()
        .map(|c| {
            format!(
                "[{}]",
                c.tf_lines
                    .iter()
                    .map(|l| format!("{{ {l} }}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    match terraform_eval(t, tfdir, &format!("jsonencode([{}])", all.join(", "))) {
        Ok(bytes) => {
            let v: Vec<serde_json::Value> =
                serde_json::from_slice(&bytes).expect("a list per case");
            for (case, v) in cases.iter_mut().zip(v) {
                json_strings(&v, &mut case.found);
            }
        }
        Err(_) => {
            for case in cases.iter_mut() {
                let lines = case.tf_lines.clone();
                eval_tf_lines(t, tfdir, &lines, case);
            }
        }
    }
}

/// Renders cloud-init templates with `templatefile()` as Terraform does for
/// the instances (`hostname = "app-01"`), in one `terraform console` run
/// per case, and queues them for the schema check and the read-back.
fn render_templates(t: &Tools, tfdir: &Path, templates: &[PathBuf], case: &mut Case) {
    if templates.is_empty() {
        return;
    }
    let calls: Vec<String> = templates.iter().map(|p| template_call(p)).collect();
    let rendered: Vec<String> =
        match terraform_eval(t, tfdir, &format!("jsonencode([{}])", calls.join(", "))) {
            Ok(bytes) => serde_json::from_slice(&bytes).expect("a JSON list of strings"),
            Err(_) => {
                // Find the one that fails.
                for (p, call) in templates.iter().zip(&calls) {
                    if let Err(e) = terraform_eval(t, tfdir, call) {
                        case.failures
                            .push(format!("templatefile({}): {e}", p.display()));
                    }
                }
                return;
            }
        };
    for (p, text) in templates.iter().zip(rendered) {
        queue_rendered(p, &text, case);
    }
}

/// Evaluates changed Terraform lines (`key = value`) as object members in
/// `terraform console`; lines that refer to resources or variables do not
/// evaluate outside their module and are left out.
fn eval_tf_lines(t: &Tools, tfdir: &Path, lines: &[String], case: &mut Case) {
    if lines.is_empty() {
        return;
    }
    let objects: Vec<String> = lines.iter().map(|l| format!("{{ {l} }}")).collect();
    let mut values = Vec::new();
    match terraform_eval(t, tfdir, &format!("jsonencode([{}])", objects.join(", "))) {
        Ok(bytes) => values.push(serde_json::from_slice(&bytes).unwrap_or_default()),
        Err(_) => {
            for o in &objects {
                if let Ok(bytes) = terraform_eval(t, tfdir, &format!("jsonencode({o})")) {
                    values.push(serde_json::from_slice(&bytes).unwrap_or_default());
                }
            }
        }
    }
    for v in &values {
        json_strings(v, &mut case.found);
    }
}

#[derive(Default)]
struct Case {
    field: String,
    payload: String,
    expected: String,
    literal: bool,
    promql: bool,
    /// promtool rejected the expression as PromQL.
    not_promql: bool,
    /// Strings the consumers read back.
    found: Vec<String>,
    /// YAML/JSON files to read back, whose strings count.
    readback: Vec<PathBuf>,
    /// Rendered cloud-init documents for `cloud-init schema`.
    schema: Vec<PathBuf>,
    /// Artifacts that differ from the base spec's.
    changed: Vec<String>,
    /// cloud-init templates to render.
    templates: Vec<PathBuf>,
    /// Changed Terraform `key = value` lines to evaluate.
    tf_lines: Vec<String>,
    /// Shell scripts for `bash -n` and shellcheck.
    scripts: Vec<PathBuf>,
    failures: Vec<String>,
}

fn run_tool(cmd: &mut Command) -> (bool, String) {
    let out = tools::run(cmd);
    (out.status.success(), tools::describe(&out))
}

/// `base64encode(EXPR)` in `terraform console` (offline: an empty module
/// directory, no providers), decoded.
fn terraform_eval(t: &Tools, dir: &Path, expr: &str) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut child = Command::new(&t.terraform)
        .args(["console", "-no-color"])
        .current_dir(dir)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("terraform console: {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("base64encode({expr})\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("{expr}\n{}", tools::describe(&out)));
    }
    let b64 = text.trim().trim_matches('"');
    base64_decode(b64).ok_or_else(|| format!("not base64: {text}"))
}

fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes: Vec<u8> = s.bytes().filter(|&b| b != b'=').collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            n |= val(b)? << (18 - 6 * i);
        }
        let len = chunk.len() * 6 / 8;
        out.extend_from_slice(&n.to_be_bytes()[1..1 + len]);
    }
    Some(out)
}

fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                json_strings(x, out);
            }
        }
        _ => {}
    }
}

/// Starter parses an ipsec.conf (see tests/oracle_ipsec.rs): no parse
/// error and no unknown keyword.
fn strongswan_parse(conf: &Path) -> Result<(), String> {
    const FAKE_CHARON: &str =
        "#!/bin/sh\necho $$ > /run/charon.pid\nsleep 0.3\nkill -TERM $PPID\nexec sleep 1\n";
    const SCRIPT: &str = "mount --bind \"$2\" /run || exit 10\nmount --bind \"$3\" \"$4\" || exit 10\nexec \"$5\" --nofork --debug-all --conf \"$1\"\n";
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    std::fs::create_dir(&run).unwrap();
    let fake = tmp.path().join("charon");
    std::fs::write(&fake, FAKE_CHARON).unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = tools::run(
        Command::new("timeout")
            .args(["20", "unshare", "-m", "-n", "sh", "-c", SCRIPT, "sh"])
            .arg(conf)
            .arg(&run)
            .arg(&fake)
            .args(["/usr/lib/ipsec/charon", "/usr/lib/ipsec/starter"]),
    );
    let text = tools::combined(&out);
    if !out.status.success() || text.contains("parsing error") || text.contains("unknown keyword") {
        return Err(text);
    }
    Ok(())
}

#[test]
#[ignore = "needs terraform, cloud-init, shellcheck, promtool, haproxy, strongSwan: tests/scripts/test.sh runs it"]
fn every_free_form_field_rejects_or_carries_every_payload_literally() {
    let Some(t) = require_tools() else { return };
    if tools::require("/usr/lib/ipsec/starter").is_none() {
        return;
    }
    let (base_src, lock) = base();
    let base_artifacts =
        render(&base_src, &lock).unwrap_or_else(|d| panic!("base spec has errors: {d:#?}"));
    let baseline: BTreeMap<&str, &str> = base_artifacts
        .iter()
        .map(|a| (a.path.as_str(), a.contents.as_str()))
        .collect();
    let tfdir = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let mut cases: Vec<Case> = Vec::new();
    let mut rejected = 0;

    for field in fields() {
        assert_eq!(
            base_src.matches(field.find).count(),
            1,
            "{}: `{}` must occur once in the base spec",
            field.name,
            field.find
        );
        let pos = base_src.find(field.find).unwrap();
        let prefix = if field.name == "admin ssh-key" {
            format!("{SSH} x")
        } else {
            field.prefix.to_string()
        };
        for payload in PAYLOADS {
            let expected = format!("{prefix}{payload}");
            let replacement = field.replace.replace("{V}", &kdl_string(&expected));
            let src = base_src.replacen(field.find, &replacement, 1);
            let range = pos..pos + replacement.len();
            let mut case = Case {
                field: field.name.into(),
                payload: payload.to_string(),
                expected: expected.clone(),
                literal: field.literal,
                promql: field.promql,
                ..Case::default()
            };
            let artifacts = match render(&src, &lock) {
                Err(diags) => {
                    let on_field = diags.iter().any(|d| {
                        d.severity == infragen::diagnostic::Severity::Error
                            && range.contains(&d.primary_span().start)
                    });
                    if !on_field {
                        case.failures.push(format!(
                            "lint errors, but none on the field: {:?}",
                            diags
                                .iter()
                                .map(|d| (d.rule, &d.message))
                                .collect::<Vec<_>>()
                        ));
                        cases.push(case);
                    } else {
                        rejected += 1;
                    }
                    continue;
                }
                Ok(a) => a,
            };
            let n = cases.len();
            let dir = work.path().join(format!("case-{n}"));
            let changed: Vec<&Artifact> = artifacts
                .iter()
                .filter(|a| baseline.get(a.path.as_str()) != Some(&a.contents.as_str()))
                .collect();
            // The changed files, and the rule files promtool loads with
            // prometheus.yml.
            let prometheus = changed
                .iter()
                .any(|a| a.path == "prometheus/prometheus.yml");
            for a in artifacts.iter().filter(|a| {
                changed.iter().any(|c| c.path == a.path)
                    || (prometheus && a.path.starts_with("prometheus/"))
            }) {
                let path = dir.join(&a.path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &a.contents).unwrap();
            }
            for a in changed {
                case.changed.push(a.path.clone());
                let path = dir.join(&a.path);
                let before = baseline.get(a.path.as_str()).copied();
                check_artifact(&t, a, &path, before, &mut case);
            }
            cases.push(case);
        }
    }

    // Terraform: every case's templates and lines in one console run each
    // (case by case, then one by one, only when something fails).
    render_all_templates(&t, tfdir.path(), &mut cases);
    eval_all_tf_lines(&t, tfdir.path(), &mut cases);

    // One `terraform fmt -check` over every case's Terraform files.
    let out = tools::run(
        Command::new(&t.terraform)
            .args(["fmt", "-check", "-recursive", "-list=true", "-no-color"])
            .arg(work.path())
            .env("CHECKPOINT_DISABLE", "1"),
    );
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let n = line
            .split("case-")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .and_then(|n| n.parse::<usize>().ok());
        match n {
            Some(n) if n < cases.len() => cases[n]
                .failures
                .push(format!("terraform fmt -check: {line}")),
            _ => panic!("terraform fmt -check: {}", tools::describe(&out)),
        }
    }

    // cloud-init's own schema validation, in one run of its interpreter.
    let rendered: Vec<String> = cases
        .iter()
        .flat_map(|c| c.schema.iter().map(|p| p.display().to_string()))
        .collect();
    let list = work.path().join("schema.json");
    std::fs::write(&list, serde_json::to_string(&rendered).unwrap()).unwrap();
    let out = tools::run(
        Command::new(&t.cloud_init_python)
            .arg("-c")
            .arg(SCHEMA)
            .arg(&list),
    );
    assert!(
        out.status.success(),
        "cloud-init schema: {}",
        tools::describe(&out)
    );
    let verdicts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for case in cases.iter_mut() {
        for p in case.schema.clone() {
            if let Some(e) = verdicts[p.display().to_string()].as_str() {
                case.failures
                    .push(format!("cloud-init schema {}: {e}", p.display()));
            }
        }
    }

    // One PyYAML run for every file to read back.
    let files: Vec<String> = cases
        .iter()
        .flat_map(|c| c.readback.iter().map(|p| p.display().to_string()))
        .collect();
    let list = work.path().join("readback.json");
    std::fs::write(&list, serde_json::to_string(&files).unwrap()).unwrap();
    let out = tools::run(Command::new(&t.python).arg("-c").arg(READBACK).arg(&list));
    assert!(
        out.status.success(),
        "PyYAML read-back: {}",
        tools::describe(&out)
    );
    let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut seen_runcmd = BTreeSet::new();
    for (i, case) in cases.iter_mut().enumerate() {
        for p in &case.readback.clone() {
            let r = &results[p.display().to_string()];
            if let Some(e) = r["error"].as_str() {
                case.failures
                    .push(format!("PyYAML cannot read {}: {e}", p.display()));
                continue;
            }
            // Every YAML or JSON file the value changed must hold it.
            let strings: Vec<String> = r["strings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s.as_str().unwrap_or_default().to_string())
                .collect();
            if case.literal && !strings.iter().any(|s| s.contains(&case.expected)) {
                case.failures.push(format!(
                    "{} changed, but reads back without the literal value",
                    p.display()
                ));
            }
            case.found.extend(strings);
            let runcmd: Vec<&str> = r["runcmd"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str())
                .collect();
            if !runcmd.is_empty() {
                let text = format!("#!/bin/sh\n{}\n", runcmd.join("\n"));
                if seen_runcmd.insert(text.clone()) {
                    let script = work
                        .path()
                        .join(format!("runcmd-{i}-{}.sh", seen_runcmd.len()));
                    std::fs::write(&script, text).unwrap();
                    case.scripts.push(script);
                }
            }
        }
    }

    // Shell: `bash -n` each script, shellcheck all of them in one run.
    let scripts: Vec<(usize, PathBuf)> = cases
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.scripts.iter().map(move |p| (i, p.clone())))
        .collect();
    for (i, p) in &scripts {
        let (ok, out) = run_tool(Command::new(&t.bash).arg("-n").arg(p));
        if !ok {
            cases[*i]
                .failures
                .push(format!("bash -n {}: {out}", p.display()));
        }
    }
    if !scripts.is_empty() {
        let out = tools::run(
            Command::new(&t.shellcheck)
                .args(["-S", "warning", "-f", "gcc"])
                .args(scripts.iter().map(|(_, p)| p)),
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for line in text.lines() {
            match scripts
                .iter()
                .find(|(_, p)| line.starts_with(&p.display().to_string()))
            {
                Some((i, _)) => cases[*i].failures.push(format!("shellcheck: {line}")),
                None => panic!("shellcheck: {}", tools::describe(&out)),
            }
        }
        assert!(
            out.status.success() || !text.is_empty(),
            "shellcheck: {}",
            tools::describe(&out)
        );
    }

    let mut failed: Vec<String> = Vec::new();
    let mut carried = 0;
    let mut not_promql = 0;
    for c in &cases {
        let mut problems = c.failures.clone();
        if c.not_promql && c.failures.is_empty() {
            not_promql += 1;
            continue;
        }
        if c.failures.is_empty() && c.literal && !c.changed.is_empty() {
            if c.found.iter().any(|s| s.contains(&c.expected)) {
                carried += 1;
            } else {
                problems.push(format!(
                    "accepted, but no consumer read the literal value back from {:?}",
                    c.changed
                ));
            }
        }
        if !problems.is_empty() {
            failed.push(format!(
                "{} with payload {:?}:\n  {}",
                c.field,
                c.payload,
                problems.join("\n  ")
            ));
        }
    }
    let unused = cases
        .iter()
        .filter(|c| c.changed.is_empty() && c.failures.is_empty())
        .count();
    eprintln!(
        "payloads: {} fields x {} payloads: {rejected} rejected by lint, {not_promql} expressions rejected by promtool as PromQL, {carried} carried literally, {unused} in no output, {} failed",
        fields().len(),
        PAYLOADS.len(),
        failed.len()
    );
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(rejected > 0 && carried > 0);
}

fn check_artifact(t: &Tools, a: &Artifact, path: &Path, before: Option<&str>, case: &mut Case) {
    let p = a.path.as_str();
    if p == "manifest.json" {
        // Hashes and line numbers only.
        return;
    }
    if p.starts_with("cloud-init/") {
        case.templates.push(path.to_path_buf());
    } else if p.ends_with(".yml") || p.ends_with(".yaml") || p.ends_with(".json") {
        case.readback.push(path.to_path_buf());
        let promtool = match p {
            "prometheus/prometheus.yml" => Some("config"),
            _ if p.starts_with("prometheus/rules/") => Some("rules"),
            _ => None,
        };
        if let Some(what) = promtool {
            let (ok, out) = run_tool(Command::new(&t.promtool).args(["check", what]).arg(path));
            if !ok && case.promql && out.contains("could not parse expression") {
                case.not_promql = true;
            } else if !ok {
                case.failures
                    .push(format!("promtool check {what} {p}: {out}"));
            }
        }
    } else if p.ends_with(".tf") {
        // `terraform fmt -check` runs once over every case at the end.
        let old: BTreeSet<&str> = before.unwrap_or_default().lines().collect();
        for line in a.contents.lines().filter(|l| !old.contains(l)) {
            let l = line.trim();
            if !l.contains(" = ") || l.ends_with('{') || l.ends_with('[') || l.contains("<<") {
                continue;
            }
            case.tf_lines.push(l.to_string());
        }
    } else if p.ends_with(".sh")
        || a.contents.starts_with("#!/bin/sh")
        || a.contents.starts_with("#!/usr/bin/env bash")
    {
        case.scripts.push(path.to_path_buf());
    } else if p.ends_with("haproxy.cfg") {
        let (ok, out) = run_tool(Command::new(&t.haproxy).args(["-dW", "-c", "-f"]).arg(path));
        if !ok {
            case.failures.push(format!("haproxy -c {p}: {out}"));
        }
    } else if p.ends_with("ipsec.conf") {
        if let Err(e) = strongswan_parse(path) {
            case.failures.push(format!("starter {p}: {e}"));
        }
    } else {
        case.failures.push(format!(
            "{p} changed: spec text reached a file no consumer checks"
        ));
    }
}

#[test]
fn literal_secrets_never_reach_a_report() {
    let (src, _) = base();
    let sentinel = "SENTINEL-s3cr3t-4711";
    let src = src
        .replace(
            "replication-user \"replicator\" password-env=\"PG_REPLICATION_PASSWORD\"",
            &format!("replication-user \"replicator\" password=\"{sentinel}\""),
        )
        .replace(
            "description=\"SSH from the office\"",
            &format!("description=\"password={sentinel}\""),
        )
        // The key itself where its variable's name belongs.
        .replace("psk-env \"IPSEC_PSK\"", &format!("psk-env \"{sentinel}\""));
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.kdl");
    std::fs::write(&spec, &src).unwrap();

    for format in ["human", "json", "sarif"] {
        let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
            .args(["lint", "--format", format])
            .arg(&spec)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = tools::combined(&out);
        assert!(
            text.contains("secret-literal") && text.contains("secret-in-text"),
            "{format}: {text}"
        );
        assert!(
            !text.contains(sentinel),
            "{format} report shows the secret:\n{text}"
        );
    }
    // `build` reports the same diagnostics before refusing to write.
    let out = Command::new(env!("CARGO_BIN_EXE_infragen"))
        .arg("build")
        .arg(&spec)
        .arg("--out")
        .arg(dir.path().join("out"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = tools::combined(&out);
    assert!(
        !out.status.success() && text.contains("secret-literal"),
        "{text}"
    );
    assert!(!text.contains(sentinel), "build shows the secret:\n{text}");
}

/// Filled secrets that PyYAML would read as something else when written
/// plain (an int, a date, a boolean, null, a float) or not at all (a lone
/// `\r`) come back from patroni.yml as the same strings.
#[test]
#[ignore = "needs python3 with PyYAML: tests/scripts/test.sh runs it"]
fn filled_secrets_read_back_exactly_from_yaml() {
    let Some(python) = tools::require("python3") else {
        return;
    };
    let tricky = [
        "0b101",
        "2024-01-01T00:00:00Z",
        "yes",
        "~",
        "1e3",
        "a\rb",
        "0o17",
        "1_000",
        "'\"#: x",
        "${X}",
        "\u{85}\u{2028}",
    ];
    let (src, lock) = build::example_source("reference");
    let checked = infragen::pipeline::check(&src, &lock);
    let model = checked.model.as_ref().unwrap();
    for secret in tricky {
        let values = model
            .secret_vars()
            .into_iter()
            .map(|v| (v, secret.to_string()))
            .collect();
        let artifacts = build::render_with("reference", &src, &lock, &Secrets::Values(values));
        let dir = build::write(&artifacts);
        let files: Vec<PathBuf> = artifacts
            .iter()
            .filter(|a| a.path.ends_with("patroni.yml"))
            .map(|a| dir.path().join(&a.path))
            .collect();
        assert!(!files.is_empty());
        let script = "import sys, yaml\nfor p in sys.argv[1:]:\n    d = yaml.safe_load(open(p, encoding='utf-8'))\n    for user in d['postgresql']['authentication'].values():\n        v = user['password']\n        assert isinstance(v, str), (p, repr(v))\n        sys.stdout.write(v + '\\0')\n";
        let out = tools::run(
            Command::new(&python)
                .env("PYTHONIOENCODING", "utf-8")
                .arg("-c")
                .arg(script)
                .args(&files),
        );
        assert!(
            out.status.success(),
            "{secret:?}: {}",
            tools::describe(&out)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let read: Vec<&str> = text.split('\0').filter(|s| !s.is_empty()).collect();
        assert!(!read.is_empty());
        assert!(
            read.iter().all(|v| *v == secret),
            "{secret:?} read back as {read:?}"
        );
    }
}

/// `allow "secret-in-text"` on the node silences the warning there only.
#[test]
fn secret_in_text_can_be_allowed_on_its_node() {
    let fixture =
        std::fs::read_to_string(tools::repo_root().join("tests/ui/secret-in-text.kdl")).unwrap();
    let count = |src: &str| {
        infragen::pipeline::check(src, &AddressLock::default())
            .diagnostics
            .iter()
            .filter(|d| d.rule == "secret-in-text")
            .count()
    };
    assert_eq!(count(&fixture), 2);
    let allowed = fixture.replace(
        "description=\"deploy with AKIAIOSFODNN7EXAMPLE\"",
        "description=\"deploy with AKIAIOSFODNN7EXAMPLE\" {\n        allow \"secret-in-text\" reason=\"AWS's documented example key\"\n    }",
    );
    assert_eq!(count(&allowed), 1);
}
