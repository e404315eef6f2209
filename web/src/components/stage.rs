use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::html::Canvas;
use leptos::prelude::*;
use web_sys::MouseEvent;

use super::state::LabHandle;
use crate::clock::{mark, now_ms, INTERACTIVE_MARK};
use crate::frame::FrameLoop;
use crate::model::lab::NodeInfo;
use crate::model::snapshot::Snapshot;
use crate::render::{DrawOptions, Painter};
use crate::tree_overlay::{self, TreeCache};

/// Wall-clock ms the simulator may use per frame.
const SIM_BUDGET_MS: f64 = 6.0;
/// Wall-clock ms between peer-table reads.
const LINKS_EVERY_MS: f64 = 250.0;
/// Wall-clock ms between statistics refreshes.
const SNAPSHOT_EVERY_MS: f64 = 200.0;
/// Wall-clock ms over which a freshly informed node fades.
const FADE_WALL_MS: f64 = 1_500.0;

/// The overlay canvas, its frame loop, hover tooltip and click handling.
#[component]
pub fn Stage(lab: LabHandle) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let tooltip = RwSignal::new(None::<(NodeInfo, TooltipPlace)>);
    let fps = RwSignal::new(0.0f64);
    let mounted = Arc::new(AtomicBool::new(true));
    let unmounted = Arc::clone(&mounted);
    on_cleanup(move || unmounted.store(false, Ordering::Relaxed));

    let on_load = lab.clone();
    canvas.on_load(move |el| {
        let lab = on_load;
        lab.with(|st| st.painter = Painter::new(el));
        let mut last_frame = 0.0f64;
        let mut last_links = 0.0f64;
        let mut last_snap = 0.0f64;
        let mut frames = 0u32;
        let mut fps_since = now_ms();
        let mut trees = TreeCache::default();
        FrameLoop::start(move |ts| {
            if !mounted.load(Ordering::Relaxed) {
                return false;
            }
            let first = last_frame == 0.0;
            let dt = if first { 16.0 } else { ts - last_frame };
            last_frame = ts;
            let start = now_ms();
            let snap = lab.with(|st| {
                st.lab.advance(dt, start + SIM_BUDGET_MS, now_ms);
                if start - last_links >= LINKS_EVERY_MS {
                    last_links = start;
                    if st.lab.refresh_links() {
                        st.layout.reheat();
                    }
                }
                let links = st.lab.links();
                st.layout.tick(links);
                let opts = DrawOptions {
                    show_control: st.show_control,
                    hover: st.hover,
                    fade_us: (FADE_WALL_MS * st.lab.speed() * 1_000.0) as u64,
                    scale: st.scale,
                };
                if let Some(p) = st.painter.as_mut() {
                    p.draw(&st.lab, &st.layout, opts);
                }
                if st.show_tree || st.selected.is_some() {
                    if let (Some(p), Some(tree)) =
                        (st.painter.as_ref(), trees.get(&st.lab, st.selected))
                    {
                        tree_overlay::draw(p, &st.layout, tree, st.scale);
                    }
                }
                (start - last_snap >= SNAPSHOT_EVERY_MS).then(|| {
                    last_snap = start;
                    Snapshot::of(&st.lab)
                })
            });
            if let Some(s) = snap {
                lab.snap.set(s);
            }
            if first {
                mark(INTERACTIVE_MARK);
            }
            frames += 1;
            if ts - fps_since >= 1_000.0 {
                fps.set(f64::from(frames) * 1_000.0 / (ts - fps_since));
                frames = 0;
                fps_since = ts;
            }
            true
        });
    });

    let hover_lab = lab.clone();
    let on_move = move |ev: MouseEvent| {
        let (x, y) = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        let info = hover_lab.with(|st| {
            let n = st.lab.len();
            let hit = st.painter.as_ref().and_then(|p| {
                let (pt, r) = p.to_layout(x, y, n);
                st.layout.hit(pt, r)
            });
            st.hover = hit;
            let size = st.painter.as_ref().map_or((0, 0), Painter::size);
            hit.and_then(|i| st.lab.info(i))
                .map(|info| (info, TooltipPlace::near(x, y, size)))
        });
        tooltip.set(info);
    };
    let leave_lab = lab.clone();
    let on_leave = move |_: MouseEvent| {
        leave_lab.with(|st| st.hover = None);
        tooltip.set(None);
    };
    let click_lab = lab.clone();
    let on_click = move |ev: MouseEvent| {
        let (x, y) = (f64::from(ev.offset_x()), f64::from(ev.offset_y()));
        let shift = ev.shift_key();
        click_lab.update(|st| {
            let n = st.lab.len();
            let hit = st.painter.as_ref().and_then(|p| {
                let (pt, r) = p.to_layout(x, y, n);
                st.layout.hit(pt, r)
            });
            if let Some(i) = hit {
                if shift {
                    st.lab.toggle_node(i);
                } else {
                    st.lab.publish_from(i);
                }
            }
        });
    };

    let snap = lab.snap;
    view! {
        <section class="stage" id="stage">
            <canvas
                id="overlay"
                node_ref=canvas
                on:mousemove=on_move
                on:mouseleave=on_leave
                on:click=on_click
                data-nodes=move || snap.with(|s| s.nodes.to_string())
            ></canvas>
            <div class="fps" id="fps">{move || (fps.get() > 0.0).then(|| format!("{:.0} fps", fps.get()))}</div>
            <Show when=move || snap.with(|s| !s.playing)>
                <div class="paused" id="paused-badge" role="status">"❚❚ paused · space to play"</div>
            </Show>
            {move || {
                tooltip
                    .get()
                    .map(|(i, place)| {
                        let text = format!(
                            "node {} ({})\nid {}…\npeers {}  seen {}\nsent {}  received {}\ndelivered {}  duplicates {}{}",
                            i.index,
                            if i.alive { "running" } else { "crashed" },
                            short(&i.id, 12),
                            i.peers,
                            i.seen,
                            i.sent,
                            i.received,
                            i.delivered,
                            i.duplicates,
                            if i.group > 0 { format!("\npartition group {}", i.group) } else { String::new() },
                        );
                        view! {
                            <div class="tooltip" id="tooltip"
                                style:left=place.left.map(px) style:right=place.right.map(px)
                                style:top=place.top.map(px) style:bottom=place.bottom.map(px)>
                                {text}
                            </div>
                        }
                    })
            }}
        </section>
    }
}

/// Gap between the pointer and the tooltip, px.
const TOOLTIP_GAP: f64 = 14.0;

fn px(v: f64) -> String {
    format!("{v:.0}px")
}

/// Where the tooltip sits in the canvas: beside the pointer, on the side
/// with more room, so it never runs past the canvas's edges.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TooltipPlace {
    /// Distance of its left edge from the canvas's left edge, px.
    pub left: Option<f64>,
    /// Distance of its right edge from the canvas's right edge, px.
    pub right: Option<f64>,
    /// Distance of its top from the canvas's top, px.
    pub top: Option<f64>,
    /// Distance of its bottom from the canvas's bottom, px.
    pub bottom: Option<f64>,
}

impl TooltipPlace {
    /// The place for a pointer at `(x, y)` on a canvas of `(w, h)` px.
    pub fn near(x: f64, y: f64, (w, h): (u32, u32)) -> TooltipPlace {
        let (w, h) = (f64::from(w), f64::from(h));
        let right_half = x > w / 2.0;
        let lower_half = y > h / 2.0;
        TooltipPlace {
            left: (!right_half).then_some(x + TOOLTIP_GAP),
            right: right_half.then_some(w - x + TOOLTIP_GAP),
            top: (!lower_half).then_some(y + TOOLTIP_GAP),
            bottom: lower_half.then_some(h - y + TOOLTIP_GAP),
        }
    }
}

/// The first `n` characters of a hex string (all of it when shorter).
pub(crate) fn short(hex: &str, n: usize) -> &str {
    hex.get(..n).unwrap_or(hex)
}

#[cfg(test)]
mod tests {
    use super::TooltipPlace;

    #[test]
    fn the_tooltip_opens_towards_the_middle_of_the_canvas() {
        let at_three_o_clock = TooltipPlace::near(790.0, 300.0, (800, 600));
        assert_eq!(at_three_o_clock.left, None);
        assert_eq!(at_three_o_clock.right, Some(24.0));
        assert_eq!(at_three_o_clock.top, Some(314.0));
        let bottom_left = TooltipPlace::near(10.0, 590.0, (800, 600));
        assert_eq!(
            (bottom_left.left, bottom_left.bottom),
            (Some(24.0), Some(24.0))
        );
        assert_eq!((bottom_left.right, bottom_left.top), (None, None));
    }
}
