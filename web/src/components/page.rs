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

fn document() -> Option<JsValue> {
    window().and_then(|w| get(&w, "document"))
}

/// Whether the page is in full screen.
pub fn is_fullscreen() -> bool {
    document().is_some_and(|d| get(&d, "fullscreenElement").is_some())
}

/// Enters full screen (`on`) or leaves it; does nothing when already so.
pub fn set_fullscreen(on: bool) {
    let Some(document) = document() else {
        return;
    };
    if on == is_fullscreen() {
        return;
    }
    if on {
        if let Some(root) = get(&document, "documentElement") {
            call0(&root, "requestFullscreen");
        }
    } else {
        call0(&document, "exitFullscreen");
    }
}

/// Scrolls the element with id `id` to the top of the window.
pub fn scroll_into_view(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        el.scroll_into_view();
    }
}

/// Scrolls the window back to the top.
pub fn scroll_to_top() {
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
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

/// Starts a download of `href` (a `data:` URL) as `file`.
pub fn save(file: &str, href: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(link) = document
        .create_element("a")
        .ok()
        .and_then(|a| a.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    // Setting attributes on a fresh element cannot fail.
    let _ = link.set_attribute("href", href);
    let _ = link.set_attribute("download", file);
    link.click();
}

/// Starts a download of `text` as `file`.
pub fn save_text(file: &str, mime: &str, text: &str) {
    save(file, &data_url(mime, text));
}

/// Renders `svg` (`width` x `height`) onto a canvas through an image and
/// starts a download of it as a PNG called `file`.
pub fn save_svg_as_png(file: &str, svg: &str, width: u32, height: u32) {
    let Some(ctor) = window()
        .and_then(|w| get(&w, "Image"))
        .and_then(|c| c.dyn_into::<Function>().ok())
    else {
        return;
    };
    let Ok(image) = Reflect::construct(&ctor, &js_sys::Array::new()) else {
        return;
    };
    let drawn = image.clone();
    let file = file.to_owned();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        let Some(canvas) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.create_element("canvas").ok())
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        canvas.set_width(width);
        canvas.set_height(height);
        let Some(context) = canvas.get_context("2d").ok().flatten() else {
            return;
        };
        if let Some(draw) = get(&context, "drawImage").and_then(|f| f.dyn_into::<Function>().ok()) {
            let _ = draw.call3(&context, &drawn, &JsValue::from(0), &JsValue::from(0));
        }
        if let Ok(url) = canvas.to_data_url_with_type("image/png") {
            save(&file, &url);
        }
    });
    // Plain property writes on a fresh Image cannot fail.
    let _ = Reflect::set(&image, &JsValue::from_str("onload"), &onload);
    let _ = Reflect::set(
        &image,
        &JsValue::from_str("src"),
        &JsValue::from_str(&data_url("image/svg+xml", svg)),
    );
}
