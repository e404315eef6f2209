use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::state::LabHandle;
use super::{Controls, PowPanel, Stage, Stats};
use crate::model::params::Params;

/// `p` publishes from a random node, space toggles play. Ignored while a
/// form field has the focus; removed when the lab unmounts.
fn install_keys(lab: LabHandle) {
    let handle = window_event_listener(ev::keydown, move |ev: KeyboardEvent| {
        let in_field = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA"));
        if in_field || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        match ev.key().as_str() {
            "p" | "P" => {
                lab.update(|st| st.lab.publish_random());
            }
            " " => {
                ev.prevent_default();
                lab.update(|st| {
                    let playing = st.lab.is_playing();
                    st.lab.set_playing(!playing);
                });
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

/// The whole lab: controls, overlay canvas, statistics and the proof-of-work panel.
#[component]
pub fn App() -> impl IntoView {
    let lab = LabHandle::new(Params::default());
    install_keys(lab.clone());
    view! {
        <header class="top">
            <h1>"Gossip lab"</h1>
            <span class="hint">
                "the real gossip-core protocol, simulated in your browser · press "<kbd>"p"</kbd>
                " or click a node to publish · shift-click crashes or revives · space pauses"
            </span>
        </header>
        <main class="lab">
            <aside class="side">
                <Controls lab=lab.clone() />
            </aside>
            <Stage lab=lab.clone() />
            <aside class="side">
                <Stats snap=lab.snap />
                <PowPanel />
            </aside>
        </main>
    }
}
