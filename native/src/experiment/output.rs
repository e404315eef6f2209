//! The experiment's tables: CSV (one row per run), JSON (runs and
//! aggregates) and a Markdown summary like the original README's table.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

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
    overhead: u64,
    overhead_bytes: u64,
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
            loss: p.loss,
            seed: p.seed,
            delivered: m.delivered,
            delivery_ratio: m.delivery_ratio,
            t50_ms: m.t50_ms,
            t95_ms: m.t95_ms,
            t100_ms: m.t100_ms,
            overhead: m.overhead,
            overhead_bytes: m.overhead_bytes,
            total_messages: m.total_messages,
            duplicates: m.duplicates,
            rmr: m.rmr,
            mean_hops: m.mean_hops,
            max_hops: m.max_hops,
        })?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `results.json`: the run's parameters, every run, every group (the
/// caller's document).
pub fn write_json(path: &Path, doc: &impl Serialize) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    serde_json::to_writer_pretty(std::io::BufWriter::new(file), doc)?;
    Ok(())
}

/// The Markdown summary: mean ± std per parameter set.
pub fn markdown_summary(groups: &[GroupResult]) -> String {
    let mut md = String::from(
        "| N | Fanout | TTL | Mode | Loss | Convergence t95 (ms) | Overhead (msgs) | Delivery | RMR | Runs |\n\
         |---|--------|-----|------|------|----------------------|-----------------|----------|-----|------|\n",
    );
    for g in groups {
        let (k, a) = (&g.key, &g.aggregate);
        let t95 = if a.t95_ms.n > 0 {
            format!("{:.1} ± {:.1}", a.t95_ms.mean, a.t95_ms.std)
        } else {
            "never".into()
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {:.0}% | {} | {:.0} ± {:.0} | {:.0}% ± {:.0}% | {:.2} ± {:.2} | {} |",
            k.n,
            k.fanout,
            k.ttl,
            k.mode.as_str(),
            k.loss * 100.0,
            t95,
            a.overhead.mean,
            a.overhead.std,
            a.delivery_ratio.mean * 100.0,
            a.delivery_ratio.std * 100.0,
            a.rmr.mean,
            a.rmr.std,
            a.runs
        );
    }
    md
}
