use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use super::stage::short;
use crate::clock::{epoch_ms, now_ms};
use crate::frame::FrameTask;
use crate::model::format::{or_dash, si, si_unit};
use crate::model::pow::{PowRun, PowView, MAX_K, MIN_TIMED_MS};

/// Wall-clock budget for hashing in one animation frame, in ms.
const FRAME_BUDGET_MS: f64 = 8.0;

/// Difficulty slider that solves a real SHA-256 proof for a fresh id, a slice
/// per animation frame.
#[component]
pub fn PowPanel(
    /// The difficulty (shared with the URL).
    k: RwSignal<u32>,
) -> impl IntoView {
    let shown = RwSignal::new(None::<PowView>);
    let task = FrameTask::new();
    let runs = Rc::new(RefCell::new(0u64));

    let solve = move |difficulty: u32| {
        *runs.borrow_mut() += 1;
        let seed = (epoch_ms() as u64) ^ (*runs.borrow() << 48);
        let mut run = PowRun::new(difficulty, seed);
        shown.set(Some(run.view()));
        task.start(move |_| {
            let solved = run.work_until(now_ms() + FRAME_BUDGET_MS, now_ms);
            shown.set(Some(run.view()));
            !solved
        });
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
            {move || shown.get().map(pow_view)}
        </section>
    }
}

fn pow_view(v: PowView) -> impl IntoView {
    let status = match &v.proof {
        Some((nonce, digest)) => format!("solved: nonce {nonce}, sha256 {}…", short(digest, 16)),
        None => "solving…".to_owned(),
    };
    let solved = v.proof.is_some();
    view! {
        <dl class="kv">
            <dt>"identity"</dt><dd class="mono">{short(&v.node_id, 16).to_owned()}"…"</dd>
            <dt>"attempts"</dt><dd id="pow-attempts" data-count=v.attempts.to_string()>{si(v.attempts as f64)}</dd>
            <dt>"expected 16^k"</dt><dd>{si(v.expected)}</dd>
            <dt>"elapsed"</dt><dd>{format!("{:.1} ms", v.elapsed_ms)}</dd>
            <dt title=format!("attempts per second, shown once hashing took {MIN_TIMED_MS} ms or more")>"hash rate"</dt>
            <dd id="pow-rate">{or_dash(v.hash_rate, |r| si_unit(r, "H/s"))}</dd>
        </dl>
        <p id="pow-status" class="status" class:solved=solved>{status}</p>
    }
}
