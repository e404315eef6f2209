//! Membership: who is in the peer table and how they got there. Bootstrap,
//! admission (proof of work, solicited PEERS_LIST, sticky addresses),
//! liveness (PING/PONG, removal of silent peers, and probes of removed
//! ones so that a healed partition joins up again). Dissemination never
//! changes the table; it reads it.
//!
//! The rules and the attacks they stop are in `docs/SECURITY.md`.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::codec;
use crate::config::{Config, BOOTSTRAP_ATTEMPTS, BOOTSTRAP_BACKOFF, BOOTSTRAP_BACKOFF_MAX};
use crate::error::RejectReason;
use crate::id::{MsgId, NodeId};
use crate::message::{Body, Hello, Message, MsgType, PeerInfo, Ping, PowProof, CAP_PLUMTREE};
use crate::peers::{Lookup, PeerTable, Upsert};
use crate::pow;
use crate::time::Time;

use super::departed::Departed;
use super::output::Event;
use super::solicit::{Solicited, SOLICIT_WINDOW};
use super::timers::Timer;
use super::Ctx;

/// Largest number of pings awaiting a PONG.
pub const MAX_PENDING_PINGS: usize = 1_024;
/// Most addresses awaited at once for a PEERS_LIST (see [`SOLICIT_WINDOW`]).
pub const MAX_SOLICITED: usize = 64;
/// Bytes out per byte in allowed for an answer to a sender that was not a
/// peer before it wrote: such a request can never be an amplifier.
pub const STRANGER_REPLY_RATIO: usize = 2;

#[derive(Debug, Clone)]
struct PendingPing {
    id: MsgId,
    to: NodeId,
    sent_at: Time,
}

/// The bootstrap address and the retry state of joining through it. Kept for
/// the node's whole life: whenever the peer table empties, joining starts
/// over. The next attempt is [`Timer::Bootstrap`]; disarmed while joined.
#[derive(Debug, Clone)]
struct Bootstrap {
    addr: SocketAddr,
    /// Attempts since the table was last empty.
    attempts: u32,
}

/// The wait after attempt `attempt` (from 1): doubling from
/// [`BOOTSTRAP_BACKOFF`], capped at [`BOOTSTRAP_BACKOFF_MAX`].
fn backoff(attempt: u32) -> Duration {
    let doublings = attempt.saturating_sub(1).min(16);
    (BOOTSTRAP_BACKOFF * (1u32 << doublings)).min(BOOTSTRAP_BACKOFF_MAX)
}

/// The size of the datagram a request arrived in, measured on demand when the
/// driver handed in a decoded message.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestLen(pub(crate) Option<usize>);

impl RequestLen {
    fn get(self, msg: &Message, cx: &mut Ctx<'_>) -> usize {
        self.0.unwrap_or_else(|| cx.out.measure(msg))
    }
}

/// The capabilities our HELLO lists: `["udp", "json"]`, plus
/// [`CAP_PLUMTREE`] for a node that speaks it. One copy per thread for all
/// its nodes: every HELLO carries the list and its receiver reads it, and in
/// a simulator of 100 000 nodes one shared copy stays in cache where a copy
/// per node missed it on every HELLO.
fn capabilities(plumtree: bool) -> Arc<[String]> {
    thread_local! {
        static LISTS: [Arc<[String]>; 2] = [false, true].map(|plumtree| {
            let mut list = vec!["udp".to_owned(), "json".to_owned()];
            if plumtree {
                list.push(CAP_PLUMTREE.to_owned());
            }
            list.into()
        });
    }
    LISTS.with(|lists| lists[usize::from(plumtree)].clone())
}

/// Bytes the proof of work adds to a HELLO (0 for other messages).
fn proof_bytes(msg: &Message) -> usize {
    match &msg.body {
        Body::Hello(Hello { pow: Some(pow), .. }) => codec::pow_len(pow),
        _ => 0,
    }
}

/// Where a PEERS_LIST goes and what bounds it.
#[derive(Debug, Clone, Copy)]
struct Reply {
    to: SocketAddr,
    /// Most bytes it may take (an answer to a stranger); `None`: no bound.
    budget: Option<usize>,
    /// Whether it is sent even when no peer is listed.
    empty_too: bool,
}

/// The membership part of a node.
#[derive(Debug, Clone)]
pub(crate) struct Membership {
    id: NodeId,
    pub(crate) peers: PeerTable,
    pub(crate) solicited: Solicited,
    bootstrap: Option<Bootstrap>,
    pending_pings: VecDeque<PendingPing>,
    ping_seq: u64,
    departed: Departed,
    /// Boxed: most nodes never hold one, and a node is kept small.
    pub(crate) proof: Option<Box<PowProof>>,
    /// Whether our HELLO names the Plumtree capability.
    speaks_plumtree: bool,
}

impl Membership {
    /// The membership of node `id`; arms the first bootstrap attempt (at
    /// once, unless a proof must be solved first) and the liveness timer.
    pub(crate) fn new(
        config: &Config,
        id: NodeId,
        now: Time,
        cx_timers: &mut super::Timers,
    ) -> Membership {
        let bootstrap = config.bootstrap.map(|addr| Bootstrap { addr, attempts: 0 });
        if bootstrap.is_some() && config.pow_k == 0 {
            cx_timers.set(Timer::Bootstrap, now);
        }
        cx_timers.set(Timer::Liveness, now + config.ping_interval);
        Membership {
            id,
            peers: PeerTable::new(config.peer_limit as usize),
            solicited: Solicited::new(MAX_SOLICITED),
            bootstrap,
            pending_pings: VecDeque::new(),
            ping_seq: 0,
            departed: Departed::default(),
            proof: None,
            speaks_plumtree: config.mode.speaks_plumtree(),
        }
    }

    /// The bootstrap address this node joins through, if any.
    pub(crate) fn bootstrap_addr(&self) -> Option<SocketAddr> {
        self.bootstrap.as_ref().map(|b| b.addr)
    }

    /// Whether this node must solve a proof of work before it can join: it
    /// joins through HELLO (it has a bootstrap address), `pow_k > 0`, and no
    /// proof is set. A seed node never solves.
    pub(crate) fn pow_challenge(&self, config: &Config) -> Option<(String, u32)> {
        (config.pow_k > 0 && self.proof.is_none() && self.bootstrap.is_some())
            .then(|| (self.id.to_hex().as_str().to_owned(), config.pow_k))
    }

    /// Sets the proof presented in HELLO; a node waiting for it starts joining.
    pub(crate) fn set_proof(&mut self, now: Time, proof: PowProof, timers: &mut super::Timers) {
        self.proof = Some(Box::new(proof));
        if let Some(b) = &self.bootstrap {
            if b.attempts == 0 && timers.get(Timer::Bootstrap).is_none() {
                timers.set(Timer::Bootstrap, now);
            }
        }
    }

    /// Whether we can introduce ourselves: with proof of work on, only with a
    /// proof to show.
    fn can_introduce(&self, config: &Config) -> bool {
        config.pow_k == 0 || self.proof.is_some()
    }

    /// Our HELLO, carrying our proof of work when we have one.
    fn hello(&self) -> Body {
        Body::Hello(Hello {
            capabilities: capabilities(self.speaks_plumtree),
            pow: self.proof.clone(),
        })
    }

    // ----- every message ---------------------------------------------------

    /// The checks every message passes before anything else: not from us,
    /// from the address it claims, not claiming a live peer's id from
    /// elsewhere. `Some(known)` when it may be handled, `known` telling
    /// whether its sender was a peer (at that address) before it arrived.
    pub(crate) fn check_sender(
        &mut self,
        cx: &mut Ctx<'_>,
        from: SocketAddr,
        msg: &Message,
    ) -> Option<bool> {
        let msg_type = msg.msg_type();
        if msg.sender_id == self.id {
            cx.out.reject(
                from,
                RejectReason::FromSelf,
                "message claims our own id".into(),
            );
            return None;
        }
        if !cx.config.trust_sender_addr && msg.sender_addr != from {
            let detail = format!(
                "sender_addr {} but datagram came from {from}",
                msg.sender_addr
            );
            cx.out.reject(from, RejectReason::SpoofedSender, detail);
            return None;
        }
        match self.peers.touch(msg.sender_id, msg.sender_addr, cx.now) {
            Lookup::Here => Some(true),
            Lookup::Unknown => Some(false),
            Lookup::Elsewhere(peer) => {
                let silent = cx.now.saturating_since(peer.last_seen) > cx.config.peer_timeout;
                if silent && msg_type == MsgType::Hello {
                    return Some(false);
                }
                let detail = format!(
                    "{} claims peer {} from {}, but it lives at {}",
                    msg_type.as_str(),
                    msg.sender_id,
                    msg.sender_addr,
                    peer.addr
                );
                cx.out.reject(from, RejectReason::AddressConflict, detail);
                None
            }
        }
    }

    /// False (and a rejection) for a PEERS_LIST we did not ask for.
    pub(crate) fn check_solicited(
        &mut self,
        cx: &mut Ctx<'_>,
        from: SocketAddr,
        msg: &Message,
    ) -> bool {
        if msg.msg_type() != MsgType::PeersList || self.solicited.expects(msg.sender_addr, cx.now) {
            return true;
        }
        let detail = format!(
            "PEERS_LIST from {}, which we did not ask for peers",
            msg.sender_addr
        );
        cx.out
            .reject(from, RejectReason::UnsolicitedPeersList, detail);
        false
    }

    /// Without proof of work, any direct sender is learnt (the original's
    /// openness; when the table is full it replaces the least recently heard
    /// peer, which keeps large bootstrap overlays mixed: without it, push at
    /// N = 1 000 reached 59 % instead of 96 %); with it, only a valid HELLO
    /// admits a peer.
    pub(crate) fn learn_sender(&mut self, cx: &mut Ctx<'_>, msg: &Message, known: bool) {
        if !known && cx.config.pow_k == 0 {
            self.add_direct(cx, msg.sender_id, msg.sender_addr, false, msg.msg_type());
        }
    }

    /// Adds or refreshes a peer heard from directly; true when it is new.
    fn add_direct(
        &mut self,
        cx: &mut Ctx<'_>,
        id: NodeId,
        addr: SocketAddr,
        verified: bool,
        via: MsgType,
    ) -> bool {
        match self.peers.upsert(id, addr, cx.now, verified) {
            Upsert::Added => {
                cx.out.emit(Event::PeerAdded { id, addr, via });
                true
            }
            Upsert::AddedEvicting(old) => {
                cx.out.emit(Event::PeerEvicted {
                    id: old.id,
                    addr: old.addr,
                });
                cx.out.emit(Event::PeerAdded { id, addr, via });
                true
            }
            Upsert::Refreshed | Upsert::NoRoom => false,
        }
    }

    /// Puts a peer straight into the table (see [`crate::Node::insert_peer`]).
    pub(crate) fn insert_peer(
        &mut self,
        now: Time,
        id: NodeId,
        addr: SocketAddr,
        speaks_plumtree: bool,
    ) -> bool {
        id != self.id && self.peers.insert_new(id, addr, now, speaks_plumtree)
    }

    /// Puts distinct new peers straight into the table (see
    /// [`crate::Node::insert_distinct_peers`]); our own id is skipped.
    pub(crate) fn insert_distinct_peers(
        &mut self,
        now: Time,
        peers: impl IntoIterator<Item = (NodeId, SocketAddr)>,
        speaks_plumtree: bool,
    ) -> usize {
        let own = self.id;
        let others = peers.into_iter().filter(|&(id, _)| id != own);
        self.peers.insert_distinct(others, now, speaks_plumtree)
    }

    // ----- handlers --------------------------------------------------------

    /// HELLO: with proof of work on, the only way into the peer table. A
    /// HELLO from an address we asked (our HELLO or GET_PEERS) is its answer
    /// and gets none: the PEERS_LIST it would get was asked for by nobody,
    /// and joining a large overlay sent one per introduction (half of all
    /// join traffic). Any other HELLO is answered (a PEERS_LIST, and our own
    /// HELLO to a peer that is new to us) within [`STRANGER_REPLY_RATIO`]
    /// times its size: a replayed proof from a spoofed address buys no
    /// amplification.
    pub(crate) fn on_hello(
        &mut self,
        cx: &mut Ctx<'_>,
        msg: &Message,
        hello: &Hello,
        known: bool,
        request_len: RequestLen,
    ) {
        let mut verified = false;
        if cx.config.pow_k > 0 {
            let sender_hex = msg.sender_id.to_hex();
            let Some(proof) = &hello.pow else {
                return cx.out.reject(
                    msg.sender_addr,
                    RejectReason::PowMissing,
                    format!("HELLO from {} has no proof of work", msg.sender_id),
                );
            };
            if let Err(err) = pow::verify(sender_hex.as_str(), proof, cx.config.pow_k) {
                return cx.out.reject(
                    msg.sender_addr,
                    RejectReason::PowInvalid,
                    format!("HELLO from {}: {err}", msg.sender_id),
                );
            }
            verified = true;
            cx.out.emit(Event::PowAccepted {
                id: msg.sender_id,
                difficulty_k: proof.difficulty_k,
            });
        }
        let added = self.add_direct(cx, msg.sender_id, msg.sender_addr, verified, MsgType::Hello);
        let speaks_plumtree = hello.capabilities.iter().any(|c| c == CAP_PLUMTREE);
        self.peers.set_plumtree(msg.sender_id, speaks_plumtree);
        // Proofs are left out of the byte budget on both sides (they are
        // nearly the same size at a given k), so the answer, and with it how
        // joining goes, is the same at every k.
        let their_proof = proof_bytes(msg);
        if self.solicited.expects(msg.sender_addr, cx.now) {
            return;
        }
        let mut budget =
            STRANGER_REPLY_RATIO * request_len.get(msg, cx).saturating_sub(their_proof);
        let mut introduced = false;
        if !known && added && self.can_introduce(cx.config) {
            let hello_id = MsgId::random(cx.rng);
            let ours = cx.out.message(cx.now, hello_id, 0, self.hello());
            let len = cx.out.measure(&ours) - proof_bytes(&ours);
            if len < budget
                && self
                    .solicited
                    .note(msg.sender_addr, cx.now, cx.now + SOLICIT_WINDOW)
            {
                budget -= len;
                cx.out.queue(msg.sender_addr, ours);
                introduced = true;
            }
        }
        // After our HELLO an empty PEERS_LIST tells the sender nothing more
        // (either one makes us its peer), so it is sent only with entries.
        let reply = Reply {
            to: msg.sender_addr,
            budget: Some(budget),
            empty_too: !introduced,
        };
        self.reply_list(cx, reply, self.peers.limit(), msg.sender_id);
    }

    pub(crate) fn on_get_peers(
        &mut self,
        cx: &mut Ctx<'_>,
        msg: &Message,
        max_peers: u32,
        known: bool,
        request_len: RequestLen,
    ) {
        let from = msg.sender_id;
        if cx.config.pow_k > 0 && !self.peers.get(from).is_some_and(|p| p.verified) {
            return cx.out.reject(
                msg.sender_addr,
                RejectReason::Unverified,
                format!("GET_PEERS from {from}, which has not passed HELLO"),
            );
        }
        let budget = (!known).then(|| STRANGER_REPLY_RATIO * request_len.get(msg, cx));
        let n = (max_peers as usize).min(self.peers.limit());
        let reply = Reply {
            to: msg.sender_addr,
            budget,
            empty_too: true,
        };
        self.reply_list(cx, reply, n, from);
    }

    /// A PEERS_LIST we asked for (the caller checked). Its sender is learnt
    /// as without proof of work any sender is, and with it only when it is
    /// the bootstrap node, which the operator named. Listed peers never enter
    /// the table from here: each new one is a candidate that gets exactly one
    /// datagram, our HELLO, and becomes a peer when it answers (its own HELLO,
    /// or without proof of work its PEERS_LIST). So a list can neither push
    /// an admitted peer out nor aim our traffic at third parties.
    pub(crate) fn on_peers_list(
        &mut self,
        cx: &mut Ctx<'_>,
        msg: &Message,
        peers: &[PeerInfo],
        known: bool,
    ) {
        let from_bootstrap = self
            .bootstrap
            .as_ref()
            .is_some_and(|b| b.addr == msg.sender_addr);
        if !known && from_bootstrap && cx.config.pow_k > 0 {
            self.add_direct(
                cx,
                msg.sender_id,
                msg.sender_addr,
                false,
                MsgType::PeersList,
            );
        }
        if self.can_introduce(cx.config) {
            for info in peers {
                let room = self.peers.len() + self.solicited.live(cx.now) <= self.peers.limit();
                if !room {
                    break;
                }
                let is_new = info.node_id != self.id
                    && info.addr != cx.out.addr()
                    && self.peers.get(info.node_id).is_none()
                    && !self.peers.has_addr(info.addr)
                    && !self.solicited.expects(info.addr, cx.now);
                if is_new
                    && self
                        .solicited
                        .note(info.addr, cx.now, cx.now + SOLICIT_WINDOW)
                {
                    let hello = self.hello();
                    cx.out.send(cx.rng, cx.now, info.addr, 0, hello);
                }
            }
        }
        self.note_joined(cx);
    }

    pub(crate) fn on_ping(&mut self, cx: &mut Ctx<'_>, msg: &Message, ping: &Ping) {
        cx.out
            .send(cx.rng, cx.now, msg.sender_addr, 0, Body::Pong(ping.clone()));
    }

    pub(crate) fn on_pong(&mut self, cx: &mut Ctx<'_>, from: NodeId, pong: &Ping) {
        let Ok(ping_id) = pong.ping_id.parse::<MsgId>() else {
            return;
        };
        if let Some(i) = self
            .pending_pings
            .iter()
            .position(|p| p.id == ping_id && p.to == from)
        {
            if let Some(p) = self.pending_pings.remove(i) {
                cx.out.emit(Event::PongReceived {
                    from,
                    rtt: cx.now.saturating_since(p.sent_at),
                });
            }
        }
    }

    // ----- timers ----------------------------------------------------------

    /// Runs [`Timer::Bootstrap`] and [`Timer::Liveness`] when due.
    pub(crate) fn on_timeout(&mut self, cx: &mut Ctx<'_>) {
        self.bootstrap_tick(cx);
        if cx.timers.take_due(Timer::Liveness, cx.now) {
            cx.timers
                .set(Timer::Liveness, cx.now + cx.config.ping_interval);
            self.liveness_round(cx);
        }
    }

    fn bootstrap_tick(&mut self, cx: &mut Ctx<'_>) {
        if self.bootstrap.is_none() || !cx.timers.take_due(Timer::Bootstrap, cx.now) {
            return;
        }
        if !self.peers.is_empty() {
            return self.note_joined(cx);
        }
        let Some(b) = &mut self.bootstrap else {
            return;
        };
        if b.attempts == BOOTSTRAP_ATTEMPTS {
            cx.out.emit(Event::BootstrapFailed {
                attempts: b.attempts,
            });
        }
        b.attempts = b.attempts.saturating_add(1);
        let (attempt, to) = (b.attempts, b.addr);
        let wait = backoff(attempt);
        cx.timers.set(Timer::Bootstrap, cx.now + wait);
        self.solicited
            .force(to, cx.now, cx.now + wait.max(SOLICIT_WINDOW));
        let hello = self.hello();
        cx.out.send(cx.rng, cx.now, to, 0, hello);
        let get_peers = Body::GetPeers {
            max_peers: cx.config.peer_limit,
        };
        cx.out.send(cx.rng, cx.now, to, 0, get_peers);
        cx.out.emit(Event::BootstrapSent { attempt, to });
    }

    /// Starts joining through the bootstrap address again once the table is
    /// empty (every peer went silent or was never reached).
    fn rejoin_if_alone(&mut self, cx: &mut Ctx<'_>) {
        let ready = self.can_introduce(cx.config);
        if let Some(b) = &mut self.bootstrap {
            if self.peers.is_empty() && cx.timers.get(Timer::Bootstrap).is_none() && ready {
                b.attempts = 0;
                cx.timers.set(Timer::Bootstrap, cx.now);
            }
        }
    }

    /// Stops bootstrap attempts once the table holds a peer. The join's
    /// GET_PEERS went out beside its HELLO and may have arrived first (then
    /// refused as unverified under proof of work), so one more GET_PEERS,
    /// now from an admitted peer, makes sure the bootstrap node's full list
    /// comes back.
    fn note_joined(&mut self, cx: &mut Ctx<'_>) {
        let peers = self.peers.len();
        let Some(b) = &mut self.bootstrap else {
            return;
        };
        if b.attempts > 0 && peers > 0 {
            b.attempts = 0;
            let to = b.addr;
            cx.timers.stop(Timer::Bootstrap);
            cx.out.emit(Event::Joined { peers });
            self.solicited.force(to, cx.now, cx.now + SOLICIT_WINDOW);
            let get_peers = Body::GetPeers {
                max_peers: cx.config.peer_limit,
            };
            cx.out.send(cx.rng, cx.now, to, 0, get_peers);
        }
    }

    fn liveness_round(&mut self, cx: &mut Ctx<'_>) {
        let mut removed = Vec::new();
        self.peers
            .remove_silent(cx.now, cx.config.peer_timeout, |p| removed.push(p));
        for p in removed {
            self.departed.note(p.id, p.addr);
            cx.out.emit(Event::PeerRemoved {
                id: p.id,
                addr: p.addr,
                silent_for: cx.now.saturating_since(p.last_seen),
            });
        }
        self.rejoin_if_alone(cx);
        self.bootstrap_tick(cx);
        let timeout = cx.config.peer_timeout;
        let now = cx.now;
        self.pending_pings
            .retain(|p| now.saturating_since(p.sent_at) <= timeout);

        // `fanout` random peers, plus every peer silent for half the timeout:
        // a live peer always gets a PING (and answers) before it would be
        // taken for dead. Random pings alone reach a given peer about every
        // `peer_limit / fanout` rounds, longer than the timeout, and tables
        // of live peers shrank from 19 to 5 in a minute.
        let targets: Vec<(NodeId, SocketAddr)> = {
            let mut all: Vec<(NodeId, SocketAddr, Time)> = self
                .peers
                .iter()
                .map(|p| (p.id, p.addr, p.last_seen))
                .collect();
            let k = cx.config.fanout as usize;
            let chosen = cx.rng.choose_front(&mut all, k).len();
            let suspect_after = timeout / 2;
            all.iter()
                .enumerate()
                .filter(|(i, p)| *i < chosen || now.saturating_since(p.2) > suspect_after)
                .map(|(_, p)| (p.0, p.1))
                .collect()
        };
        for (peer, addr) in targets {
            let ping_id = MsgId::random(cx.rng);
            self.ping_seq += 1;
            if self.pending_pings.len() >= MAX_PENDING_PINGS {
                self.pending_pings.pop_front();
            }
            self.pending_pings.push_back(PendingPing {
                id: ping_id,
                to: peer,
                sent_at: now,
            });
            let ping = Ping {
                ping_id: ping_id.to_string(),
                seq: self.ping_seq,
            };
            cx.out.send(cx.rng, now, addr, 0, Body::Ping(ping));
        }
        self.probe_departed(cx);
    }

    /// HELLO to one peer removed as silent (see [`Departed`]): if it is
    /// alive again, as after a partition heals, it answers with HELLO and
    /// both tables take each other back in.
    fn probe_departed(&mut self, cx: &mut Ctx<'_>) {
        if !self.can_introduce(cx.config) {
            return;
        }
        let peers = &self.peers;
        if let Some(addr) = self.departed.next_probe(|id| peers.get(id).is_some()) {
            let hello = self.hello();
            cx.out.send(cx.rng, cx.now, addr, 0, hello);
        }
    }

    // ----- helpers ---------------------------------------------------------

    /// Sends a PEERS_LIST of up to `n` random peers other than `except`,
    /// keeping only as many as fit in the reply's budget when it has one.
    fn reply_list(&mut self, cx: &mut Ctx<'_>, reply: Reply, n: usize, except: NodeId) {
        let header = match reply.budget {
            Some(budget) => {
                let empty =
                    cx.out
                        .message(cx.now, MsgId(0), 0, Body::PeersList { peers: Vec::new() });
                let header = cx.out.measure(&empty);
                let room = budget.saturating_sub(header);
                if header > budget || (!reply.empty_too && room < codec::MIN_PEER_ENTRY_LEN) {
                    return;
                }
                Some((header, budget))
            }
            None => None,
        };
        let mut peers = self.sample_peers(cx, n, except);
        if let Some((mut len, budget)) = header {
            let fit = peers
                .iter()
                .enumerate()
                .take_while(|(i, p)| {
                    len += codec::peer_entry_len(p, *i == 0);
                    len <= budget
                })
                .count();
            peers.truncate(fit);
        }
        if peers.is_empty() && !reply.empty_too {
            return;
        }
        cx.out
            .send(cx.rng, cx.now, reply.to, 0, Body::PeersList { peers });
    }

    /// Up to `n` random known peers, never `except`.
    fn sample_peers(&mut self, cx: &mut Ctx<'_>, n: usize, except: NodeId) -> Vec<PeerInfo> {
        // Sized up front: collecting through the filter would grow the
        // vector three or four times on every HELLO answered.
        let mut all = Vec::with_capacity(self.peers.len());
        all.extend(
            self.peers
                .iter()
                .filter(|p| p.id != except)
                .map(|p| PeerInfo {
                    node_id: p.id,
                    addr: p.addr,
                }),
        );
        let n = n.min(codec::MAX_LIST);
        cx.rng.choose_front(&mut all, n);
        all.truncate(n);
        all
    }
}
