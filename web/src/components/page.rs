//! The few browser calls the classroom features need (query string, history,
//! full screen, downloads), made through `js_sys::Reflect` so the app needs
//! no extra `web-sys` features. Each does nothing when the browser lacks it.

use js_sys::{Function, Reflect};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn call0(target: &JsValue, method: &str) {
    if let Some(f) = get(target, method).and_then(|f| f.dyn_into::<Function>().ok()) {
        // A refused call (e.g. full screen without a user gesture) changes nothing.
        let _ = f.call0(target);
    }
}

fn window() -> Option<JsValue> {
    web_sys::window().map(JsValue::from)
}

/// The page's query string (`location.search`), `""` without one.
pub fn query() -> String {
    window()
        .and_then(|w| get(&w, "location"))
        .and_then(|l| get(&l, "search"))
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Replaces the query string without reloading (`history.replaceState`).
pub fn replace_query(query: &str) {
    let Some(history) = window().and_then(|w| get(&w, "history")) else {
        return;
    };
    if let Some(f) = get(&history, "replaceState").and_then(|f| f.dyn_into::<Function>().ok()) {
        let url = JsValue::from_str(&format!("?{query}"));
        // Refused only for cross-origin URLs, which a query string never is.
        let _ = f.call3(&history, &JsValue::NULL, &JsValue::from_str(""), &url);
    }
}

/// Enters full screen, or leaves it when already there.
pub fn toggle_fullscreen() {
    let Some(document) = window().and_then(|w| get(&w, "document")) else {
        return;
    };
    if get(&document, "fullscreenElement").is_some() {
        call0(&document, "exitFullscreen");
    } else if let Some(root) = get(&document, "documentElement") {
        call0(&root, "requestFullscreen");
    }
}

/// A `data:` URL holding `text`.
pub fn data_url(mime: &str, text: &str) -> String {
    format!(
        "data:{mime};charset=utf-8,{}",
        String::from(js_sys::encode_uri_component(text))
    )
}

/// A link that downloads `text` as `file`.
pub fn download(
    id: &'static str,
    label: &'static str,
    file: &'static str,
    mime: &'static str,
    text: String,
) -> impl IntoView {
    view! {
        <a class="button" id=id download=file href=data_url(mime, &text)>{label}</a>
    }
}
