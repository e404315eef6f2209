//! The browser's clocks. `std::time::Instant` panics on wasm32, so every
//! wall-clock reading in the app goes through here.

/// Milliseconds from `performance.now()` (monotonic, sub-millisecond); 0 when
/// there is no window (e.g. a native unit test).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

/// Milliseconds since the Unix epoch from `Date.now()`.
pub fn epoch_ms() -> f64 {
    js_sys::Date::now()
}

/// Name of the performance mark set when the lab has drawn its first frame
/// and handles input; the end-to-end test reads it as time to interactive.
pub const INTERACTIVE_MARK: &str = "gossip-lab-interactive";

/// Sets the performance mark `name` (visible in the browser's performance
/// timeline); does nothing without a window.
pub fn mark(name: &str) {
    if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
        // A mark that cannot be set only leaves the timeline without it.
        let _ = p.mark(name);
    }
}
