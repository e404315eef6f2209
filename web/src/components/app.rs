use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;

use super::classroom::{follow_fullscreen, follow_tab, sync_url, toggle_presentation, UrlIssues};
use super::projector::{install_drawer_key, ProjectorOverlay};
use super::state::LabHandle;
use super::{
    Classroom, ClassroomPanel, Controls, PowPanel, PresetBar, Shortcuts, SpaceTimePanel, Stage,
    Stats, Tabs,
};

/// How much larger nodes and datagram dots are drawn in presentation mode.
const PRESENT_SCALE: f64 = 1.4;

/// Keys a focused slider uses to move.
const SLIDER_KEYS: [&str; 8] = [
    "ArrowLeft",
    "ArrowRight",
    "ArrowUp",
    "ArrowDown",
    "Home",
    "End",
    "PageUp",
    "PageDown",
];

/// The key of `ev` if it is meant for the lab: not taken by the focused
/// element ([`takes_key`]) and pressed without Ctrl, Meta or Alt. Every
/// window-wide shortcut listener goes through it.
pub fn lab_key(ev: &KeyboardEvent) -> Option<String> {
    let key = ev.key();
    let taken = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|e| takes_key(&e.tag_name(), e.get_attribute("type").as_deref(), &key));
    (!taken && !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key()).then_some(key)
}

/// Whether the focused element `el` uses `key` itself, so the lab's
/// shortcut must not: text fields and selectors (type-ahead) use every key,
/// a slider its arrow, Home/End and Page keys, a check box space, a button
/// space and Enter. Other keys (`p` right after a slider moved) still reach
/// the lab.
pub fn takes_key(tag: &str, input_type: Option<&str>, key: &str) -> bool {
    match tag {
        "SELECT" | "TEXTAREA" => true,
        "BUTTON" | "A" => key == " " || key == "Enter",
        "INPUT" => match input_type {
            Some("range") => SLIDER_KEYS.contains(&key),
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
        let Some(key) = lab_key(&ev) else { return };
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
    let (room, params, settings) = Classroom::from_page();
    let lab = LabHandle::new(params, settings);
    install_keys(lab.clone(), room);
    let drawer = RwSignal::new(false);
    install_drawer_key(drawer);
    sync_url(room, lab.clone());
    follow_tab(room);
    follow_fullscreen(room);
    let scaled = lab.clone();
    Effect::new(move |_| {
        let scale = if room.present.get() {
            PRESENT_SCALE
        } else {
            1.0
        };
        scaled.with(|st| st.scale = scale);
    });
    view! {
        <div class="app" class:present=move || room.present.get() class:drawer-open=move || drawer.get()>
        <div class="screen">
        <header class="top">
            <h1>"Gossip lab"</h1>
            <span class="hint">
                "the real gossip-core protocol, simulated in your browser · press "<kbd>"p"</kbd>
                " or click a node to publish · shift-click crashes or revives · space pauses · "<kbd>"?"</kbd>" shortcuts"
            </span>
            <Tabs room=room />
            <a class="replay-link" id="open-replay" href="?replay">"replay a run · watch a live cluster"</a>
        </header>
        <PresetBar room=room lab=lab.clone() />
        <UrlIssues room=room />
        <main class="lab">
            <aside class="side">
                <Controls lab=lab.clone() />
            </aside>
            <Stage lab=lab.clone() />
            <aside class="side">
                <Stats snap=lab.snap params=lab.params />
                <PowPanel k=room.pow_k />
            </aside>
            <Show when=move || room.present.get()>
                <ProjectorOverlay snap=lab.snap drawer=drawer />
            </Show>
        </main>
        </div>
        <SpaceTimePanel lab=lab.clone() />
        <ClassroomPanel room=room lab=lab.clone() />
        <Shortcuts room=room />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::takes_key;

    #[test]
    fn a_focused_control_gets_its_own_keys_first() {
        assert!(takes_key("INPUT", Some("range"), "ArrowRight"));
        assert!(takes_key("INPUT", Some("range"), "Home"));
        assert!(!takes_key("INPUT", Some("range"), "p"), "p still publishes");
        assert!(
            !takes_key("INPUT", Some("range"), " "),
            "space still pauses"
        );
        assert!(takes_key("BUTTON", None, " "));
        assert!(!takes_key("BUTTON", None, "ArrowRight"));
        assert!(takes_key("INPUT", Some("checkbox"), " "));
        assert!(takes_key("INPUT", Some("number"), "p"));
        assert!(takes_key("SELECT", None, "ArrowDown"));
        assert!(!takes_key("CANVAS", None, "ArrowRight"));
    }
}
