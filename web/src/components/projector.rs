//! Presentation mode as a projector view: the network canvas fills the
//! screen, the side panels become a drawer (`c` or the drawer button opens
//! and closes it), and a few large live figures sit over the canvas.

use leptos::ev;
use leptos::prelude::*;
use web_sys::KeyboardEvent;

use super::app::lab_key;
use crate::model::format::{opt_ms, UNDEFINED};
use crate::model::snapshot::Snapshot;

/// `c` toggles the drawer (when it is a [lab key](lab_key));
/// removed when the lab unmounts.
pub fn install_drawer_key(drawer: RwSignal<bool>) {
    let handle = window_event_listener(ev::keydown, move |ev: KeyboardEvent| {
        let Some(key) = lab_key(&ev) else { return };
        if key == "c" || key == "C" {
            drawer.update(|d| *d = !*d);
        }
    });
    on_cleanup(move || handle.remove());
}

/// The large figures of the current gossip: coverage, messages until 95 %
/// coverage (the overhead), and the time to 95 %.
pub fn figures(s: &Snapshot) -> [(&'static str, &'static str, String); 3] {
    let g = s.gossip.as_ref();
    [
        (
            "fig-coverage",
            "coverage",
            g.map_or(UNDEFINED.to_owned(), |g| {
                format!("{:.0} %", g.coverage * 100.0)
            }),
        ),
        (
            "fig-messages",
            "messages to t95",
            g.and_then(|g| g.overhead)
                .map_or(UNDEFINED.to_owned(), |m| m.to_string()),
        ),
        ("fig-t95", "t95", opt_ms(g.and_then(|g| g.t95_ms))),
    ]
}

/// The drawer button and the large live figures, shown in presentation mode.
#[component]
pub fn ProjectorOverlay(
    /// What the figures show.
    snap: RwSignal<Snapshot>,
    /// Whether the drawer is open.
    drawer: RwSignal<bool>,
) -> impl IntoView {
    view! {
        <button id="drawer-toggle" class="drawer-toggle" title="controls (c)"
            on:click=move |_| drawer.update(|d| *d = !*d)>
            {move || if drawer.get() { "✕ close (c)" } else { "☰ controls (c)" }}
        </button>
        <div class="figures" id="figures" aria-live="polite">
            {move || snap.with(figures).into_iter().map(|(id, label, value)| view! {
                <div class="figure"><b id=id>{value}</b><span>{label}</span></div>
            }).collect_view()}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::snapshot::GossipStats;

    #[test]
    fn figures_show_coverage_overhead_and_t95_or_a_dash() {
        let empty = figures(&Snapshot::default());
        assert!(empty.iter().all(|(_, _, v)| v == UNDEFINED));
        let s = Snapshot {
            gossip: Some(GossipStats {
                coverage: 0.874,
                overhead: Some(412),
                t95_ms: Some(240.0),
                ..GossipStats::default()
            }),
            ..Snapshot::default()
        };
        let [c, m, t] = figures(&s);
        assert_eq!(c.2, "87 %");
        assert_eq!(m.2, "412");
        assert_eq!(t.2, "240 ms");
    }
}
