//! The gossip node: a pure state machine in the sans-IO style.
//!
//! Drivers (the UDP node, the simulator, the browser) feed it inputs, each
//! stamped with the current [`Time`], and then drain its outputs:
//!
//! ```
//! use gossip_core::{Config, Node, Time};
//! let now = Time::from_millis(1_700_000_000_000);
//! let mut node = Node::new(Config::default(), now);
//! node.publish(now, "hello class").expect("fits in one datagram");
//! while let Some(_t) = node.poll_transmit() { /* send _t.message to _t.to */ }
//! while let Some(_e) = node.poll_event() { /* log, trace, measure */ }
//! let _wake_at = node.poll_timeout();
//! ```
//!
//! Inputs: [`Node::handle_datagram`], [`Node::handle_message`],
//! [`Node::handle_timeout`], [`Node::publish`], [`Node::set_pow_proof`].
//! Outputs: [`Node::poll_transmit`] (or [`Node::poll_datagram`]),
//! [`Node::poll_event`], [`Node::poll_timeout`]. Drain both queues after every
//! input; they are bounded and count what overflows.

mod output;
mod served;
mod solicit;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

use rustc_hash::FxHashSet;

pub use output::{Event, Stats, Transmit};
pub use served::MAX_SERVED;
pub use solicit::SOLICIT_WINDOW;

use crate::codec;
use crate::config::{Config, Mode, BOOTSTRAP_ATTEMPTS, BOOTSTRAP_BACKOFF, BOOTSTRAP_BACKOFF_MAX};
use crate::error::{PublishError, RejectReason};
use crate::id::{HexBuf, MsgId, NodeId};
use crate::message::{Body, Gossip, Hello, Message, MsgType, PeerInfo, Ping, PowProof};
use crate::peers::{Lookup, PeerTable, Upsert};
use crate::pow;
use crate::rng::{mix64, NodeRng};
use crate::seen::{MessageStore, SeenCache};
use crate::time::Time;

/// Largest number of queued transmits or events before new ones are dropped.
pub const MAX_QUEUED: usize = 1 << 16;
/// Largest number of pings awaiting a PONG.
pub const MAX_PENDING_PINGS: usize = 1_024;
/// Largest number of gossip ids remembered as requested by IWANT.
pub const MAX_REQUESTED: usize = 4_096;
/// Most bytes of GOSSIP sent in answer to one IWANT.
pub const MAX_IWANT_REPLY_BYTES: usize = 64 * 1_024;
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
/// the node's whole life: whenever the peer table empties, joining starts over.
#[derive(Debug, Clone)]
struct Bootstrap {
    addr: SocketAddr,
    /// Attempts since the table was last empty.
    attempts: u32,
    /// When to try next; `None` while joined (or waiting for a proof).
    next_at: Option<Time>,
}

impl Bootstrap {
    /// The wait after attempt `attempt` (from 1): doubling from
    /// [`BOOTSTRAP_BACKOFF`], capped at [`BOOTSTRAP_BACKOFF_MAX`].
    fn backoff(attempt: u32) -> core::time::Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        (BOOTSTRAP_BACKOFF * (1u32 << doublings)).min(BOOTSTRAP_BACKOFF_MAX)
    }
}

/// One gossip node. See the [module docs](self) for the calling convention.
#[derive(Debug, Clone)]
pub struct Node {
    config: Config,
    id: NodeId,
    id_hex: HexBuf,
    rng: NodeRng,
    peers: PeerTable,
    seen: SeenCache,
    store: MessageStore,
    requested: FxHashSet<MsgId>,
    requested_order: VecDeque<MsgId>,
    pending_pings: VecDeque<PendingPing>,
    solicited: solicit::Solicited,
    served: served::Served,
    wire: Vec<u8>,
    ping_seq: u64,
    proof: Option<PowProof>,
    bootstrap: Option<Bootstrap>,
    next_ping: Time,
    next_pull: Option<Time>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    scratch: Vec<SocketAddr>,
    stats: Stats,
}

impl Node {
    /// A node at `now`. A node with a bootstrap address starts joining at once
    /// (at its first [`Node::handle_timeout`]), unless proof of work is on and
    /// no proof has been set yet: then it waits for [`Node::set_pow_proof`].
    pub fn new(config: Config, now: Time) -> Node {
        let id = config.resolved_node_id();
        let rng = NodeRng::from_seed_u64(mix64(
            config.seed ^ mix64(id.0 as u64 ^ (id.0 >> 64) as u64),
        ));
        let bootstrap = config.bootstrap.map(|addr| Bootstrap {
            addr,
            attempts: 0,
            next_at: (config.pow_k == 0).then_some(now),
        });
        Node {
            id,
            id_hex: id.to_hex(),
            rng,
            peers: PeerTable::new(config.peer_limit as usize),
            seen: SeenCache::new(config.seen_capacity as usize),
            store: MessageStore::new(config.store_capacity as usize),
            requested: FxHashSet::default(),
            requested_order: VecDeque::new(),
            pending_pings: VecDeque::new(),
            solicited: solicit::Solicited::new(MAX_SOLICITED),
            served: served::Served::default(),
            wire: Vec::new(),
            ping_seq: 0,
            proof: None,
            bootstrap,
            next_ping: now + config.ping_interval,
            next_pull: (config.mode == Mode::Hybrid).then(|| now + config.pull_interval),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            scratch: Vec::new(),
            stats: Stats::default(),
            config,
        }
    }

    // ----- accessors -------------------------------------------------------

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The address this node advertises.
    pub fn addr(&self) -> SocketAddr {
        self.config.addr
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Its peer table.
    pub fn peers(&self) -> &PeerTable {
        &self.peers
    }

    /// Its counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Gossip ids remembered for duplicate suppression.
    pub fn seen_len(&self) -> usize {
        self.seen.len()
    }

    /// Whether this node has seen (delivered or published) gossip `id`.
    pub fn has_seen(&self, id: MsgId) -> bool {
        self.seen.contains(id)
    }

    /// The proof of work this node presents in HELLO, once set.
    pub fn pow_proof(&self) -> Option<&PowProof> {
        self.proof.as_ref()
    }

    /// What must be solved before this node can join: its id (as hashed) and
    /// `pow_k`. `None` when proof of work is off or a proof is already set.
    pub fn pow_challenge(&self) -> Option<(String, u32)> {
        (self.config.pow_k > 0 && self.proof.is_none())
            .then(|| (self.id_hex.as_str().to_owned(), self.config.pow_k))
    }

    // ----- inputs ----------------------------------------------------------

    /// Sets the proof of work presented in HELLO; a node waiting to join starts now.
    pub fn set_pow_proof(&mut self, now: Time, proof: PowProof) {
        self.proof = Some(proof);
        if let Some(b) = &mut self.bootstrap {
            if b.attempts == 0 && b.next_at.is_none() {
                b.next_at = Some(now);
            }
        }
    }

    /// Puts a peer straight into the table, as if it had passed HELLO, without
    /// an event: for drivers that build the overlay themselves (the
    /// simulator's generated topologies). Returns false when the table is
    /// full or the peer is known.
    pub fn insert_peer(&mut self, now: Time, id: NodeId, addr: SocketAddr) -> bool {
        if id == self.id || self.peers.len() >= self.peers.limit() || self.peers.get(id).is_some() {
            return false;
        }
        self.peers.upsert(id, addr, now, true) == Upsert::Added
    }

    /// A datagram arrived from `from`. Malformed input is counted and reported
    /// as [`Event::Rejected`]; it never panics and changes nothing else.
    pub fn handle_datagram(&mut self, now: Time, from: SocketAddr, bytes: &[u8]) {
        self.stats.bytes_received += bytes.len() as u64;
        match codec::decode(bytes) {
            Ok(message) => self.handle(now, from, message, Some(bytes.len())),
            Err(err) => self.reject(from, err.reason(), err.to_string()),
        }
    }

    /// An already decoded message arrived from `from` (the simulator's fast path).
    pub fn handle_message(&mut self, now: Time, from: SocketAddr, msg: Message) {
        self.handle(now, from, msg, None);
    }

    /// The one path of every message. `wire_len` is the datagram's size when
    /// the driver had one; replies that must stay within a multiple of the
    /// request's size measure the message when it is `None`.
    fn handle(&mut self, now: Time, from: SocketAddr, msg: Message, wire_len: Option<usize>) {
        let msg_type = msg.msg_type();
        self.stats.received[msg_type.index()] += 1;
        if msg.sender_id == self.id {
            return self.reject(
                from,
                RejectReason::FromSelf,
                "message claims our own id".into(),
            );
        }
        if !self.config.trust_sender_addr && msg.sender_addr != from {
            let detail = format!(
                "sender_addr {} but datagram came from {from}",
                msg.sender_addr
            );
            return self.reject(from, RejectReason::SpoofedSender, detail);
        }
        let known = match self.peers.touch(msg.sender_id, msg.sender_addr, now) {
            Lookup::Here => true,
            Lookup::Unknown => false,
            Lookup::Elsewhere(peer) => {
                let silent = now.saturating_since(peer.last_seen) > self.config.peer_timeout;
                if !(silent && msg_type == MsgType::Hello) {
                    let detail = format!(
                        "{} claims peer {} from {}, but it lives at {}",
                        msg_type.as_str(),
                        msg.sender_id,
                        msg.sender_addr,
                        peer.addr
                    );
                    return self.reject(from, RejectReason::AddressConflict, detail);
                }
                false
            }
        };
        let request_len = RequestLen(wire_len);
        if msg_type == MsgType::Hello {
            return self.on_hello(now, msg, known, request_len);
        }
        if msg_type == MsgType::PeersList && !self.solicited.expects(msg.sender_addr, now) {
            let detail = format!(
                "PEERS_LIST from {}, which we did not ask for peers",
                msg.sender_addr
            );
            return self.reject(from, RejectReason::UnsolicitedPeersList, detail);
        }
        // Without proof of work, any direct sender is learnt (the original's
        // openness); with it, only a valid HELLO admits a peer.
        if !known && self.config.pow_k == 0 {
            self.add_direct(now, msg.sender_id, msg.sender_addr, false, msg_type);
        }
        let reply_to = msg.sender_addr;
        match &msg.body {
            Body::Hello(_) => {}
            Body::GetPeers { max_peers } => {
                let max_peers = *max_peers;
                self.on_get_peers(now, &msg, max_peers, known, request_len)
            }
            Body::PeersList { peers } => self.on_peers_list(now, &msg, peers, known),
            Body::Gossip(gossip) => {
                let gossip = gossip.clone();
                self.on_gossip(now, msg.msg_id, msg.sender_id, from, msg.ttl, gossip)
            }
            Body::Ping(ping) => {
                let pong = Body::Pong(ping.clone());
                self.send(now, reply_to, 0, pong)
            }
            Body::Pong(pong) => self.on_pong(now, msg.sender_id, pong),
            Body::IHave { ids, .. } => self.on_ihave(now, reply_to, ids),
            Body::IWant { ids } => self.on_iwant(now, &msg, ids, known),
        }
    }

    /// Runs every timer that is due; calling it early or twice does nothing extra.
    pub fn handle_timeout(&mut self, now: Time) {
        self.bootstrap_tick(now);
        if now >= self.next_ping {
            self.next_ping = now + self.config.ping_interval;
            self.liveness_round(now);
        }
        if let Some(next_pull) = self.next_pull {
            if now >= next_pull {
                self.next_pull = Some(now + self.config.pull_interval);
                self.pull_round(now);
            }
        }
    }

    /// Publishes `data` under the default topic; see [`Node::publish_topic`].
    pub fn publish(&mut self, now: Time, data: &str) -> Result<MsgId, PublishError> {
        self.publish_topic(now, codec::DEFAULT_TOPIC, data)
    }

    /// Publishes a new gossip: fresh id, marked seen, sent to `fanout` random
    /// peers. Refused when its datagram would not fit in one UDP payload.
    pub fn publish_topic(
        &mut self,
        now: Time,
        topic: &str,
        data: &str,
    ) -> Result<MsgId, PublishError> {
        let id = MsgId::random(&mut self.rng);
        let gossip = Arc::new(Gossip {
            topic: topic.to_owned(),
            data: data.to_owned(),
            origin_id: self.id,
            origin_timestamp_ms: now.as_millis(),
        });
        if let Err(len) = self.forward_fits(now, id, &gossip) {
            return Err(PublishError::TooLarge {
                len,
                max: codec::MAX_DATAGRAM,
            });
        }
        self.seen.insert(id);
        self.store.insert(id, gossip.clone());
        self.stats.published += 1;
        self.emit(Event::Published {
            id,
            gossip: gossip.clone(),
        });
        self.spread(now, id, None, self.config.ttl, gossip);
        Ok(id)
    }

    // ----- outputs ---------------------------------------------------------

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next message to send, encoded into `buf` (cleared first); returns
    /// its destination. Counts the bytes sent.
    pub fn poll_datagram(&mut self, buf: &mut Vec<u8>) -> Option<SocketAddr> {
        let t = self.transmits.pop_front()?;
        buf.clear();
        codec::encode_into(&t.message, buf);
        self.stats.bytes_sent += buf.len() as u64;
        Some(t.to)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Node::handle_timeout`] should next be called.
    pub fn poll_timeout(&self) -> Option<Time> {
        let bootstrap = self.bootstrap.as_ref().and_then(|b| b.next_at);
        [bootstrap, Some(self.next_ping), self.next_pull]
            .into_iter()
            .flatten()
            .min()
    }

    // ----- handlers --------------------------------------------------------

    /// HELLO: with proof of work on, the only way into the peer table. The
    /// answer (a PEERS_LIST, and our own HELLO to a peer that is new to us and
    /// that we have not just introduced ourselves to) stays within
    /// [`STRANGER_REPLY_RATIO`] times the HELLO's size: a replayed proof from
    /// a spoofed address buys no amplification.
    fn on_hello(&mut self, now: Time, msg: Message, known: bool, request_len: RequestLen) {
        let Body::Hello(hello) = &msg.body else {
            return;
        };
        let mut verified = false;
        if self.config.pow_k > 0 {
            let sender_hex = msg.sender_id.to_hex();
            let Some(proof) = &hello.pow else {
                return self.reject(
                    msg.sender_addr,
                    RejectReason::PowMissing,
                    format!("HELLO from {} has no proof of work", msg.sender_id),
                );
            };
            if let Err(err) = pow::verify(sender_hex.as_str(), proof, self.config.pow_k) {
                return self.reject(
                    msg.sender_addr,
                    RejectReason::PowInvalid,
                    format!("HELLO from {}: {err}", msg.sender_id),
                );
            }
            verified = true;
            self.emit(Event::PowAccepted {
                id: msg.sender_id,
                difficulty_k: proof.difficulty_k,
            });
        }
        let added = self.add_direct(
            now,
            msg.sender_id,
            msg.sender_addr,
            verified,
            MsgType::Hello,
        );
        let mut budget = STRANGER_REPLY_RATIO * request_len.get(&msg, &mut self.wire);
        let introduce = !known && added && !self.solicited.expects(msg.sender_addr, now);
        if introduce && self.can_introduce() {
            let hello_id = MsgId::random(&mut self.rng);
            let hello = self.message(now, hello_id, 0, self.hello());
            let len = self.measure(&hello);
            if len < budget
                && self
                    .solicited
                    .note(msg.sender_addr, now, now + SOLICIT_WINDOW)
            {
                budget -= len;
                self.queue(msg.sender_addr, hello);
            }
        }
        let peers = self.sample_peers(self.peers.limit(), msg.sender_id);
        self.reply_list(now, msg.sender_addr, peers, Some(budget));
    }

    fn on_get_peers(
        &mut self,
        now: Time,
        msg: &Message,
        max_peers: u32,
        known: bool,
        request_len: RequestLen,
    ) {
        let from = msg.sender_id;
        if self.config.pow_k > 0 && !self.peers.get(from).is_some_and(|p| p.verified) {
            return self.reject(
                msg.sender_addr,
                RejectReason::Unverified,
                format!("GET_PEERS from {from}, which has not passed HELLO"),
            );
        }
        let budget = (!known).then(|| STRANGER_REPLY_RATIO * request_len.get(msg, &mut self.wire));
        let n = (max_peers as usize).min(self.peers.limit());
        let peers = self.sample_peers(n, from);
        self.reply_list(now, msg.sender_addr, peers, budget);
    }

    /// A PEERS_LIST we asked for (the caller checked). Its sender is learnt
    /// as without proof of work any sender is, and with it only when it is
    /// the bootstrap node, which the operator named. Listed peers never enter
    /// the table from here: each new one is a candidate that gets exactly one
    /// datagram, our HELLO, and becomes a peer when it answers (its own HELLO,
    /// or without proof of work its PEERS_LIST). So a list can neither push
    /// an admitted peer out nor aim our traffic at third parties.
    fn on_peers_list(&mut self, now: Time, msg: &Message, peers: &[PeerInfo], known: bool) {
        let from_bootstrap = self
            .bootstrap
            .as_ref()
            .is_some_and(|b| b.addr == msg.sender_addr);
        if !known && from_bootstrap && self.config.pow_k > 0 {
            self.add_direct(
                now,
                msg.sender_id,
                msg.sender_addr,
                false,
                MsgType::PeersList,
            );
        }
        if self.can_introduce() {
            for info in peers {
                let room = self.peers.len() + self.solicited.live(now) <= self.peers.limit();
                if !room {
                    break;
                }
                let is_new = info.node_id != self.id
                    && info.addr != self.config.addr
                    && self.peers.get(info.node_id).is_none()
                    && !self.peers.iter().any(|p| p.addr == info.addr)
                    && !self.solicited.expects(info.addr, now);
                if is_new && self.solicited.note(info.addr, now, now + SOLICIT_WINDOW) {
                    let hello = self.hello();
                    self.send(now, info.addr, 0, hello);
                }
            }
        }
        self.note_joined();
    }

    fn on_gossip(
        &mut self,
        now: Time,
        id: MsgId,
        from: NodeId,
        from_addr: SocketAddr,
        ttl: u32,
        gossip: Arc<Gossip>,
    ) {
        if self.seen.contains(id) {
            self.stats.duplicates += 1;
            return self.emit(Event::Duplicate { id, from });
        }
        if let Err(len) = self.forward_fits(now, id, &gossip) {
            let detail = format!(
                "gossip {id} would be forwarded as {len} bytes, over the {} byte limit",
                codec::MAX_DATAGRAM
            );
            return self.reject(from_addr, RejectReason::TooLargeToForward, detail);
        }
        self.seen.insert(id);
        self.store.insert(id, gossip.clone());
        self.stats.delivered += 1;
        let pulled = self.requested.remove(&id);
        // A wire ttl above our own is clamped: nobody extends a gossip's reach
        // past what this node is configured to give it.
        let ttl = ttl.min(self.config.ttl);
        self.emit(Event::Delivered {
            id,
            gossip: gossip.clone(),
            from,
            hops: self.config.ttl - ttl + 1,
            pulled,
        });
        let ttl = ttl.saturating_sub(1);
        if ttl > 0 {
            self.spread(now, id, Some(from), ttl, gossip);
        }
    }

    fn on_pong(&mut self, now: Time, from: NodeId, pong: &Ping) {
        let Ok(ping_id) = pong.ping_id.parse::<MsgId>() else {
            return;
        };
        if let Some(i) = self
            .pending_pings
            .iter()
            .position(|p| p.id == ping_id && p.to == from)
        {
            if let Some(p) = self.pending_pings.remove(i) {
                self.emit(Event::PongReceived {
                    from,
                    rtt: now.saturating_since(p.sent_at),
                });
            }
        }
    }

    fn on_ihave(&mut self, now: Time, reply_to: SocketAddr, ids: &[MsgId]) {
        let mut unique = FxHashSet::default();
        let wanted: Vec<MsgId> = ids
            .iter()
            .copied()
            .filter(|&id| !self.seen.contains(id) && unique.insert(id))
            .collect();
        if wanted.is_empty() {
            return;
        }
        for id in &wanted {
            self.remember_requested(*id);
        }
        self.send(now, reply_to, 0, Body::IWant { ids: wanted });
    }

    /// IWANT: only peers may ask; each distinct id is served at most once per
    /// pull interval to one address, and one answer holds at most
    /// `ihave_max_ids` gossips and [`MAX_IWANT_REPLY_BYTES`].
    fn on_iwant(&mut self, now: Time, msg: &Message, ids: &[MsgId], known: bool) {
        let reply_to = msg.sender_addr;
        if !known {
            let detail = format!(
                "IWANT from {}, which is not in our peer table",
                msg.sender_id
            );
            return self.reject(reply_to, RejectReason::NotAPeer, detail);
        }
        let (mut count, mut bytes) = (0u32, 0usize);
        let mut asked = FxHashSet::default();
        for &id in ids {
            if count >= self.config.ihave_max_ids {
                break;
            }
            if !asked.insert(id)
                || self
                    .served
                    .recently(reply_to, id, now, self.config.pull_interval)
            {
                continue;
            }
            let Some(gossip) = self.store.get(id).cloned() else {
                continue;
            };
            let reply = self.message(now, id, 1, Body::Gossip(gossip));
            let len = self.measure(&reply);
            if bytes + len > MAX_IWANT_REPLY_BYTES {
                break;
            }
            bytes += len;
            count += 1;
            self.served.note(reply_to, id, now);
            self.queue(reply_to, reply);
        }
    }

    // ----- timers ----------------------------------------------------------

    fn bootstrap_tick(&mut self, now: Time) {
        let Some(b) = &mut self.bootstrap else {
            return;
        };
        match b.next_at {
            Some(at) if now >= at => {}
            _ => return,
        }
        if !self.peers.is_empty() {
            return self.note_joined();
        }
        if b.attempts == BOOTSTRAP_ATTEMPTS {
            let attempts = b.attempts;
            self.emit(Event::BootstrapFailed { attempts });
        }
        let Some(b) = &mut self.bootstrap else {
            return;
        };
        b.attempts = b.attempts.saturating_add(1);
        let (attempt, to) = (b.attempts, b.addr);
        let wait = Bootstrap::backoff(attempt);
        b.next_at = Some(now + wait);
        self.solicited
            .force(to, now, now + wait.max(SOLICIT_WINDOW));
        let hello = self.hello();
        self.send(now, to, 0, hello);
        self.send(
            now,
            to,
            0,
            Body::GetPeers {
                max_peers: self.config.peer_limit,
            },
        );
        self.emit(Event::BootstrapSent { attempt, to });
    }

    /// Starts joining through the bootstrap address again once the table is
    /// empty (every peer went silent or was never reached).
    fn rejoin_if_alone(&mut self, now: Time) {
        let ready = self.config.pow_k == 0 || self.proof.is_some();
        if let Some(b) = &mut self.bootstrap {
            if self.peers.is_empty() && b.next_at.is_none() && ready {
                b.attempts = 0;
                b.next_at = Some(now);
            }
        }
    }

    fn liveness_round(&mut self, now: Time) {
        let mut removed = Vec::new();
        self.peers
            .remove_silent(now, self.config.peer_timeout, |p| removed.push(p));
        for p in removed {
            self.emit(Event::PeerRemoved {
                id: p.id,
                addr: p.addr,
                silent_for: now.saturating_since(p.last_seen),
            });
        }
        self.rejoin_if_alone(now);
        self.bootstrap_tick(now);
        let timeout = self.config.peer_timeout;
        self.pending_pings
            .retain(|p| now.saturating_since(p.sent_at) <= timeout);

        let targets: Vec<(NodeId, SocketAddr)> = {
            let mut all: Vec<(NodeId, SocketAddr)> =
                self.peers.iter().map(|p| (p.id, p.addr)).collect();
            let k = self.config.fanout as usize;
            self.rng.choose_front(&mut all, k).to_vec()
        };
        for (peer, addr) in targets {
            let ping_id = MsgId::random(&mut self.rng);
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
            self.send(now, addr, 0, Body::Ping(ping));
        }
    }

    fn pull_round(&mut self, now: Time) {
        if self.store.is_empty() || self.peers.is_empty() {
            return;
        }
        let max_ids = self.config.ihave_max_ids;
        let ids: Vec<MsgId> = self.store.recent(max_ids as usize).collect();
        let targets = self.random_peer_addrs(self.config.fanout as usize, None);
        for addr in targets {
            self.send(
                now,
                addr,
                0,
                Body::IHave {
                    ids: ids.clone(),
                    max_ids,
                },
            );
        }
    }

    // ----- helpers ---------------------------------------------------------

    /// Our HELLO, carrying our proof of work when we have one.
    fn hello(&self) -> Body {
        Body::Hello(Hello {
            capabilities: vec!["udp".to_owned(), "json".to_owned()],
            pow: self.proof.clone(),
        })
    }

    /// Whether we can introduce ourselves: with proof of work on, only with a
    /// proof to show.
    fn can_introduce(&self) -> bool {
        self.config.pow_k == 0 || self.proof.is_some()
    }

    /// Adds or refreshes a peer heard from directly; true when it is new.
    fn add_direct(
        &mut self,
        now: Time,
        id: NodeId,
        addr: SocketAddr,
        verified: bool,
        via: MsgType,
    ) -> bool {
        match self.peers.upsert(id, addr, now, verified) {
            Upsert::Added => {
                self.emit(Event::PeerAdded { id, addr, via });
                true
            }
            Upsert::AddedEvicting(old) => {
                self.emit(Event::PeerEvicted {
                    id: old.id,
                    addr: old.addr,
                });
                self.emit(Event::PeerAdded { id, addr, via });
                true
            }
            Upsert::Refreshed | Upsert::NoRoom => false,
        }
    }

    /// Sends a PEERS_LIST of `peers`, keeping only as many as fit in `budget`
    /// bytes when there is one.
    fn reply_list(
        &mut self,
        now: Time,
        to: SocketAddr,
        mut peers: Vec<PeerInfo>,
        budget: Option<usize>,
    ) {
        if let Some(budget) = budget {
            let empty = self.message(now, MsgId(0), 0, Body::PeersList { peers: Vec::new() });
            let mut len = self.measure(&empty);
            if len > budget {
                return;
            }
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
        self.send(now, to, 0, Body::PeersList { peers });
    }

    /// `Ok` when a GOSSIP of `gossip` forwarded by us fits in one datagram,
    /// otherwise `Err` with its encoded size.
    fn forward_fits(&mut self, now: Time, id: MsgId, gossip: &Arc<Gossip>) -> Result<(), usize> {
        if codec::gossip_surely_fits(gossip) {
            return Ok(());
        }
        let message = self.message(now, id, self.config.ttl, Body::Gossip(gossip.clone()));
        match self.measure(&message) {
            len if len > codec::MAX_DATAGRAM => Err(len),
            _ => Ok(()),
        }
    }

    /// Encoded size of `message`.
    fn measure(&mut self, message: &Message) -> usize {
        self.wire.clear();
        codec::encode_into(message, &mut self.wire);
        self.wire.len()
    }

    fn note_joined(&mut self) {
        let peers = self.peers.len();
        if let Some(b) = &mut self.bootstrap {
            if b.attempts > 0 && peers > 0 {
                b.attempts = 0;
                b.next_at = None;
                self.emit(Event::Joined { peers });
            }
        }
    }

    fn spread(
        &mut self,
        now: Time,
        id: MsgId,
        except: Option<NodeId>,
        ttl: u32,
        gossip: Arc<Gossip>,
    ) {
        let targets = self.random_peer_addrs(self.config.fanout as usize, except);
        let count = targets.len() as u32;
        for addr in targets {
            self.send_with_id(now, addr, id, ttl, Body::Gossip(gossip.clone()));
        }
        if count > 0 {
            self.emit(Event::Forwarded { id, to: count, ttl });
        }
    }

    /// Addresses of up to `k` distinct random peers, skipping `except`.
    fn random_peer_addrs(&mut self, k: usize, except: Option<NodeId>) -> Vec<SocketAddr> {
        self.scratch.clear();
        self.scratch.extend(
            self.peers
                .iter()
                .filter(|p| Some(p.id) != except)
                .map(|p| p.addr),
        );
        self.rng.choose_front(&mut self.scratch, k).to_vec()
    }

    /// Up to `n` random known peers, never `except`.
    fn sample_peers(&mut self, n: usize, except: NodeId) -> Vec<PeerInfo> {
        let mut all: Vec<PeerInfo> = self
            .peers
            .iter()
            .filter(|p| p.id != except)
            .map(|p| PeerInfo {
                node_id: p.id,
                addr: p.addr,
            })
            .collect();
        let n = n.min(codec::MAX_LIST);
        self.rng.choose_front(&mut all, n);
        all.truncate(n);
        all
    }

    fn remember_requested(&mut self, id: MsgId) {
        if self.requested.insert(id) {
            self.requested_order.push_back(id);
            if self.requested_order.len() > MAX_REQUESTED {
                if let Some(old) = self.requested_order.pop_front() {
                    self.requested.remove(&old);
                }
            }
        }
    }

    fn send(&mut self, now: Time, to: SocketAddr, ttl: u32, body: Body) {
        let id = MsgId::random(&mut self.rng);
        self.send_with_id(now, to, id, ttl, body);
    }

    fn send_with_id(&mut self, now: Time, to: SocketAddr, msg_id: MsgId, ttl: u32, body: Body) {
        let message = self.message(now, msg_id, ttl, body);
        self.queue(to, message);
    }

    /// A message from this node.
    fn message(&self, now: Time, msg_id: MsgId, ttl: u32, body: Body) -> Message {
        Message {
            msg_id,
            sender_id: self.id,
            sender_addr: self.config.addr,
            timestamp_ms: now.as_millis(),
            ttl,
            body,
        }
    }

    fn queue(&mut self, to: SocketAddr, message: Message) {
        if self.transmits.len() >= MAX_QUEUED {
            self.stats.overflowed += 1;
            return;
        }
        self.stats.sent[message.msg_type().index()] += 1;
        self.transmits.push_back(Transmit { to, message });
    }

    fn reject(&mut self, from: SocketAddr, reason: RejectReason, detail: String) {
        self.stats.rejected[reason.index()] += 1;
        self.emit(Event::Rejected {
            from,
            reason,
            detail,
        });
    }

    fn emit(&mut self, event: Event) {
        if self.events.len() >= MAX_QUEUED {
            self.stats.overflowed += 1;
            return;
        }
        self.events.push_back(event);
    }
}

/// The size of the datagram a request arrived in, measured on demand when the
/// driver handed in a decoded message.
#[derive(Debug, Clone, Copy)]
struct RequestLen(Option<usize>);

impl RequestLen {
    fn get(self, msg: &Message, scratch: &mut Vec<u8>) -> usize {
        self.0.unwrap_or_else(|| {
            scratch.clear();
            codec::encode_into(msg, scratch);
            scratch.len()
        })
    }
}
