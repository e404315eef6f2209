//! What the canvas painter draws, whatever runs it: the simulator of the
//! lab ([`Lab`]) or a recorded or live run of real nodes ([`Replay`]).

use crate::model::lab::{Flight, Lab, NodeFill};
use crate::model::replay::Replay;

/// A network the [`Painter`](crate::render::Painter) can draw.
pub trait Scene {
    /// Number of nodes.
    fn node_count(&self) -> u32;
    /// Undirected links as sorted `(low, high)` pairs.
    fn links(&self) -> &[(u32, u32)];
    /// Bumped whenever [`Scene::links`] changes.
    fn links_version(&self) -> u64;
    /// Whether the network is split in two halves.
    fn is_partitioned(&self) -> bool;
    /// The time shown, µs since the start.
    fn now_us(&self) -> u64;
    /// How node `i` is drawn at `now_us`.
    fn fill(&self, i: u32, now_us: u64, fade_us: u64) -> NodeFill;
    /// Datagrams on their way.
    fn flights(&self) -> &[Flight];
    /// Datagrams lost on their way (drawn as crosses).
    fn lost(&self) -> &[Flight];
}

impl Scene for Lab {
    fn node_count(&self) -> u32 {
        self.len()
    }
    fn links(&self) -> &[(u32, u32)] {
        Lab::links(self)
    }
    fn links_version(&self) -> u64 {
        Lab::links_version(self)
    }
    fn is_partitioned(&self) -> bool {
        Lab::is_partitioned(self)
    }
    fn now_us(&self) -> u64 {
        Lab::now_us(self)
    }
    fn fill(&self, i: u32, now_us: u64, fade_us: u64) -> NodeFill {
        Lab::fill(self, i, now_us, fade_us)
    }
    fn flights(&self) -> &[Flight] {
        Lab::flights(self)
    }
    fn lost(&self) -> &[Flight] {
        &[]
    }
}

impl Scene for Replay {
    fn node_count(&self) -> u32 {
        Replay::node_count(self)
    }
    fn links(&self) -> &[(u32, u32)] {
        Replay::links(self)
    }
    fn links_version(&self) -> u64 {
        Replay::links_version(self)
    }
    fn is_partitioned(&self) -> bool {
        false
    }
    fn now_us(&self) -> u64 {
        Replay::now_us(self)
    }
    fn fill(&self, i: u32, now_us: u64, fade_us: u64) -> NodeFill {
        Replay::fill(self, i, now_us, fade_us)
    }
    fn flights(&self) -> &[Flight] {
        Replay::flights(self)
    }
    fn lost(&self) -> &[Flight] {
        Replay::lost(self)
    }
}
