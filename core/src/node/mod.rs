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
//!
//! Inside, a node composes three parts (after iroh-gossip's split of
//! membership and broadcast): `membership` (bootstrap, admission and proof of
//! work, the peer table, liveness), a dissemination `strategy` (push,
//! hybrid, plumtree or pull: what happens on publish, on a gossip or an
//! announcement, and on its own timers) over the shared gossip `repository`,
//! and the `outbox` of transmits, events and counters. Timers are typed
//! entries of one table.

mod departed;
mod membership;
mod outbox;
mod output;
mod repository;
mod served;
mod solicit;
mod strategy;
mod timers;

use std::net::SocketAddr;
use std::sync::Arc;

pub use membership::{MAX_PENDING_PINGS, MAX_SOLICITED, STRANGER_REPLY_RATIO};
pub use outbox::MAX_QUEUED;
pub use output::{Event, PerReason, Stats, Transmit};
pub use repository::{MAX_IWANT_REPLY_BYTES, MAX_REQUESTED};
pub use served::MAX_SERVED;
pub use solicit::SOLICIT_WINDOW;
pub use strategy::{MAX_MISSING, MAX_TREES};

use crate::codec;
use crate::config::Config;
use crate::error::{PublishError, RejectReason};
use crate::id::{MsgId, NodeId};
use crate::message::{Body, Gossip, Message, PowProof};
use crate::peers::{Directory, PeerTable};
use crate::rng::{mix64, NodeRng};
use crate::time::Time;

use membership::{Membership, RequestLen};
use outbox::Outbox;
use repository::Repository;
use strategy::{Arrival, Strategy};
use timers::Timers;

/// The [`Ctx`] of an input at `$now`, borrowing the node's fields one by one
/// (so the membership, the repository and the strategy stay free to borrow),
/// with the input's own sampling buffer `$scratch` (a node keeps none
/// between inputs).
macro_rules! ctx {
    ($node:ident, $now:expr, $scratch:ident) => {
        Ctx {
            now: $now,
            config: &$node.params,
            rng: &mut $node.rng,
            out: &mut $node.out,
            timers: &mut $node.timers,
            scratch: &mut $scratch,
        }
    };
}

/// What a part of the node may touch while it handles one input.
pub(crate) struct Ctx<'a> {
    /// The input's time.
    pub(crate) now: Time,
    /// The node's parameters. Its `addr`, `bootstrap`, `node_id` and `seed`
    /// may be another node's (see [`Node::with_template`]): the node's own
    /// address is the outbox's.
    pub(crate) config: &'a Config,
    /// The node's random numbers.
    pub(crate) rng: &'a mut NodeRng,
    /// Where transmits, events and counters go.
    pub(crate) out: &'a mut Outbox,
    /// The timer table.
    pub(crate) timers: &'a mut Timers,
    /// A reusable buffer of addresses (peer sampling).
    pub(crate) scratch: &'a mut Vec<SocketAddr>,
}

/// One gossip node. See the [module docs](self) for the calling convention.
#[derive(Debug, Clone)]
pub struct Node {
    /// The configuration but for the fields that make this node itself,
    /// shared by every node built from one template.
    params: Arc<Config>,
    /// This node's `seed` (its `addr` is the outbox's, its `bootstrap`
    /// the membership's).
    seed: u64,
    /// Whether its configuration named its id.
    named_id: bool,
    rng: NodeRng,
    membership: Membership,
    repo: Repository,
    strategy: Strategy,
    timers: Timers,
    out: Outbox,
}

impl Node {
    /// A node at `now`. A node with a bootstrap address starts joining at once
    /// (at its first [`Node::handle_timeout`]), unless proof of work is on and
    /// no proof has been set yet: then it waits for [`Node::set_pow_proof`].
    pub fn new(config: Config, now: Time) -> Node {
        let params = Arc::new(config.clone());
        Node::build(&config, params, now)
    }

    /// [`Node::new`] for one of many nodes configured alike: when `config`
    /// differs from `template` only in the fields that make a node itself
    /// (`addr`, `bootstrap`, `node_id`, `seed`), the node keeps a reference
    /// to the template instead of a copy of its own (the simulator's
    /// hundred thousand nodes share one). Either way it runs as `config`
    /// says, and [`Node::config`] returns `config`.
    pub fn with_template(template: &Arc<Config>, config: Config, now: Time) -> Node {
        let alike = Config {
            addr: template.addr,
            bootstrap: template.bootstrap,
            node_id: template.node_id,
            seed: template.seed,
            ..config.clone()
        };
        let params = if alike == **template {
            Arc::clone(template)
        } else {
            Arc::new(config.clone())
        };
        Node::build(&config, params, now)
    }

    /// A node configured by `config`, keeping `params` (`config`, or a
    /// template alike but for the node's own fields).
    fn build(config: &Config, params: Arc<Config>, now: Time) -> Node {
        let id = config.resolved_node_id();
        let mut rng = NodeRng::from_seed_u64(mix64(
            config.seed ^ mix64(id.0 as u64 ^ (id.0 >> 64) as u64),
        ));
        let mut timers = Timers::default();
        let mut out = Outbox::new(id, config.addr);
        let mut scratch = Vec::new();
        let membership = Membership::new(config, id, now, &mut timers);
        let strategy = Strategy::new(
            config,
            &mut Ctx {
                now,
                config,
                rng: &mut rng,
                out: &mut out,
                timers: &mut timers,
                scratch: &mut scratch,
            },
        );
        Node {
            params,
            seed: config.seed,
            named_id: config.node_id.is_some(),
            rng,
            membership,
            repo: Repository::new(config),
            strategy,
            timers,
            out,
        }
    }

    // ----- accessors -------------------------------------------------------

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.out.id()
    }

    /// The address this node advertises.
    pub fn addr(&self) -> SocketAddr {
        self.out.addr()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> Config {
        Config {
            addr: self.out.addr(),
            bootstrap: self.membership.bootstrap_addr(),
            node_id: self.named_id.then(|| self.out.id()),
            seed: self.seed,
            ..(*self.params).clone()
        }
    }

    /// Its peer table.
    pub fn peers(&self) -> &PeerTable {
        &self.membership.peers
    }

    /// Its counters.
    pub fn stats(&self) -> &Stats {
        &self.out.stats
    }

    /// Gossip ids remembered for duplicate suppression.
    pub fn seen_len(&self) -> usize {
        self.repo.seen.len()
    }

    /// Whether this node has seen (delivered or published) gossip `id`.
    pub fn has_seen(&self, id: MsgId) -> bool {
        self.repo.seen.contains(id)
    }

    /// The proof of work this node presents in HELLO, once set.
    pub fn pow_proof(&self) -> Option<&PowProof> {
        self.membership.proof.as_deref()
    }

    /// What this node needs solved before it can join: its id (as hashed)
    /// and `pow_k`. The node owns the policy: only a node that joins through
    /// HELLO (one with a bootstrap address) under `pow_k > 0` and without a
    /// proof yet asks; a seed node never does. Drivers run the solver when
    /// this is `Some` and hand the result to [`Node::set_pow_proof`].
    pub fn pow_challenge(&self) -> Option<(String, u32)> {
        self.membership.pow_challenge(&self.params)
    }

    // ----- inputs ----------------------------------------------------------

    /// Sets the proof of work presented in HELLO; a node waiting to join starts now.
    pub fn set_pow_proof(&mut self, now: Time, proof: PowProof) {
        self.membership.set_proof(now, proof, &mut self.timers);
    }

    /// Puts a peer straight into the table, as if it had passed HELLO, without
    /// an event: for drivers that build the overlay themselves (the
    /// simulator's generated topologies, where every node runs the same
    /// mode, so the peer is taken to speak what we speak). Returns false when
    /// the table is full or the peer is known.
    pub fn insert_peer(&mut self, now: Time, id: NodeId, addr: SocketAddr) -> bool {
        let plumtree = self.params.mode.speaks_plumtree();
        self.membership.insert_peer(now, id, addr, plumtree)
    }

    /// [`Node::insert_peer`] of each of `peers` in turn, with the same
    /// result, for peers known to be distinct and not yet in the table (a
    /// generated overlay's neighbours): filled without a lookup per peer.
    /// Returns the peers added.
    pub fn insert_distinct_peers(
        &mut self,
        now: Time,
        peers: impl IntoIterator<Item = (NodeId, SocketAddr)>,
    ) -> usize {
        let plumtree = self.params.mode.speaks_plumtree();
        self.membership.insert_distinct_peers(now, peers, plumtree)
    }

    /// [`Node::insert_peer`] for every entry of `dir` that `keys` names, in
    /// that order, with the same result; into an empty table the peers go in
    /// as keys into the shared directory (see [`PeerTable::load`]), so
    /// thousands of nodes that each know thousands of others share one copy
    /// of their ids and addresses. Returns the peers added.
    pub fn load_peers(&mut self, now: Time, dir: &Arc<Directory>, keys: &[u32]) -> usize {
        let plumtree = self.params.mode.speaks_plumtree();
        self.membership
            .peers
            .load(dir, keys, self.out.id(), now, plumtree)
    }

    /// A datagram arrived from `from`. Malformed input is counted and reported
    /// as [`Event::Rejected`]; it never panics and changes nothing else.
    pub fn handle_datagram(&mut self, now: Time, from: SocketAddr, bytes: &[u8]) {
        self.out.stats.bytes_received += bytes.len() as u64;
        match codec::decode(bytes) {
            Ok(message) => self.handle(now, from, message, Some(bytes.len())),
            Err(err) => self.out.reject(from, err.reason(), err.to_string()),
        }
    }

    /// Asks the processor to fetch the node's state into its cache, ahead
    /// of an input the simulator knows is coming ([`crate::prefetch`]): one
    /// hint per part a received datagram touches.
    pub(crate) fn prefetch(&self) {
        crate::prefetch::value(self);
        crate::prefetch::value(&self.rng);
        crate::prefetch::value(&self.membership);
        crate::prefetch::value(&self.repo.seen);
        crate::prefetch::value(&self.repo.store);
        crate::prefetch::value(&self.strategy);
        crate::prefetch::value(&self.timers);
        self.out.prefetch();
    }

    /// Asks the processor to fetch what handling `msg` reads beyond the
    /// node itself, once that is in the cache ([`Node::prefetch`]): the
    /// sender's table entry, and for a HELLO or PEERS_LIST the addresses
    /// the node asked for peers.
    pub(crate) fn prefetch_sender(&self, msg: &Message) {
        self.membership.peers.prefetch(msg.sender_id);
        if matches!(msg.body, Body::Hello(_) | Body::PeersList { .. }) {
            self.membership.solicited.prefetch();
        }
    }

    /// An already decoded message arrived from `from` (the simulator's fast
    /// path). `bytes_received` is not counted: no datagram was seen.
    pub fn handle_message(&mut self, now: Time, from: SocketAddr, msg: Message) {
        self.handle(now, from, msg, None);
    }

    /// Like [`Node::handle_message`] for a message the driver decoded itself
    /// from a datagram of `wire_len` bytes (to log or record it first): the
    /// datagram is counted as if handed to [`Node::handle_datagram`], and
    /// nothing is decoded twice.
    pub fn handle_decoded(&mut self, now: Time, from: SocketAddr, msg: Message, wire_len: usize) {
        self.out.stats.bytes_received += wire_len as u64;
        self.handle(now, from, msg, Some(wire_len));
    }

    /// Refuses a datagram the driver could not decode, as
    /// [`Node::handle_datagram`] would have: counted under its reason and
    /// reported, with nothing else changed.
    pub fn reject_datagram(&mut self, from: SocketAddr, len: usize, err: &crate::DecodeError) {
        self.out.stats.bytes_received += len as u64;
        self.out.reject(from, err.reason(), err.to_string());
    }

    /// Runs every timer that is due; calling it early or twice does nothing extra.
    pub fn handle_timeout(&mut self, now: Time) {
        let mut scratch = Vec::new();
        let mut cx = ctx!(self, now, scratch);
        self.membership.on_timeout(&mut cx);
        self.strategy
            .on_timeout(&mut cx, &self.membership.peers, &mut self.repo);
    }

    /// Publishes `data` under the default topic; see [`Node::publish_topic`].
    pub fn publish(&mut self, now: Time, data: &str) -> Result<MsgId, PublishError> {
        self.publish_topic(now, codec::DEFAULT_TOPIC, data)
    }

    /// Publishes a new gossip: fresh id, marked seen, handed to the strategy
    /// (push sends it to `fanout` random peers). Refused when its datagram
    /// would not fit in one UDP payload.
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
            origin_id: self.out.id(),
            origin_timestamp_ms: now.as_millis(),
        });
        if let Err(len) = self.forward_fits(now, id, &gossip) {
            return Err(PublishError::TooLarge {
                len,
                max: codec::MAX_DATAGRAM,
            });
        }
        self.repo.seen.insert(id);
        self.repo.store.insert(id, gossip.clone(), self.params.ttl);
        self.out.stats.published += 1;
        self.out.emit(Event::Published {
            id,
            gossip: gossip.clone(),
        });
        let mut scratch = Vec::new();
        let mut cx = ctx!(self, now, scratch);
        self.strategy
            .on_publish(&mut cx, &self.membership.peers, id, &gossip);
        Ok(id)
    }

    // ----- outputs ---------------------------------------------------------

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.out.transmits.pop_front();
        if t.is_none() {
            self.out.release_transmits();
        }
        t
    }

    /// The next message to send, encoded into `buf` (cleared first); returns
    /// its destination. Counts the bytes sent.
    pub fn poll_datagram(&mut self, buf: &mut Vec<u8>) -> Option<SocketAddr> {
        let Some(t) = self.out.transmits.pop_front() else {
            self.out.release_transmits();
            return None;
        };
        buf.clear();
        codec::encode_into(&t.message, buf);
        self.out.stats.bytes_sent += buf.len() as u64;
        Some(t.to)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.out.events.pop_front();
        if e.is_none() {
            // Drained after an input: free the event queue (see
            // `Outbox::release_transmits`).
            self.out.release_events();
        }
        e
    }

    /// When [`Node::handle_timeout`] should next be called: the earliest
    /// armed timer.
    pub fn poll_timeout(&self) -> Option<Time> {
        self.timers.earliest()
    }

    // ----- dispatch --------------------------------------------------------

    /// The one path of every message. `wire_len` is the datagram's size when
    /// the driver had one; replies that must stay within a multiple of the
    /// request's size measure the message when it is `None`.
    fn handle(&mut self, now: Time, from: SocketAddr, msg: Message, wire_len: Option<usize>) {
        self.out.stats.received[msg.msg_type()] += 1;
        let mut scratch = Vec::new();
        let mut cx = ctx!(self, now, scratch);
        let m = &mut self.membership;
        let Some(known) = m.check_sender(&mut cx, from, &msg) else {
            return;
        };
        let request_len = RequestLen(wire_len);
        if let Body::Hello(hello) = &msg.body {
            return m.on_hello(&mut cx, &msg, hello, known, request_len);
        }
        if !m.check_solicited(&mut cx, from, &msg) {
            return;
        }
        m.learn_sender(&mut cx, &msg, known);
        let peers = &self.membership.peers;
        match &msg.body {
            Body::Hello(_) => {}
            Body::GetPeers { max_peers } => {
                self.membership
                    .on_get_peers(&mut cx, &msg, *max_peers, known, request_len)
            }
            Body::PeersList { peers } => self.membership.on_peers_list(&mut cx, &msg, peers, known),
            Body::Ping(ping) => self.membership.on_ping(&mut cx, &msg, ping),
            Body::Pong(pong) => self.membership.on_pong(&mut cx, msg.sender_id, pong),
            Body::Gossip(gossip) => {
                let gossip = gossip.clone();
                Self::on_gossip(
                    &mut cx,
                    peers,
                    &mut self.repo,
                    &mut self.strategy,
                    &msg,
                    from,
                    gossip,
                );
            }
            Body::IHave { ids, .. } => {
                self.strategy
                    .on_ihave(&mut cx, peers, &mut self.repo, &msg, ids, known)
            }
            Body::IWant { ids } => {
                let forward = self.strategy.answers_push_on();
                self.repo.serve(&mut cx, &msg, ids, known, forward)
            }
            Body::Graft { ids } => {
                self.strategy
                    .on_graft(&mut cx, peers, &mut self.repo, &msg, ids, known)
            }
            Body::Prune { origin } => self.strategy.on_prune(&cx, peers, msg.sender_id, *origin),
        }
    }

    /// A GOSSIP: a duplicate is counted (and the strategy told); a new one
    /// that fits in a datagram when forwarded is stored, delivered and handed
    /// to the strategy.
    fn on_gossip(
        cx: &mut Ctx<'_>,
        peers: &PeerTable,
        repo: &mut Repository,
        strategy: &mut Strategy,
        msg: &Message,
        from_addr: SocketAddr,
        gossip: Arc<Gossip>,
    ) {
        let (id, from) = (msg.msg_id, msg.sender_id);
        if repo.seen.contains(id) {
            cx.out.stats.duplicates += 1;
            cx.out.emit(Event::Duplicate { id, from });
            let origin = gossip.origin_id;
            return strategy.on_duplicate(cx, peers, origin, from, msg.sender_addr);
        }
        if let Err(len) = forward_fits(cx, id, &gossip) {
            let detail = format!(
                "gossip {id} would be forwarded as {len} bytes, over the {} byte limit",
                codec::MAX_DATAGRAM
            );
            return cx
                .out
                .reject(from_addr, RejectReason::TooLargeToForward, detail);
        }
        // A wire ttl above our own is clamped: nobody extends a gossip's reach
        // past what this node is configured to give it.
        let ttl = msg.ttl.min(cx.config.ttl);
        repo.seen.insert(id);
        repo.store.insert(id, gossip.clone(), ttl.saturating_sub(1));
        cx.out.stats.delivered += 1;
        let pulled = repo.take_requested(id);
        cx.out.emit(Event::Delivered {
            id,
            gossip: gossip.clone(),
            from,
            hops: cx.config.ttl - ttl + 1,
            pulled,
        });
        let arrival = Arrival {
            id,
            from,
            from_addr,
            ttl,
            gossip: &gossip,
        };
        strategy.on_delivered(cx, peers, &arrival);
    }

    /// `Ok` when a GOSSIP of `gossip` forwarded by us fits in one datagram,
    /// otherwise `Err` with its encoded size.
    fn forward_fits(&mut self, now: Time, id: MsgId, gossip: &Arc<Gossip>) -> Result<(), usize> {
        let mut scratch = Vec::new();
        let mut cx = ctx!(self, now, scratch);
        forward_fits(&mut cx, id, gossip)
    }
}

/// `Ok` when a GOSSIP of `gossip` forwarded by this node fits in one
/// datagram, otherwise `Err` with its encoded size.
fn forward_fits(cx: &mut Ctx<'_>, id: MsgId, gossip: &Arc<Gossip>) -> Result<(), usize> {
    if codec::gossip_surely_fits(gossip) {
        return Ok(());
    }
    let message = cx
        .out
        .message(cx.now, id, cx.config.ttl, Body::Gossip(gossip.clone()));
    match cx.out.measure(&message) {
        len if len > codec::MAX_DATAGRAM => Err(len),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    /// Nodes alike but for their own fields share the template; any other
    /// difference gets a copy. Each runs as, and reports, its own config.
    #[test]
    fn nodes_share_a_template_only_when_alike() {
        let template = Arc::new(Config::default());
        let own = Config {
            addr: SocketAddr::from(([10, 0, 0, 7], 9_000)),
            bootstrap: Some(SocketAddr::from(([10, 0, 0, 1], 9_000))),
            node_id: Some(NodeId(77)),
            seed: 5,
            ..Config::default()
        };
        let now = Time::from_millis(1_000);
        let alike = Node::with_template(&template, own.clone(), now);
        assert!(Arc::ptr_eq(&alike.params, &template));
        assert_eq!(alike.config(), own);
        assert_eq!((alike.id(), alike.addr()), (NodeId(77), own.addr));
        let derived = Config {
            node_id: None,
            ..own.clone()
        };
        let node = Node::with_template(&template, derived.clone(), now);
        assert_eq!(node.config(), derived);
        assert_eq!(node.id(), derived.resolved_node_id());
        let other = Config {
            fanout: 5,
            ..own.clone()
        };
        let copied = Node::with_template(&template, other.clone(), now);
        assert!(!Arc::ptr_eq(&copied.params, &template));
        assert_eq!(copied.config(), other);
        assert_eq!(Node::new(own.clone(), now).config(), own);
    }
}
