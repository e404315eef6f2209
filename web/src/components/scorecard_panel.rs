use gossip_core::scorecard::glomers::Workload;
use leptos::prelude::*;

use crate::clock::now_ms;
use crate::frame::FrameTask;
use crate::model::format::si;
use crate::model::scorecard::{Board, Row};

/// Wall time one frame may spend simulating, ms.
const FRAME_BUDGET_MS: f64 = 12.0;
/// Simulated time per slice, ms.
const SLICE_MS: f64 = 250.0;

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
}

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
    title: &'static str,
    criteria: String,
    reads: u64,
    rows: Vec<Row>,
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
        title: board.workload().title(),
        criteria: criteria(board),
        reads: board.targets().reads,
        rows: board.rows().to_vec(),
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
            {move || result.get().map(|s| view! {
                <p class="status"><strong>{s.title}</strong>": "{s.criteria}</p>
                <p class="status" id="scorecard-status">{s.status}</p>
                <table class="types" id="scorecard-table">
                    <thead><tr>
                        <th>"strategy"</th><th>"broadcasts"</th>
                        <th title="every message of every type sent from the first broadcast to the end, per broadcast">"msgs / broadcast"</th>
                        <th title=format!("messages / (broadcasts + {} reads): Maelstrom's msgs-per-op", s.reads)>"msgs / op"</th>
                        <th title="latency of a broadcast: from its publish until every node held it">"p50 ms"</th>
                        <th>"p95 ms"</th><th>"p99 ms"</th><th>"max ms"</th>
                        <th title="relative message redundancy, pooled over the broadcasts">"RMR"</th>
                        <th title="hop count of each broadcast's last delivery: mean / max">"last hop"</th>
                        <th title="(node, broadcast) pairs never delivered">"undelivered"</th>
                        <th>"verdict"</th>
                    </tr></thead>
                    <tbody>
                        {s.rows.into_iter().map(|r| {
                            let lat = r.card.latency_ms;
                            let per_op = r.card.messages as f64 / (r.card.broadcasts + s.reads).max(1) as f64;
                            let failed: Vec<String> = r.verdict.checks.iter().filter(|c| !c.pass).map(|c| c.what.clone()).collect();
                            view! {
                                <tr data-mode=r.mode.as_str() data-pass=r.verdict.pass.to_string()>
                                    <td>{r.mode.as_str()}</td>
                                    <td class="num">{r.card.broadcasts.to_string()}</td>
                                    <td class="num">{opt(r.card.msgs_per_broadcast, 1)}</td>
                                    <td class="num">{format!("{per_op:.1}")}</td>
                                    <td class="num">{opt(lat.map(|l| l.p50), 0)}</td>
                                    <td class="num">{opt(lat.map(|l| l.p95), 0)}</td>
                                    <td class="num">{opt(lat.map(|l| l.p99), 0)}</td>
                                    <td class="num">{opt(lat.map(|l| l.max), 0)}</td>
                                    <td class="num">{opt(r.card.rmr, 2)}</td>
                                    <td class="num">{format!("{} / {}", opt(r.card.last_hop_mean, 1), r.card.last_hop_max.map_or_else(|| "–".to_owned(), |h| h.to_string()))}</td>
                                    <td class="num">{si(r.card.undelivered as f64)}</td>
                                    <td class="verdict" title=r.verdict.summary()>
                                        {if r.verdict.pass { "PASS".to_owned() } else { format!("FAIL: {}", failed.join(", ")) }}
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <p class="status" id="scorecard-passing">{s.passing}</p>
            })}
        </section>
    }
}
