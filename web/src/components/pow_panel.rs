use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;

use super::stage::short;
use crate::clock::{epoch_ms, now_ms};
use crate::frame::FrameTask;
use crate::model::format::{or_dash, si, si_unit};
use crate::model::pow::{PowRun, PowView, WorkerJob, WorkerReport, MAX_K, MIN_TIMED_MS};
use crate::pow_worker::PowWorker;

/// Wall-clock budget for hashing in one animation frame, in ms, when no
/// worker can run.
const FRAME_BUDGET_MS: f64 = 8.0;

/// Difficulty slider that solves a real SHA-256 proof for a fresh id in a
/// Web Worker at full speed (in slices of animation frames where no worker
/// runs). Changing k terminates the old search at once.
#[component]
pub fn PowPanel(
    /// The difficulty (shared with the URL).
    k: RwSignal<u32>,
) -> impl IntoView {
    let shown = RwSignal::new(None::<PowView>);
    let on_worker = RwSignal::new(false);
    let task = FrameTask::new();
    let worker = StoredValue::new_local(None::<PowWorker>);
    let runs = Rc::new(Cell::new(0u64));

    let solve = move |difficulty: u32| {
        runs.set(runs.get() + 1);
        let run = runs.get();
        let job = WorkerJob::solve(difficulty, (epoch_ms() as u64) ^ (run << 48));
        task.stop();
        // Dropping the old worker terminates its search.
        worker.set_value(None);
        let in_frames = {
            let (job, runs, task) = (job.clone(), Rc::clone(&runs), task.clone());
            move || {
                if runs.get() != run {
                    return;
                }
                on_worker.set(false);
                let mut slices = PowRun::for_id(&job.node_id, job.k);
                shown.set(Some(slices.view()));
                task.start(move |_| {
                    let solved = slices.work_until(now_ms() + FRAME_BUDGET_MS, now_ms);
                    shown.set(Some(slices.view()));
                    !solved
                });
            }
        };
        shown.set(Some(WorkerReport::default().view(&job)));
        let reports = {
            let (job, runs) = (job.clone(), Rc::clone(&runs));
            move |r: WorkerReport| {
                if runs.get() == run {
                    shown.set(Some(r.view(&job)));
                }
            }
        };
        let fallback = in_frames.clone();
        match PowWorker::start(&job, reports, fallback) {
            Some(w) => {
                on_worker.set(true);
                worker.set_value(Some(w));
            }
            None => in_frames(),
        }
    };
    let solve = Rc::new(solve);
    let first = Rc::clone(&solve);
    first(k.get_untracked());

    view! {
        <section class="panel pow" id="pow-panel">
            <h2>"Proof of work"</h2>
            <label class="ctl">
                <span>"difficulty k"</span>
                <input
                    id="pow-k"
                    type="range"
                    min="0"
                    max=MAX_K.to_string()
                    step="1"
                    prop:value=move || k.get().to_string()
                    on:input=move |ev| {
                        let v = event_target_value(&ev).parse().unwrap_or(0);
                        k.set(v);
                        solve(v);
                    }
                />
                <output>{move || k.get()}</output>
            </label>
            {move || shown.get().map(|v| pow_view(v, on_worker.get()))}
        </section>
    }
}

fn pow_view(v: PowView, on_worker: bool) -> impl IntoView {
    let status = match &v.proof {
        Some((nonce, digest)) => format!("solved: nonce {nonce}, sha256 {}…", short(digest, 16)),
        None => "solving…".to_owned(),
    };
    let solved = v.proof.is_some();
    let rate = v.hash_rate.map(|r| format!("{r:.0}")).unwrap_or_default();
    let place = if on_worker {
        "in a Web Worker, off the main thread"
    } else {
        "in slices of animation frames (no worker)"
    };
    view! {
        <dl class="kv">
            <dt>"identity"</dt><dd class="mono">{short(&v.node_id, 16).to_owned()}"…"</dd>
            <dt>"attempts"</dt><dd id="pow-attempts" data-count=v.attempts.to_string()>{si(v.attempts as f64)}</dd>
            <dt>"expected 16^k"</dt><dd>{si(v.expected)}</dd>
            <dt>"elapsed"</dt><dd>{format!("{:.1} ms", v.elapsed_ms)}</dd>
            <dt title=format!("attempts per second, shown once hashing took {MIN_TIMED_MS} ms or more")>"hash rate"</dt>
            <dd id="pow-rate" data-rate=rate title=place data-worker=on_worker.to_string()>{or_dash(v.hash_rate, |r| si_unit(r, "H/s"))}</dd>
        </dl>
        <p id="pow-status" class="status" class:solved=solved>{status}</p>
    }
}
