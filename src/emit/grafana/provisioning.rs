//! `provisioning/datasources/prometheus.yml` and
//! `provisioning/dashboards/infragen.yml`, in Grafana's documented
//! provisioning format (apiVersion 1).

use super::DATASOURCE_UID;
use crate::emit::prometheus::reach::{self, Verdict};
use crate::emit::prometheus::yaml;
use crate::emit::{Artifact, EmitContext};
use crate::model::*;
use crate::units::format_duration;
use serde::Serialize;

/// Where the dashboard JSON files are installed on the Grafana host.
pub const DASHBOARDS_PATH: &str = "/var/lib/grafana/dashboards/infragen";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasources {
    api_version: u32,
    datasources: Vec<Datasource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasource {
    name: &'static str,
    uid: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    access: &'static str,
    url: String,
    is_default: bool,
    editable: bool,
    json_data: JsonData,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonData {
    /// The scrape interval: Grafana's `$__rate_interval` is four of these.
    time_interval: String,
}

pub fn datasource(ctx: &EmitContext, grafana: &Grafana, prom: &Prometheus) -> Artifact {
    let model = ctx.model;
    let address = crate::emit::prometheus::address(model, prom.host, prom.port);
    let mut text = ctx.header("#");
    if let Verdict::Blocked(fix) =
        reach::tcp(model, grafana.host, prom.host, prom.port, grafana.span)
    {
        text.push_str(&format!(
            "# WARNING: the security groups drop Grafana's connection to Prometheus\n\
             #   ({address}): every panel will be empty. To open it, {fix}.\n"
        ));
    }
    text.push_str(&yaml(&Datasources {
        api_version: 1,
        datasources: vec![Datasource {
            name: "Prometheus",
            uid: DATASOURCE_UID,
            kind: "prometheus",
            access: "proxy",
            url: format!("http://{address}"),
            is_default: true,
            editable: false,
            json_data: JsonData {
                time_interval: format_duration(prom.scrape_interval_ms),
            },
        }],
    }));
    Artifact::new("grafana/provisioning/datasources/prometheus.yml", text)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Providers {
    api_version: u32,
    providers: Vec<Provider>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Provider {
    name: &'static str,
    org_id: u32,
    folder: String,
    #[serde(rename = "type")]
    kind: &'static str,
    /// The spec is the source of truth: no deleting or saving from the UI.
    disable_deletion: bool,
    allow_ui_updates: bool,
    options: ProviderOptions,
}

#[derive(Serialize)]
struct ProviderOptions {
    path: &'static str,
}

pub fn dashboard_provider(ctx: &EmitContext) -> Artifact {
    let mut text = ctx.header("#");
    text.push_str(&format!(
        "# Install grafana/dashboards/*.json into {DASHBOARDS_PATH} on the Grafana host.\n"
    ));
    text.push_str(&yaml(&Providers {
        api_version: 1,
        providers: vec![Provider {
            name: "infragen",
            org_id: 1,
            folder: ctx.model.project.name.clone(),
            kind: "file",
            disable_deletion: true,
            allow_ui_updates: false,
            options: ProviderOptions {
                path: DASHBOARDS_PATH,
            },
        }],
    }));
    Artifact::new("grafana/provisioning/dashboards/infragen.yml", text)
}
