//! # gossip-web
//!
//! The browser lab: the deterministic simulator of [`gossip_core`] compiled to
//! wasm and drawn on a canvas, so every dot on screen is a datagram a real
//! [`gossip_core::Node`] sent. There is no protocol code here.
//!
//! - [`model`]: plain Rust view state (layout, animation, statistics, proof of
//!   work), unit-tested natively.
//! - [`components`]: thin leptos components wiring the model to the DOM.
//! - [`clock`] and [`frame`]: the browser's clocks and animation frames.
//! - [`pow_worker`]: proof of work in a Web Worker, off the main thread.
//!
//! The default `ui` feature holds the page (leptos: `components`, `frame`,
//! [`start`]); the worker binary builds without it, so its wasm stays small.

pub mod clock;
#[cfg(feature = "ui")]
pub mod components;
#[cfg(feature = "ui")]
pub mod frame;
pub mod math;
pub mod model;
pub mod pow_worker;
pub mod render;
pub mod scene;
pub mod tree_overlay;

/// Mounts the lab into `<body>`; the wasm binary's entry point. Debug builds
/// print panics to the console; the release build leaves that machinery out
/// to stay small (a panic there still stops the page with a wasm trap).
#[cfg(feature = "ui")]
pub fn start() {
    use leptos::mount::mount_to_body;

    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    if components::replay_wanted(&components::page_query()) {
        mount_to_body(components::ReplayView);
    } else {
        mount_to_body(components::App);
    }
}
