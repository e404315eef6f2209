use gossip_core::scorecard::glomers::Workload;
use leptos::prelude::*;

use crate::clock::now_ms;
use crate::frame::FrameTask;
use crate::model::scorecard::{table_html, Board};

/// Wall time one frame may spend simulating, ms.
const FRAME_BUDGET_MS: f64 = 12.0;
/// Simulated time per slice, ms.
const SLICE_MS: f64 = 250.0;

/// The thresholds of the workload in words.
fn criteria(board: &Board) -> String {
    let t = board.targets();
    let mut out = vec!["every broadcast reaches every node".to_owned()];
    if let Some(m) = t.msgs_per_op {
        out.push(format!("fewer than {m} messages per operation"));
    }
    if let Some(m) = t.median_ms {
        out.push(format!("median latency under {m} ms"));
    }
    if let Some(m) = t.max_ms {
        out.push(format!("maximum latency under {m} ms"));
    }
    out.join(", ")
}

/// What the tab shows of a board.
#[derive(Debug, Clone, PartialEq)]
struct Shown {
    heading: String,
    table: String,
    status: String,
    passing: Option<String>,
}

fn shown(board: &Board) -> Shown {
    let status = match board.current() {
        Some((mode, done)) => format!(
            "scoring {} ({:.0} % of the workload)…",
            mode.as_str(),
            done * 100.0
        ),
        None if board.is_done() => "every strategy scored".to_owned(),
        None => "starting…".to_owned(),
    };
    let passing = board.is_done().then(|| {
        let names: Vec<&str> = board.passing().iter().map(|m| m.as_str()).collect();
        if names.is_empty() {
            "no strategy passes".to_owned()
        } else {
            format!("passing: {}", names.join(", "))
        }
    });
    Shown {
        heading: format!("{}: {}", board.workload().title(), criteria(board)),
        table: table_html(board.rows(), board.targets()),
        status,
        passing,
    }
}

/// Scores a Gossip Glomers workload in every strategy with core's
/// scorecard, and shows which pass its published thresholds. The workload
/// is the preset's when a Glomers preset is loaded; `autostart` scores it
/// as the panel opens.
#[component]
pub fn ScorecardPanel(preset: RwSignal<Option<String>>, autostart: bool) -> impl IntoView {
    let chosen = RwSignal::new(
        preset
            .get_untracked()
            .as_deref()
            .and_then(Workload::by_slug)
            .unwrap_or(Workload::D3),
    );
    let result = RwSignal::new(None::<Shown>);
    let task = FrameTask::new();
    let run = move || {
        let mut board = Board::new(chosen.get_untracked());
        result.set(Some(shown(&board)));
        task.start(move |_| {
            let started = now_ms();
            let mut done = board.step(SLICE_MS);
            while !done && now_ms() - started < FRAME_BUDGET_MS {
                done = board.step(SLICE_MS);
            }
            result.set(Some(shown(&board)));
            !done
        });
    };
    if autostart {
        run();
    }
    view! {
        <section class="panel" id="scorecard-panel">
            <h2>"Scorecard"</h2>
            <p class="hint">
                "A Gossip Glomers broadcast workload, as Maelstrom runs it, in every strategy: the same scenario as "
                <code>"gossip sim --scenario docs/scenarios/glomers-3d.json --all-modes"</code>
                ". An operation is a broadcast or a read (half each); a read costs no message between nodes."
            </p>
            <div class="buttons">
                <select id="scorecard-workload"
                    on:change=move |ev| {
                        if let Some(w) = Workload::by_slug(&event_target_value(&ev)) {
                            chosen.set(w);
                        }
                    }>
                    {Workload::ALL.map(|w| view! {
                        <option value=w.slug() selected=move || chosen.get() == w>{w.title()}</option>
                    }).collect_view()}
                </select>
                <button id="scorecard-run" on:click=move |_| run()>"score every strategy"</button>
            </div>
            <p class="status" id="scorecard-heading">{move || result.with(|r| r.as_ref().map(|s| s.heading.clone()))}</p>
            <p class="status" id="scorecard-status">{move || result.with(|r| r.as_ref().map(|s| s.status.clone()))}</p>
            <table class="types" id="scorecard-table"
                inner_html=move || result.with(|r| r.as_ref().map(|s| s.table.clone()).unwrap_or_default()) />
            <p class="status" id="scorecard-passing">{move || result.with(|r| r.as_ref().and_then(|s| s.passing.clone()))}</p>
        </section>
    }
}
