use gossip_core::Mode;
use leptos::prelude::*;

use super::page::{download, save_svg_as_png};
use crate::frame::FrameTask;
use crate::model::compare::{Compare, Side};
use crate::model::export::{coverage_svg, report_json, Series};
use crate::model::format::{opt_ms, or_dash, si};
use crate::model::params::Params;

fn chart(sides: &[Side]) -> String {
    let series: Vec<Series<'_>> = sides
        .iter()
        .map(|s| Series {
            label: &s.label,
            points: &s.report.coverage,
        })
        .collect();
    coverage_svg("coverage over time, same seed", &series, 640, 320)
}

/// Runs the current parameters in push and in hybrid mode on the same seed
/// and overlays their coverage curves; `autostart` runs them as the panel
/// opens (a preset).
#[component]
pub fn ComparePanel(params: RwSignal<Params>, autostart: bool) -> impl IntoView {
    let sides = RwSignal::new(Vec::<Side>::new());
    let status = RwSignal::new(String::new());
    let task = FrameTask::new();
    let run = move || {
        let p = params.get_untracked();
        let a = Params {
            mode: Mode::Push,
            ..p.clone()
        };
        let b = Params {
            mode: Mode::Hybrid,
            ..p
        };
        let mut cmp = Compare::new(a, b);
        sides.set(Vec::new());
        status.set(format!("running both on seed {}…", cmp.seed()));
        task.start(move |_| {
            let step = cmp.step();
            sides.set(cmp.sides().to_vec());
            match step {
                Ok(false) => true,
                Ok(true) => {
                    status.set(format!("both runs used seed {}", cmp.seed()));
                    false
                }
                Err(err) => {
                    status.set(format!("a run failed: {err}"));
                    false
                }
            }
        });
    };
    if autostart {
        run();
    }
    view! {
        <section class="panel" id="compare-panel">
            <h2>"Compare"</h2>
            <div class="buttons">
                <button id="compare-run" on:click=move |_| run()>"compare push vs hybrid"</button>
            </div>
            <p class="status" id="compare-status">{move || status.get()}</p>
            <div class="chart-box" id="compare-chart" data-curves=move || sides.with(|s| s.len().to_string())
                inner_html=move || sides.with(|s| if s.is_empty() { String::new() } else { chart(s) }) />
            <table class="types" id="compare-table">
                <thead><tr>
                    <th>"run"</th><th>"delivery"</th><th>"t95"</th><th>"t100"</th>
                    <th>"overhead"</th><th>"duplicates"</th><th>"RMR"</th>
                </tr></thead>
                <tbody>
                    {move || sides.get().into_iter().map(|s| {
                        let r = s.report;
                        view! {
                            <tr>
                                <td>{s.label}</td>
                                <td class="num">{format!("{:.0}%", r.delivery_ratio * 100.0)}</td>
                                <td class="num">{opt_ms(r.t95_ms)}</td>
                                <td class="num">{opt_ms(r.t100_ms)}</td>
                                <td class="num">{or_dash(r.overhead, |o| si(o as f64))}</td>
                                <td class="num">{si(r.duplicates as f64)}</td>
                                <td class="num">{or_dash(r.rmr, |v| format!("{v:.2}"))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="buttons">
                {move || sides.with(|s| (s.len() == 2).then(|| {
                    let json = format!(
                        "[{}]",
                        s.iter().map(|side| report_json(&side.params, &side.report)).collect::<Vec<_>>().join(",")
                    );
                    view! {
                        {download("compare-svg", "chart SVG", "compare.svg", "image/svg+xml", chart(s))}
                        {download("compare-json", "metrics JSON", "compare.json", "application/json", json)}
                        <button id="compare-png" on:click=move |_| {
                            save_svg_as_png("compare.png", &sides.with_untracked(|s| chart(s)), 640, 320)
                        }>"chart PNG"</button>
                    }
                }))}
            </div>
        </section>
    }
}
