//! `gossip analyze`: the core metrics of every gossip found in the `--events`
//! files of real nodes (for example a run by hand, one terminal per node).

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use gossip_core::MsgType;
use serde::Serialize;

use crate::analysis::{self, Analysed, EventLog};

/// Flags of `gossip analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Events files (JSON Lines written by `--events`) or directories of them
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Nodes in the network [default: the nodes that wrote events]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub nodes: Option<u32>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
    /// Also draw coverage over time of the gossips (the first six) as
    /// coverage_over_time.svg and .png in this directory
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
}

/// What `--json` prints.
#[derive(Serialize)]
struct JsonReport<'a> {
    files: usize,
    lines: usize,
    skipped_lines: usize,
    nodes_with_events: usize,
    population: u32,
    gossips: &'a [Analysed],
}

/// Runs `gossip analyze`.
pub fn run(args: &AnalyzeArgs) -> anyhow::Result<()> {
    let log = EventLog::read(&args.paths)?;
    let writers = log.nodes();
    let population = match args.nodes {
        Some(n) => n,
        None => u32::try_from(writers)?,
    };
    if (population as usize) < writers {
        bail!("--nodes {population} is fewer than the {writers} nodes that wrote events");
    }
    let gossips = analysis::analyse(&log, population);
    let drawn = match &args.charts {
        Some(dir) => crate::charts::write_all(
            dir,
            vec![crate::charts::analyze::figure(
                &gossips, population, log.files,
            )],
        )?,
        None => Vec::new(),
    };
    let charts: String = drawn
        .iter()
        .map(|c| {
            format!(
                "chart: {} and {}\n",
                c.svg_path.display(),
                c.png_path.display()
            )
        })
        .collect();
    if args.json {
        // Standard output holds the JSON document alone.
        eprint!("{charts}");
        let doc = JsonReport {
            files: log.files,
            lines: log.lines.len(),
            skipped_lines: log.skipped,
            nodes_with_events: writers,
            population,
            gossips: &gossips,
        };
        println!("{}", crate::experiment::rounded_json(&doc)?);
        return Ok(());
    }
    print!("{}", text_report(&log, writers, population, &gossips));
    print!("{charts}");
    Ok(())
}

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |ms| format!("{ms:.2} ms"))
}

fn text_report(log: &EventLog, writers: usize, population: u32, gossips: &[Analysed]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} event lines from {} files, {writers} nodes wrote events, population {population}",
        log.lines.len(),
        log.files
    );
    if log.skipped > 0 {
        let _ = writeln!(out, "skipped {} lines that are not events:", log.skipped);
        for bad in &log.bad_lines {
            let _ = writeln!(out, "  {}:{}: {}", bad.path.display(), bad.line, bad.reason);
        }
    }
    if gossips.is_empty() {
        let _ = writeln!(out, "no gossip was published or delivered in these events");
    }
    for a in gossips {
        let r = &a.report;
        let preview: String = a.data.chars().take(40).collect();
        let _ = writeln!(out, "\ngossip {} {preview:?}", r.id);
        if !a.publisher_recorded {
            let _ = writeln!(
                out,
                "  (its publisher left no events: t0 is the origin's timestamp, in whole ms)"
            );
        }
        let _ = writeln!(
            out,
            "  delivered          {}/{} ({:.1}%)",
            r.delivered,
            r.population,
            r.delivery_ratio * 100.0
        );
        let _ = writeln!(
            out,
            "  coverage           50% {}, 95% {}, 100% {}",
            opt_ms(r.t50_ms),
            opt_ms(r.t95_ms),
            opt_ms(r.t100_ms)
        );
        if let Some(pulled) = r.pulled_by_t95 {
            let _ = writeln!(
                out,
                "  95% reached by     {}",
                gossip_core::metrics::reached_by(pulled)
            );
        }
        let mut by_type = String::new();
        for t in MsgType::ALL {
            let count = r.overhead_by_type.map_or(0, |o| o[t.index()]);
            if count > 0 {
                let _ = write!(by_type, " {}={count}", t.as_str());
            }
        }
        let dash = || "–".to_owned();
        let _ = writeln!(
            out,
            "  overhead [t0,t95]  {} messages, {} bytes:{by_type}",
            r.overhead.map_or_else(dash, |o| o.to_string()),
            r.overhead_bytes.map_or_else(dash, |b| b.to_string())
        );
        let _ = writeln!(out, "  until quiescence   {} messages", r.total_messages);
        let _ = writeln!(
            out,
            "  receptions         {} ({} duplicates), RMR {}",
            r.payload_receptions,
            r.duplicates,
            r.rmr
                .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"))
        );
        let _ = writeln!(
            out,
            "  hops               mean {}, max {}",
            r.mean_hops
                .map_or_else(|| "n/a".to_owned(), |v| format!("{v:.2}")),
            r.max_hops
                .map_or_else(|| "n/a".to_owned(), |v| v.to_string())
        );
    }
    out
}
