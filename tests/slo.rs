//! SLOs and Alertmanager: the front end (`slo`, `alertmanager` lowering and
//! its checks), the recording and burn-rate rules (promtool check + test
//! rules proving each alert's timing), `alertmanager.yml` (amtool).

#[path = "support/build.rs"]
mod build;
#[path = "support/tools.rs"]
mod tools;

use infragen::lock::AddressLock;

/// A small estate around a monitoring block given as text.
fn spec(monitoring: &str) -> String {
    format!(
        r#"project "p" {{ owner "o@example.com" }}
vpc "v" region="eu-west-1" cidr="10.0.0.0/16" {{
    subnet "a" zone="eu-west-1a" cidr="10.0.1.0/24"
}}
fleet {{
    defaults os="ubuntu-24.04" key-pair="k"
    host "mon" type="t3.large" {{
        subnets "v/a"
        security-groups "mon"
    }}
}}
security-group "mon" vpc="v" {{
    ingress "tcp" 22 from="vpc:v" description="SSH"
}}
monitoring {{
    prometheus host="mon"
    grafana host="mon" {{
        contact-point "mail" type="email" to="oncall@example.com"
        contact-point "chat" type="googlechat" url-env="CHAT_URL"
        contact-point "slack" type="slack" url-env="SLACK_URL"
    }}
{monitoring}
}}
"#
    )
}

fn diags(src: &str) -> Vec<(String, String, Option<String>)> {
    let checked = infragen::pipeline::check(src, &AddressLock::default());
    checked
        .diagnostics
        .iter()
        .map(|d| (d.rule.to_string(), d.message.clone(), d.help.clone()))
        .collect()
}

const Q: &str = r#"errors="sum(rate(e[{{window}}]))" total="sum(rate(t[{{window}}]))""#;

#[test]
fn a_valid_slo_lowers_with_its_defaults() {
    let src = spec(&format!(
        r#"    slo "api" objective=99.9 {Q} page="mail" ticket="slack""#
    ));
    let checked = infragen::pipeline::check(&src, &AddressLock::default());
    assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
    let model = checked.model.unwrap();
    let slo = &model.monitoring.as_ref().unwrap().slos[0];
    assert_eq!(slo.name, "api");
    assert_eq!(slo.window_ms.value, 30 * 86_400_000);
    assert!((slo.budget() - 0.001).abs() < 1e-12);
    assert_eq!(slo.page, Some(0));
    assert_eq!(slo.ticket, Some(2));
}

#[test]
fn queries_need_window_one_line_and_content() {
    for (errors, label) in [
        ("sum(rate(e[5m]))", "{{window}}"),
        ("", "empty"),
        ("sum(rate(e[{{window}}]))\\n+ 1", "line break"),
    ] {
        let src = spec(&format!(
            r#"    slo "api" objective=99.9 errors="{errors}" total="sum(rate(t[{{{{window}}}}]))""#
        ));
        let d = diags(&src);
        assert!(
            d.iter()
                .any(|(r, m, _)| r == "invalid-value" && m.contains("errors=")),
            "{label}: {d:#?}"
        );
    }
}

#[test]
fn short_windows_and_bad_contacts_are_errors() {
    let d = diags(&spec(&format!(
        r#"    slo "api" objective=99.9 window="1d" {Q}"#
    )));
    assert!(
        d.iter()
            .any(|(r, m, _)| r == "invalid-value" && m.contains("3 days")),
        "{d:#?}"
    );
    let d = diags(&spec(&format!(
        r#"    slo "api" objective=99.9 {Q} page="nobody""#
    )));
    assert!(
        d.iter().any(|(r, _, _)| r == "unresolved-reference"),
        "{d:#?}"
    );
    let d = diags(&spec(&format!(
        "    slo \"api\" objective=99.9 {Q}\n    slo \"api\" objective=99 {Q}"
    )));
    assert!(d.iter().any(|(r, _, _)| r == "duplicate-name"), "{d:#?}");
}
