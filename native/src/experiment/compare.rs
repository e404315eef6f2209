//! Simulator prediction beside real measurement, group by group.

use std::fmt::Write as _;

use gossip_core::metrics::{Aggregate, Summary};
use serde::Serialize;

use super::{GroupKey, GroupResult};

/// One parameter set, predicted and measured.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The parameters.
    pub key: GroupKey,
    /// The simulator's aggregates over the same seeds.
    pub sim: Aggregate,
    /// The real nodes' aggregates.
    pub real: Aggregate,
}

/// Pairs every real group with the simulated group of the same parameters.
pub fn pair(sim: &[GroupResult], real: &[GroupResult]) -> Vec<Comparison> {
    real.iter()
        .filter_map(|r| {
            let s = sim.iter().find(|s| s.key == r.key)?;
            Some(Comparison {
                key: r.key,
                sim: s.aggregate.clone(),
                real: r.aggregate.clone(),
            })
        })
        .collect()
}

fn cell(s: &Summary, scale: f64, precision: usize) -> String {
    let scaled = Summary {
        mean: s.mean * scale,
        std: s.std * scale,
        n: s.n,
    };
    format!("{scaled:.precision$}")
}

/// The side-by-side Markdown table (with a loss column when any row has loss).
pub fn markdown(rows: &[Comparison]) -> String {
    let lossy = rows.iter().any(|c| c.key.loss != 0.0);
    let (loss_head, loss_rule) = if lossy {
        ("Loss % | ", "--------|")
    } else {
        ("", "")
    };
    let mut md = format!(
        "| N | Fanout | TTL | Mode | {loss_head}Delivery % sim | Delivery % real | t95 ms sim | t95 ms real | Overhead sim | Overhead real | RMR sim | RMR real |\n\
         |---|--------|-----|------|{loss_rule}----------------|-----------------|------------|-------------|--------------|---------------|---------|----------|\n",
    );
    for c in rows {
        let k = &c.key;
        let loss = if lossy {
            format!("{} | ", k.loss * 100.0)
        } else {
            String::new()
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {loss}{} | {} | {} | {} | {} | {} | {} | {} |",
            k.n,
            k.fanout,
            k.ttl,
            k.mode.as_str(),
            cell(&c.sim.delivery_ratio, 100.0, 0),
            cell(&c.real.delivery_ratio, 100.0, 0),
            cell(&c.sim.t95_ms, 1.0, 1),
            cell(&c.real.t95_ms, 1.0, 1),
            cell(&c.sim.overhead, 1.0, 0),
            cell(&c.real.overhead, 1.0, 0),
            cell(&c.sim.rmr, 1.0, 2),
            cell(&c.real.rmr, 1.0, 2),
        );
    }
    md
}
