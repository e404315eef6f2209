use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::state::LabHandle;
use super::{Controls, PowPanel, Stage, Stats};
use crate::model::params::Params;

/// Whether the focused element `el` uses `key` itself: text fields and
/// selectors (type-ahead) use every key, a check box uses space. A focused
/// slider uses neither, so `p` still publishes right after a slider moved.
fn takes_key(el: &web_sys::Element, key: &str) -> bool {
    match el.tag_name().as_str() {
        "SELECT" | "TEXTAREA" => true,
        "INPUT" => match el.get_attribute("type").as_deref() {
            Some("range") => false,
            Some("checkbox") => key == " ",
            _ => true,
        },
        _ => false,
    }
}

/// `p` publishes from a random node, space toggles play, unless the focused
/// element [takes the key](takes_key); removed when the lab unmounts.
fn install_keys(lab: LabHandle) {
    let handle = window_event_listener(ev::keydown, move |ev: KeyboardEvent| {
        let key = ev.key();
        let taken = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| takes_key(&e, &key));
        if taken || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        match key.as_str() {
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
