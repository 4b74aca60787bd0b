//! Can Prometheus (or Grafana) reach a TCP port? Asked of the graph's reachability check with
//! a synthetic flow, and answered with the spec change that would open it.

use crate::graph::flows::{Endpoint, Flow, Purpose};
use crate::graph::reach::check;
use crate::model::*;
use crate::span::Span;

pub enum Verdict {
    Open,
    /// The spec change that would let the scrape through.
    Blocked(String),
}

/// Checks `from` → `to` on TCP `port` (a host reaching itself always works).
pub fn tcp(model: &Model, from: HostId, to: HostId, port: u16, origin: Span) -> Verdict {
    if from == to {
        return Verdict::Open;
    }
    let flow = Flow {
        // Any scrape purpose: `check` only asks whether it is tunnel control.
        purpose: Purpose::ScrapeNodeExporter,
        from: Endpoint::Host(from),
        to: Endpoint::Host(to),
        proto: Proto::Tcp,
        port: Some(port),
        origin,
    };
    match check(model, &flow) {
        Ok(()) => Verdict::Open,
        Err(block) => Verdict::Blocked(crate::rules::flow_fix(model, &flow, &block)),
    }
}
