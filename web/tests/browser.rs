//! The lab's components in a real browser (headless Chromium through
//! `wasm-bindgen-test-runner`): they mount, their controls reach the
//! simulation, and a published gossip covers the whole hybrid overlay.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{container, press, press_on, sleep};

use gossip_core::Mode;
use gossip_web::components::{App, Controls, LabHandle};
use gossip_web::model::params::Params;
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{Event, EventInit, HtmlElement, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Every slider of the parameters and run panels, by element id.
const SLIDERS: [&str; 14] = [
    "speed",
    "nodes",
    "fanout",
    "ttl",
    "peer-limit",
    "pull-interval",
    "ihave-max",
    "ping-interval",
    "peer-timeout",
    "loss",
    "latency",
    "jitter",
    "service",
    "seed",
];

fn find(root: &HtmlElement, selector: &str) -> web_sys::Element {
    root.query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("{selector} is not on the page"))
}

fn text(root: &HtmlElement, selector: &str) -> String {
    common::text(root, selector).unwrap_or_else(|| panic!("{selector} is not on the page"))
}

fn fire(target: &web_sys::Element, kind: &str) {
    let init = EventInit::new();
    init.set_bubbles(true);
    let event = Event::new_with_event_init_dict(kind, &init).expect("event");
    target.dispatch_event(&event).expect("dispatch");
}

/// Moves slider `#id` to `value` and fires `kind` (`input` or `change`).
fn slide(root: &HtmlElement, id: &str, value: &str, kind: &str) {
    let input: HtmlInputElement = find(root, &format!("#{id}")).unchecked_into();
    input.set_value(value);
    fire(&input, kind);
}

#[wasm_bindgen_test]
async fn the_lab_mounts_every_panel_and_opens_running() {
    let root = container();
    let app = mount_to(root.clone(), App);
    sleep(300).await;
    for id in [
        "overlay",
        "controls",
        "parameters",
        "stats",
        "coverage-chart",
        "by-type",
        "pow-panel",
        "play",
        "step",
        "reset",
        "publish",
        "partition",
        "mode",
        "layout",
        "show-control",
    ] {
        find(&root, &format!("#{id}"));
    }
    for id in SLIDERS {
        let shown = text(&root, &format!("#{id}-value"));
        assert!(!shown.is_empty(), "slider {id} shows no value");
    }
    assert_eq!(text(&root, "#nodes-value"), "50");
    assert_eq!(text(&root, "#mode-value"), "hybrid");
    let canvas: web_sys::HtmlCanvasElement = find(&root, "#overlay").unchecked_into();
    assert!(
        canvas.width() > 100 && canvas.height() > 100,
        "canvas not sized"
    );

    let before = text(&root, "#sim-time");
    sleep(600).await;
    assert_ne!(text(&root, "#sim-time"), before, "the lab opens running");
    drop(app);
    root.remove();
}

#[wasm_bindgen_test]
async fn controls_change_the_running_simulation() {
    let lab = LabHandle::new(Params::default(), Default::default());
    let root = container();
    let controls = {
        let lab = lab.clone();
        mount_to(root.clone(), move || view! { <Controls lab=lab /> })
    };

    slide(&root, "fanout", "5", "change");
    assert_eq!(lab.params.get_untracked().fanout, 5);
    assert_eq!(lab.with(|st| st.lab.sim().scenario().node.fanout), 5);

    slide(&root, "nodes", "120", "change");
    assert_eq!(lab.with(|st| st.lab.len()), 120);

    let mode: HtmlSelectElement = find(&root, "#mode").unchecked_into();
    let options = mode.options();
    let listed: Vec<(String, String)> = (0..options.length())
        .filter_map(|i| options.item(i))
        .map(|o| {
            (
                o.get_attribute("value").unwrap_or_default(),
                o.get_attribute("title").unwrap_or_default(),
            )
        })
        .collect();
    let core: Vec<(String, String)> = Mode::ALL
        .iter()
        .map(|m| (m.as_str().to_owned(), m.description().to_owned()))
        .collect();
    assert_eq!(
        listed, core,
        "the selector lists every strategy of core, described"
    );
    mode.set_value("plumtree");
    fire(&mode, "change");
    assert_eq!(
        lab.with(|st| st.lab.sim().scenario().node.mode),
        Mode::Plumtree
    );
    mode.set_value("push");
    fire(&mode, "change");
    assert_eq!(lab.with(|st| st.lab.sim().scenario().node.mode), Mode::Push);

    // Loss applies live, without restarting the run.
    let t = lab.with(|st| st.lab.now_us());
    slide(&root, "loss", "90", "input");
    assert_eq!(lab.with(|st| st.lab.params().loss_pct), 90.0);
    assert!(lab.with(|st| st.lab.now_us()) >= t, "the run went on");
    lab.with(|st| {
        st.lab.set_speed(10.0);
        for _ in 0..20 {
            st.lab.advance(100.0, f64::INFINITY, || 0.0);
        }
    });
    assert!(
        lab.with(|st| st.lab.dropped()) > 0,
        "90 % loss drops datagrams"
    );

    sleep(50).await;
    assert_eq!(text(&root, "#fanout-value"), "5");
    assert_eq!(text(&root, "#nodes-value"), "120");
    assert_eq!(text(&root, "#loss-value"), "90 %");
    drop(controls);
    root.remove();
}

#[wasm_bindgen_test]
async fn a_publish_reaches_full_coverage_in_hybrid_mode() {
    let root = container();
    let app = mount_to(root.clone(), App);
    sleep(100).await;
    assert_eq!(text(&root, "#mode-value"), "hybrid");
    slide(&root, "speed", "1", "input");
    press("p");
    let mut waited = 0;
    while text(&root, "#coverage") != "100%" {
        assert!(
            waited < 30_000,
            "coverage stuck at {}",
            text(&root, "#coverage")
        );
        sleep(100).await;
        waited += 100;
    }
    assert_eq!(text(&root, "#delivered"), "50 / 50");
    assert_ne!(text(&root, "#t95"), "–");
    let reached = text(&root, "#reached-by");
    assert!(
        reached == "push alone" || reached.starts_with("pull ("),
        "95 % reached by {reached:?}"
    );
    drop(app);
    root.remove();
}

#[wasm_bindgen_test]
async fn p_publishes_with_a_slider_focused_but_not_in_a_selector() {
    let root = container();
    let app = mount_to(root.clone(), App);
    sleep(100).await;
    let mode = find(&root, "#mode");
    press_on(&mode, "p");
    sleep(50).await;
    assert_eq!(
        text(&root, "#gossip-number"),
        "press p or click a node",
        "p types into a selector"
    );
    press_on(&find(&root, "#nodes"), "p");
    sleep(50).await;
    assert_eq!(text(&root, "#gossip-number"), "#1");
    drop(app);
    root.remove();
}
