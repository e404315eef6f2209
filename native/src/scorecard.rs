//! Core's [`Scorecard`] as text: a block for one run (`gossip sim`) and a
//! table with one row per strategy (`gossip sim --all-modes`, `gossip
//! experiment`), with the workload's pass or fail when it has targets.

use gossip_core::metrics::{Scorecard, Targets};
use gossip_core::MsgType;

fn opt(v: Option<f64>, precision: usize) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.precision$}"))
}

/// Prints one run's scorecard and, with `targets`, its verdict.
pub fn print(card: &Scorecard, targets: Option<&Targets>) {
    println!("scorecard over {} broadcasts", card.broadcasts);
    let by_type = card.messages_by_type.map(|by_type| {
        MsgType::ALL
            .iter()
            .filter(|t| by_type[t.index()] > 0)
            .map(|t| format!("{} {}", t.as_str(), by_type[t.index()]))
            .collect::<Vec<_>>()
            .join(", ")
    });
    println!(
        "  messages         {} ({}), {} per broadcast",
        card.messages,
        by_type.unwrap_or_else(|| "every type".to_owned()),
        opt(card.msgs_per_broadcast, 1)
    );
    if let Some(t) = targets {
        println!(
            "  per operation    {} ({} broadcasts + {} reads)",
            opt(t.msgs_per_op(card), 2),
            card.broadcasts,
            t.reads
        );
    }
    println!(
        "  latency          {} (publish until every node held it)",
        card.latency_text()
    );
    println!("  RMR              {}", opt(card.rmr, 3));
    println!(
        "  last delivery    hop mean {}, max {}",
        opt(card.last_hop_mean, 2),
        card.last_hop_max
            .map_or_else(|| "–".to_owned(), |h| h.to_string())
    );
    println!(
        "  undelivered      {} (node, broadcast) pairs; {} broadcasts missed a node",
        card.undelivered, card.incomplete
    );
    if let Some(t) = targets {
        println!("{}: {}", t.name, t.judge(card).summary());
    }
}

/// Prints one row per labelled scorecard and, with `targets`, each row's
/// verdict and which rows pass.
pub fn print_table(rows: &[(String, Scorecard)], targets: Option<&Targets>) {
    if let Some(t) = targets {
        let mut limits = Vec::new();
        if let Some(m) = t.msgs_per_op {
            limits.push(format!("fewer than {m} messages per operation"));
        }
        if let Some(m) = t.median_ms {
            limits.push(format!("median under {m} ms"));
        }
        if let Some(m) = t.max_ms {
            limits.push(format!("maximum under {m} ms"));
        }
        limits.push("every broadcast reaches every node".to_owned());
        println!("{}: {}", t.name, limits.join(", "));
    }
    const WIDTHS: [usize; 10] = [6, 9, 8, 7, 7, 7, 7, 6, 9, 11];
    let line = |first: &str, cells: &[String], last: &str| {
        let mut line = format!("{first:<28}");
        for (cell, width) in cells.iter().zip(WIDTHS) {
            line.push_str(&format!(" {cell:>width$}"));
        }
        println!("{line}  {last}");
    };
    line("run", &Scorecard::COLUMNS.map(str::to_owned), "verdict");
    let mut passing = Vec::new();
    for (label, card) in rows {
        let verdict = targets.map(|t| t.judge(card));
        if verdict.as_ref().is_some_and(|v| v.pass) {
            passing.push(label.as_str());
        }
        let verdict = verdict.map_or_else(|| "–".to_owned(), |v| v.short());
        line(label, &card.cells(targets), &verdict);
    }
    if targets.is_some() {
        println!(
            "passing: {}",
            if passing.is_empty() {
                "none".to_owned()
            } else {
                passing.join(", ")
            }
        );
    }
}
