//! N real nodes on loopback in one process: each with its own UDP socket, its
//! own core `Node` and its own tokio task. Node 0 is the seed and the others
//! join through it. `gossip cluster` (interactive) and `gossip experiment
//! --real` (measured runs) both start their nodes here.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use gossip_core::{Config, Event, NodeId, Time};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::driver::{self, LineSource, Summary};
use crate::events::EventSink;
use crate::node_cmd;

/// Lines each node's publish channel buffers.
const PUBLISH_QUEUE: usize = 64;

/// What to start.
pub struct FleetSpec {
    /// Number of nodes.
    pub nodes: usize,
    /// Address every socket binds.
    pub bind: IpAddr,
    /// Port of node 0, the others counting up; `None` for free ports.
    pub first_port: Option<u16>,
    /// Protocol parameters of every node (`addr`, `node_id`, `bootstrap` and
    /// `seed` are filled in per node).
    pub config: Config,
    /// RNG seed of node `i`'s random choices.
    pub seeds: fn(base: u64, i: usize) -> u64,
    /// Shared events file, if any.
    pub sink: Option<EventSink>,
}

/// A core event of one node, as a front end sees it.
pub struct Observed {
    /// Index of the node.
    pub node: usize,
    /// When it happened.
    pub at: Time,
    /// What happened (peer changes, publications and deliveries only).
    pub event: Event,
}

/// The running nodes.
pub struct Fleet {
    /// Address of node 0, the seed.
    pub seed_addr: SocketAddr,
    /// Node index of each node id.
    pub index_of: HashMap<NodeId, usize>,
    /// Peer changes, publications and deliveries of every node.
    pub observed: mpsc::UnboundedReceiver<Observed>,
    publishers: Vec<mpsc::Sender<String>>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<Summary>>,
}

/// Node `i`'s seed in `gossip cluster`: the base seed counting up.
pub fn consecutive_seeds(base: u64, i: usize) -> u64 {
    base.wrapping_add(i as u64)
}

impl Fleet {
    /// Binds every socket, then starts every node.
    pub async fn start(spec: FleetSpec) -> anyhow::Result<Fleet> {
        let n = spec.nodes;
        let mut sockets = Vec::with_capacity(n);
        for i in 0..n {
            let port = match spec.first_port {
                Some(first) => u16::try_from(usize::from(first) + i)
                    .ok()
                    .with_context(|| format!("port {first} + {n} nodes runs past port 65535"))?,
                None => 0,
            };
            sockets.push(node_cmd::bind(spec.bind, port, None).await?);
        }
        let seed_addr = sockets.first().context("a fleet needs a node")?.1;
        let (obs_tx, observed) = mpsc::unbounded_channel::<Observed>();
        let (stop, stop_rx) = watch::channel(false);
        let mut publishers = Vec::with_capacity(n);
        let mut tasks = Vec::with_capacity(n);
        let mut index_of = HashMap::with_capacity(n);
        for (i, (socket, addr)) in sockets.into_iter().enumerate() {
            let id = node_cmd::random_node_id()?;
            index_of.insert(id, i);
            let config = Config {
                addr,
                node_id: Some(id),
                seed: (spec.seeds)(spec.config.seed, i),
                bootstrap: (i > 0).then_some(seed_addr),
                ..spec.config.clone()
            };
            let (tx, rx) = mpsc::channel::<String>(PUBLISH_QUEUE);
            publishers.push(tx);
            let obs = obs_tx.clone();
            let mut stop = stop_rx.clone();
            let shutdown = async move {
                // An error means the fleet is gone: stop as well.
                let _ = stop.wait_for(|stopped| *stopped).await;
            };
            let observe = move |at: Time, event: &Event| {
                if matches!(
                    event,
                    Event::PeerAdded { .. }
                        | Event::PeerEvicted { .. }
                        | Event::PeerRemoved { .. }
                        | Event::Published { .. }
                        | Event::Delivered { .. }
                ) {
                    // The receiver lives as long as the fleet.
                    let _ = obs.send(Observed {
                        node: i,
                        at,
                        event: event.clone(),
                    });
                }
            };
            let span = tracing::info_span!("node", i);
            tasks.push(tokio::spawn(
                driver::run(
                    socket,
                    config,
                    LineSource::Channel(rx),
                    shutdown,
                    spec.sink.clone(),
                    observe,
                )
                .instrument(span),
            ));
        }
        Ok(Fleet {
            seed_addr,
            index_of,
            observed,
            publishers,
            stop,
            tasks,
        })
    }

    /// Asks node `node` to publish `text`; false if it has stopped.
    pub async fn publish(&self, node: usize, text: String) -> bool {
        match self.publishers.get(node) {
            Some(tx) => tx.send(text).await.is_ok(),
            None => false,
        }
    }

    /// Stops every node and returns their summaries.
    pub async fn stop(self) -> anyhow::Result<Vec<Summary>> {
        // Ignore a send error: it only means every node already stopped.
        let _ = self.stop.send(true);
        let mut summaries = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            summaries.push(task.await.context("a node task failed")?);
        }
        Ok(summaries)
    }
}

/// Peer-table degrees, replayed from peer events: tells when the overlay has
/// formed.
pub struct Degrees {
    /// Peers each node knows.
    pub knows: Vec<usize>,
    /// Nodes of the fleet that know each node.
    pub known_by: Vec<usize>,
}

impl Degrees {
    /// No peers anywhere yet.
    pub fn new(n: usize) -> Degrees {
        Degrees {
            knows: vec![0; n],
            known_by: vec![0; n],
        }
    }

    /// Applies one observed event (anything but a peer change is ignored).
    pub fn observe(&mut self, o: &Observed, index_of: &HashMap<NodeId, usize>) {
        match &o.event {
            Event::PeerAdded { id, .. } => {
                self.knows[o.node] += 1;
                if let Some(&j) = index_of.get(id) {
                    self.known_by[j] += 1;
                }
            }
            Event::PeerEvicted { id, .. } | Event::PeerRemoved { id, .. } => {
                self.knows[o.node] = self.knows[o.node].saturating_sub(1);
                if let Some(&j) = index_of.get(id) {
                    self.known_by[j] = self.known_by[j].saturating_sub(1);
                }
            }
            _ => {}
        }
    }

    /// Nodes that know, and are known by, at least `k` peers: a gossip can
    /// reach them whoever publishes it.
    pub fn ready(&self, k: usize) -> usize {
        self.knows
            .iter()
            .zip(&self.known_by)
            .filter(|(&out, &inn)| out >= k && inn >= k)
            .count()
    }
}
