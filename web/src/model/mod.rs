//! View state of the lab as plain Rust, independent of the DOM.

pub mod batch;
pub mod bench;
pub mod compare;
pub mod diagram;
pub mod export;
pub mod format;
pub mod lab;
pub mod layout;
pub mod params;
pub mod pow;
pub mod presets;
pub mod replay;
pub mod replay_input;
pub mod scorecard;
pub mod script;
pub mod snapshot;
pub mod spacetime;
pub mod sybil;
pub mod theory;
pub mod timeline;
pub mod url;
