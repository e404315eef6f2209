//! Log set-up and the human log line of every core event.
//!
//! Messages are fixed strings ("peer added", "new gossip received", ...) with
//! the details as `key=value` fields, so they are easy to grep in text form
//! and to filter in JSON form. `RUST_LOG` overrides the level. Text that came
//! from the network is [`Escaped`]; warnings a stranger can trigger at will
//! (rejected input, failed sends) go through [`Warnings`], which summarises
//! repeats.

mod escape;
mod summary;

use std::io::{self, IsTerminal};
use std::net::SocketAddr;
use std::time::Instant;

use gossip_core::{Event, RejectReason};
use tracing::{debug, info, warn};
use tracing_subscriber::EnvFilter;

use crate::args::LogFormat;

pub use escape::Escaped;
use summary::{Verdict, Window};

/// Rate-limited warnings of one node: rejected input per reason, and failed
/// sends. Each kind logs at most one line a second in full plus one line
/// counting the ones held back.
#[derive(Debug, Default)]
pub struct Warnings {
    rejected: [Window; RejectReason::COUNT],
    send_failed: Window,
}

impl Warnings {
    /// Input was refused.
    pub fn rejected(&mut self, now: Instant, from: SocketAddr, reason: RejectReason, detail: &str) {
        let Verdict::Log { held_back } = self.rejected[reason.index()].hit(now) else {
            return;
        };
        held_back_line(reason.as_str(), held_back);
        if reason == RejectReason::SpoofedSender {
            warn!(
                from = %from,
                detail = %Escaped(detail),
                "rejected spoofed sender (repeats summarised; see --trust-sender-addr)"
            );
        } else {
            warn!(from = %from, reason = %reason.as_str(), detail = %Escaped(detail), "rejected input");
        }
    }

    /// A datagram could not be sent.
    pub fn send_failed(&mut self, now: Instant, to: SocketAddr, error: &io::Error) {
        if let Verdict::Log { held_back } = self.send_failed.hit(now) {
            held_back_line("send_failed", held_back);
            warn!(to = %to, error = %error, "send failed");
        }
    }

    /// Logs the counts held back in windows that have closed by `now`; at
    /// shutdown pass `None` to log every count left.
    pub fn flush(&mut self, now: Option<Instant>) {
        for reason in RejectReason::ALL {
            if let Some(n) = self.rejected[reason.index()].take_closed(now) {
                held_back_line(reason.as_str(), n);
            }
        }
        if let Some(n) = self.send_failed.take_closed(now) {
            held_back_line("send_failed", n);
        }
    }
}

fn held_back_line(kind: &str, count: u64) {
    if count > 0 {
        warn!(
            kind,
            count, "more of the same in the last second (summarised)"
        );
    }
}

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

/// Logs one core event. Rejections are left to [`Warnings`], which the
/// driver feeds with them.
pub fn event(event: &Event) {
    match event {
        Event::BootstrapSent { attempt, to } => {
            info!(attempt, to = %to, "bootstrap: sent HELLO and GET_PEERS")
        }
        Event::Joined { peers } => info!(peers, "joined the overlay"),
        Event::BootstrapFailed { attempts } => {
            warn!(
                attempts,
                "bootstrap: no answer from the bootstrap node yet; still retrying (backoff up to 30 s)"
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
            info!(msg_id = %id, data = %Escaped(&gossip.data), "gossip published")
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
            topic = %Escaped(&gossip.topic),
            data = %Escaped(&gossip.data),
            "new gossip received"
        ),
        Event::Duplicate { id, from } => debug!(msg_id = %id, from = %from, "duplicate gossip"),
        Event::Forwarded { id, to, ttl } => {
            info!(msg_id = %id, peers = to, ttl, "gossip forwarded")
        }
        Event::PongReceived { from, rtt } => {
            debug!(peer = %from, rtt_us = rtt.as_micros() as u64, "pong")
        }
        Event::Rejected { .. } => {}
    }
}
