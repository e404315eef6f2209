//! Log set-up and the human log line of every core event.
//!
//! Messages are fixed strings ("peer added", "new gossip received", ...) with
//! the details as `key=value` fields, so they are easy to grep in text form
//! and to filter in JSON form. `RUST_LOG` overrides the level.

use std::io::IsTerminal;

use gossip_core::Event;
use tracing::{debug, info, warn};
use tracing_subscriber::EnvFilter;

use crate::args::LogFormat;

/// Installs the global subscriber writing to standard output; `default_level`
/// applies when `RUST_LOG` is unset.
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stdout);
    // A second initialisation (never done by the binary) is harmless: ignore it.
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Logs one core event. Spoofed-sender rejections are logged by the driver,
/// once per source.
pub fn event(event: &Event) {
    match event {
        Event::BootstrapSent { attempt, to } => {
            info!(attempt, to = %to, "bootstrap: sent HELLO and GET_PEERS")
        }
        Event::Joined { peers } => info!(peers, "joined the overlay"),
        Event::BootstrapFailed { attempts } => {
            warn!(
                attempts,
                "bootstrap failed: no answer from the bootstrap node"
            )
        }
        Event::PeerAdded { id, addr, via } => {
            info!(peer = %id, addr = %addr, via = %via.as_str(), "peer added")
        }
        Event::PeerEvicted { id, addr } => {
            info!(peer = %id, addr = %addr, "peer evicted (table full)")
        }
        Event::PeerRemoved {
            id,
            addr,
            silent_for,
        } => info!(
            peer = %id,
            addr = %addr,
            silent_ms = silent_for.as_millis() as u64,
            "peer removed as dead"
        ),
        Event::PowAccepted { id, difficulty_k } => {
            info!(peer = %id, difficulty_k, "proof of work accepted")
        }
        Event::Published { id, gossip } => {
            info!(msg_id = %id, data = %gossip.data, "gossip published")
        }
        Event::Delivered {
            id,
            gossip,
            from,
            hops,
            pulled,
        } => info!(
            msg_id = %id,
            from = %from,
            origin = %gossip.origin_id,
            hops,
            pulled,
            topic = %gossip.topic,
            data = %gossip.data,
            "new gossip received"
        ),
        Event::Duplicate { id, from } => debug!(msg_id = %id, from = %from, "duplicate gossip"),
        Event::Forwarded { id, to, ttl } => {
            info!(msg_id = %id, peers = to, ttl, "gossip forwarded")
        }
        Event::PongReceived { from, rtt } => {
            debug!(peer = %from, rtt_us = rtt.as_micros() as u64, "pong")
        }
        Event::Rejected {
            from,
            reason,
            detail,
        } => warn!(from = %from, reason = %reason.as_str(), detail = %detail, "rejected input"),
    }
}
