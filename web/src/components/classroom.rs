use gossip_core::Mode;
use leptos::prelude::*;

use super::page;
use super::state::LabHandle;
use super::{ComparePanel, ExperimentsPanel, ExportBar, ScorecardPanel, SybilPanel};
use crate::frame::FrameTask;
use crate::model::params::Params;
use crate::model::presets::{self, Preset};
use crate::model::script::Script;
use crate::model::sybil::SybilParams;
use crate::model::url::{LabConfig, View, ViewSettings};

/// The keyboard shortcuts, as shown by `?`.
pub const SHORTCUTS: [(&str, &str); 8] = [
    ("space", "play / pause"),
    ("→", "single step (pauses)"),
    ("p", "publish from a random node"),
    ("r", "reset the run"),
    (
        "f",
        "presentation mode (full screen, large type, high contrast)",
    ),
    ("c", "open or close the controls drawer (presentation mode)"),
    ("?", "show or hide these shortcuts"),
    ("Esc", "close this list"),
];

/// Classroom state shared by the header, the panels and the key handler.
#[derive(Clone, Copy)]
pub struct Classroom {
    /// The tab shown below the overlay.
    pub view: RwSignal<View>,
    /// The Sybil demo's attacker.
    pub sybil: RwSignal<SybilParams>,
    /// The preset in use, by name.
    pub preset: RwSignal<Option<String>>,
    /// Presentation mode.
    pub present: RwSignal<bool>,
    /// Whether the shortcut list is open.
    pub shortcuts: RwSignal<bool>,
    /// Problems found in the page's URL, as sentences.
    pub issues: RwSignal<Vec<String>>,
    /// Difficulty of the proof-of-work panel.
    pub pow_k: RwSignal<u32>,
    /// The strategies the compare tab runs.
    pub compare: RwSignal<Vec<Mode>>,
    /// Set when a preset loads whose tab action starts by itself; the tab
    /// clears it when it starts.
    pub autostart: RwSignal<bool>,
}

impl Classroom {
    /// Reads the page's query string (a preset, then fields overriding it);
    /// returns the classroom state, the lab parameters and how to show them.
    pub fn from_page() -> (Classroom, Params, ViewSettings) {
        let parsed = presets::config_from_query(&page::query());
        let config = parsed.config;
        let autostart = config
            .preset
            .as_deref()
            .and_then(presets::by_slug)
            .is_some_and(|p| p.starts_tab);
        let room = Classroom {
            view: RwSignal::new(config.view),
            sybil: RwSignal::new(config.sybil),
            preset: RwSignal::new(config.preset),
            present: RwSignal::new(false),
            shortcuts: RwSignal::new(false),
            issues: RwSignal::new(parsed.issues.iter().map(ToString::to_string).collect()),
            pow_k: RwSignal::new(config.settings.pow_k),
            compare: RwSignal::new(config.compare),
            autostart: RwSignal::new(autostart),
        };
        (room, config.params, config.settings)
    }

    /// The whole configuration, for the URL.
    pub fn config(&self, lab: &LabHandle) -> LabConfig {
        LabConfig {
            params: lab.params.get(),
            settings: ViewSettings {
                speed: lab.speed.get(),
                layout: lab.layout.get(),
                show_control: lab.show_control.get(),
                pow_k: self.pow_k.get(),
            },
            sybil: self.sybil.get(),
            view: self.view.get(),
            preset: self.preset.get(),
            compare: self.compare.get(),
        }
    }

    /// Takes the one-shot "start the tab's action" flag.
    pub fn take_autostart(&self) -> bool {
        let on = self.autostart.get_untracked();
        if on {
            self.autostart.set(false);
        }
        on
    }
}

/// Keeps the address bar's query equal to the configuration (parameters and
/// view settings), so copying the link reproduces what is on screen.
pub fn sync_url(room: Classroom, lab: LabHandle) {
    Effect::new(move |_| page::replace_query(&room.config(&lab).to_query()));
}

/// Brings the chosen tab's panel into view whenever the tab changes (and at
/// load, for a link that opens on a tab); the lab tab scrolls to the top.
pub fn follow_tab(room: Classroom) {
    Effect::new(move |_| {
        let view = room.view.get();
        request_animation_frame(move || {
            if view == View::Lab {
                page::scroll_to_top();
            } else {
                page::scroll_into_view("classroom");
            }
        });
    });
}

/// Keeps presentation mode equal to full screen: leaving full screen (Esc,
/// the browser's own button) leaves presentation mode, and vice versa.
pub fn follow_fullscreen(room: Classroom) {
    let handle = window_event_listener_untyped("fullscreenchange", move |_| {
        room.present.set(page::is_fullscreen());
    });
    on_cleanup(move || handle.remove());
}

/// Plays `preset`'s script on the lab, one check per frame, until done or unmounted.
fn play_script(preset: &Preset, lab: &LabHandle, task: &FrameTask) {
    task.stop();
    if preset.schedule.is_empty() {
        return;
    }
    let mut script = lab.update(|st| Script::start(&preset.schedule, &mut st.lab));
    if script.remaining() == 0 {
        return;
    }
    let lab = lab.clone();
    task.start(move |_| lab.with(|st| script.tick(&mut st.lab)));
}

/// Preset buttons; the preset named in the URL starts playing at once.
#[component]
pub fn PresetBar(room: Classroom, lab: LabHandle) -> impl IntoView {
    let task = FrameTask::new();
    if let Some(preset) = room
        .preset
        .get_untracked()
        .as_deref()
        .and_then(presets::by_slug)
    {
        play_script(&preset, &lab, &task);
    }
    let narration = move || {
        room.preset
            .get()
            .as_deref()
            .and_then(presets::by_slug)
            .map(|p| p.narration)
    };
    view! {
        <nav class="presets" id="presets">
            <span class="dim">"presets:"</span>
            {presets::all().into_iter().map(|preset| {
                let (lab, task) = (lab.clone(), task.clone());
                let slug = preset.slug;
                let load = move |_| {
                    let config = preset.config.clone();
                    room.autostart.set(preset.starts_tab);
                    room.view.set(config.view);
                    room.sybil.set(config.sybil);
                    room.pow_k.set(config.settings.pow_k);
                    room.compare.set(config.compare);
                    room.preset.set(Some(preset.slug.to_owned()));
                    lab.rebuild(config.params);
                    lab.apply_view(config.settings);
                    play_script(&preset, &lab, &task);
                };
                view! {
                    <button class="preset" data-preset=slug
                        class:on=move || room.preset.with(|p| p.as_deref() == Some(slug))
                        on:click=load>{presets::by_slug(slug).map(|p| p.title)}</button>
                }
            }).collect_view()}
            <span class="hint" id="preset-narration">{narration}</span>
        </nav>
    }
}

/// The tab bar: lab, compare, experiments, Sybil, scorecard; and the presentation switch.
#[component]
pub fn Tabs(room: Classroom) -> impl IntoView {
    view! {
        <nav class="tabs" id="tabs">
            {View::ALL.into_iter().map(|v| view! {
                <button class="tab" id=format!("tab-{}", v.as_str())
                    class:on=move || room.view.get() == v
                    on:click=move |_| room.view.set(v)>{v.as_str()}</button>
            }).collect_view()}
            <button id="present" class:on=move || room.present.get()
                on:click=move |_| toggle_presentation(room)>"presentation"</button>
            <button id="shortcuts-button" on:click=move |_| room.shortcuts.update(|s| *s = !*s)>"?"</button>
        </nav>
    }
}

/// Switches presentation mode and full screen together: both on, or both
/// off. (A browser that refuses full screen still gets the large type.)
pub fn toggle_presentation(room: Classroom) {
    let on = !room.present.get_untracked();
    room.present.set(on);
    page::set_fullscreen(on);
}

/// The panel of the chosen tab (the export buttons for the lab itself).
#[component]
pub fn ClassroomPanel(room: Classroom, lab: LabHandle) -> impl IntoView {
    let params = lab.params;
    view! {
        <div class="classroom" id="classroom" class:tab-open=move || room.view.get() != View::Lab>
            <div style:display=move || if room.view.get() == View::Lab { "" } else { "none" }>
                <ExportBar lab=lab />
            </div>
            {move || match room.view.get() {
                View::Lab => None,
                View::Compare => Some(view! { <ComparePanel params=params modes=room.compare autostart=room.take_autostart() /> }.into_any()),
                View::Experiments => Some(view! { <ExperimentsPanel params=params /> }.into_any()),
                View::Sybil => Some(view! { <SybilPanel params=params sybil=room.sybil autostart=room.take_autostart() /> }.into_any()),
                View::Scorecard => Some(view! { <ScorecardPanel preset=room.preset autostart=room.take_autostart() /> }.into_any()),
            }}
        </div>
    }
}

/// What could not be used from the page's link, in plain sentences, at the
/// top of the page where the reader looks; it can be dismissed.
#[component]
pub fn UrlIssues(room: Classroom) -> impl IntoView {
    view! {
        <Show when=move || room.issues.with(|i| !i.is_empty())>
            <div class="notice" id="url-issues" role="status">
                <ul>
                    {move || room.issues.get().into_iter().map(|i| view! { <li>{i}</li> }).collect_view()}
                </ul>
                <button id="url-issues-close" on:click=move |_| room.issues.set(Vec::new())>"dismiss"</button>
            </div>
        </Show>
    }
}

/// The shortcut list, shown by `?`.
#[component]
pub fn Shortcuts(room: Classroom) -> impl IntoView {
    view! {
        <Show when=move || room.shortcuts.get()>
            <div class="shortcuts" id="shortcuts" role="dialog" aria-label="keyboard shortcuts"
                on:click=move |_| room.shortcuts.set(false)>
                <div class="panel">
                    <h2>"Keyboard shortcuts"</h2>
                    <dl class="kv">
                        {SHORTCUTS.iter().map(|(key, what)| view! { <dt><kbd>{*key}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                    </dl>
                </div>
            </div>
        </Show>
    }
}
