use gossip_core::Mode;
use leptos::prelude::*;

use super::page::{download, save_svg_as_png};
use crate::frame::FrameTask;
use crate::model::compare::{Compare, Side};
use crate::model::export::{coverage_svg_with, reports_json, Series};
use crate::model::format::{opt_ms, or_dash, si};
use crate::model::params::Params;
use crate::model::theory;

use super::TheoryToggle;

fn chart(sides: &[Side], theory_on: bool) -> String {
    let series: Vec<Series<'_>> = sides
        .iter()
        .map(|s| Series {
            label: &s.label,
            points: &s.report.coverage,
        })
        .collect();
    let curves = match (theory_on, sides.first()) {
        (true, Some(side)) => theory::curves(&side.params),
        _ => Vec::new(),
    };
    coverage_svg_with("coverage over time, same seed", &series, &curves, 640, 320)
}

/// Runs the current parameters in each strategy ticked in `modes` on the
/// same seed and overlays their coverage curves; `autostart` runs them as
/// the panel opens (a preset).
#[component]
pub fn ComparePanel(
    params: RwSignal<Params>,
    modes: RwSignal<Vec<Mode>>,
    autostart: bool,
) -> impl IntoView {
    let sides = RwSignal::new(Vec::<Side>::new());
    let theory_on = RwSignal::new(false);
    let total = RwSignal::new(0_usize);
    let status = RwSignal::new(String::new());
    let task = FrameTask::new();
    let run = move || {
        let mut cmp = modes.with_untracked(|m| Compare::strategies(&params.get_untracked(), m));
        sides.set(Vec::new());
        total.set(cmp.len());
        if cmp.is_empty() {
            status.set("tick at least one strategy".to_owned());
            return;
        }
        status.set(format!(
            "running {} strategies on seed {}…",
            cmp.len(),
            cmp.seed()
        ));
        task.start(move |_| {
            let step = cmp.step();
            sides.set(cmp.sides().to_vec());
            match step {
                Ok(false) => true,
                Ok(true) => {
                    status.set(format!("all {} runs used seed {}", cmp.len(), cmp.seed()));
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
                {Mode::ALL.map(|mode| view! {
                    <label class="check" title=mode.description()>
                        <input
                            type="checkbox"
                            id=format!("compare-mode-{}", mode.as_str())
                            value=mode.as_str()
                            prop:checked=move || modes.with(|m| m.contains(&mode))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                modes.update(|m| {
                                    *m = Mode::ALL
                                        .into_iter()
                                        .filter(|x| if *x == mode { on } else { m.contains(x) })
                                        .collect();
                                });
                            }
                        />
                        {mode.as_str()}
                    </label>
                }).collect_view()}
                <button id="compare-run" on:click=move |_| run()>"compare strategies"</button>
                <TheoryToggle id="compare-theory" on=theory_on />
            </div>
            <p class="status" id="compare-status">{move || status.get()}</p>
            <div class="chart-box" id="compare-chart" data-curves=move || sides.with(|s| s.len().to_string())
                inner_html=move || sides.with(|s| if s.is_empty() { String::new() } else { chart(s, theory_on.get()) }) />
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
                {move || sides.with(|s| (!s.is_empty() && s.len() == total.get()).then(|| {
                    let json = reports_json(s.iter().map(|side| (&side.params, &side.report)));
                    view! {
                        {download("compare-svg", "chart SVG", "compare.svg", "image/svg+xml", chart(s, theory_on.get()))}
                        {download("compare-json", "metrics JSON", "compare.json", "application/json", json)}
                        <button id="compare-png" on:click=move |_| {
                            save_svg_as_png("compare.png", &sides.with_untracked(|s| chart(s, theory_on.get_untracked())), 640, 320)
                        }>"chart PNG"</button>
                    }
                }))}
            </div>
        </section>
    }
}
