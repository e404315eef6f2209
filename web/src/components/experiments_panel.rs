use leptos::prelude::*;

use super::page::{download, save_svg_as_png};
use crate::frame::FrameTask;
use crate::model::batch::{Batch, TableRow, MAX_SEEDS};
use crate::model::export::{coverage_svg, runs_csv, table_csv, Series};
use crate::model::format::{or_dash, si};
use crate::model::params::Params;

/// What the tab shows of a batch.
#[derive(Clone, Debug, PartialEq)]
struct Shown {
    done: u32,
    total: u32,
    rows: Vec<TableRow>,
    chart: String,
    runs_csv: String,
}

fn shown(batch: &Batch) -> Shown {
    let (done, total) = batch.progress();
    let reports = batch.reports();
    let labels: Vec<String> = batch
        .runs()
        .iter()
        .filter(|r| r.outcome.is_ok())
        .map(|r| format!("seed {}", r.seed))
        .collect();
    let series: Vec<Series<'_>> = reports
        .iter()
        .zip(&labels)
        .take(4)
        .map(|(r, label)| Series {
            label,
            points: &r.coverage,
        })
        .collect();
    Shown {
        done,
        total,
        rows: batch.table(),
        chart: coverage_svg("coverage over time, first seeds", &series, 640, 320),
        runs_csv: runs_csv(batch),
    }
}

/// A batch of seeds for the current parameters, one run per frame, and the
/// mean ± std table computed by core's metrics.
#[component]
pub fn ExperimentsPanel(params: RwSignal<Params>) -> impl IntoView {
    let seeds = RwSignal::new(10u32);
    let result = RwSignal::new(None::<Shown>);
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
            <div class="buttons"><button id="experiment-run" on:click=run>"run the batch"</button></div>
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
                inner_html=move || result.with(|r| r.as_ref().map(|s| s.chart.clone()).unwrap_or_default()) />
            <div class="buttons">
                {move || result.with(|r| r.as_ref().filter(|s| s.done == s.total).map(|s| view! {
                    {download("experiment-runs-csv", "runs CSV", "runs.csv", "text/csv", s.runs_csv.clone())}
                    {download("experiment-table-csv", "mean ± std CSV", "summary.csv", "text/csv", table_csv(&s.rows))}
                    <button id="experiment-png" on:click=move |_| {
                        if let Some(chart) = result.with_untracked(|r| r.as_ref().map(|s| s.chart.clone())) {
                            save_svg_as_png("experiments.png", &chart, 640, 320);
                        }
                    }>"chart PNG"</button>
                }))}
            </div>
        </section>
    }
}
