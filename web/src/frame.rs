//! A `requestAnimationFrame` loop that keeps running until its callback says stop.
//!
//! The closure is never dropped from inside its own call; a stopped loop keeps
//! its (small) closure alive for the page's lifetime.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

type Slot = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// Handle to a running animation-frame loop; dropping it does not stop the
/// loop, calling [`FrameLoop::stop`] does.
#[derive(Clone)]
pub struct FrameLoop {
    running: Rc<RefCell<bool>>,
}

impl FrameLoop {
    /// Calls `tick(timestamp_ms)` once per animation frame while it returns `true`.
    pub fn start(mut tick: impl FnMut(f64) -> bool + 'static) -> FrameLoop {
        let running = Rc::new(RefCell::new(true));
        let slot: Slot = Rc::new(RefCell::new(None));
        let slot_inner = Rc::clone(&slot);
        let running_inner = Rc::clone(&running);
        *slot.borrow_mut() = Some(Closure::new(move |ts: f64| {
            if !*running_inner.borrow() || !tick(ts) {
                *running_inner.borrow_mut() = false;
                return;
            }
            if let Some(cb) = slot_inner.borrow().as_ref() {
                request(cb);
            }
        }));
        if let Some(cb) = slot.borrow().as_ref() {
            request(cb);
        }
        FrameLoop { running }
    }

    /// Stops the loop before its next frame.
    pub fn stop(&self) {
        *self.running.borrow_mut() = false;
    }

    /// Whether the loop is still scheduled.
    pub fn is_running(&self) -> bool {
        *self.running.borrow()
    }
}

fn request(cb: &Closure<dyn FnMut(f64)>) {
    if let Some(window) = web_sys::window() {
        // A failed request only means no further frames; nothing to recover.
        let _ = window.request_animation_frame(cb.as_ref().unchecked_ref());
    }
}
