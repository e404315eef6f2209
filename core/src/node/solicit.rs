//! The addresses a node asked for peers lately: the only ones whose
//! PEERS_LIST it accepts.
//!
//! A PEERS_LIST is an answer (the original sends one in reply to HELLO and to
//! GET_PEERS), so one arriving from anywhere else is unsolicited and refused.
//! Entries are added only by the node's own sends and expire after a short
//! window, so an attacker cannot grow the table; when it is full of live
//! entries the node simply asks nobody new until some expire.

use core::time::Duration;
use std::net::SocketAddr;

use crate::time::Time;

/// How long after a HELLO or GET_PEERS its PEERS_LIST is still accepted.
pub const SOLICIT_WINDOW: Duration = Duration::from_secs(5);

/// Addresses we sent HELLO or GET_PEERS to, each with the time its answer is due by.
#[derive(Debug, Clone)]
pub(crate) struct Solicited {
    entries: Vec<(SocketAddr, Time)>,
    cap: usize,
}

impl Solicited {
    /// An empty table holding at most `cap` live entries.
    pub(crate) fn new(cap: usize) -> Solicited {
        Solicited {
            entries: Vec::new(),
            cap,
        }
    }

    /// Asks the processor to fetch the first entries ([`crate::prefetch`]):
    /// every HELLO and PEERS_LIST received is checked against them.
    pub(crate) fn prefetch(&self) {
        crate::prefetch::slice(&self.entries, 0);
    }

    /// Whether an answer from `addr` is expected at `now`.
    pub(crate) fn expects(&self, addr: SocketAddr, now: Time) -> bool {
        self.entries
            .iter()
            .any(|&(a, until)| a == addr && now <= until)
    }

    /// Live entries at `now`.
    pub(crate) fn live(&self, now: Time) -> usize {
        self.entries
            .iter()
            .filter(|&&(_, until)| now <= until)
            .count()
    }

    /// Expects an answer from `addr` until `until`; false (nothing recorded)
    /// when the table is full of live entries.
    pub(crate) fn note(&mut self, addr: SocketAddr, now: Time, until: Time) -> bool {
        self.entries.retain(|&(_, u)| now <= u);
        if let Some(entry) = self.entries.iter_mut().find(|(a, _)| *a == addr) {
            entry.1 = entry.1.max(until);
            return true;
        }
        if self.entries.len() >= self.cap {
            return false;
        }
        self.entries.push((addr, until));
        true
    }

    /// Like [`Solicited::note`], but always records `addr`, making room by
    /// dropping the entry due first: for the bootstrap address, which the
    /// operator named.
    pub(crate) fn force(&mut self, addr: SocketAddr, now: Time, until: Time) {
        if self.note(addr, now, until) {
            return;
        }
        if let Some(i) = self
            .entries
            .iter()
            .enumerate()
            .min_by_key(|(_, &(_, u))| u)
            .map(|(i, _)| i)
        {
            self.entries[i] = (addr, until);
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn answers_are_expected_within_the_window_only() {
        let t0 = Time::from_millis(1_000);
        let mut s = Solicited::new(2);
        assert!(!s.expects(addr(1), t0));
        assert!(s.note(addr(1), t0, t0 + SOLICIT_WINDOW));
        assert!(s.expects(addr(1), t0 + SOLICIT_WINDOW));
        assert!(!s.expects(addr(1), t0 + SOLICIT_WINDOW * 2));
        assert!(!s.expects(addr(2), t0));
    }

    #[test]
    fn a_full_table_refuses_new_entries_until_some_expire_but_force_gets_in() {
        let t0 = Time::from_millis(1_000);
        let mut s = Solicited::new(2);
        assert!(s.note(addr(1), t0, t0 + SOLICIT_WINDOW));
        assert!(s.note(addr(2), t0, t0 + SOLICIT_WINDOW * 2));
        assert!(!s.note(addr(3), t0, t0 + SOLICIT_WINDOW));
        assert_eq!(s.live(t0), 2);
        s.force(addr(9), t0, t0 + SOLICIT_WINDOW);
        assert!(s.expects(addr(9), t0) && !s.expects(addr(1), t0));
        let later = t0 + SOLICIT_WINDOW + Duration::from_millis(1);
        assert!(s.note(addr(3), later, later + SOLICIT_WINDOW));
        assert_eq!(s.live(later), 2);
    }
}
