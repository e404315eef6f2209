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
