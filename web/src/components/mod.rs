//! Leptos components: thin wiring between [`crate::model`] and the page.

mod app;
mod classroom;
mod compare_panel;
mod controls;
mod experiments_panel;
mod export_bar;
mod page;
mod pow_panel;
mod projector;
mod replay_view;
mod scorecard_panel;
mod spacetime_panel;
mod stage;
mod state;
mod stats;
mod sybil_panel;
mod theory_toggle;

pub use app::App;
pub use classroom::{Classroom, ClassroomPanel, PresetBar, Shortcuts, Tabs};
pub use compare_panel::ComparePanel;
pub use controls::Controls;
pub use experiments_panel::ExperimentsPanel;
pub use export_bar::ExportBar;
pub use page::query as page_query;
pub use pow_panel::PowPanel;
pub use replay_view::{wanted as replay_wanted, ReplayView};
pub use scorecard_panel::ScorecardPanel;
pub use spacetime_panel::SpaceTimePanel;
pub use stage::Stage;
pub use state::{LabHandle, LabState};
pub use stats::Stats;
pub use sybil_panel::SybilPanel;
pub use theory_toggle::TheoryToggle;
