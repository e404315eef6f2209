use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use gossip_core::MsgId;
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MouseEvent, WheelEvent};

use super::page::{data_url, save};
use super::state::LabHandle;
use crate::clock::now_ms;
use crate::frame::FrameLoop;
use crate::model::diagram::{
    describe, is_gossip, Hit, Viewport, AXIS_PX, DELIVERY, LABEL_PX, LAST_HOP, TREE,
};
use crate::model::spacetime::{Recording, Tree};
use crate::render::{family, BACKGROUND, CONTROL_FAMILIES, FAMILIES};

/// Window shown at first, µs of simulated time.
const DEFAULT_SPAN_US: u64 = 1_500_000;
/// Wall-clock ms between redraws while the diagram follows the run.
const REDRAW_EVERY_MS: f64 = 100.0;
/// Above this many arrows on screen, heads are left off (lines only).
const HEADS_UP_TO: usize = 2_500;

/// What the diagram's pointer, buttons and frame loop share.
struct DiagramState {
    view: Viewport,
    follow: bool,
    selected: Option<MsgId>,
    tree: Option<Tree>,
    tree_key: Option<(MsgId, u64)>,
    drawn_key: Option<(u64, Viewport, Option<MsgId>, bool)>,
    last_draw_ms: f64,
}

/// What the page shows about the last drawing (read by the tests too).
#[derive(Clone, Copy, Default, PartialEq)]
struct Drawn {
    arrows: usize,
    draw_ms: f64,
}

/// The space-time diagram: one line per node, time to the right, every
/// datagram an arrow from send to receipt coloured by type, losses cut,
/// first deliveries marked; click a gossip to see its dissemination tree
/// here and on the network canvas.
#[component]
pub fn SpaceTimePanel(lab: LabHandle) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let state = Rc::new(RefCell::new(DiagramState {
        view: Viewport::new(800.0, 400.0, 1, DEFAULT_SPAN_US, DEFAULT_SPAN_US),
        follow: true,
        selected: None,
        tree: None,
        tree_key: None,
        drawn_key: None,
        last_draw_ms: f64::NEG_INFINITY,
    }));
    let drawn = RwSignal::new(Drawn::default());
    let follow = RwSignal::new(true);
    let selected = RwSignal::new(None::<String>);
    let tooltip = RwSignal::new(None::<(String, f64, f64)>);
    let show_tree = RwSignal::new(false);
    let mounted = Arc::new(AtomicBool::new(true));
    let unmounted = Arc::clone(&mounted);
    on_cleanup(move || unmounted.store(false, Ordering::Relaxed));

    let (loop_lab, loop_state) = (lab.clone(), Rc::clone(&state));
    canvas.on_load(move |el| {
        let Some(ctx) = context(&el) else {
            return;
        };
        FrameLoop::start(move |_| {
            if !mounted.load(Ordering::Relaxed) {
                return false;
            }
            let show_control = loop_lab.show_control.get_untracked();
            let result = loop_lab.with(|st| {
                let mut d = loop_state.borrow_mut();
                redraw(&el, &ctx, &mut d, &st.lab, show_control)
            });
            if let Some(r) = result {
                drawn.set(r);
            }
            true
        });
    });

    let at = |ev: &MouseEvent| (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
    let (move_lab, move_state) = (lab.clone(), Rc::clone(&state));
    let on_move = move |ev: MouseEvent| {
        let (x, y) = at(&ev);
        let show_control = move_lab.show_control.get_untracked();
        let text = move_lab.with(|st| {
            let d = move_state.borrow();
            let rec = st.lab.recording();
            d.view.hit(rec, show_control, x, y).and_then(|h| match h {
                Hit::Arrow(i) => rec.arrows().get(i).map(describe),
                Hit::Delivery(i) => rec.deliveries().get(i).map(|dl| {
                    format!(
                        "node {} delivered at {:.1} ms, hop {}{}",
                        dl.node,
                        dl.t_us as f64 / 1_000.0,
                        dl.hops,
                        dl.from
                            .map(|f| format!(", first from node {f}"))
                            .unwrap_or_default()
                    )
                }),
            })
        });
        tooltip.set(text.map(|t| (t, x, y)));
    };
    let (click_lab, click_state) = (lab.clone(), Rc::clone(&state));
    let on_click = move |ev: MouseEvent| {
        let (x, y) = at(&ev);
        let show_control = click_lab.show_control.get_untracked();
        click_lab.with(|st| {
            let mut d = click_state.borrow_mut();
            let rec = st.lab.recording();
            let id = d.view.hit(rec, show_control, x, y).and_then(|h| match h {
                Hit::Arrow(i) => rec
                    .arrows()
                    .get(i)
                    .filter(|a| is_gossip(a))
                    .and_then(|a| a.gossip),
                Hit::Delivery(i) => rec.deliveries().get(i).map(|dl| dl.id),
            });
            d.selected = id;
            st.selected = id;
            selected.set(id.map(|id| id.to_string()));
        });
    };
    let wheel_state = Rc::clone(&state);
    let on_wheel = move |ev: WheelEvent| {
        let mut d = wheel_state.borrow_mut();
        let x = f64::from(ev.offset_x());
        if ev.ctrl_key() || ev.meta_key() {
            d.view.zoom(if ev.delta_y() > 0.0 { 1.25 } else { 0.8 }, x);
            d.follow = false;
        } else if ev.shift_key() {
            d.view.pan(ev.delta_y().signum() * 0.1);
            d.follow = false;
        } else if d.view.max_first_lane() > 0 {
            d.view.scroll_lanes(ev.delta_y().signum() as i64 * 3);
        } else {
            return;
        }
        ev.prevent_default();
        follow.set(d.follow);
    };

    let act = {
        let state = Rc::clone(&state);
        move |f: fn(&mut DiagramState)| {
            let mut d = state.borrow_mut();
            f(&mut d);
            follow.set(d.follow);
        }
    };
    let (a1, a2, a3, a4, a5, a6, a7) = (
        act.clone(),
        act.clone(),
        act.clone(),
        act.clone(),
        act.clone(),
        act.clone(),
        act,
    );
    let (svg_lab, svg_state) = (lab.clone(), Rc::clone(&state));
    let export_svg = move |_| {
        let show_control = svg_lab.show_control.get_untracked();
        let svg = svg_lab.with(|st| {
            let d = svg_state.borrow();
            d.view
                .svg(st.lab.recording(), show_control, d.tree.as_ref())
        });
        save("space-time.svg", &data_url("image/svg+xml", &svg));
    };
    let export_png = move |_| {
        if let Some(url) = canvas
            .get_untracked()
            .and_then(|c| c.to_data_url_with_type("image/png").ok())
        {
            save("space-time.png", &url);
        }
    };
    let tree_lab = lab.clone();

    view! {
        <section class="panel spacetime" id="spacetime">
            <h2>"Space-time diagram"</h2>
            <p class="hint">
                "one line per node, time to the right; every datagram is an arrow from send to receipt, coloured by type; a cut arrow (×) was lost; a dot is a first delivery. Click a gossip arrow or a dot to see its dissemination tree (who first informed whom) here and on the network; the last delivery hop is pink. Wheel scrolls the nodes, shift+wheel pans time, ctrl+wheel zooms."
            </p>
            <div class="buttons">
                <button id="st-earlier" on:click=move |_| a1(|d| { d.follow = false; d.view.pan(-0.5); })>"◀ earlier"</button>
                <button id="st-later" on:click=move |_| a2(|d| { d.follow = false; d.view.pan(0.5); })>"later ▶"</button>
                <button id="st-zoom-in" on:click=move |_| a3(|d| { let x = d.view.width - 1.0; d.view.zoom(0.5, x); })>"zoom in"</button>
                <button id="st-zoom-out" on:click=move |_| a4(|d| { let x = d.view.width - 1.0; d.view.zoom(2.0, x); })>"zoom out"</button>
                <button id="st-up" on:click=move |_| a5(|d| { let by = i64::from(d.view.visible_lanes()); d.view.scroll_lanes(-by); })>"▲ nodes"</button>
                <button id="st-down" on:click=move |_| a6(|d| { let by = i64::from(d.view.visible_lanes()); d.view.scroll_lanes(by); })>"nodes ▼"</button>
                <button id="st-live" class:on=move || follow.get() on:click=move |_| a7(|d| d.follow = true)>"live"</button>
                <button id="st-svg" on:click=export_svg>"export SVG"</button>
                <button id="st-png" on:click=export_png>"export PNG"</button>
                <label class="check">
                    <input id="st-tree" type="checkbox" prop:checked=move || show_tree.get()
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            show_tree.set(on);
                            tree_lab.with(|st| st.show_tree = on);
                        } />
                    "dissemination tree on the network"
                </label>
            </div>
            <div class="legend">
                {FAMILIES.iter().map(|(name, colour)| view! {
                    <span><i style:background=*colour></i>{*name}</span>
                }).collect_view()}
                <span><i style:background=DELIVERY></i>"first delivery"</span>
                <span><i style:background=TREE></i>"tree"</span>
                <span><i style:background=LAST_HOP></i>"last delivery hop"</span>
            </div>
            <div class="st-plot">
                <canvas
                    id="spacetime-canvas"
                    node_ref=canvas
                    on:mousemove=on_move
                    on:mouseleave=move |_| tooltip.set(None)
                    on:click=on_click
                    on:wheel=on_wheel
                    data-arrows=move || drawn.get().arrows.to_string()
                    data-draw-ms=move || format!("{:.2}", drawn.get().draw_ms)
                    data-selected=move || selected.get().unwrap_or_default()
                ></canvas>
                {move || tooltip.get().map(|(text, x, y)| view! {
                    <div class="tooltip" id="st-tooltip" style:left=format!("{:.0}px", x + 12.0) style:top=format!("{:.0}px", y + 12.0)>{text}</div>
                })}
            </div>
            <p class="dim" id="st-status">{move || {
                let d = drawn.get();
                let sel = selected.get().map(|s| format!(" · tree of gossip {}…", s.get(..8).unwrap_or(&s))).unwrap_or_default();
                format!("{} datagrams on screen, drawn in {:.1} ms{sel}", d.arrows, d.draw_ms)
            }}</p>
        </section>
    }
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

/// Redraws when something changed (and, while following, at most every
/// [`REDRAW_EVERY_MS`]); returns what was drawn.
fn redraw(
    el: &HtmlCanvasElement,
    ctx: &CanvasRenderingContext2d,
    d: &mut DiagramState,
    lab: &crate::model::lab::Lab,
    show_control: bool,
) -> Option<Drawn> {
    let (w, h) = (
        el.client_width().max(1) as u32,
        el.client_height().max(1) as u32,
    );
    if el.width() != w || el.height() != h {
        el.set_width(w);
        el.set_height(h);
        d.drawn_key = None;
    }
    let rec = lab.recording();
    d.view.width = f64::from(w);
    d.view.height = f64::from(h);
    d.view.lanes = lab.len();
    d.view.scroll_lanes(0);
    let start = now_ms();
    if d.follow {
        if start - d.last_draw_ms < REDRAW_EVERY_MS {
            return None;
        }
        d.view.end_us = lab.now_us().max(d.view.span_us);
    }
    if let Some(id) = d.selected {
        let key = (id, rec.version());
        if d.tree_key != Some(key) {
            d.tree_key = Some(key);
            d.tree = rec.tree(id);
        }
    } else {
        d.tree = None;
        d.tree_key = None;
    }
    let key = (rec.version(), d.view, d.selected, show_control);
    if d.drawn_key == Some(key) {
        return None;
    }
    d.drawn_key = Some(key);
    let arrows = paint(ctx, &d.view, rec, show_control, d.tree.as_ref());
    let end = now_ms();
    d.last_draw_ms = end;
    Some(Drawn {
        arrows,
        draw_ms: end - start,
    })
}

/// Paints the diagram; returns the number of arrows drawn.
fn paint(
    ctx: &CanvasRenderingContext2d,
    v: &Viewport,
    rec: &Recording,
    show_control: bool,
    tree: Option<&Tree>,
) -> usize {
    let (w, h) = (v.width, v.height);
    ctx.set_fill_style_str(BACKGROUND);
    ctx.fill_rect(0.0, 0.0, w, h);
    let last = (v.first_lane + v.visible_lanes()).min(v.lanes);
    ctx.set_stroke_style_str("#2d3742");
    ctx.set_line_width(1.0);
    ctx.begin_path();
    for i in v.first_lane..last {
        ctx.move_to(LABEL_PX, v.y(i));
        ctx.line_to(w, v.y(i));
    }
    ctx.stroke();
    ctx.set_fill_style_str("#8b949e");
    ctx.set_font("10px sans-serif");
    for i in v.first_lane..last {
        let _ = ctx.fill_text(&format!("n{i}"), 4.0, v.y(i) + 3.5);
    }
    ctx.set_text_align("center");
    for (x, label) in v.time_ticks() {
        let _ = ctx.fill_text(&label, x, h - 6.0);
    }
    ctx.set_text_align("start");
    ctx.save();
    ctx.begin_path();
    ctx.rect(LABEL_PX, 0.0, w - LABEL_PX, h - AXIS_PX);
    ctx.clip();

    let visible: Vec<usize> = rec
        .arrows()
        .iter()
        .enumerate()
        .filter(|(_, a)| v.shows(a) && (show_control || family(a.kind) < CONTROL_FAMILIES))
        .map(|(i, _)| i)
        .collect();
    let heads = visible.len() <= HEADS_UP_TO;
    ctx.set_global_alpha(if tree.is_some() { 0.3 } else { 0.9 });
    for (fam, (_, colour)) in FAMILIES.iter().enumerate() {
        ctx.set_stroke_style_str(colour);
        ctx.begin_path();
        let mut any = false;
        for a in visible
            .iter()
            .map(|&i| &rec.arrows()[i])
            .filter(|a| family(a.kind) == fam)
        {
            let ((x1, y1), (x2, y2)) = v.ends(a);
            ctx.move_to(x1, y1);
            ctx.line_to(x2, y2);
            if a.lost.is_some() {
                ctx.move_to(x2 - 3.0, y2 - 3.0);
                ctx.line_to(x2 + 3.0, y2 + 3.0);
                ctx.move_to(x2 + 3.0, y2 - 3.0);
                ctx.line_to(x2 - 3.0, y2 + 3.0);
            } else if heads {
                head(ctx, (x1, y1), (x2, y2), 4.0);
            }
            any = true;
        }
        if any {
            ctx.stroke();
        }
    }
    ctx.set_global_alpha(1.0);
    ctx.set_fill_style_str(DELIVERY);
    ctx.begin_path();
    for dl in rec
        .deliveries()
        .iter()
        .filter(|dl| dl.t_us >= v.start_us() && dl.t_us <= v.end_us)
    {
        let (x, y) = (v.x(dl.t_us), v.y(dl.node));
        ctx.move_to(x + 2.5, y);
        let _ = ctx.arc(x, y, 2.5, 0.0, std::f64::consts::TAU);
    }
    ctx.fill();
    if let Some(tree) = tree {
        let last = tree.last().copied();
        for (colour, width, edges) in [
            (
                TREE,
                2.0,
                tree.edges
                    .iter()
                    .filter(|e| Some(**e) != last)
                    .collect::<Vec<_>>(),
            ),
            (LAST_HOP, 3.0, last.iter().collect()),
        ] {
            ctx.set_stroke_style_str(colour);
            ctx.set_line_width(width);
            ctx.begin_path();
            for e in edges {
                let (a, b) = ((v.x(e.sent_us), v.y(e.parent)), (v.x(e.t_us), v.y(e.child)));
                ctx.move_to(a.0, a.1);
                ctx.line_to(b.0, b.1);
                head(ctx, a, b, 6.0);
            }
            ctx.stroke();
        }
        ctx.set_line_width(1.0);
    }
    ctx.restore();
    visible.len()
}

/// An arrow head at `b` for the line from `a`.
fn head(ctx: &CanvasRenderingContext2d, a: (f64, f64), b: (f64, f64), size: f64) {
    let angle = crate::math::atan2(b.1 - a.1, b.0 - a.0);
    for side in [-0.4f64, 0.4] {
        ctx.move_to(b.0, b.1);
        ctx.line_to(
            b.0 - size * crate::math::cos(angle + side),
            b.1 - size * crate::math::sin(angle + side),
        );
    }
}
