use gossip_core::metrics::CoveragePoint;
use leptos::prelude::*;

use super::page::{download, save_svg_as_png};
use crate::frame::FrameTask;
use crate::model::batch::{Batch, TableRow, MAX_SEEDS};
use crate::model::export::{coverage_svg_with, runs_csv, table_csv, Series};
use crate::model::format::{or_dash, si};
use crate::model::params::Params;
use crate::model::theory;

use super::TheoryToggle;

/// What the tab shows of a batch.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    done: u32,
    total: u32,
    rows: Vec<TableRow>,
    params: Params,
    /// The first seeds' coverage curves, labelled.
    curves: Vec<(String, Vec<CoveragePoint>)>,
    runs_csv: String,
}

fn shown(batch: &Batch) -> Shown {
    let (done, total) = batch.progress();
    let curves = batch
        .runs()
        .iter()
        .filter_map(|r| {
            r.outcome
                .as_ref()
                .ok()
                .map(|rep| (format!("seed {}", r.seed), rep.coverage.clone()))
        })
        .take(4)
        .collect();
    Shown {
        done,
        total,
        rows: batch.table(),
        params: batch.params().clone(),
        curves,
        runs_csv: runs_csv(batch),
    }
}

/// The coverage chart of the first seeds, with core's theory curves when
/// `theory_on`.
fn chart(s: &Shown, theory_on: bool) -> String {
    let series: Vec<Series<'_>> = s
        .curves
        .iter()
        .map(|(label, points)| Series { label, points })
        .collect();
    let curves = if theory_on {
        theory::curves(&s.params)
    } else {
        Vec::new()
    };
    coverage_svg_with(
        "coverage over time, first seeds",
        &series,
        &curves,
        640,
        320,
    )
}

/// A batch of seeds for the current parameters, one run per frame, and the
/// mean ± std table computed by core's metrics.
#[component]
pub fn ExperimentsPanel(params: RwSignal<Params>) -> impl IntoView {
    let seeds = RwSignal::new(10u32);
    let result = RwSignal::new(None::<Shown>);
    let theory_on = RwSignal::new(false);
    let task = FrameTask::new();
    let run = move |_| {
        let mut batch = Batch::new(params.get_untracked(), seeds.get_untracked());
        result.set(Some(shown(&batch)));
        task.start(move |_| {
            let done = batch.step();
            result.set(Some(shown(&batch)));
            !done
        });
    };
    view! {
        <section class="panel" id="experiments-panel">
            <h2>"Experiments"</h2>
            <p class="hint">"One broadcast per seed with the current parameters, exactly as "<code>"gossip experiment"</code>" runs it; mean ± sample std over the seeds."</p>
            <label class="ctl">
                <span>"seeds"</span>
                <input id="experiment-seeds" type="range" min="1" max=MAX_SEEDS.to_string() step="1"
                    prop:value=move || seeds.get().to_string()
                    on:input=move |ev| seeds.set(event_target_value(&ev).parse().unwrap_or(1)) />
                <output>{move || seeds.get()}</output>
            </label>
            <div class="buttons">
                <button id="experiment-run" on:click=run>"run the batch"</button>
                <TheoryToggle id="experiment-theory" on=theory_on />
            </div>
            <p class="status" id="experiment-status">
                {move || result.with(|r| r.as_ref().map(|s| format!("{} of {} runs", s.done, s.total)))}
            </p>
            <table class="types" id="summary-table">
                <thead><tr><th>"metric"</th><th>"mean"</th><th>"std"</th>
                    <th title="runs where the metric is defined (e.g. time to 95 % only counts runs that reached 95 %)">"runs"</th></tr></thead>
                <tbody>
                    {move || result.with(|r| r.as_ref().map(|s| s.rows.iter().map(|row| {
                        let unit = if row.unit.is_empty() { String::new() } else { format!(" ({})", row.unit) };
                        view! {
                            <tr>
                                <td>{format!("{}{unit}", row.metric)}</td>
                                <td class="num mean" data-value=row.summary.mean_value().map(|v| v.to_string())>{or_dash(row.summary.mean_value(), si)}</td>
                                <td class="num std" data-value=row.summary.std_value().map(|v| v.to_string())>{or_dash(row.summary.std_value(), si)}</td>
                                <td class="num runs">{format!("{} of {}", row.summary.n, s.done)}</td>
                            </tr>
                        }
                    }).collect_view()))}
                </tbody>
            </table>
            <div class="chart-box" id="experiment-chart"
                inner_html=move || result.with(|r| r.as_ref().map(|s| chart(s, theory_on.get())).unwrap_or_default()) />
            <div class="buttons">
                {move || result.with(|r| r.as_ref().filter(|s| s.done == s.total).map(|s| view! {
                    {download("experiment-runs-csv", "runs CSV", "runs.csv", "text/csv", s.runs_csv.clone())}
                    {download("experiment-table-csv", "mean ± std CSV", "summary.csv", "text/csv", table_csv(&s.rows))}
                    <button id="experiment-png" on:click=move |_| {
                        if let Some(svg) = result.with_untracked(|r| r.as_ref().map(|s| chart(s, theory_on.get_untracked()))) {
                            save_svg_as_png("experiments.png", &svg, 640, 320);
                        }
                    }>"chart PNG"</button>
                }))}
            </div>
        </section>
    }
}
