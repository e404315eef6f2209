use leptos::prelude::*;

/// What the theory check box does, for its tooltip.
const TIP: &str =
    "draw what the classic models predict for these parameters over the measurement: \
infect-and-die final coverage, Pittel's expected push rounds, Serf's convergence curve \
(hover a curve for its model and assumptions)";

/// The check box that draws core's theory curves over a coverage chart.
#[component]
pub fn TheoryToggle(id: &'static str, on: RwSignal<bool>) -> impl IntoView {
    view! {
        <label class="check" title=TIP>
            <input type="checkbox" id=id
                prop:checked=move || on.get()
                on:change=move |ev| on.set(event_target_checked(&ev)) />
            "theory"
        </label>
    }
}
