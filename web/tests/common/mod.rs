//! Helpers shared by the browser test files: a fresh mount point, reading
//! text, pressing keys and letting the page run.

use leptos::prelude::{document, window};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{HtmlElement, KeyboardEvent, KeyboardEventInit};

/// A fresh element in `<body>` to mount into.
pub fn container() -> HtmlElement {
    let doc = document();
    let div: HtmlElement = doc.create_element("div").expect("div").unchecked_into();
    doc.body()
        .expect("body")
        .append_child(&div)
        .expect("append");
    div
}

/// The text of the first element matching `selector`, if there is one.
pub fn text(root: &HtmlElement, selector: &str) -> Option<String> {
    root.query_selector(selector)
        .expect("valid selector")
        .map(|e| e.text_content().unwrap_or_default())
}

/// Presses `key` on `target` (the focused element), bubbling up to the window.
pub fn press_on(target: &web_sys::Element, key: &str) {
    let init = KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    let event = KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("key");
    target.dispatch_event(&event).expect("dispatch");
}

/// Presses `key` with nothing focused.
pub fn press(key: &str) {
    press_on(&document().body().expect("body"), key);
}

/// Lets timers, animation frames and leptos effects run for `ms`.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .expect("setTimeout");
    });
    JsFuture::from(promise).await.expect("timer");
}
