//! The classroom features in a real browser (headless Chromium): a preset
//! link loads the parameters it names and the address bar keeps the whole
//! configuration; `?` shows the shortcuts; the URL round-trips; the Sybil
//! demo admits no forged identity and fewer identities per second at higher k.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{container, press, sleep, text};

use gossip_web::components::App;
use gossip_web::model::params::Params;
use gossip_web::model::sybil::{Attacker, SybilParams, SybilRun};
use gossip_web::model::url::LabConfig;
use js_sys::{Function, Reflect};
use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn history() -> JsValue {
    Reflect::get(&window(), &"history".into()).expect("history")
}

/// Sets the page's query string as a shared link would.
fn set_query(query: &str) {
    let history = history();
    let replace: Function = Reflect::get(&history, &"replaceState".into())
        .expect("replaceState")
        .unchecked_into();
    replace
        .call3(
            &history,
            &JsValue::NULL,
            &"".into(),
            &format!("?{query}").into(),
        )
        .expect("replaceState");
}

fn query() -> String {
    window().location().search().unwrap_or_default()
}

#[wasm_bindgen_test]
async fn a_preset_link_loads_its_parameters_and_the_address_keeps_them() {
    let original = query();
    set_query("preset=kill-a-third&seed=7");
    let root = container();
    let app = mount_to(root.clone(), App);
    sleep(400).await;
    assert_eq!(text(&root, "#sim-nodes").as_deref(), Some("60 (40)"));
    let shown = query();
    assert!(shown.contains("preset=kill-a-third"), "{shown}");
    assert!(shown.contains("&seed=7&"), "{shown}");
    let config = LabConfig::from_query(&shown).expect("the address is a valid configuration");
    assert_eq!(config.params.nodes, 60);
    drop(app);
    root.remove();
    set_query(original.trim_start_matches('?'));
}

#[wasm_bindgen_test]
async fn question_mark_shows_the_shortcuts() {
    let root = container();
    let app = mount_to(root.clone(), App);
    sleep(200).await;
    assert_eq!(text(&root, "#shortcuts"), None);
    press("?");
    sleep(50).await;
    let list = text(&root, "#shortcuts").expect("shortcut list shown");
    assert!(list.contains("play / pause") && list.contains("single step"));
    press("Escape");
    sleep(50).await;
    assert_eq!(text(&root, "#shortcuts"), None);
    drop(app);
    root.remove();
}

#[wasm_bindgen_test]
fn the_url_round_trips_in_the_browser() {
    let config = LabConfig {
        params: Params {
            loss_pct: 12.345_678_9,
            seed: u64::MAX,
            ..Params::default()
        },
        sybil: SybilParams {
            hash_rate: 123_456.789,
            ..SybilParams::default()
        },
        ..LabConfig::default()
    };
    assert_eq!(LabConfig::from_query(&config.to_query()), Ok(config));
}

#[wasm_bindgen_test]
fn the_sybil_demo_refuses_forgeries_and_slows_down_with_k() {
    let params = Params {
        nodes: 20,
        ..Params::default()
    };
    let run = |k, attacker| {
        let mut run = SybilRun::new(
            &params,
            SybilParams {
                k,
                identities: 5,
                hash_rate: 20_000.0,
            },
            attacker,
        );
        while !run.step(10_000) {}
        run.report()
    };
    assert_eq!(run(3, Attacker::Forger).admitted, 0);
    let (free, costly) = (run(0, Attacker::Solver), run(3, Attacker::Solver));
    assert!(free.admitted_per_s > costly.admitted_per_s);
}
