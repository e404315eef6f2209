//! A table's own peers, packed: 32 bytes an entry, half a [`Peer`], so two
//! share a cache line and a simulated node's table of 20 is 640 bytes.
//!
//! An entry keeps the id, the last-seen time and one 64-bit word holding the
//! address and the two flags. An IPv4 address (every simulated node's, and
//! most real ones) fits in the word itself; an IPv6 one, with its flow
//! label and scope id, is kept whole in a small pool beside the entries and
//! the word holds its position there. The pool is compacted when it holds
//! twice as many addresses as there are entries, plus 16, so it stays
//! bounded by the table's limit; a table that never met an IPv6 peer never
//! allocates it. Addresses go in and come out
//! as [`SocketAddr`]s, unchanged.
//!
//! Beside the entries lies a dense vector of 32-bit tags of the ids: the
//! linear scan by id compares tags and reads only a matching tag's entry.
//! Up to [`INLINE_TAGS`] tags (the default limit) sit inside the table
//! itself, so a lookup waits for one cache miss fewer: the table is read
//! anyway, the tags come with it.

use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};

use smallvec::SmallVec;

use super::Peer;
use crate::id::NodeId;
use crate::time::Time;

/// The word holds a position in the IPv6 pool, not an IPv4 address.
const V6: u64 = 1 << 48;
/// The peer passed HELLO.
const VERIFIED: u64 = 1 << 49;
/// The peer speaks Plumtree.
const PLUMTREE: u64 = 1 << 50;
/// The bits that say where the peer is.
const WHERE: u64 = V6 | (V6 - 1);
/// Tags kept inside the table rather than in an allocation of their own.
const INLINE_TAGS: usize = 20;

/// Bytes in a cache line.
const LINE: usize = 64;

/// The 32 bits of an id the linear scan compares first.
pub(super) fn tag(id: NodeId) -> u32 {
    (id.0 as u64 ^ (id.0 >> 64) as u64) as u32
}

/// An IPv4 address as the low 48 bits of a word: address, then port.
fn pack_v4(a: &SocketAddrV4) -> u64 {
    (u64::from(u32::from(*a.ip())) << 16) | u64::from(a.port())
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    id: NodeId,
    last_seen: Time,
    /// Where ([`WHERE`]: an IPv4 address and port, or [`V6`] and a
    /// position in the pool) and the flags.
    word: u64,
}

/// The packed peers of one table, in insertion order; see the module docs.
#[derive(Debug, Clone, Default)]
pub(super) struct Entries {
    list: Vec<Entry>,
    /// `tag(list[i].id)` for every `i`.
    tags: SmallVec<[u32; INLINE_TAGS]>,
    /// The IPv6 addresses entries point into (some no longer pointed to).
    v6: Vec<SocketAddrV6>,
}

impl Entries {
    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    /// Room for `n` entries, reserved exactly, once.
    pub(super) fn reserve_first(&mut self, n: usize) {
        if self.list.capacity() == 0 {
            self.list.reserve_exact(n);
            self.tags.reserve_exact(n);
        }
    }

    pub(super) fn id(&self, i: usize) -> NodeId {
        self.list[i].id
    }

    pub(super) fn last_seen(&self, i: usize) -> Time {
        self.list[i].last_seen
    }

    pub(super) fn addr(&self, i: usize) -> SocketAddr {
        let word = self.list[i].word;
        if word & V6 != 0 {
            return SocketAddr::V6(self.v6[(word & (V6 - 1)) as usize]);
        }
        let ip = ((word >> 16) & u64::from(u32::MAX)) as u32;
        SocketAddr::V4(SocketAddrV4::new(ip.into(), word as u16))
    }

    /// Whether entry `i` is reached at `addr`.
    pub(super) fn is_at(&self, i: usize, addr: SocketAddr) -> bool {
        let word = self.list[i].word;
        match addr {
            SocketAddr::V4(a) => word & WHERE == pack_v4(&a),
            SocketAddr::V6(a) => word & V6 != 0 && self.v6[(word & (V6 - 1)) as usize] == a,
        }
    }

    pub(super) fn peer(&self, i: usize) -> Peer {
        let e = &self.list[i];
        Peer {
            id: e.id,
            addr: self.addr(i),
            last_seen: e.last_seen,
            verified: e.word & VERIFIED != 0,
            speaks_plumtree: e.word & PLUMTREE != 0,
        }
    }

    /// Asks the processor to fetch entry `i` ([`crate::prefetch`]).
    pub(super) fn prefetch(&self, i: usize) {
        crate::prefetch::slice(&self.list, i);
    }

    /// Asks the processor to fetch every entry ([`crate::prefetch`]).
    pub(super) fn prefetch_all(&self) {
        for i in (0..self.list.len()).step_by(LINE / core::mem::size_of::<Entry>()) {
            crate::prefetch::slice(&self.list, i);
        }
    }

    /// Position of the entry with this id.
    pub(super) fn position(&self, id: NodeId) -> Option<usize> {
        let tag = tag(id);
        let mut from = 0;
        while let Some(i) = self.tags[from..].iter().position(|&t| t == tag) {
            if self.list[from + i].id == id {
                return Some(from + i);
            }
            from += i + 1;
        }
        None
    }

    /// The word of `addr` (pooling an IPv6 one), without flags.
    fn place(&mut self, addr: SocketAddr) -> u64 {
        match addr {
            SocketAddr::V4(a) => pack_v4(&a),
            SocketAddr::V6(a) => {
                if self.v6.len() >= 2 * self.list.len() + 16 {
                    self.compact();
                }
                self.v6.push(a);
                V6 | (self.v6.len() - 1) as u64
            }
        }
    }

    /// Keeps only the pooled addresses entries point to.
    fn compact(&mut self) {
        let mut kept = Vec::new();
        for e in self.list.iter_mut().filter(|e| e.word & V6 != 0) {
            kept.push(self.v6[(e.word & (V6 - 1)) as usize]);
            e.word = (e.word & !(V6 - 1)) | (kept.len() - 1) as u64;
        }
        self.v6 = kept;
    }

    fn pack(&mut self, p: &Peer) -> Entry {
        let flags =
            if p.verified { VERIFIED } else { 0 } | if p.speaks_plumtree { PLUMTREE } else { 0 };
        Entry {
            id: p.id,
            last_seen: p.last_seen,
            word: self.place(p.addr) | flags,
        }
    }

    pub(super) fn push(&mut self, p: &Peer) {
        let e = self.pack(p);
        self.list.push(e);
        self.tags.push(tag(p.id));
    }

    /// Puts `p` at position `i` and returns what was there.
    pub(super) fn replace(&mut self, i: usize, p: &Peer) -> Peer {
        let old = self.peer(i);
        self.list[i] = self.pack(p);
        self.tags[i] = tag(p.id);
        old
    }

    pub(super) fn remove(&mut self, i: usize) -> Peer {
        let old = self.peer(i);
        self.list.remove(i);
        self.tags.remove(i);
        old
    }

    /// Moves entry `i` to `addr`, keeping its flags.
    pub(super) fn set_addr(&mut self, i: usize, addr: SocketAddr) {
        if !self.is_at(i, addr) {
            let word = self.place(addr);
            let e = &mut self.list[i];
            e.word = (e.word & !WHERE) | word;
        }
    }

    pub(super) fn set_seen(&mut self, i: usize, now: Time) {
        self.list[i].last_seen = now;
    }

    /// Marks entry `i` verified when `verified` (never unmarks).
    pub(super) fn add_verified(&mut self, i: usize, verified: bool) {
        if verified {
            self.list[i].word |= VERIFIED;
        }
    }

    pub(super) fn set_plumtree(&mut self, i: usize, speaks: bool) {
        let word = &mut self.list[i].word;
        *word = if speaks {
            *word | PLUMTREE
        } else {
            *word & !PLUMTREE
        };
    }

    /// Keeps the entries `keep` says yes to, in order.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(Peer) -> bool) {
        let (mut i, mut j) = (0, 0);
        while i < self.list.len() {
            if keep(self.peer(i)) {
                self.list[j] = self.list[i];
                self.tags[j] = self.tags[i];
                j += 1;
            }
            i += 1;
        }
        self.list.truncate(j);
        self.tags.truncate(j);
    }

    /// Every tag matches its entry's id (for tests).
    #[cfg(test)]
    pub(super) fn tags_match(&self) -> bool {
        self.tags
            .iter()
            .copied()
            .eq(self.list.iter().map(|e| tag(e.id)))
    }

    /// Pooled IPv6 addresses, live or dead (for tests).
    #[cfg(test)]
    pub(super) fn pooled(&self) -> usize {
        self.v6.len()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn an_entry_is_half_a_peer() {
        assert_eq!(std::mem::size_of::<Entry>(), 32);
        assert_eq!(std::mem::size_of::<Peer>(), 64);
    }

    /// IPv4 and IPv6 addresses (flow label and scope id included) come out
    /// exactly as they went in, whatever moves; the pool stays bounded.
    #[test]
    fn addresses_come_out_unchanged_and_the_pool_stays_bounded() {
        let v6 = |x: u16, scope: u32| {
            let ip = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, x);
            SocketAddr::V6(SocketAddrV6::new(ip, 9_000 + x, u32::from(x) * 7, scope))
        };
        let v4 = |x: u16| SocketAddr::from(([10, 0, (x >> 8) as u8, x as u8], 65_535 - x));
        let mapped = |x: u16| {
            SocketAddr::V6(SocketAddrV6::new(
                std::net::Ipv4Addr::new(10, 0, 0, x as u8).to_ipv6_mapped(),
                65_535 - x,
                0,
                0,
            ))
        };
        let peer = |x: u16, addr: SocketAddr| Peer {
            id: NodeId(u128::from(x)),
            addr,
            last_seen: Time::from_millis(u64::from(x)),
            verified: x % 2 == 0,
            speaks_plumtree: x % 3 == 0,
        };
        let mut entries = Entries::default();
        let mut expected: Vec<Peer> = Vec::new();
        for round in 0..500u16 {
            let addr = match round % 4 {
                0 => v4(round),
                1 => mapped(round),
                2 => v6(round, 0),
                _ => v6(round, 3),
            };
            let p = peer(round, addr);
            if expected.len() < 8 {
                entries.push(&p);
                expected.push(p);
            } else {
                let i = usize::from(round) % expected.len();
                entries.set_addr(i, addr);
                expected[i].addr = addr;
                let j = usize::from(round / 3) % expected.len();
                assert_eq!(entries.replace(j, &p), expected[j]);
                expected[j] = p;
                if round % 5 == 0 {
                    assert_eq!(entries.remove(0), expected.remove(0));
                }
            }
            assert!(
                entries.pooled() <= 2 * 8 + 16,
                "the pool grows past twice the most entries"
            );
            for (i, p) in expected.iter().enumerate() {
                assert_eq!(entries.peer(i), *p, "round {round}");
                assert!(entries.is_at(i, p.addr));
                let other = if p.addr.is_ipv4() {
                    mapped(round)
                } else {
                    v4(round)
                };
                assert!(!entries.is_at(i, other));
            }
        }
        // A mapped IPv4 address is not the IPv4 address.
        entries.push(&peer(9_999, mapped(7)));
        assert!(!entries.is_at(entries.len() - 1, v4(7)));
        assert!(entries.tags_match());
    }
}
