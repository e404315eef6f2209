//! Proof of work off the main thread: the page starts a Web Worker (the
//! `pow-worker` binary, which trunk builds as a worker beside the lab) and
//! the worker runs core's solver through [`WorkerRun`] at full speed,
//! posting [`WorkerReport`]s. Cancelling is terminating the
//! worker, which stops its search at once.
//!
//! The worker first posts `"ready"` (a job posted earlier, while its wasm
//! loads, would find no handler), then gets its job. Messages are plain
//! arrays, so both sides need no serializer: a job is
//! `[node_id, k, max_ms]`, a report `[attempts, elapsed_ms, nonce, digest,
//! done, k]` (`nonce` and `digest` are `null` until solved).

use std::cell::RefCell;
use std::rc::Rc;

use gossip_core::pow::{hash_rate, Solver, HASH_ALG, MAX_DIFFICULTY};
use gossip_core::PowProof;
use js_sys::Array;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent, Worker};

use crate::clock::now_ms;
use crate::model::pow::{WorkerJob, WorkerReport, WorkerRun};

/// What a worker posts once it listens for jobs; the page posts the job then.
const READY: &str = "ready";

/// The worker's script, relative to the page (trunk's loader shim for the
/// `pow-worker` binary).
pub const WORKER_SCRIPT: &str = "./pow-worker_loader.js";

/// A job as the message posted to a worker.
pub fn encode_job(job: &WorkerJob) -> Array {
    Array::of3(
        &JsValue::from_str(&job.node_id),
        &JsValue::from(job.k),
        &JsValue::from(job.max_ms),
    )
}

/// The job in a message, `None` when it is not one.
pub fn decode_job(v: &JsValue) -> Option<WorkerJob> {
    let a: &Array = v.dyn_ref()?;
    Some(WorkerJob {
        node_id: a.get(0).as_string()?,
        k: a.get(1).as_f64()?.clamp(0.0, f64::from(u32::MAX)) as u32,
        max_ms: a.get(2).as_f64()?,
    })
}

/// A report for a job at difficulty `k` as the message a worker posts.
pub fn encode_report(r: &WorkerReport, k: u32) -> Array {
    let (nonce, digest) = match &r.proof {
        Some(p) => (
            JsValue::from(p.nonce as f64),
            JsValue::from_str(&p.digest_hex),
        ),
        None => (JsValue::NULL, JsValue::NULL),
    };
    [
        JsValue::from(r.attempts as f64),
        JsValue::from(r.elapsed_ms),
        nonce,
        digest,
        JsValue::from_bool(r.done),
        JsValue::from(k),
    ]
    .iter()
    .collect()
}

/// The report in a message, `None` when it is not one.
pub fn decode_report(v: &JsValue) -> Option<WorkerReport> {
    let a: &Array = v.dyn_ref()?;
    let proof = match (a.get(2).as_f64(), a.get(3).as_string()) {
        (Some(nonce), Some(digest_hex)) => Some(PowProof {
            hash_alg: HASH_ALG.to_owned(),
            difficulty_k: a.get(5).as_f64()? as u32,
            nonce: nonce as u64,
            digest_hex,
        }),
        _ => None,
    };
    Some(WorkerReport {
        attempts: a.get(0).as_f64()? as u64,
        elapsed_ms: a.get(1).as_f64()?,
        proof,
        done: a.get(4).as_bool()?,
    })
}

/// The worker's entry point: answers each job message by running it in
/// slices (see [`WorkerRun`]) and posting a report after each. A message
/// that is not a job is ignored.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let handler_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        if let Some(job) = decode_job(&ev.data()) {
            next_slice(handler_scope.clone(), WorkerRun::new(job.clone()), job.k);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    // A job posted before the handler was set would be lost: say when ready.
    let _ = scope.post_message(&JsValue::from_str(READY));
}

/// Runs one slice of `run`, posts its report, and queues the next slice.
fn next_slice(scope: DedicatedWorkerGlobalScope, mut run: WorkerRun, k: u32) {
    let clock = scope.performance();
    let report = run.slice(|| clock.as_ref().map_or_else(js_sys::Date::now, |p| p.now()));
    // A worker's own post cannot fail for an array of plain values.
    let _ = scope.post_message(&encode_report(&report, k));
    if run.is_done() {
        return;
    }
    let again = scope.clone();
    let next = Closure::once_into_js(move || next_slice(again, run, k));
    // Queuing a timer in a live worker cannot fail.
    let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(next.unchecked_ref(), 0);
}

/// A running worker on the page; dropping it terminates the worker (and its
/// search) at once.
pub struct PowWorker {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(JsValue)>,
}

impl PowWorker {
    /// Starts a worker on `job`: `on_report` gets each report, `on_error`
    /// is called once if the worker cannot run (its script is missing, or
    /// the browser has no workers). `None` when no worker could be made.
    pub fn start(
        job: &WorkerJob,
        mut on_report: impl FnMut(WorkerReport) + 'static,
        on_error: impl FnOnce() + 'static,
    ) -> Option<PowWorker> {
        let worker = Worker::new(WORKER_SCRIPT).ok()?;
        let (job, poster) = (encode_job(job), worker.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            if data.as_string().as_deref() == Some(READY) {
                // Posting plain values to a live worker cannot fail.
                let _ = poster.post_message(&job);
            } else if let Some(r) = decode_report(&data) {
                on_report(r);
            }
        });
        let mut on_error = Some(on_error);
        let on_error = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            if let Some(f) = on_error.take() {
                f();
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Some(PowWorker {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }
}

impl Drop for PowWorker {
    fn drop(&mut self) {
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}

/// Hashes per second of this machine on the main thread, measured for about
/// `ms` milliseconds (what [`measure`] falls back to without a worker).
pub fn measure_here(ms: f64) -> f64 {
    let mut solver = Solver::new("0123456789abcdef0123456789abcdef", MAX_DIFFICULTY);
    let start = now_ms();
    while now_ms() - start < ms {
        solver.step(2_048);
    }
    let elapsed = core::time::Duration::from_secs_f64(((now_ms() - start) / 1_000.0).max(1e-6));
    hash_rate(solver.attempts(), elapsed)
}

/// Measures this machine's hash rate as the proof-of-work panel hashes: for
/// `ms` milliseconds in a worker, or on the main thread where no worker
/// runs. Calls `done(rate)` once; keep the returned worker until then
/// (dropping it cancels the measurement).
pub fn measure(ms: f64, seed: u64, done: impl FnOnce(f64) + 'static) -> Option<PowWorker> {
    let done = Rc::new(RefCell::new(Some(done)));
    let finish = move |rate: f64| {
        if let Some(f) = done.borrow_mut().take() {
            f(rate);
        }
    };
    let on_report = {
        let finish = finish.clone();
        move |r: WorkerReport| {
            if r.done {
                finish(r.hash_rate().unwrap_or(0.0));
            }
        }
    };
    let fallback = finish.clone();
    let worker = PowWorker::start(&WorkerJob::measure(ms, seed), on_report, move || {
        fallback(measure_here(ms));
    });
    if worker.is_none() {
        finish(measure_here(ms));
    }
    worker
}
