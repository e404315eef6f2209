use leptos::prelude::*;

use super::state::LabHandle;
use crate::model::layout::LayoutKind;
use crate::model::params::{Field, Param, Unit, PARAMS};

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
    let read = move |ev: &web_sys::Event| crate::math::parse_f64(&event_target_value(ev));
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
    let x = crate::math::pow(10.0, v);
    if x < 1.0 {
        format!("{x:.2}x")
    } else {
        format!("{x:.1}x")
    }
}

fn shown(unit: Unit) -> fn(f64) -> String {
    match unit {
        Unit::Count => int,
        Unit::Ms => millis,
        Unit::Pct => pct,
    }
}

/// Sets `param` to `v`: a live knob changes the running network, any other
/// restarts the run with the new parameters.
fn set_param(lab: &LabHandle, param: &'static Param, v: f64) {
    let mut next = lab.params.get_untracked();
    param.set_position(&mut next, v);
    if next == lab.params.get_untracked() {
        return;
    }
    if param.live {
        lab.params.set(next.clone());
        lab.update(|st| {
            st.lab.set_loss_pct(next.loss_pct);
            st.lab.set_latency(next.latency_ms, next.jitter_ms);
        });
    } else {
        lab.rebuild(next);
    }
}

/// The control of one row of [`PARAMS`]: a selector for a choice, a slider
/// for a number (nothing for a number without a slider, which only a link sets).
fn control(lab: &LabHandle, param: &'static Param) -> AnyView {
    let params = lab.params;
    let lab = lab.clone();
    match (param.field, param.slider) {
        (Field::Choice { choices, .. }, _) => {
            let title = move || {
                let value = params.with(|p| param.text(p));
                choices()
                    .into_iter()
                    .find(|c| c.value == value)
                    .map_or("", |c| c.title)
            };
            let on_change = move |ev: web_sys::Event| {
                let mut next = lab.params.get_untracked();
                if param.read(&mut next, &event_target_value(&ev)).is_ok()
                    && next != lab.params.get_untracked()
                {
                    lab.rebuild(next);
                }
            };
            view! {
                <label class="ctl">
                    <span>{param.label}</span>
                    <select id=param.id on:change=on_change prop:value=move || params.with(|p| param.text(p)) title=title>
                        {choices().into_iter().map(|c| view! {
                            <option value=c.value title=c.title>{c.text}</option>
                        }).collect_view()}
                    </select>
                    <output id=format!("{}-value", param.id)>{move || params.with(|p| param.text(p))}</output>
                </label>
            }
            .into_any()
        }
        (_, Some(s)) => slider(
            param.id,
            param.label,
            (s.min, s.max, s.step),
            Signal::derive(move || params.with(|p| param.position(p))),
            shown(s.unit),
            param.live,
            move |v| set_param(&lab, param, v),
        )
        .into_any(),
        (_, None) => ().into_any(),
    }
}

/// Speed slider position (log10 of the factor) for a speed factor.
fn speed_position(speed: f64) -> f64 {
    crate::math::log10(speed)
}

/// Every knob of the run, and play / pause / step / reset.
#[component]
pub fn Controls(lab: LabHandle) -> impl IntoView {
    let snap = lab.snap;
    let l_speed = lab.clone();
    let set_speed = move |v: f64| l_speed.set_speed(crate::math::pow(10.0, v));
    let speed_signal = lab.speed;
    let speed = Signal::derive(move || speed_position(speed_signal.get()));

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
            {PARAMS.iter().map(|param| control(&lab, param)).collect_view()}
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
