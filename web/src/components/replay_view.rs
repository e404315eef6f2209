//! The replay and live view (`?replay`, or `?live=ws://HOST:PORT`): a
//! recorded run of real nodes (their `--events` files, an `events/` folder
//! of `gossip experiment --real`, or a `gossip sim --trace`) or a live
//! cluster reporting to `gossip observe`, drawn on the lab's canvas with a
//! time scrubber and core's metrics.

use std::cell::RefCell;
use std::rc::Rc;

use gossip_core::metrics::{self, GossipReport};
use leptos::html::Canvas;
use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement, MessageEvent, WebSocket};

use crate::clock::{epoch_ms, now_ms};
use crate::frame::FrameTask;
use crate::model::layout::{Layout, LayoutKind};
use crate::model::replay::{Phase, Replay};
use crate::model::replay_input::LineSplitter;
use crate::model::url::pairs;
use crate::render::{DrawOptions, Painter};

/// Bytes read from a file per task (so the page keeps drawing while it loads).
const CHUNK_BYTES: f64 = 1_048_576.0;
/// Records moved into the timeline per task.
const BUILD_BUDGET: usize = 40_000;
/// Wall-clock ms between refreshes of the panels.
const VIEW_EVERY_MS: f64 = 200.0;
/// Wall-clock ms between recomputations of a live run's metrics.
const ANALYSE_EVERY_MS: f64 = 500.0;
/// Wall-clock ms over which a freshly informed node fades.
const FADE_WALL_MS: f64 = 1_500.0;
/// Gossips listed.
const MAX_ROWS: usize = 200;
/// Extensions read from a folder (as `gossip analyze` reads a directory).
const EXTENSIONS: [&str; 3] = [".jsonl", ".ndjson", ".json"];

/// The live connection and the callbacks it holds.
struct LiveConn {
    ws: WebSocket,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_state: Closure<dyn FnMut(web_sys::Event)>,
}

impl Drop for LiveConn {
    fn drop(&mut self) {
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        self.ws.set_onerror(None);
        // Closing an open or connecting socket cannot fail.
        let _ = self.ws.close();
    }
}

/// What the frame loop and the handlers share.
struct State {
    replay: Replay,
    layout: Layout,
    painter: Option<Painter>,
    live: Option<LiveConn>,
    /// Bumped by every new load, so an older load stops.
    generation: u64,
    records_analysed: usize,
}

/// One gossip in the list.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    index: u32,
    id: String,
    origin: Option<u32>,
    published_ms: f64,
    delivered: u64,
    population: u32,
}

/// What the panels show, refreshed a few times a second.
#[derive(Debug, Clone, PartialEq, Default)]
struct ViewSnap {
    loaded: bool,
    live: bool,
    records: usize,
    bad_lines: usize,
    errors: Vec<String>,
    nodes: u32,
    datagrams: usize,
    lost: usize,
    now_ms: f64,
    end_ms: f64,
    playing: bool,
    following: bool,
    speed: f64,
    rows: Vec<Row>,
    current: Option<u32>,
    informed: usize,
    report: Option<GossipReport>,
    published_ms: f64,
    latency: Option<(f64, f64, usize)>,
}

fn snapshot(r: &Replay) -> ViewSnap {
    let t = r.timeline();
    let rows = t
        .gossips()
        .iter()
        .enumerate()
        .take(MAX_ROWS)
        .map(|(i, g)| {
            let rep = r.report_of(i as u32).map(|a| &a.report);
            Row {
                index: i as u32,
                id: g.id.to_string(),
                origin: g.origin,
                published_ms: g.published_us as f64 / 1_000.0,
                delivered: rep.map_or(0, |x| x.delivered),
                population: rep.map_or(0, |x| x.population),
            }
        })
        .collect();
    let current = r.current();
    ViewSnap {
        loaded: *r.phase() != Phase::Reading,
        live: *r.phase() == Phase::Live,
        records: r.records(),
        bad_lines: r.bad_lines(),
        errors: r.errors().iter().map(ToString::to_string).collect(),
        nodes: r.node_count(),
        datagrams: t.datagrams().len(),
        lost: if *r.phase() == Phase::Ready {
            t.unmatched()
        } else {
            0
        },
        now_ms: r.now_us() as f64 / 1_000.0,
        end_ms: t.end_us() as f64 / 1_000.0,
        playing: r.is_playing(),
        following: r.is_following(),
        speed: r.speed(),
        rows,
        current,
        informed: r.informed_count(),
        report: current
            .and_then(|g| r.report_of(g))
            .map(|a| a.report.clone()),
        published_ms: current
            .and_then(|g| t.gossips().get(g as usize))
            .map_or(0.0, |g| g.published_us as f64 / 1_000.0),
        latency: r.latency(),
    }
}

#[derive(Clone)]
struct Handle {
    state: Rc<RefCell<State>>,
    snap: RwSignal<ViewSnap>,
    status: RwSignal<String>,
}

impl Handle {
    fn update(&self, f: impl FnOnce(&mut Replay)) {
        let s = {
            let mut st = self.state.borrow_mut();
            f(&mut st.replay);
            snapshot(&st.replay)
        };
        self.snap.set(s);
    }

    /// Starts a new, empty replay; returns its generation.
    fn restart(&self, phase: Phase) -> u64 {
        let mut st = self.state.borrow_mut();
        st.generation += 1;
        st.live = None;
        st.replay = Replay::new(phase);
        st.layout = Layout::new(LayoutKind::Circle, 0);
        st.records_analysed = 0;
        st.generation
    }

    fn current(&self, generation: u64) -> bool {
        self.state.borrow().generation == generation
    }
}

/// Resolves after the browser had a chance to draw a frame and handle input.
async fn yield_now() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            // A timer that cannot be set only makes the load run without a pause.
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

async fn read_chunk(file: &File, from: f64, to: f64) -> Option<Vec<u8>> {
    let blob = file.slice_with_f64_and_f64(from, to).ok()?;
    let buf = wasm_bindgen_futures::JsFuture::from(blob.array_buffer())
        .await
        .ok()?;
    Some(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Reads `files` in chunks, then builds the timeline in slices.
async fn load(h: Handle, files: Vec<File>) {
    let generation = h.restart(Phase::Reading);
    let started = now_ms();
    let total: f64 = files.iter().map(|f| f.size()).sum();
    let mut done = 0.0;
    for file in &files {
        let name = file.name();
        let mut splitter = LineSplitter::default();
        let mut offset = 0.0;
        while offset < file.size() {
            let end = (offset + CHUNK_BYTES).min(file.size());
            let Some(bytes) = read_chunk(file, offset, end).await else {
                h.status.set(format!("cannot read {name}"));
                return;
            };
            if !h.current(generation) {
                return;
            }
            {
                let mut st = h.state.borrow_mut();
                splitter.feed(&bytes, |n, text| st.replay.read_line(&name, n, text));
            }
            offset = end;
            done += bytes.len() as f64;
            h.status.set(format!(
                "reading {name}: {:.0} % of {:.1} MB",
                100.0 * done / total.max(1.0),
                total / 1e6
            ));
            yield_now().await;
        }
        let mut st = h.state.borrow_mut();
        splitter.finish(|n, text| st.replay.read_line(&name, n, text));
    }
    h.state.borrow_mut().replay.sort();
    loop {
        yield_now().await;
        if !h.current(generation) {
            return;
        }
        let finished = h.state.borrow_mut().replay.build(BUILD_BUDGET);
        if finished {
            break;
        }
        h.status.set("building the timeline…".into());
    }
    let secs = (now_ms() - started) / 1_000.0;
    h.update(|_| {});
    let s = h.snap.get_untracked();
    let names: Vec<String> = files.iter().map(File::name).collect();
    h.status.set(if s.records == 0 {
        format!("no records in {}", names.join(", "))
    } else {
        format!(
            "loaded {} records from {} file{} in {secs:.2} s",
            s.records,
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        )
    });
}

/// Connects to a `gossip observe` at `url`.
fn connect(h: &Handle, url: &str) {
    h.restart(Phase::Live);
    let ws = match WebSocket::new(url) {
        Ok(ws) => ws,
        Err(_) => {
            h.status
                .set(format!("cannot connect to {url:?}: not a ws:// URL"));
            return;
        }
    };
    let state = Rc::clone(&h.state);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        if let Some(text) = ev.data().as_string() {
            state.borrow_mut().replay.read_message(&text);
        }
    });
    let status = h.status;
    let shown = url.to_owned();
    let on_state = Closure::<dyn FnMut(web_sys::Event)>::new(move |ev: web_sys::Event| {
        status.set(match ev.type_().as_str() {
            "open" => format!("live: connected to {shown}"),
            "error" => format!("live: cannot reach {shown} (is `gossip observe` running?)"),
            _ => format!("live: connection to {shown} closed"),
        });
    });
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onopen(Some(on_state.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_state.as_ref().unchecked_ref()));
    ws.set_onerror(Some(on_state.as_ref().unchecked_ref()));
    h.status.set(format!("live: connecting to {url}…"));
    h.state.borrow_mut().live = Some(LiveConn {
        ws,
        _on_message: on_message,
        _on_state: on_state,
    });
}

fn files_of(list: Option<web_sys::FileList>, folder: bool) -> Vec<File> {
    let Some(list) = list else {
        return Vec::new();
    };
    let mut files: Vec<File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
    if folder {
        files.retain(|f| {
            let name = f.name().to_ascii_lowercase();
            EXTENSIONS.iter().any(|e| name.ends_with(e))
        });
        gossip_core::order::sort_by_key(&mut files, File::name);
    }
    files
}

/// `?live=ws://…` in a query string (percent-encoded or not).
pub fn live_url(query: &str) -> Option<String> {
    pairs(query)
        .find(|(k, _)| *k == "live")
        .map(|(_, v)| percent_decode(v))
        .filter(|v| !v.is_empty())
}

/// Whether the page asks for the replay and live view (`?replay` or `?live=`).
pub fn wanted(query: &str) -> bool {
    pairs(query).any(|(k, _)| k == "replay" || k == "live")
}

/// `%XX` escapes and `+` decoded; a malformed escape is kept as it is.
fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn fmt_opt(v: Option<f64>, unit: &str) -> String {
    v.map_or("–".into(), |x| format!("{x:.1}{unit}"))
}

/// The coverage curve of the shown gossip (fraction of nodes over ms since
/// publication), with the playback position as a vertical line.
fn coverage_svg(report: &GossipReport, at_ms: f64) -> impl IntoView {
    let (w, h) = (260.0, 110.0);
    let span = report
        .coverage
        .last()
        .map_or(1.0, |p| p.ms)
        .max(at_ms.min(1e9))
        .max(1e-3);
    let x = |ms: f64| 4.0 + (w - 8.0) * (ms / span).clamp(0.0, 1.0);
    let y = |f: f64| h - 4.0 - (h - 8.0) * f.clamp(0.0, 1.0);
    let mut points = format!("{:.1},{:.1}", x(0.0), y(0.0));
    for p in &report.coverage {
        points.push_str(&format!(
            " {:.1},{:.1} {:.1},{:.1}",
            x(p.ms),
            y(p.fraction - 1.0 / f64::from(report.population)),
            x(p.ms),
            y(p.fraction)
        ));
    }
    let cursor = x(at_ms);
    view! {
        <svg id="replay-coverage" width=w height=h viewBox=format!("0 0 {w} {h}") role="img"
            aria-label="coverage over time of the shown gossip">
            <rect x="0" y="0" width=w height=h fill="#0b0f14" />
            <polyline points=points fill="none" stroke="#6fdd7b" stroke-width="2" />
            <line x1=cursor x2=cursor y1="0" y2=h stroke="#ffe066" stroke-dasharray="3 3" />
            <text x="6" y="14" fill="#8b949e" font-size="11">{format!("coverage · {span:.1} ms")}</text>
        </svg>
    }
}

/// The replay and live view.
#[component]
pub fn ReplayView() -> impl IntoView {
    let h = Handle {
        state: Rc::new(RefCell::new(State {
            replay: Replay::default(),
            layout: Layout::new(LayoutKind::Circle, 0),
            painter: None,
            live: None,
            generation: 0,
            records_analysed: 0,
        })),
        snap: RwSignal::new(ViewSnap::default()),
        status: RwSignal::new("open --events files (or a gossip sim --trace), drop them here, or connect to a live cluster".into()),
    };
    let live_field = RwSignal::new(
        live_url(&super::page::query()).unwrap_or_else(|| "ws://127.0.0.1:8081".into()),
    );
    if let Some(url) = live_url(&super::page::query()) {
        connect(&h, &url);
    }
    // A gossip chosen in the list (the list is reactive, so it cannot hold
    // the state); the frame loop carries it out.
    let jump = RwSignal::new(None::<u32>);
    let canvas = NodeRef::<Canvas>::new();
    let folder = NodeRef::<leptos::html::Input>::new();
    folder.on_load(|el| el.set_webkitdirectory(true));
    let frames = FrameTask::new();
    let fps = RwSignal::new(0.0f64);
    {
        let h = h.clone();
        canvas.on_load(move |el| {
            h.state.borrow_mut().painter = Painter::new(el);
            let mut last = 0.0f64;
            let mut last_view = 0.0f64;
            let mut last_analyse = 0.0f64;
            let mut frames_n = 0u32;
            let mut fps_since = 0.0f64;
            frames.start(move |ts| {
                let dt = if last == 0.0 { 16.0 } else { ts - last };
                last = ts;
                let start = now_ms();
                let snap = {
                    let mut guard = h.state.borrow_mut();
                    let st = &mut *guard;
                    if let Some(g) = jump.get_untracked() {
                        jump.set(None);
                        st.replay.jump_to(Some(g));
                    }
                    if *st.replay.phase() != Phase::Reading {
                        st.replay.advance(dt);
                        if *st.replay.phase() == Phase::Live
                            && st.records_analysed != st.replay.records()
                            && start - last_analyse >= ANALYSE_EVERY_MS
                        {
                            last_analyse = start;
                            st.records_analysed = st.replay.records();
                            st.replay.analyse();
                        }
                    }
                    let n = st.replay.node_count() as usize;
                    if st.layout.positions().len() != n {
                        st.layout = Layout::new(LayoutKind::Circle, n);
                    }
                    st.layout.tick(st.replay.links());
                    let opts = DrawOptions {
                        show_control: true,
                        hover: None,
                        fade_us: (FADE_WALL_MS * st.replay.speed() * 1_000.0) as u64,
                        scale: 1.0,
                    };
                    if let Some(p) = st.painter.as_mut() {
                        p.draw(&st.replay, &st.layout, opts);
                    }
                    st.replay.painted(epoch_ms());
                    (start - last_view >= VIEW_EVERY_MS).then(|| {
                        last_view = start;
                        snapshot(&st.replay)
                    })
                };
                if let Some(s) = snap {
                    h.snap.set(s);
                }
                frames_n += 1;
                if ts - fps_since >= 1_000.0 {
                    if fps_since > 0.0 {
                        fps.set(f64::from(frames_n) * 1_000.0 / (ts - fps_since));
                    }
                    frames_n = 0;
                    fps_since = ts;
                }
                true
            });
        });
    }

    let open = {
        let h = h.clone();
        move |ev: web_sys::Event, folder: bool| {
            let input = ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok());
            let files = files_of(input.and_then(|i| i.files()), folder);
            if !files.is_empty() {
                wasm_bindgen_futures::spawn_local(load(h.clone(), files));
            }
        }
    };
    let open_files = {
        let open = open.clone();
        move |ev: web_sys::Event| open(ev, false)
    };
    let open_folder = move |ev: web_sys::Event| open(ev, true);
    let on_drop = {
        let h = h.clone();
        move |ev: DragEvent| {
            ev.prevent_default();
            let files = files_of(ev.data_transfer().and_then(|d| d.files()), false);
            if !files.is_empty() {
                wasm_bindgen_futures::spawn_local(load(h.clone(), files));
            }
        }
    };
    let on_connect = {
        let h = h.clone();
        move |ev: web_sys::SubmitEvent| {
            ev.prevent_default();
            connect(&h, &live_field.get_untracked());
        }
    };
    let (h_play, h_step, h_live, h_scrub, h_speed, h_follow) = (
        h.clone(),
        h.clone(),
        h.clone(),
        h.clone(),
        h.clone(),
        h.clone(),
    );
    let snap = h.snap;
    let status = h.status;

    view! {
        <div class="app replay-view" on:dragover=|ev: DragEvent| ev.prevent_default() on:drop=on_drop>
        <header class="top">
            <h1>"Gossip lab · replay & live"</h1>
            <span class="hint">"real nodes' --events files, or a live cluster through gossip observe · "
                <a href="?">"back to the simulator"</a></span>
        </header>
        <section class="replay-open">
            <label class="button">"Open events files "
                <input id="replay-files" type="file" multiple accept=".jsonl,.ndjson,.json" on:change=open_files /></label>
            <label class="button">"Open a folder "
                <input id="replay-folder" type="file" node_ref=folder on:change=open_folder /></label>
            <span class="hint">"or drop files anywhere on the page"</span>
            <form class="live-form" on:submit=on_connect>
                <label>"Live: "<input id="live-url" type="text" size="28"
                    prop:value=move || live_field.get()
                    on:input=move |ev| live_field.set(event_target_value(&ev)) /></label>
                <button id="live-connect" type="submit">"Connect"</button>
            </form>
        </section>
        <p id="replay-status" role="status">{move || status.get()}</p>
        <Show when=move || snap.with(|s| !s.errors.is_empty())>
            <div id="replay-errors" class="errors" role="alert">
                <strong>{move || snap.with(|s| format!("{} line{} skipped:", s.bad_lines, if s.bad_lines == 1 { "" } else { "s" }))}</strong>
                <ul>{move || snap.with(|s| s.errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view())}</ul>
            </div>
        </Show>
        <main class="lab">
            <aside class="side">
                <div class="ctl-row">
                    <button id="replay-play" on:click=move |_| h_play.update(|r| { let p = r.is_playing(); r.set_playing(!p); })>
                        {move || if snap.with(|s| s.playing) { "❚❚ pause" } else { "▶ play" }}</button>
                    <button id="replay-step" on:click=move |_| h_step.update(Replay::step)>"step ▸"</button>
                    <button id="replay-go-live" disabled=move || snap.with(|s| s.following)
                        style:display=move || if snap.with(|s| s.live) { "" } else { "none" }
                        on:click=move |_| h_live.update(Replay::go_live)>"● live"</button>
                </div>
                <label class="ctl"><span>"position"</span>
                    <input id="replay-scrub" type="range" min="0" step="any"
                        prop:max=move || snap.with(|s| s.end_ms.max(0.001).to_string())
                        prop:value=move || snap.with(|s| s.now_ms.to_string())
                        on:input=move |ev| {
                            if let Some(ms) = crate::math::parse_f64(&event_target_value(&ev)) {
                                h_scrub.update(|r| { r.set_playing(false); r.seek((ms * 1_000.0) as u64); });
                            }
                        } />
                    <output id="replay-time">{move || snap.with(|s| format!("{:.3} / {:.3} ms", s.now_ms, s.end_ms))}</output>
                </label>
                <label class="ctl"><span>"speed"</span>
                    <input id="replay-speed" type="range" min="-4" max="2" step="0.25"
                        prop:value=move || snap.with(|s| crate::math::log10(s.speed.max(1e-4)).to_string())
                        on:input=move |ev| {
                            if let Some(v) = crate::math::parse_f64(&event_target_value(&ev)) {
                                h_speed.update(|r| r.set_speed(crate::math::pow(10.0, v)));
                            }
                        } />
                    <output id="replay-speed-value">{move || snap.with(|s| format!("{:.4}x real time", s.speed))}</output>
                </label>
                <h3>"Gossips"</h3>
                <button id="replay-follow" on:click=move |_| h_follow.update(|r| r.jump_to(None))>"follow the latest"</button>
                <ol id="replay-gossips" class="gossip-list">
                    {move || {
                        snap.with(|s| s.rows.iter().map(|row| {
                            let g = row.index;
                            let chosen = s.current == Some(g);
                            view! {
                                <li class="gossip-row" class:chosen=chosen data-id=row.id.clone()
                                    data-delivered=row.delivered.to_string() data-population=row.population.to_string()>
                                    <button class="jump" on:click=move |_| jump.set(Some(g))>
                                        {format!("{}… at {:.1} ms", row.id.get(..8).unwrap_or(&row.id), row.published_ms)}</button>
                                    <span>{format!(" {} / {} nodes{}", row.delivered, row.population,
                                        row.origin.map_or(String::new(), |o| format!(", from node {o}")))}</span>
                                </li>
                            }
                        }).collect_view())
                    }}
                </ol>
            </aside>
            <section class="stage">
                <canvas id="replay-canvas" node_ref=canvas data-nodes=move || snap.with(|s| s.nodes.to_string())></canvas>
                <div class="fps" id="replay-fps">{move || (fps.get() > 0.0).then(|| format!("{:.0} fps", fps.get()))}</div>
            </section>
            <aside class="side" id="replay-stats">
                <h3>"Run"</h3>
                <dl>
                    <dt>"records"</dt><dd id="replay-records">{move || snap.with(|s| s.records.to_string())}</dd>
                    <dt>"nodes"</dt><dd id="replay-nodes">{move || snap.with(|s| s.nodes.to_string())}</dd>
                    <dt>"datagrams"</dt><dd id="replay-datagrams">{move || snap.with(|s| s.datagrams.to_string())}</dd>
                    <dt>"lost (no receive)"</dt><dd id="replay-lost">{move || snap.with(|s| if s.live { "–".to_string() } else { s.lost.to_string() })}</dd>
                </dl>
                <h3>"Shown gossip"</h3>
                {move || snap.with(|s| match &s.report {
                    None => view! { <p class="hint">"no gossip yet"</p> }.into_any(),
                    Some(r) => {
                        let at = s.now_ms - s.published_ms;
                        view! {
                            <dl>
                                <dt>"informed now"</dt><dd id="replay-informed">{format!("{} / {}", s.informed, r.population)}</dd>
                                <dt>"delivered"</dt><dd id="replay-delivered">{r.delivered.to_string()}</dd>
                                <dt>"delivery ratio"</dt><dd>{format!("{:.1} %", r.delivery_ratio * 100.0)}</dd>
                                <dt>"t50 / t95 / t100"</dt><dd>{format!("{} / {} / {}", fmt_opt(r.t50_ms, " ms"), fmt_opt(r.t95_ms, " ms"), fmt_opt(r.t100_ms, " ms"))}</dd>
                                <dt>"95 % reached by"</dt><dd id="replay-reached-by">{r.pulled_by_t95.map_or("–".into(), metrics::reached_by)}</dd>
                                <dt>"overhead"</dt><dd>{r.overhead.map_or("–".into(), |o| o.to_string())}</dd>
                                <dt>"duplicates"</dt><dd>{r.duplicates.to_string()}</dd>
                                <dt>"RMR"</dt><dd>{fmt_opt(r.rmr, "")}</dd>
                                <dt>"hops mean / max"</dt><dd>{format!("{} / {}", fmt_opt(r.mean_hops, ""), r.max_hops.map_or("–".into(), |m| m.to_string()))}</dd>
                            </dl>
                            {coverage_svg(r, at)}
                        }.into_any()
                    }
                })}
                <Show when=move || snap.with(|s| s.live)>
                    <h3>"Delivery → screen"</h3>
                    <p id="replay-latency">{move || snap.with(|s| match s.latency {
                        Some((p50, p95, n)) => format!("median {p50:.1} ms, p95 {p95:.1} ms ({n} deliveries)"),
                        None => "no delivery drawn yet".into(),
                    })}</p>
                </Show>
            </aside>
        </main>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::{live_url, wanted};

    #[test]
    fn the_query_selects_the_view() {
        assert!(wanted("?replay"));
        assert!(wanted("?live=ws%3A%2F%2F127.0.0.1%3A8081"));
        assert!(!wanted("?n=50&replay_speed=1"));
        assert!(!wanted(""));
    }

    #[test]
    fn live_url_is_read_raw_or_encoded() {
        assert_eq!(
            live_url("?live=ws%3A%2F%2Fh%3A1").as_deref(),
            Some("ws://h:1")
        );
        assert_eq!(live_url("?live=ws://h:1").as_deref(), Some("ws://h:1"));
        assert_eq!(live_url("?x=1&live=").as_deref(), None);
    }
}
