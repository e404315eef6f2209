//! The gossip node: a pure state machine in the sans-IO style.
//!
//! Drivers (the UDP node, the simulator, the browser) feed it inputs, each
//! stamped with the current [`Time`], and then drain its outputs:
//!
//! ```
//! use gossip_core::{Config, Node, Time};
//! let now = Time::from_millis(1_700_000_000_000);
//! let mut node = Node::new(Config::default(), now);
//! node.publish(now, "hello class");
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

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;

use rustc_hash::FxHashSet;

pub use output::{Event, Stats, Transmit};

use crate::codec;
use crate::config::{Config, Mode, BOOTSTRAP_ATTEMPTS, BOOTSTRAP_BACKOFF};
use crate::error::RejectReason;
use crate::id::{HexBuf, MsgId, NodeId};
use crate::message::{Body, Gossip, Hello, Message, MsgType, PeerInfo, Ping, PowProof};
use crate::peers::{PeerTable, Upsert};
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

#[derive(Debug, Clone)]
struct PendingPing {
    id: MsgId,
    to: NodeId,
    sent_at: Time,
}

#[derive(Debug, Clone)]
struct Bootstrap {
    addr: SocketAddr,
    attempts: u32,
    next_at: Option<Time>,
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
            Ok(message) => self.handle_message(now, from, message),
            Err(err) => self.reject(from, err.reason(), err.to_string()),
        }
    }

    /// An already decoded message arrived from `from` (the simulator's fast path).
    pub fn handle_message(&mut self, now: Time, from: SocketAddr, msg: Message) {
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
        if msg_type == MsgType::Hello {
            return self.on_hello(now, msg);
        }
        self.learn_sender(now, &msg, msg_type);
        let reply_to = msg.sender_addr;
        match msg.body {
            Body::Hello(_) => {}
            Body::GetPeers { max_peers } => {
                self.on_get_peers(now, msg.sender_id, reply_to, max_peers)
            }
            Body::PeersList { peers } => self.on_peers_list(now, &peers),
            Body::Gossip(gossip) => self.on_gossip(now, msg.msg_id, msg.sender_id, msg.ttl, gossip),
            Body::Ping(ping) => self.send(now, reply_to, 0, Body::Pong(ping)),
            Body::Pong(pong) => self.on_pong(now, msg.sender_id, &pong),
            Body::IHave { ids, .. } => self.on_ihave(now, reply_to, &ids),
            Body::IWant { ids } => self.on_iwant(now, reply_to, &ids),
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
    pub fn publish(&mut self, now: Time, data: &str) -> MsgId {
        self.publish_topic(now, codec::DEFAULT_TOPIC, data)
    }

    /// Publishes a new gossip: fresh id, marked seen, sent to `fanout` random peers.
    pub fn publish_topic(&mut self, now: Time, topic: &str, data: &str) -> MsgId {
        let id = MsgId::random(&mut self.rng);
        let gossip = Arc::new(Gossip {
            topic: topic.to_owned(),
            data: data.to_owned(),
            origin_id: self.id,
            origin_timestamp_ms: now.as_millis(),
        });
        self.seen.insert(id);
        self.store.insert(id, gossip.clone());
        self.stats.published += 1;
        self.emit(Event::Published {
            id,
            gossip: gossip.clone(),
        });
        self.spread(now, id, None, self.config.ttl, gossip);
        id
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

    fn on_hello(&mut self, now: Time, msg: Message) {
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
        self.add_direct(
            now,
            msg.sender_id,
            msg.sender_addr,
            verified,
            MsgType::Hello,
        );
        let peers = self.sample_peers(self.peers.limit(), msg.sender_id);
        self.send(now, msg.sender_addr, 0, Body::PeersList { peers });
    }

    fn on_get_peers(&mut self, now: Time, from: NodeId, reply_to: SocketAddr, max_peers: u32) {
        if self.config.pow_k > 0 && !self.peers.get(from).is_some_and(|p| p.verified) {
            return self.reject(
                reply_to,
                RejectReason::Unverified,
                format!("GET_PEERS from {from}, which has not passed HELLO"),
            );
        }
        let n = (max_peers as usize).min(self.peers.limit());
        let peers = self.sample_peers(n, from);
        self.send(now, reply_to, 0, Body::PeersList { peers });
    }

    /// Adds the listed peers while there is room. With proof of work on, a
    /// node holding a proof also introduces itself to each new peer with a
    /// HELLO: receivers only admit proven senders, so otherwise a peer learnt
    /// from a list would never learn us and peer tables would stay one-sided.
    fn on_peers_list(&mut self, now: Time, peers: &[PeerInfo]) {
        let introduce = self.config.pow_k > 0 && self.proof.is_some();
        for info in peers {
            if info.node_id == self.id || info.addr == self.config.addr {
                continue;
            }
            if self.peers.insert_if_room(info.node_id, info.addr, now) {
                self.emit(Event::PeerAdded {
                    id: info.node_id,
                    addr: info.addr,
                    via: MsgType::PeersList,
                });
                if introduce {
                    let hello = self.hello();
                    self.send(now, info.addr, 0, hello);
                }
            }
        }
        self.note_joined();
    }

    fn on_gossip(&mut self, now: Time, id: MsgId, from: NodeId, ttl: u32, gossip: Arc<Gossip>) {
        if !self.seen.insert(id) {
            self.stats.duplicates += 1;
            return self.emit(Event::Duplicate { id, from });
        }
        self.store.insert(id, gossip.clone());
        self.stats.delivered += 1;
        let pulled = self.requested.remove(&id);
        self.emit(Event::Delivered {
            id,
            gossip: gossip.clone(),
            from,
            hops: self.config.ttl.saturating_sub(ttl) + 1,
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
        let wanted: Vec<MsgId> = ids
            .iter()
            .copied()
            .filter(|id| !self.seen.contains(*id))
            .collect();
        if wanted.is_empty() {
            return;
        }
        for id in &wanted {
            self.remember_requested(*id);
        }
        self.send(now, reply_to, 0, Body::IWant { ids: wanted });
    }

    fn on_iwant(&mut self, now: Time, reply_to: SocketAddr, ids: &[MsgId]) {
        for id in ids {
            if let Some(gossip) = self.store.get(*id).cloned() {
                self.send_with_id(now, reply_to, *id, 1, Body::Gossip(gossip));
            }
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
        if b.attempts >= BOOTSTRAP_ATTEMPTS {
            let attempts = b.attempts;
            self.bootstrap = None;
            return self.emit(Event::BootstrapFailed { attempts });
        }
        b.attempts += 1;
        let (attempt, to) = (b.attempts, b.addr);
        b.next_at = Some(now + BOOTSTRAP_BACKOFF * attempt);
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

    /// Any valid message refreshes a known sender; without proof of work an
    /// unknown sender is learnt too (with it, only a valid HELLO admits one).
    fn learn_sender(&mut self, now: Time, msg: &Message, via: MsgType) {
        if self.peers.touch(msg.sender_id, now) {
            return;
        }
        if self.config.pow_k == 0 || via == MsgType::PeersList {
            self.add_direct(now, msg.sender_id, msg.sender_addr, false, via);
        }
    }

    fn add_direct(
        &mut self,
        now: Time,
        id: NodeId,
        addr: SocketAddr,
        verified: bool,
        via: MsgType,
    ) {
        match self.peers.upsert(id, addr, now, verified) {
            Upsert::Added => self.emit(Event::PeerAdded { id, addr, via }),
            Upsert::AddedEvicting(old) => {
                self.emit(Event::PeerEvicted {
                    id: old.id,
                    addr: old.addr,
                });
                self.emit(Event::PeerAdded { id, addr, via });
            }
            Upsert::Refreshed | Upsert::NoRoom => {}
        }
    }

    fn note_joined(&mut self) {
        if let Some(b) = &self.bootstrap {
            if b.attempts > 0 && !self.peers.is_empty() {
                self.bootstrap = None;
                let peers = self.peers.len();
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
        if self.transmits.len() >= MAX_QUEUED {
            self.stats.overflowed += 1;
            return;
        }
        self.stats.sent[body.msg_type().index()] += 1;
        self.transmits.push_back(Transmit {
            to,
            message: Message {
                msg_id,
                sender_id: self.id,
                sender_addr: self.config.addr,
                timestamp_ms: now.as_millis(),
                ttl,
                body,
            },
        });
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
