//! The scorecard tab: a Gossip Glomers workload (core's
//! [`glomers`](gossip_core::scorecard::glomers) scenario, the one `gossip sim
//! --scenario docs/scenarios/glomers-3d.json --all-modes` runs) in every
//! strategy of [`Mode::ALL`], scored by core's [`ScoreRun`] and judged
//! against the workload's published thresholds. [`Board::step`] runs a slice
//! of simulated time, so the page stays responsive while the rows fill in.

use gossip_core::metrics::{Scorecard, Targets, Verdict};
use gossip_core::scorecard::glomers::Workload;
use gossip_core::scorecard::ScoreRun;
use gossip_core::Mode;

/// Simulated time a broadcast may take after the workload ends, ms.
pub const LIMIT_MS: f64 = 30_000.0;

/// One strategy's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The strategy.
    pub mode: Mode,
    /// Its scorecard.
    pub card: Scorecard,
    /// Pass or fail against the workload's targets.
    pub verdict: Verdict,
}

/// A workload scored in every strategy, one after the other.
#[derive(Debug)]
pub struct Board {
    workload: Workload,
    targets: Targets,
    running: Option<(Mode, ScoreRun)>,
    rows: Vec<Row>,
}

impl Board {
    /// Prepares `workload` in every strategy.
    pub fn new(workload: Workload) -> Board {
        let scenario = workload.scenario();
        let targets = scenario
            .targets
            .clone()
            .unwrap_or_else(|| workload.targets(0));
        Board {
            workload,
            targets,
            running: None,
            rows: Vec::with_capacity(Mode::ALL.len()),
        }
    }

    /// The workload.
    pub fn workload(&self) -> Workload {
        self.workload
    }

    /// Its thresholds.
    pub fn targets(&self) -> &Targets {
        &self.targets
    }

    /// Runs about `chunk_ms` of simulated time; returns whether every
    /// strategy is scored.
    pub fn step(&mut self, chunk_ms: f64) -> bool {
        if self.is_done() {
            return true;
        }
        let (mode, run) = self.running.get_or_insert_with(|| {
            let mode = Mode::ALL[self.rows.len()];
            let mut scenario = self.workload.scenario();
            scenario.node.mode = mode;
            (mode, ScoreRun::new(scenario, LIMIT_MS))
        });
        if run.advance(chunk_ms) {
            let card = run.scorecard();
            let mode = *mode;
            self.running = None;
            self.rows.push(Row {
                mode,
                verdict: self.targets.judge(&card),
                card,
            });
        }
        self.is_done()
    }

    /// Whether every strategy is scored.
    pub fn is_done(&self) -> bool {
        self.rows.len() == Mode::ALL.len()
    }

    /// The strategy running now and how far through its schedule, 0 to 1.
    pub fn current(&self) -> Option<(Mode, f64)> {
        self.running.as_ref().map(|(mode, run)| {
            let span = run.schedule_ms().max(1.0);
            (*mode, (run.sim().elapsed_ms() / span).min(1.0))
        })
    }

    /// The strategies scored so far, in [`Mode::ALL`] order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The strategies that passed, once scored.
    pub fn passing(&self) -> Vec<Mode> {
        self.rows
            .iter()
            .filter(|r| r.verdict.pass)
            .map(|r| r.mode)
            .collect()
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The table of `rows` as HTML (a `<thead>` and a `<tbody>`): one row per
/// strategy with `data-mode` and `data-pass`, the verdict's every check in
/// its cell's tooltip; `targets` give messages per operation (their reads).
pub fn table_html(rows: &[Row], targets: &Targets) -> String {
    let head = [
        ("strategy", ""),
        ("broadcasts", ""),
        (
            "msgs / broadcast",
            "every message of every type sent from the first broadcast to the end, per broadcast",
        ),
        (
            "msgs / op",
            "messages / (broadcasts + reads): Maelstrom's msgs-per-op",
        ),
        (
            "p50 ms",
            "latency of a broadcast: from its publish until every node held it",
        ),
        ("p95 ms", ""),
        ("p99 ms", ""),
        ("max ms", ""),
        (
            "RMR",
            "relative message redundancy, pooled over the broadcasts",
        ),
        (
            "last hop",
            "hop count of each broadcast's last delivery: mean / max",
        ),
        ("undelivered", "(node, broadcast) pairs never delivered"),
        ("verdict", ""),
    ];
    let mut out = String::from("<thead><tr>");
    for (name, tip) in head {
        out.push_str(&format!("<th title=\"{}\">{name}</th>", xml(tip)));
    }
    out.push_str("</tr></thead><tbody>");
    for r in rows {
        let verdict = r.verdict.short();
        let cells = r.card.cells(Some(targets));
        out.push_str(&format!(
            "<tr data-mode=\"{m}\" data-pass=\"{}\"><td>{m}</td>",
            r.verdict.pass,
            m = r.mode.as_str()
        ));
        for cell in cells {
            out.push_str(&format!("<td class=\"num\">{cell}</td>"));
        }
        out.push_str(&format!(
            "<td class=\"verdict\" title=\"{}\">{verdict}</td></tr>",
            xml(&r.verdict.summary())
        ));
    }
    out.push_str("</tbody>");
    out
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// 3b scored in every strategy matches core's ScoreRun run directly,
    /// and the verdicts are the targets' judgement of those cards.
    #[test]
    fn every_strategy_gets_a_row_and_a_verdict() {
        let mut board = Board::new(Workload::B3);
        assert!(!board.step(1_000.0));
        assert_eq!(board.current().map(|c| c.0), Some(Mode::ALL[0]));
        let mut steps = 1;
        while !board.step(1_000.0) {
            steps += 1;
        }
        assert!(steps > Mode::ALL.len(), "ran in slices: {steps}");
        let modes: Vec<Mode> = board.rows().iter().map(|r| r.mode).collect();
        assert_eq!(modes, Mode::ALL);
        let mut push = Workload::B3.scenario();
        push.node.mode = Mode::Push;
        let direct = ScoreRun::run(push, LIMIT_MS);
        assert_eq!(board.rows()[0].card, direct);
        for row in board.rows() {
            assert_eq!(row.verdict, board.targets().judge(&row.card));
            assert_eq!(row.verdict.name, Workload::B3.title());
        }
        assert!(
            board.passing().contains(&Mode::Push),
            "3b has no latency and no loss: push reaches everyone"
        );
        let html = table_html(board.rows(), board.targets());
        assert_eq!(html.matches("<tr data-mode=").count(), Mode::ALL.len());
        assert!(html.contains("<tr data-mode=\"push\" data-pass=\"true\"><td>push</td>"));
        assert_eq!(
            html.matches("<td class=\"verdict\"").count(),
            Mode::ALL.len()
        );
        assert!(html.contains(">PASS</td>"));
    }
}
