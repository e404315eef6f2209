//! View state of the lab as plain Rust, independent of the DOM.

pub mod bench;
pub mod lab;
pub mod layout;
pub mod params;
pub mod pow;
pub mod snapshot;
