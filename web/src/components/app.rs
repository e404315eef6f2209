use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::classroom::{sync_url, toggle_presentation};
use super::state::LabHandle;
use super::{
    Classroom, ClassroomPanel, Controls, PowPanel, PresetBar, Shortcuts, Stage, Stats, Tabs,
};

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

/// The classroom keys (see [`super::classroom::SHORTCUTS`]), unless the
/// focused element [takes the key](takes_key); removed when the lab unmounts.
fn install_keys(lab: LabHandle, room: Classroom) {
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
            "ArrowRight" => {
                ev.prevent_default();
                lab.update(|st| {
                    st.lab.set_playing(false);
                    st.lab.step();
                });
            }
            "r" | "R" => lab.reset(),
            "f" | "F" => toggle_presentation(room),
            "?" => room.shortcuts.update(|s| *s = !*s),
            "Escape" => room.shortcuts.set(false),
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());
}

/// The whole lab: controls, overlay canvas, statistics and the proof-of-work panel.
#[component]
pub fn App() -> impl IntoView {
    let (room, params) = Classroom::from_page();
    let lab = LabHandle::new(params);
    install_keys(lab.clone(), room);
    sync_url(room, lab.params);
    view! {
        <div class="app" class:present=move || room.present.get()>
        <header class="top">
            <h1>"Gossip lab"</h1>
            <span class="hint">
                "the real gossip-core protocol, simulated in your browser · press "<kbd>"p"</kbd>
                " or click a node to publish · shift-click crashes or revives · space pauses · "<kbd>"?"</kbd>" shortcuts"
            </span>
            <Tabs room=room />
        </header>
        <PresetBar room=room lab=lab.clone() />
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
        <ClassroomPanel room=room lab=lab.clone() />
        <Shortcuts room=room />
        </div>
    }
}
