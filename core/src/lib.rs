//! # gossip-core
//!
//! The whole gossip protocol as a sans-IO state machine: the original course
//! project's JSON-over-UDP wire format ([`codec`]), SHA-256 proof of work
//! ([`pow`]), and the [`Node`] that decides what to send and when. It never
//! touches a socket, a clock, OS randomness or a thread, so the same code runs
//! in the native UDP node, in the deterministic simulator, and in the browser.

pub mod codec;
pub mod config;
pub mod error;
pub mod events;
pub mod id;
pub mod message;
pub mod metrics;
pub mod node;
pub mod order;
pub mod peers;
pub mod pow;
mod prefetch;
pub mod rng;
pub mod scorecard;
pub mod seen;
pub mod sim;
pub mod theory;
pub mod time;

pub use config::{Config, Mode};
pub use error::{ConfigError, DecodeError, IdError, PowError, PublishError, RejectReason};
pub use id::{MsgId, NodeId};
pub use message::{Body, Gossip, Hello, Message, MsgType, PeerInfo, PerType, Ping, PowProof};
pub use node::{Event, Node, PerReason, Stats, Transmit};
pub use time::Time;
