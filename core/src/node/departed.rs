//! Peers removed as silent, probed now and then with HELLO, so that the two
//! sides of a healed partition find each other again (Serf's reconnect).
//! Without it, nodes cut apart for longer than `peer_timeout` drop each
//! other for good: nothing else ever sends to a removed peer's address.
//!
//! One probe per liveness round, round robin over at most [`MAX_DEPARTED`]
//! addresses, each probed at most [`MAX_PROBES`] times: a dead peer costs a
//! few dozen datagrams, then is forgotten.

use std::collections::VecDeque;
use std::net::SocketAddr;

use crate::id::NodeId;

/// Most removed peers remembered; the oldest removal is forgotten first.
pub const MAX_DEPARTED: usize = 16;
/// Probes a removed peer gets before it is forgotten.
pub const MAX_PROBES: u32 = 30;

#[derive(Debug, Clone)]
struct Entry {
    id: NodeId,
    addr: SocketAddr,
    probes: u32,
}

/// The removed peers still worth a probe.
#[derive(Debug, Clone, Default)]
pub(crate) struct Departed {
    entries: VecDeque<Entry>,
}

impl Departed {
    /// Remembers that peer `id` at `addr` was removed as silent.
    pub(crate) fn note(&mut self, id: NodeId, addr: SocketAddr) {
        self.entries.retain(|e| e.id != id);
        if self.entries.len() >= MAX_DEPARTED {
            self.entries.pop_front();
        }
        self.entries.push_back(Entry {
            id,
            addr,
            probes: 0,
        });
    }

    /// The address to probe now, if any: the next in turn among those not
    /// back in the table (`is_peer`) and not yet probed [`MAX_PROBES`] times.
    pub(crate) fn next_probe(&mut self, is_peer: impl Fn(NodeId) -> bool) -> Option<SocketAddr> {
        self.entries
            .retain(|e| !is_peer(e.id) && e.probes < MAX_PROBES);
        let mut entry = self.entries.pop_front()?;
        entry.probes += 1;
        let addr = entry.addr;
        self.entries.push_back(entry);
        Some(addr)
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, 1], port))
    }

    #[test]
    fn probes_take_turns_skip_returned_peers_and_end() {
        let mut d = Departed::default();
        d.note(NodeId(1), addr(1));
        d.note(NodeId(2), addr(2));
        assert_eq!(d.next_probe(|_| false), Some(addr(1)));
        assert_eq!(d.next_probe(|_| false), Some(addr(2)));
        assert_eq!(d.next_probe(|id| id == NodeId(1)), Some(addr(2)));
        for _ in 1..MAX_PROBES - 1 {
            assert_eq!(d.next_probe(|_| false), Some(addr(2)));
        }
        assert_eq!(d.next_probe(|_| false), None, "probed MAX_PROBES times");
    }

    #[test]
    fn the_oldest_removal_is_forgotten_first() {
        let mut d = Departed::default();
        for i in 0..=MAX_DEPARTED as u16 {
            d.note(NodeId(u128::from(i)), addr(i));
        }
        assert_eq!(d.next_probe(|_| false), Some(addr(1)));
    }
}
