use leptos::prelude::*;

use gossip_core::MsgType;

use super::pow_panel::format_count;
use crate::clock::now_ms;
use crate::model::bench::{self, BenchResult};
use crate::model::snapshot::{format_ms, GossipStats, Snapshot};
use crate::render::{FAMILIES, ORIGIN, UNINFORMED};

const CHART_W: f64 = 300.0;
const CHART_H: f64 = 120.0;

fn opt_ms(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), format_ms)
}

/// SVG points of the coverage curve, as a step function over `[0, x_max]`.
fn curve_points(g: &GossipStats) -> (String, f64) {
    let last = g.curve.last().map_or(0.0, |p| p.0);
    let x_max = last.max(g.age_ms.min(last * 1.2 + 1.0)).max(1.0) * 1.05;
    let x = |ms: f64| ms / x_max * CHART_W;
    let y = |f: f64| CHART_H - 4.0 - f * (CHART_H - 8.0);
    let mut out = String::with_capacity(g.curve.len() * 16);
    let mut prev = 0.0;
    for &(ms, f) in &g.curve {
        out.push_str(&format!(
            "{:.1},{:.1} {:.1},{:.1} ",
            x(ms),
            y(prev),
            x(ms),
            y(f)
        ));
        prev = f;
    }
    out.push_str(&format!("{:.1},{:.1}", x(g.age_ms.min(x_max)), y(prev)));
    (out, x_max)
}

/// Live metrics of the current gossip and of the whole run.
#[component]
pub fn Stats(snap: RwSignal<Snapshot>) -> impl IntoView {
    let bench_result = RwSignal::new(None::<(u32, BenchResult)>);
    let gossip = move || snap.with(|s| s.gossip.clone());
    view! {
        <section class="panel" id="stats">
            <h2>"Statistics"</h2>
            <dl class="kv">
                <dt>"simulated time"</dt><dd id="sim-time">{move || format_ms(snap.with(|s| s.sim_ms))}</dd>
                <dt>"nodes (running)"</dt>
                <dd id="sim-nodes">{move || snap.with(|s| format!("{} ({})", s.nodes, s.alive))}</dd>
                <dt>"links"</dt><dd>{move || snap.with(|s| s.links)}</dd>
                <dt>"in flight / dropped"</dt>
                <dd id="in-flight" data-count=move || snap.with(|s| s.in_flight.to_string())>
                    {move || snap.with(|s| format!("{} / {}", s.in_flight, s.dropped))}
                </dd>
                <dt>"gossip"</dt>
                <dd id="gossip-number">{move || gossip().map_or_else(|| "press p or click a node".to_owned(), |g| format!("#{}", g.number))}</dd>
                <dt>"coverage (delivery ratio)"</dt>
                <dd id="coverage">{move || gossip().map_or_else(|| "–".to_owned(), |g| format!("{:.0}%", (g.coverage * 100.0).floor()))}</dd>
                <dt>"delivered"</dt>
                <dd id="delivered">{move || gossip().map_or_else(|| "–".to_owned(), |g| format!("{} / {}", g.delivered, g.population))}</dd>
                <dt>"t50 / t95 / t100"</dt>
                <dd id="t95">{move || gossip().map_or_else(|| "–".to_owned(), |g| format!("{} / {} / {}", opt_ms(g.t50_ms), opt_ms(g.t95_ms), opt_ms(g.t100_ms)))}</dd>
                <dt>"overhead [t0, t95]"</dt>
                <dd id="overhead">{move || gossip().and_then(|g| g.t95_ms.map(|_| g.overhead)).map_or_else(|| "–".to_owned(), |o| o.to_string())}</dd>
                <dt>"duplicates / RMR"</dt>
                <dd id="rmr">{move || gossip().map_or_else(|| "–".to_owned(), |g| format!("{} / {}", g.duplicates, g.rmr.map_or_else(|| "–".to_owned(), |r| format!("{r:.2}"))))}</dd>
                <dt>"mean hops"</dt>
                <dd>{move || gossip().and_then(|g| g.mean_hops).map_or_else(|| "–".to_owned(), |h| format!("{h:.2}"))}</dd>
            </dl>
            <svg class="chart" id="coverage-chart" viewBox=format!("0 0 {CHART_W} {CHART_H}") preserveAspectRatio="none">
                <line x1="0" x2=CHART_W.to_string() y1=(CHART_H - 4.0 - 0.95 * (CHART_H - 8.0)).to_string() y2=(CHART_H - 4.0 - 0.95 * (CHART_H - 8.0)).to_string()
                    stroke="#30363d" stroke-dasharray="4 3" />
                {move || gossip().map(|g| {
                    let (points, x_max) = curve_points(&g);
                    let t95 = g.t95_ms.map(|t| t / x_max * CHART_W);
                    view! {
                        <polyline id="coverage-line" points=points fill="none" stroke="#3fb950" stroke-width="2" vector-effect="non-scaling-stroke" />
                        {t95.map(|x| view! { <line x1=x.to_string() x2=x.to_string() y1="0" y2=CHART_H.to_string() stroke="#ffe066" stroke-width="1" vector-effect="non-scaling-stroke" /> })}
                    }
                })}
            </svg>
            <table class="types" id="by-type">
                <thead><tr><th>"type"</th><th>"sent"</th><th>"in [t0,t95]"</th></tr></thead>
                <tbody>
                    {MsgType::ALL.into_iter().map(|t| view! {
                        <tr>
                            <td>{t.as_str()}</td>
                            <td>{move || snap.with(|s| s.sent(t))}</td>
                            <td>{move || gossip().and_then(|g| g.t95_ms.map(|_| g.overhead_by_type[t.index()])).map_or_else(|| "–".to_owned(), |o| o.to_string())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <div class="legend">
                <span><i style:background=UNINFORMED></i>"not informed"</span>
                <span><i style:background="#ffe066"></i>"just informed"</span>
                <span><i style:background="#3fb950"></i>"informed"</span>
                <span><i style:background=ORIGIN></i>"origin"</span>
                <span><i style:background="#7a1f1f"></i>"crashed"</span>
            </div>
            <div class="legend">
                {FAMILIES.iter().map(|(name, colour)| view! { <span><i style:background=*colour></i>{*name}</span> }).collect_view()}
            </div>
            <p class="status">
                {move || snap.with(|s| if s.lagging { "the simulator cannot keep up with this speed: running slower" } else { "" })}
            </p>
            <div class="buttons">
                <button id="bench" on:click=move |_| {
                    let run = bench_result.with_untracked(|b| b.map_or(1, |(n, _)| n + 1));
                    bench_result.set(Some((run, bench::run(now_ms))));
                }>"simulator benchmark"</button>
            </div>
            <p
                class="status"
                id="bench-result"
                data-events-per-sec=move || bench_result.get().map(|(_, r)| format!("{:.0}", r.events_per_sec()))
            >
                {move || bench_result.get().map(|(run, r)| format!(
                    "run {run}: {} events in {:.0} ms = {} events/s (wasm)",
                    r.events, r.wall_ms, format_count(r.events_per_sec())
                ))}
            </p>
        </section>
    }
}
