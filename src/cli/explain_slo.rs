//! `explain slo NAME --spec SPEC`: an SLO's error budget, in minutes per
//! window, and what each burn-rate alert means: its burn rate and threshold,
//! how long a total outage takes to fire it and how much of the budget is
//! gone by then.

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::emit::prometheus::slo::window_label as format_duration;
use crate::model::{Monitoring, Slo};
use std::fmt::Write;

pub fn run(name: Option<&str>, spec: Option<&std::path::Path>) -> i32 {
    let (Some(name), Some(spec)) = (name, spec) else {
        eprintln!("infragen: usage: infragen explain slo NAME --spec SPEC");
        return EXIT_USAGE;
    };
    let (source, lock) = match super::load_spec(spec) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("infragen: {e}");
            return EXIT_USAGE;
        }
    };
    let checked = crate::pipeline::check(&source, &lock);
    let mon = checked.model.as_ref().and_then(|m| m.monitoring.as_ref());
    match mon.and_then(|m| Some((m, m.slos.iter().find(|s| s.name == name)?))) {
        Some((_, slo)) if !(slo.objective.value > 0.0 && slo.objective.value < 100.0) => {
            eprintln!(
                "infragen: slo `{name}` has no error budget to explain (objective {}); run `infragen lint`",
                slo.objective.value
            );
            EXIT_FAILED
        }
        Some((mon, slo)) => {
            print!("{}", report(mon, slo));
            EXIT_OK
        }
        None => {
            eprintln!("infragen: {} declares no slo `{name}`", spec.display());
            EXIT_FAILED
        }
    }
}

/// Seconds or minutes, whichever reads better.
fn span(secs: f64) -> String {
    if secs < 120.0 {
        format!("{} s", sig(secs))
    } else if secs < 3.0 * 3600.0 {
        format!("{} min", sig(secs / 60.0))
    } else {
        format!("{} h", sig(secs / 3600.0))
    }
}

/// Three significant digits, no trailing zeros.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn pct(ratio: f64) -> String {
    format!("{}%", sig(ratio * 100.0))
}

/// The report `explain slo` prints.
pub fn report(mon: &Monitoring, slo: &Slo) -> String {
    let budget = slo.budget();
    let window = slo.window_ms.value;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "slo {}: {}% of events good over {}",
        slo.name,
        slo.objective.value,
        format_duration(window)
    );
    let _ = writeln!(
        out,
        "error budget: {} of events, {} min of total outage per {}",
        pct(budget),
        sig(budget * window as f64 / 60_000.0),
        format_duration(window)
    );
    let _ = writeln!(out, "budget in minutes of total outage per window:");
    for w in slo.ratio_windows() {
        let _ = writeln!(
            out,
            "  {:>4}  {} min",
            format_duration(w),
            sig(budget * w as f64 / 60_000.0)
        );
    }
    let eval = mon
        .prometheus
        .as_ref()
        .map_or(15_000, |p| p.evaluation_interval_ms);
    let _ = writeln!(
        out,
        "alerts (fire when the error ratio over both windows is at least burn rate × budget):"
    );
    let _ = writeln!(
        out,
        "  severity  windows    burn rate  error ratio  total outage¹ fires after  budget used by then"
    );
    for b in slo.burn_alerts() {
        let threshold = b.burn_rate * budget;
        let windows = format!(
            "{} / {}",
            format_duration(b.long_ms),
            format_duration(b.short_ms)
        );
        // After a clean history, a total outage raises the ratio over a
        // window of length w linearly to 1 in w: the long window reaches
        // the threshold last, after threshold × long.
        let (fires, used) = if threshold < 1.0 {
            let secs = threshold * b.long_ms as f64 / 1000.0;
            (span(secs), pct(secs * 1000.0 / (budget * window as f64)))
        } else {
            ("never (threshold ≥ 100%)".to_string(), "-".to_string())
        };
        let _ = writeln!(
            out,
            "  {:<8}  {:<9}  {:<9}  {:<11}  {:<25}  {used}",
            b.severity,
            windows,
            format!("{}×", sig(b.burn_rate)),
            pct(threshold),
            fires,
        );
    }
    let _ = writeln!(
        out,
        "¹ every request failing, after a clean history: the long window's ratio reaches the threshold last."
    );
    let _ = writeln!(
        out,
        "a firing alert is seen within one rule evaluation ({}); Alertmanager then waits group_wait (30s) before the first notification.",
        format_duration(eval)
    );
    if mon.alertmanager.is_none() && mon.grafana.is_some() {
        let _ = writeln!(
            out,
            "without alertmanager, Grafana evaluates these alerts and routes them."
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sig;

    #[test]
    fn three_significant_digits() {
        assert_eq!(sig(43.2), "43.2");
        assert_eq!(sig(51.84), "51.8");
        assert_eq!(sig(0.0144), "0.0144");
        assert_eq!(sig(1440.0), "1440");
        assert_eq!(sig(2.0), "2");
    }
}
