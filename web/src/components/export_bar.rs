use leptos::prelude::*;

use super::page::{save_svg_as_png, save_text};
use super::state::LabHandle;
use crate::model::export::{coverage_svg, report_csv, report_json, Series};

const WIDTH: u32 = 800;
const HEIGHT: u32 = 400;

/// Downloads of the current run: its metrics as CSV or JSON, its coverage
/// chart as SVG or PNG.
#[component]
pub fn ExportBar(lab: LabHandle) -> impl IntoView {
    let status = RwSignal::new(String::new());
    let export = move |what: &'static str| {
        let lab = lab.clone();
        move |_| {
            let Some((params, report)) =
                lab.with(|st| st.lab.report().map(|r| (st.lab.params().clone(), r)))
            else {
                status.set("publish a message first (p)".to_owned());
                return;
            };
            status.set(String::new());
            let svg = || {
                let series = [Series {
                    label: "coverage",
                    points: &report.coverage,
                }];
                coverage_svg(
                    &format!("coverage, {} nodes, {}", params.nodes, params.mode.as_str()),
                    &series,
                    WIDTH,
                    HEIGHT,
                )
            };
            match what {
                "csv" => save_text("gossip-run.csv", "text/csv", &report_csv(&params, &report)),
                "json" => save_text(
                    "gossip-run.json",
                    "application/json",
                    &report_json(&params, &report),
                ),
                "svg" => save_text("coverage.svg", "image/svg+xml", &svg()),
                _ => save_svg_as_png("coverage.png", &svg(), WIDTH, HEIGHT),
            }
        }
    };
    view! {
        <section class="panel" id="export-panel">
            <h2>"Export the current run"</h2>
            <div class="buttons">
                <button id="export-csv" on:click=export("csv")>"metrics CSV"</button>
                <button id="export-json" on:click=export("json")>"metrics JSON"</button>
                <button id="export-svg" on:click=export("svg")>"chart SVG"</button>
                <button id="export-png" on:click=export("png")>"chart PNG"</button>
            </div>
            <p class="status" id="export-status">{move || status.get()}</p>
        </section>
    }
}
