//! Leptos components: thin wiring between [`crate::model`] and the page.

mod app;
mod controls;
mod pow_panel;
mod stage;
mod state;
mod stats;

pub use app::App;
pub use controls::Controls;
pub use pow_panel::PowPanel;
pub use stage::Stage;
pub use state::{LabHandle, LabState};
pub use stats::Stats;
