//! A `requestAnimationFrame` loop that keeps running until its callback says
//! stop or its handle is stopped.
//!
//! A stopped loop drops its callback (and whatever the callback holds); only
//! the small JavaScript trampoline stays alive, because a closure cannot be
//! dropped from inside its own call.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use leptos::prelude::on_cleanup;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

type Tick = Box<dyn FnMut(f64) -> bool>;
type Slot = Rc<RefCell<Option<Closure<dyn FnMut(f64)>>>>;

/// Handle to a running animation-frame loop; dropping it does not stop the
/// loop, calling [`FrameLoop::stop`] does.
#[derive(Clone)]
pub struct FrameLoop {
    running: Rc<Cell<bool>>,
    tick: Rc<RefCell<Option<Tick>>>,
}

impl FrameLoop {
    /// Calls `tick(timestamp_ms)` once per animation frame while it returns `true`.
    pub fn start(tick: impl FnMut(f64) -> bool + 'static) -> FrameLoop {
        let frames = FrameLoop {
            running: Rc::new(Cell::new(true)),
            tick: Rc::new(RefCell::new(Some(Box::new(tick)))),
        };
        let slot: Slot = Rc::new(RefCell::new(None));
        let slot_inner = Rc::clone(&slot);
        let inner = frames.clone();
        *slot.borrow_mut() = Some(Closure::new(move |ts: f64| {
            // Taken out for the call, so that the tick may stop its own loop.
            let Some(mut tick) = inner.tick.borrow_mut().take() else {
                return;
            };
            if tick(ts) && inner.running.get() {
                *inner.tick.borrow_mut() = Some(tick);
                if let Some(cb) = slot_inner.borrow().as_ref() {
                    request(cb);
                }
            } else {
                inner.running.set(false);
            }
        }));
        if let Some(cb) = slot.borrow().as_ref() {
            request(cb);
        }
        frames
    }

    /// Stops the loop before its next frame and drops its callback.
    pub fn stop(&self) {
        self.running.set(false);
        // Not borrowed while the tick runs: the trampoline takes it out first.
        if let Ok(mut tick) = self.tick.try_borrow_mut() {
            tick.take();
        }
    }
}

fn request(cb: &Closure<dyn FnMut(f64)>) {
    if let Some(window) = web_sys::window() {
        // A failed request only means no further frames; nothing to recover.
        let _ = window.request_animation_frame(cb.as_ref().unchecked_ref());
    }
}

/// A component's one background job, run a step per animation frame:
/// starting a job stops the one before it, and every job ends when the
/// component that made the task unmounts.
#[derive(Clone)]
pub struct FrameTask {
    current: Rc<RefCell<Option<FrameLoop>>>,
    /// Cleared on unmount; an atomic because leptos wants cleanups `Send`.
    mounted: Arc<AtomicBool>,
}

impl Default for FrameTask {
    fn default() -> FrameTask {
        FrameTask::new()
    }
}

impl FrameTask {
    /// A task tied to the component being built (call it in the component).
    pub fn new() -> FrameTask {
        let mounted = Arc::new(AtomicBool::new(true));
        let unmounted = Arc::clone(&mounted);
        on_cleanup(move || unmounted.store(false, Ordering::Relaxed));
        FrameTask {
            current: Rc::new(RefCell::new(None)),
            mounted,
        }
    }

    /// Stops the running job, if any, and calls `tick(timestamp_ms)` once
    /// per frame while it returns `true` and the component is mounted.
    pub fn start(&self, mut tick: impl FnMut(f64) -> bool + 'static) {
        self.stop();
        let mounted = Arc::clone(&self.mounted);
        let frames = FrameLoop::start(move |ts| mounted.load(Ordering::Relaxed) && tick(ts));
        *self.current.borrow_mut() = Some(frames);
    }

    /// Stops the running job, if any.
    pub fn stop(&self) {
        if let Some(old) = self.current.borrow_mut().take() {
            old.stop();
        }
    }
}
