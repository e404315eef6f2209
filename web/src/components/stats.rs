use leptos::prelude::*;

use gossip_core::{metrics, MsgType};

use crate::clock::now_ms;
use crate::model::bench::{self, BenchResult};
use crate::model::format::{ms, opt_ms, or_dash, si, ticks, UNDEFINED};
use crate::model::params::Params;
use crate::model::snapshot::{GossipStats, Snapshot};
use crate::model::theory::{self, Plot};
use crate::render::{CRASHED, FADE, FAMILIES, ORIGIN, UNINFORMED};

use super::TheoryToggle;

/// The coverage chart's size in SVG units, plot margins included.
const CHART_W: f64 = 300.0;
const CHART_H: f64 = 130.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 6.0;
const BOTTOM: f64 = 26.0;
const PLOT_W: f64 = CHART_W - LEFT - RIGHT;
const PLOT_H: f64 = CHART_H - TOP - BOTTOM;

/// Tooltip of the "sent" column.
const SENT_TIP: &str =
    "every message of this type sent since the lab opened, delivered or dropped (the whole)";
/// Tooltip of the "in [t0, t95]" column.
const WINDOW_TIP: &str = "the part of \"sent\" sent while the current gossip went from published (t0) to 95 % coverage (t95); – until 95 % is reached";

fn chart_y(fraction: f64) -> f64 {
    TOP + (1.0 - fraction) * PLOT_H
}

/// The chart's time span in ms: the curve, the gossip's age, a margin.
fn x_span(g: &GossipStats) -> f64 {
    let last = g.curve.last().map_or(0.0, |p| p.0);
    last.max(g.age_ms.min(last * 1.2 + 1.0)).max(1.0) * 1.05
}

/// SVG points of the coverage curve, as a step function over `[0, x_max]`.
fn curve_points(g: &GossipStats, x_max: f64) -> String {
    let x = |ms: f64| LEFT + ms / x_max * PLOT_W;
    let mut out = String::with_capacity(g.curve.len() * 16);
    let mut prev = 0.0;
    for &(ms, f) in &g.curve {
        out.push_str(&format!(
            "{:.1},{:.1} {:.1},{:.1} ",
            x(ms),
            chart_y(prev),
            x(ms),
            chart_y(f)
        ));
        prev = f;
    }
    out.push_str(&format!(
        "{:.1},{:.1}",
        x(g.age_ms.min(x_max)),
        chart_y(prev)
    ));
    out
}

/// Axes of the coverage chart: 0/50/100 % and round ms ticks up to `x_max`.
fn axes(x_max: f64) -> impl IntoView {
    let y_ticks = [0.0, 0.5, 1.0].map(|f| {
        let y = chart_y(f);
        view! {
            <line x1=LEFT x2=LEFT + PLOT_W y1=y y2=y class="grid" />
            <text x=LEFT - 4.0 y=y + 3.0 text-anchor="end">{format!("{:.0}%", f * 100.0)}</text>
        }
    });
    let x_ticks = ticks(x_max, 4).into_iter().map(|t| {
        let x = LEFT + t / x_max * PLOT_W;
        view! {
            <line x1=x x2=x y1=TOP + PLOT_H y2=TOP + PLOT_H + 3.0 class="axis" />
            <text x=x y=TOP + PLOT_H + 12.0 text-anchor="middle">{si(t)}</text>
        }
    });
    view! {
        <g class="axes">
            {y_ticks.into_iter().collect_view()}
            {x_ticks.collect_view()}
            <line x1=LEFT x2=LEFT y1=TOP y2=TOP + PLOT_H class="axis" />
            <line x1=LEFT x2=LEFT + PLOT_W y1=TOP + PLOT_H y2=TOP + PLOT_H class="axis" />
            <text x=LEFT + PLOT_W / 2.0 y=CHART_H - 2.0 text-anchor="middle">"ms after publish"</text>
        </g>
    }
}

/// Live metrics of the current gossip and of the whole run; the coverage
/// chart optionally shows core's theory curves for `params`.
#[component]
pub fn Stats(snap: RwSignal<Snapshot>, params: RwSignal<Params>) -> impl IntoView {
    let bench_result = RwSignal::new(None::<(u32, BenchResult)>);
    let theory_on = RwSignal::new(false);
    let curves = move || {
        if theory_on.get() {
            params.with(theory::curves)
        } else {
            Vec::new()
        }
    };
    let gossip = move || snap.with(|s| s.gossip.clone());
    view! {
        <section class="panel" id="stats">
            <h2>"Statistics"</h2>
            <dl class="kv">
                <dt>"simulated time"</dt><dd id="sim-time">{move || ms(snap.with(|s| s.sim_ms))}</dd>
                <dt>"nodes (running)"</dt>
                <dd id="sim-nodes">{move || snap.with(|s| format!("{} ({})", s.nodes, s.alive))}</dd>
                <dt>"links"</dt><dd>{move || snap.with(|s| si(s.links as f64))}</dd>
                <dt>"in flight / dropped"</dt>
                <dd id="in-flight" data-count=move || snap.with(|s| s.in_flight.to_string())>
                    {move || snap.with(|s| format!("{} / {}", si(s.in_flight as f64), si(s.dropped as f64)))}
                </dd>
                <dt>"gossip"</dt>
                <dd id="gossip-number">{move || gossip().map_or_else(|| "press p or click a node".to_owned(), |g| format!("#{}", g.number))}</dd>
                <dt title="delivery ratio: nodes holding the gossip / running nodes when it was published">"coverage"</dt>
                <dd id="coverage">{move || or_dash(gossip(), |g| format!("{:.0}%", (g.coverage * 100.0).floor()))}</dd>
                <dt>"delivered"</dt>
                <dd id="delivered">{move || or_dash(gossip(), |g| format!("{} / {}", g.delivered, g.population))}</dd>
                <Show when=move || snap.with(|s| s.halves.is_some())>
                    <dt title="holders of the gossip on each side of the partition">
                        {move || snap.with(|s| {
                            let half = s.nodes / 2;
                            format!("informed, nodes 0–{} / {}–{}", half.saturating_sub(1), half, s.nodes.saturating_sub(1))
                        })}
                    </dt>
                    <dd id="halves"
                        data-first=move || snap.with(|s| s.halves.map(|h| h.0.to_string()))
                        data-second=move || snap.with(|s| s.halves.map(|h| h.1.to_string()))>
                        {move || snap.with(|s| s.halves.map(|(l, r)| format!("{l} / {r}")))}
                    </dd>
                </Show>
                <dt>"time to 50 %"</dt>
                <dd id="t50">{move || opt_ms(gossip().and_then(|g| g.t50_ms))}</dd>
                <dt>"time to 95 %"</dt>
                <dd id="t95">{move || opt_ms(gossip().and_then(|g| g.t95_ms))}</dd>
                <dt>"time to 100 %"</dt>
                <dd id="t100">{move || opt_ms(gossip().and_then(|g| g.t100_ms))}</dd>
                <dt title="push alone: 95 % held the gossip before any node pulled it; pull: some of them asked for it (IWANT) after an IHAVE">"95 % reached by"</dt>
                <dd id="reached-by">{move || or_dash(gossip().and_then(|g| g.pulled_by_t95), metrics::reached_by)}</dd>
                <dt title="every message of every type sent from publish (t0) to 95 % coverage (t95); – until 95 % is reached">"overhead [t0, t95]"</dt>
                <dd id="overhead" data-count=move || gossip().and_then(|g| g.overhead).map(|o| o.to_string())>
                    {move || or_dash(gossip().and_then(|g| g.overhead), |o| si(o as f64))}
                </dd>
                <dt>"duplicates / RMR"</dt>
                <dd id="rmr">{move || or_dash(gossip(), |g| format!("{} / {}", si(g.duplicates as f64), or_dash(g.rmr, |r| format!("{r:.2}"))))}</dd>
                <dt>"mean hops"</dt>
                <dd>{move || or_dash(gossip().and_then(|g| g.mean_hops), |h| format!("{h:.2}"))}</dd>
            </dl>
            <svg class="chart" id="coverage-chart" viewBox=format!("0 0 {CHART_W} {CHART_H}")>
                <line x1=LEFT x2=LEFT + PLOT_W y1=chart_y(0.95) y2=chart_y(0.95) class="t95-level" />
                {move || {
                    let g = gossip();
                    let theory = curves();
                    let x_max = (theory::span_ms(&theory) * 1.05)
                        .max(g.as_ref().map_or(1_000.0, x_span));
                    let plot = Plot { left: LEFT, top: TOP, width: PLOT_W, height: PLOT_H, x_max };
                    let overlay = theory::svg(&theory, plot, false);
                    let curve = g.map(|g| {
                        let t95 = g.t95_ms.map(|t| LEFT + t / x_max * PLOT_W);
                        view! {
                            <polyline id="coverage-line" points=curve_points(&g, x_max) fill="none" stroke=FADE[0] stroke-width="2" />
                            {t95.map(|x| view! { <line x1=x x2=x y1=TOP y2=TOP + PLOT_H stroke=FADE[4] stroke-width="1" /> })}
                        }
                    });
                    view! { {axes(x_max)} {curve} <g id="theory-curves" inner_html=overlay /> }
                }}
            </svg>
            <div class="legend" id="theory-legend">
                <TheoryToggle id="theory-toggle" on=theory_on />
                {move || curves().into_iter().map(|c| view! {
                    <span class="theory-label" data-model=c.model.as_str() title=c.assumptions
                        style:color=theory::colour(c.model)>{c.label}</span>
                }).collect_view()}
            </div>
            <table class="types" id="by-type">
                <thead><tr><th>"type"</th><th title=SENT_TIP>"sent"</th><th title=WINDOW_TIP>"of which in [t0, t95]"</th></tr></thead>
                <tbody>
                    {MsgType::ALL.into_iter().map(|t| view! {
                        <tr>
                            <td>{t.as_str()}</td>
                            <td class="num" title=SENT_TIP>{move || snap.with(|s| si(s.sent(t) as f64))}</td>
                            <td class="num" title=WINDOW_TIP>{move || gossip().and_then(|g| g.overhead_by_type).map_or_else(|| UNDEFINED.to_owned(), |o| si(o[t] as f64))}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <div class="legend">
                <span><i style:background=UNINFORMED></i>"not informed"</span>
                <span><i style:background=FADE[4]></i>"just informed"</span>
                <span><i style:background=FADE[0]></i>"informed"</span>
                <span><i style:background=ORIGIN></i>"origin"</span>
                <span><i style:background=CRASHED></i>"crashed"</span>
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
                    si(r.events as f64), r.wall_ms, si(r.events_per_sec())
                ))}
            </p>
        </section>
    }
}
