use leptos::prelude::*;

use gossip_core::Mode;

use super::state::LabHandle;
use crate::model::layout::LayoutKind;
use crate::model::params::{OverlayKind, Params, NODES_RANGE};

/// A labelled range input whose value is shown next to it. `live` applies on
/// every movement (`input`), otherwise when the slider is released (`change`).
#[allow(clippy::too_many_arguments)]
fn slider(
    id: &'static str,
    label: &'static str,
    (min, max, step): (f64, f64, f64),
    value: Signal<f64>,
    shown: fn(f64) -> String,
    live: bool,
    set: impl Fn(f64) + 'static,
) -> impl IntoView {
    let read = move |ev: &web_sys::Event| event_target_value(ev).parse::<f64>().ok();
    let on_input = {
        let set = std::rc::Rc::new(set);
        let set2 = std::rc::Rc::clone(&set);
        (
            move |ev: web_sys::Event| {
                if live {
                    if let Some(v) = read(&ev) {
                        set(v);
                    }
                }
            },
            move |ev: web_sys::Event| {
                if let Some(v) = read(&ev) {
                    set2(v);
                }
            },
        )
    };
    view! {
        <label class="ctl">
            <span>{label}</span>
            <input
                id=id
                type="range"
                min=min.to_string()
                max=max.to_string()
                step=step.to_string()
                prop:value=move || value.get().to_string()
                on:input=on_input.0
                on:change=on_input.1
            />
            <output id=format!("{id}-value")>{move || shown(value.get())}</output>
        </label>
    }
}

fn int(v: f64) -> String {
    format!("{v:.0}")
}
fn millis(v: f64) -> String {
    if v >= 1_000.0 {
        format!("{:.1} s", v / 1_000.0)
    } else {
        format!("{v:.0} ms")
    }
}
fn pct(v: f64) -> String {
    format!("{v:.0} %")
}
fn times(v: f64) -> String {
    let x = 10f64.powf(v);
    if x < 1.0 {
        format!("{x:.2}x")
    } else {
        format!("{x:.1}x")
    }
}

/// Speed slider position (log10 of the factor) for a speed factor.
fn speed_position(speed: f64) -> f64 {
    speed.log10()
}

/// Every knob of the run, and play / pause / step / reset.
#[component]
pub fn Controls(lab: LabHandle) -> impl IntoView {
    let params = lab.params;
    let snap = lab.snap;
    let p = move |f: fn(&Params) -> f64| Signal::derive(move || params.with(f));

    // A structural change restarts the run with the new parameters.
    let restart = |lab: &LabHandle, change: fn(&mut Params, f64)| {
        let lab = lab.clone();
        move |v: f64| {
            let mut next = lab.params.get_untracked();
            change(&mut next, v);
            if next != lab.params.get_untracked() {
                lab.rebuild(next);
            }
        }
    };

    let l_loss = lab.clone();
    let set_loss = move |v: f64| {
        l_loss.params.update(|p| p.loss_pct = v);
        l_loss.update(|st| st.lab.set_loss_pct(v));
    };
    let l_lat = lab.clone();
    let set_latency = move |v: f64| {
        l_lat.params.update(|p| p.latency_ms = v);
        let p = l_lat.params.get_untracked();
        l_lat.update(|st| st.lab.set_latency(p.latency_ms, p.jitter_ms));
    };
    let l_jit = lab.clone();
    let set_jitter = move |v: f64| {
        l_jit.params.update(|p| p.jitter_ms = v);
        let p = l_jit.params.get_untracked();
        l_jit.update(|st| st.lab.set_latency(p.latency_ms, p.jitter_ms));
    };
    let l_speed = lab.clone();
    let set_speed = move |v: f64| l_speed.set_speed(10f64.powf(v));
    let speed_signal = lab.speed;
    let speed = Signal::derive(move || speed_position(speed_signal.get()));

    let l_mode = lab.clone();
    let on_mode = move |ev: web_sys::Event| {
        let mode = event_target_value(&ev)
            .parse::<Mode>()
            .unwrap_or(Mode::Hybrid);
        let mut next = l_mode.params.get_untracked();
        next.mode = mode;
        l_mode.rebuild(next);
    };
    let l_overlay = lab.clone();
    let on_overlay = move |ev: web_sys::Event| {
        let mut next = l_overlay.params.get_untracked();
        next.overlay =
            OverlayKind::parse(&event_target_value(&ev)).unwrap_or(OverlayKind::Bootstrap);
        l_overlay.rebuild(next);
    };
    let l_layout = lab.clone();
    let layout = lab.layout;
    let on_layout = move |ev: web_sys::Event| {
        let kind = LayoutKind::parse(&event_target_value(&ev)).unwrap_or(LayoutKind::Circle);
        l_layout.set_layout(kind);
    };
    let show_control = lab.show_control;
    let l_ctl = lab.clone();
    let on_control = move |ev: web_sys::Event| l_ctl.set_show_control(event_target_checked(&ev));

    let l_play = lab.clone();
    let l_step = lab.clone();
    let l_reset = lab.clone();
    let l_pub = lab.clone();
    let l_part = lab.clone();
    let l_seed = lab.clone();

    view! {
        <section class="panel" id="controls">
            <h2>"Run"</h2>
            <div class="buttons">
                <button
                    id="play"
                    class:on=move || snap.with(|s| s.playing)
                    on:click=move |_| l_play.update(|st| {
                        let playing = st.lab.is_playing();
                        st.lab.set_playing(!playing);
                    })
                >
                    {move || if snap.with(|s| s.playing) { "‖ pause" } else { "▶ play" }}
                </button>
                <button id="step" title="pause and run to the next datagram" on:click=move |_| l_step.update(|st| {
                    st.lab.set_playing(false);
                    st.lab.step();
                })>"step"</button>
                <button id="reset" on:click=move |_| l_reset.reset()>"reset"</button>
            </div>
            <div class="buttons">
                <button id="publish" on:click=move |_| { l_pub.update(|st| st.lab.publish_random()); }>
                    "publish (p)"
                </button>
                <button
                    id="partition"
                    class:on=move || snap.with(|s| s.partitioned)
                    on:click=move |_| l_part.update(|st| st.lab.toggle_partition())
                >
                    {move || if snap.with(|s| s.partitioned) { "heal" } else { "partition in two" }}
                </button>
            </div>
            {slider("speed", "speed", (-1.0, 2.0, 0.05), speed, times, true, set_speed)}
        </section>
        <section class="panel" id="parameters">
            <h2>"Parameters"</h2>
            {slider(
                "nodes", "nodes N",
                (f64::from(NODES_RANGE.0), f64::from(NODES_RANGE.1), 1.0),
                p(|p| f64::from(p.nodes)), int, false,
                restart(&lab, |p, v| p.nodes = v as u32),
            )}
            {slider("fanout", "fanout", (1.0, 10.0, 1.0), p(|p| f64::from(p.fanout)), int, false,
                restart(&lab, |p, v| p.fanout = v as u32))}
            {slider("ttl", "ttl", (1.0, 16.0, 1.0), p(|p| f64::from(p.ttl)), int, false,
                restart(&lab, |p, v| p.ttl = v as u32))}
            {slider("peer-limit", "peer limit", (2.0, 50.0, 1.0), p(|p| f64::from(p.peer_limit)), int, false,
                restart(&lab, |p, v| p.peer_limit = v as u32))}
            <label class="ctl">
                <span>"mode"</span>
                <select
                    id="mode"
                    on:change=on_mode
                    prop:value=move || params.with(|p| p.mode.as_str())
                    title=move || params.with(|p| p.mode.description())
                >
                    {Mode::ALL.map(|m| view! {
                        <option value=m.as_str() title=m.description()>{m.as_str()}</option>
                    }).collect_view()}
                </select>
                <output id="mode-value">{move || params.with(|p| p.mode.as_str())}</output>
            </label>
            {slider("pull-interval", "pull interval", (200.0, 10_000.0, 100.0), p(|p| f64::from(p.pull_interval_ms)), millis, false,
                restart(&lab, |p, v| p.pull_interval_ms = v as u32))}
            {slider("ihave-max", "IHAVE max ids", (1.0, 64.0, 1.0), p(|p| f64::from(p.ihave_max_ids)), int, false,
                restart(&lab, |p, v| p.ihave_max_ids = v as u32))}
            {slider("ping-interval", "ping interval", (200.0, 10_000.0, 100.0), p(|p| f64::from(p.ping_interval_ms)), millis, false,
                restart(&lab, |p, v| p.ping_interval_ms = v as u32))}
            {slider("peer-timeout", "peer timeout", (500.0, 30_000.0, 100.0), p(|p| f64::from(p.peer_timeout_ms)), millis, false,
                restart(&lab, |p, v| p.peer_timeout_ms = v as u32))}
            {slider("loss", "loss", (0.0, 90.0, 1.0), p(|p| p.loss_pct), pct, true, set_loss)}
            {slider("latency", "latency", (1.0, 500.0, 1.0), p(|p| p.latency_ms), millis, true, set_latency)}
            {slider("jitter", "jitter", (0.0, 500.0, 1.0), p(|p| p.jitter_ms), millis, true, set_jitter)}
            {slider("seed", "seed", (1.0, 1_000.0, 1.0), p(|p| p.seed as f64), int, false,
                move |v| { let mut next = l_seed.params.get_untracked(); next.seed = v as u64; l_seed.rebuild(next); })}
            <label class="ctl">
                <span>"overlay"</span>
                <select id="overlay-kind" on:change=on_overlay prop:value=move || params.with(|p| p.overlay.as_str())>
                    <option value="bootstrap">"bootstrap (real joins)"</option>
                    <option value="random">"random regular"</option>
                </select>
                <output></output>
            </label>
            <label class="ctl">
                <span>"layout"</span>
                <select id="layout" on:change=on_layout prop:value=move || layout.get().as_str()>
                    <option value="circle">"circle"</option>
                    <option value="force">"force"</option>
                </select>
                <output></output>
            </label>
            <label class="ctl">
                <span>"control traffic"</span>
                <input id="show-control" type="checkbox" prop:checked=move || show_control.get() on:change=on_control />
                <output></output>
            </label>
        </section>
    }
}
