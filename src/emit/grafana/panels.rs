//! Building blocks of the dashboard JSON model: panels, queries, template
//! variables. Only fields of `@grafana/schema`'s `Dashboard` type are used
//! (tests type-check every dashboard against it).

use super::DATASOURCE_UID;
use serde_json::{Value, json};

pub fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": DATASOURCE_UID })
}

/// A query of a panel: PromQL and its legend.
pub struct Query<'a> {
    pub expr: String,
    pub legend: &'a str,
}

/// Where a panel sits on the 24-column grid.
pub struct Place {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// A time series panel.
pub fn timeseries(
    id: u32,
    title: &str,
    unit: &str,
    max: Option<f64>,
    at: Place,
    queries: &[Query],
) -> Value {
    let mut defaults = json!({ "unit": unit, "min": 0 });
    if let Some(m) = max {
        defaults["max"] = json!(m);
    }
    json!({
        "id": id,
        "type": "timeseries",
        "title": title,
        "datasource": datasource(),
        "gridPos": grid(&at),
        "fieldConfig": { "defaults": defaults, "overrides": [] },
        "options": {
            "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true },
            "tooltip": { "mode": "multi", "sort": "desc" }
        },
        "targets": targets(queries),
    })
}

/// A stat panel (one value per series), with optional value → text mappings.
pub fn stat(
    id: u32,
    title: &str,
    unit: &str,
    at: Place,
    queries: &[Query],
    mappings: Value,
) -> Value {
    json!({
        "id": id,
        "type": "stat",
        "title": title,
        "datasource": datasource(),
        "gridPos": grid(&at),
        "fieldConfig": { "defaults": { "unit": unit, "mappings": mappings }, "overrides": [] },
        "options": {
            "reduceOptions": { "calcs": ["lastNotNull"], "fields": "", "values": false },
            "colorMode": "value",
            "textMode": "value_and_name"
        },
        "targets": targets(queries),
    })
}

fn grid(at: &Place) -> Value {
    json!({ "x": at.x, "y": at.y, "w": at.w, "h": at.h })
}

fn targets(queries: &[Query]) -> Value {
    let refs = ["A", "B", "C", "D", "E", "F"];
    Value::Array(
        queries
            .iter()
            .zip(refs)
            .map(|(q, r)| {
                json!({
                    "refId": r,
                    "datasource": datasource(),
                    "expr": q.expr,
                    "legendFormat": q.legend,
                })
            })
            .collect(),
    )
}

/// A query variable listing the values of `label` on `metric{filter}`.
/// "All" means `.*`, which also matches series without the label (e.g.
/// hosts outside EC2 have no `instance_id`).
pub fn variable(name: &str, metric: &str, filter: &str, label: &str) -> Value {
    json!({
        "type": "query",
        "name": name,
        "label": name,
        "datasource": datasource(),
        "query": format!("label_values({metric}{filter}, {label})"),
        "refresh": 1,
        "includeAll": true,
        "multi": true,
        "allValue": ".*",
        "sort": 1,
    })
}

/// `{a=~"$a", b=~"$b"}` over the given variables (empty: no braces).
pub fn selector(vars: &[String], extra: &str) -> String {
    let mut parts: Vec<String> = vars.iter().map(|v| format!("{v}=~\"${v}\"")).collect();
    if !extra.is_empty() {
        parts.insert(0, extra.to_string());
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", parts.join(", "))
    }
}

/// A whole dashboard around its panels and variables.
pub fn dashboard(
    uid: &str,
    title: &str,
    tags: &[&str],
    variables: Vec<Value>,
    panels: Vec<Value>,
) -> Value {
    json!({
        "uid": uid,
        "title": title,
        "tags": tags,
        "editable": false,
        "graphTooltip": 1,
        "schemaVersion": 39,
        "version": 1,
        "time": { "from": "now-6h", "to": "now" },
        "refresh": "1m",
        "timezone": "browser",
        "templating": { "list": variables },
        "panels": panels,
    })
}
