//! The instrument views in a real browser (headless Chromium through
//! `wasm-bindgen-test-runner`): proof of work off the main thread and its
//! fallback, the space-time diagram, the dissemination tree switch and the
//! projector view.
#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use common::{container, press, sleep};

use gossip_core::pow;
use gossip_web::components::App;
use gossip_web::model::pow::{WorkerJob, WorkerReport};
use gossip_web::pow_worker::{decode_job, decode_report, encode_job, encode_report, PowWorker};
use leptos::mount::mount_to;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

fn find(root: &HtmlElement, selector: &str) -> web_sys::Element {
    root.query_selector(selector)
        .expect("valid selector")
        .unwrap_or_else(|| panic!("{selector} is not on the page"))
}

#[wasm_bindgen_test]
fn worker_messages_round_trip() {
    let job = WorkerJob::solve(5, 42);
    assert_eq!(decode_job(&encode_job(&job).into()), Some(job.clone()));
    let proof = pow::Solver::new(&job.node_id, 1).solve();
    let report = WorkerReport {
        attempts: proof.nonce + 1,
        elapsed_ms: 12.5,
        proof: Some(proof.clone()),
        done: true,
    };
    let back = decode_report(&encode_report(&report, 1).into()).expect("a report");
    assert_eq!(back, report);
    assert!(pow::verify(&job.node_id, back.proof.as_ref().unwrap(), 1).is_ok());
    let running = WorkerReport {
        attempts: 7,
        elapsed_ms: 1.0,
        proof: None,
        done: false,
    };
    assert_eq!(
        decode_report(&encode_report(&running, 5).into()),
        Some(running)
    );
    assert_eq!(decode_job(&wasm_bindgen::JsValue::from_str("hello")), None);
}

#[wasm_bindgen_test]
async fn a_worker_that_cannot_load_reports_an_error_once() {
    // The test page has no worker script: the worker fails to load.
    let errors = Rc::new(Cell::new(0));
    let reports = Rc::new(RefCell::new(Vec::new()));
    let (e, r) = (Rc::clone(&errors), Rc::clone(&reports));
    let worker = PowWorker::start(
        &WorkerJob::solve(2, 1),
        move |rep| r.borrow_mut().push(rep),
        move || e.set(e.get() + 1),
    );
    assert!(
        worker.is_some(),
        "browsers make the worker, then fail to load it"
    );
    for _ in 0..50 {
        if errors.get() > 0 {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(errors.get(), 1);
    assert!(reports.borrow().is_empty());
}

#[wasm_bindgen_test]
async fn views_mount_and_fall_back_to_frame_slices_without_a_worker() {
    let root = container();
    let app = mount_to(root.clone(), App);
    sleep(300).await;
    for id in [
        "spacetime",
        "spacetime-canvas",
        "st-svg",
        "st-png",
        "st-tree",
        "st-live",
    ] {
        find(&root, &format!("#{id}"));
    }
    // Proof of work: no worker script here, so the panel hashes in frames.
    let k: HtmlInputElement = find(&root, "#pow-k").unchecked_into();
    k.set_value("2");
    k.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let mut solved = false;
    for _ in 0..100 {
        sleep(100).await;
        let status = common::text(&root, "#pow-status").unwrap_or_default();
        if status.starts_with("solved") {
            solved = true;
            break;
        }
    }
    assert!(solved, "k = 2 solves in frame slices");
    assert_eq!(
        find(&root, "#pow-rate")
            .get_attribute("data-worker")
            .as_deref(),
        Some("false")
    );
    // The diagram draws what the run sends.
    press("p");
    sleep(1_500).await;
    let arrows: usize = find(&root, "#spacetime-canvas")
        .get_attribute("data-arrows")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(arrows > 0, "datagrams on the diagram");
    drop(app);
}

#[wasm_bindgen_test]
async fn presentation_mode_is_a_projector_view_with_a_drawer() {
    let root = container();
    let app = mount_to(root.clone(), App);
    sleep(300).await;
    assert!(root.query_selector("#figures").unwrap().is_none());
    press("f");
    sleep(200).await;
    let app_el = find(&root, ".app");
    assert!(app_el.class_list().contains("present"));
    find(&root, "#fig-coverage");
    find(&root, "#fig-t95");
    assert!(!app_el.class_list().contains("drawer-open"));
    press("c");
    sleep(100).await;
    assert!(
        app_el.class_list().contains("drawer-open"),
        "c opens the drawer"
    );
    press("p");
    sleep(800).await;
    let coverage = common::text(&root, "#fig-coverage").unwrap_or_default();
    assert!(coverage.ends_with('%'), "p still publishes: {coverage}");
    press("c");
    sleep(100).await;
    assert!(!app_el.class_list().contains("drawer-open"));
    press("f");
    sleep(100).await;
    assert!(!app_el.class_list().contains("present"));
    drop(app);
}
