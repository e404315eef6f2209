use leptos::prelude::*;

use crate::clock::{epoch_ms, now_ms};
use crate::frame::FrameTask;
use crate::model::format::{ms, si, si_unit};
use crate::model::params::Params;
use crate::model::sybil::{
    Attacker, SybilDemo, SybilFill, SybilParams, SybilReport, SybilRun, MAX_IDENTITIES, MAX_K,
};
use crate::pow_worker::{measure, PowWorker};

/// Wall-clock budget for the attack in one animation frame, ms.
const FRAME_BUDGET_MS: f64 = 10.0;
/// Attempts per call between clock readings.
const SLICE: u64 = 2_048;
/// Side of each network picture, px.
const PICTURE: f64 = 220.0;
/// How long "use this machine's rate" hashes, ms.
const MEASURE_MS: f64 = 300.0;

/// The attacker's table: one row per run.
fn report_row(r: &SybilReport) -> impl IntoView {
    let who = match r.attacker {
        Attacker::Solver => "solves proofs",
        Attacker::Forger => "forges proofs",
    };
    view! {
        <tr>
            <td>{format!("k = {}", r.k)}</td>
            <td>{who}</td>
            <td class="num">{format!("{} / {}", r.admitted, r.tried)}</td>
            <td class="num">{format!("{:.1}", r.admitted_per_s)}</td>
            <td class="num">{si(r.attempts as f64)}</td>
            <td class="num">{ms(r.attacker_ms)}</td>
            <td class="num">{r.table_entries.map_or_else(|| "–".to_owned(), |e| e.to_string())}</td>
        </tr>
    }
}

/// A picture of a run: its title and, per node, a position and a class.
type Picture = (String, Vec<(f64, f64, &'static str)>);

/// Honest nodes on a circle, fake identities on an outer ring, classed by
/// whether they got in.
fn picture(run: &SybilRun, title: String) -> Picture {
    let honest = run.honest_count();
    let fakes = (run.sim().len() - honest).max(1);
    let c = PICTURE / 2.0;
    let dots = (0..run.sim().len())
        .filter_map(|i| {
            let fill = run.fill(i)?;
            let (ring, slot, count) = match fill {
                SybilFill::Honest => (0.30, i, honest.max(1)),
                _ => (0.44, i - honest, fakes),
            };
            let a = std::f64::consts::TAU * f64::from(slot) / f64::from(count);
            let class = match fill {
                SybilFill::Honest => "honest",
                SybilFill::Admitted => "admitted",
                SybilFill::Refused => "refused",
            };
            Some((
                c + ring * PICTURE * crate::math::cos(a),
                c + ring * PICTURE * crate::math::sin(a),
                class,
            ))
        })
        .collect();
    (title, dots)
}

fn draw((title, dots): Picture) -> impl IntoView {
    view! {
        <figure class="sybil-picture">
            <svg viewBox=format!("0 0 {PICTURE} {PICTURE}") width=PICTURE height=PICTURE>
                {dots.into_iter().map(|(x, y, class)| view! {
                    <circle cx=format!("{x:.1}") cy=format!("{y:.1}") r="4" class=class />
                }).collect_view()}
            </svg>
            <figcaption>{title}</figcaption>
        </figure>
    }
}

/// The Sybil demo: the same attacker at k = 0 and at the chosen k, and a
/// forger; `autostart` starts the attack as the panel opens (a preset).
#[component]
pub fn SybilPanel(
    params: RwSignal<Params>,
    sybil: RwSignal<SybilParams>,
    autostart: bool,
) -> impl IntoView {
    let task = FrameTask::new();
    let measuring = StoredValue::new_local(None::<PowWorker>);
    let reports = RwSignal::new(None::<[SybilReport; 3]>);
    let pictures = RwSignal::new(Vec::<Picture>::new());

    let start = move || {
        let mut d = SybilDemo::new(&params.get_untracked(), sybil.get_untracked());
        let mut drawn = None;
        task.start(move |_| {
            let deadline = now_ms() + FRAME_BUDGET_MS;
            let mut done = false;
            while !done && now_ms() < deadline {
                done = d.step(SLICE);
            }
            let rs = d.reports();
            // The pictures change only when an identity joins or gets in.
            let key = rs.clone().map(|r| (r.tried, r.admitted));
            if drawn != Some(key) {
                drawn = Some(key);
                let [free, chosen, forged] = d.runs();
                pictures.set(vec![
                    picture(free, "k = 0".to_owned()),
                    picture(chosen, format!("k = {}", rs[1].k)),
                    picture(forged, format!("forged proofs, k = {}", rs[2].k)),
                ]);
            }
            reports.set(Some(rs));
            !done
        });
    };
    if autostart {
        start();
    }
    let slider = move |id: &'static str,
                       label: &'static str,
                       min: u32,
                       max: u32,
                       get: fn(&SybilParams) -> u32,
                       set: fn(&mut SybilParams, u32)| {
        view! {
            <label class="ctl">
                <span>{label}</span>
                <input id=id type="range" min=min.to_string() max=max.to_string() step="1"
                    prop:value=move || sybil.with(|s| get(s).to_string())
                    on:input=move |ev| {
                        let v = event_target_value(&ev).parse().unwrap_or(min);
                        sybil.update(|s| set(s, v));
                    } />
                <output>{move || sybil.with(get)}</output>
            </label>
        }
    };
    view! {
        <section class="panel" id="sybil-panel">
            <h2>"Sybil attack"</h2>
            <p class="hint">"An attacker mints fake identities and joins each through a random node. It must solve a real proof of work per identity; its machine's hash rate sets how much simulated time that takes."</p>
            {slider("sybil-k", "difficulty k", 0, MAX_K, |s| s.k, |s, v| s.k = v)}
            {slider("sybil-ids", "identities M", 1, MAX_IDENTITIES, |s| s.identities, |s, v| s.identities = v)}
            <label class="ctl">
                <span>"attacker hash rate"</span>
                <input id="sybil-rate" type="number" min="1" step="any"
                    prop:value=move || sybil.with(|s| s.hash_rate.to_string())
                    on:change=move |ev| {
                        if let Some(v) = crate::math::parse_f64(&event_target_value(&ev)) {
                            sybil.update(|s| s.hash_rate = v);
                            sybil.update(|s| *s = s.clamped());
                        }
                    } />
                <output>{move || si_unit(sybil.with(|s| s.hash_rate), "H/s")}</output>
            </label>
            <div class="buttons">
                <button id="sybil-measure" on:click=move |_| {
                    let worker = measure(MEASURE_MS, epoch_ms() as u64, move |rate| {
                        sybil.update(|s| s.hash_rate = rate.max(1.0));
                    });
                    measuring.set_value(worker);
                }>
                    "use this machine's rate"
                </button>
                <button id="sybil-start" on:click=move |_| start()>"start the attack"</button>
            </div>
            <table class="types" id="sybil-table">
                <thead><tr>
                    <th title="the proof-of-work difficulty the honest nodes require">"difficulty"</th>
                    <th>"attacker"</th>
                    <th title="fake identities taken into an honest node's peer table, of those tried">"admitted"</th>
                    <th title="admitted identities per second of simulated time, from the start of the attack to the last admission">"admitted per second"</th>
                    <th title="SHA-256 attempts the attacker spent">"hashes"</th>
                    <th title="time the attacker's machine spent hashing, at its hash rate">"hashing time"</th>
                    <th title="honest peer-table entries the fake identities hold now">"table entries"</th>
                </tr></thead>
                <tbody>
                    {move || reports.get().map(|rs| rs.iter().map(report_row).collect_view())}
                </tbody>
            </table>
            <p class="status" id="sybil-status">
                {move || reports.get().map(|rs| if rs.iter().all(|r| r.finished) { "attack finished" } else { "attacking…" })}
            </p>
            <div class="sybil-pictures">{move || pictures.get().into_iter().map(draw).collect_view()}</div>
            <div class="legend">
                <span><i class="honest"></i>"honest node"</span>
                <span><i class="admitted"></i>"Sybil admitted"</span>
                <span><i class="refused"></i>"Sybil refused"</span>
            </div>
        </section>
    }
}
