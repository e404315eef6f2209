//! The experiment's tables: CSV (one row per run), JSON (runs and
//! aggregates) and a Markdown summary like the original README's table.
//!
//! One rule for undefined metrics (core's [`gossip_core::metrics`]): an
//! empty CSV cell, `null` in JSON, `–` in Markdown, never 0. Floats are
//! rounded to [`SIGNIFICANT`] significant digits; loss is a probability
//! (0 to 1) in every file.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use gossip_core::metrics::Summary;
use serde::Serialize;
use serde_json::Value;

use super::{GroupResult, RunResult};

/// One CSV row.
#[derive(Serialize)]
struct Row {
    n: u32,
    fanout: u32,
    ttl: u32,
    mode: &'static str,
    loss: f64,
    seed: u64,
    delivered: u64,
    delivery_ratio: f64,
    t50_ms: Option<f64>,
    t95_ms: Option<f64>,
    t100_ms: Option<f64>,
    overhead: Option<u64>,
    overhead_bytes: Option<u64>,
    total_messages: u64,
    duplicates: u64,
    rmr: Option<f64>,
    mean_hops: Option<f64>,
    max_hops: Option<u32>,
}

/// Writes `results.csv`.
pub fn write_csv(path: &Path, results: &[RunResult]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    for r in results {
        let (p, m) = (&r.params, &r.report);
        w.serialize(Row {
            n: p.n,
            fanout: p.fanout,
            ttl: p.ttl,
            mode: p.mode.as_str(),
            loss: round(p.loss),
            seed: p.seed,
            delivered: m.delivered,
            delivery_ratio: round(m.delivery_ratio),
            t50_ms: m.t50_ms.map(round),
            t95_ms: m.t95_ms.map(round),
            t100_ms: m.t100_ms.map(round),
            overhead: m.overhead,
            overhead_bytes: m.overhead_bytes,
            total_messages: m.total_messages,
            duplicates: m.duplicates,
            rmr: m.rmr.map(round),
            mean_hops: m.mean_hops.map(round),
            max_hops: m.max_hops,
        })?;
    }
    w.flush()?;
    Ok(())
}

/// Significant digits kept of every float written.
pub const SIGNIFICANT: usize = 6;

/// `v` rounded to [`SIGNIFICANT`] significant digits (415.74899999999997
/// becomes 415.749).
pub fn round(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    format!("{v:.*e}", SIGNIFICANT - 1).parse().unwrap_or(v)
}

/// Rounds every float inside `value` with [`round`].
fn round_floats(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            if let Some(r) = n
                .as_f64()
                .and_then(|v| serde_json::Number::from_f64(round(v)))
            {
                *n = r;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(round_floats),
        Value::Object(fields) => fields.values_mut().for_each(round_floats),
        _ => {}
    }
}

/// `doc` as pretty JSON with every float [rounded](round): what every JSON
/// the tool writes (files and `--json` output) looks like.
pub fn rounded_json(doc: &impl Serialize) -> serde_json::Result<String> {
    let mut value = serde_json::to_value(doc)?;
    round_floats(&mut value);
    serde_json::to_string_pretty(&value)
}

/// Writes `results.json`: the run's parameters, every run, every group (the
/// caller's document), floats rounded.
pub fn write_json(path: &Path, doc: &impl Serialize) -> anyhow::Result<()> {
    let mut value = serde_json::to_value(doc)?;
    round_floats(&mut value);
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    serde_json::to_writer_pretty(std::io::BufWriter::new(file), &value)?;
    Ok(())
}

/// A Markdown cell: `mean ± std` scaled by `scale`, `–` when undefined, and
/// the number of runs behind it when some runs did not define it.
pub fn cell(s: &Summary, scale: f64, precision: usize, runs: usize) -> String {
    let scaled = Summary {
        mean: s.mean * scale,
        std: s.std * scale,
        n: s.n,
    };
    if s.n == runs {
        format!("{scaled:.precision$}")
    } else {
        format!("{scaled:.precision$} ({} of {runs} runs)", s.n)
    }
}

/// The Markdown summary: mean ± std per parameter set.
pub fn markdown_summary(groups: &[GroupResult]) -> String {
    let mut md = String::from(
        "| N | Fanout | TTL | Mode | Loss | Convergence t95 (ms) | Overhead (msgs) | Delivery | RMR | Runs |\n\
         |---|--------|-----|------|------|----------------------|-----------------|----------|-----|------|\n",
    );
    for g in groups {
        let (k, a) = (&g.key, &g.aggregate);
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.0}% | {} | {} | {} % | {} | {} |",
            k.n,
            k.fanout,
            k.ttl,
            k.mode.as_str(),
            k.loss * 100.0,
            cell(&a.t95_ms, 1.0, 1, a.runs),
            cell(&a.overhead, 1.0, 0, a.runs),
            cell(&a.delivery_ratio, 100.0, 0, a.runs),
            cell(&a.rmr, 1.0, 2, a.runs),
            a.runs
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_keep_six_significant_digits() {
        assert_eq!(round(415.748_999_999_999_97), 415.749);
        assert_eq!(round(0.933_333_333), 0.933_333);
        assert_eq!(round(0.0), 0.0);
        let mut v = serde_json::json!({"a": [1.000_000_4, 7], "b": {"c": 2.5e-9}});
        round_floats(&mut v);
        assert_eq!(v, serde_json::json!({"a": [1.0, 7], "b": {"c": 2.5e-9}}));
    }

    #[test]
    fn undefined_cells_say_so_with_their_run_count() {
        let none = Summary::of([]);
        assert_eq!(cell(&none, 1.0, 1, 5), "– (0 of 5 runs)");
        let some = Summary::of([10.0, 20.0]);
        assert_eq!(cell(&some, 1.0, 1, 2), "15.0 ± 7.1");
        assert_eq!(cell(&some, 1.0, 0, 3), "15 ± 7 (2 of 3 runs)");
    }
}
