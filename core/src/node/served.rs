//! Which gossip went to which address when, in answer to IWANT: a peer gets
//! each gossip at most once per pull interval, however often it asks.

use core::time::Duration;
use std::collections::VecDeque;
use std::net::SocketAddr;

use rustc_hash::FxHashMap;

use crate::id::MsgId;
use crate::time::Time;

/// Most (address, gossip) pairs remembered; the oldest is forgotten first.
pub const MAX_SERVED: usize = 4_096;

/// Bounded memory of IWANT answers.
#[derive(Debug, Clone, Default)]
pub(crate) struct Served {
    at: FxHashMap<(SocketAddr, MsgId), Time>,
    order: VecDeque<(SocketAddr, MsgId)>,
}

impl Served {
    /// Whether `id` went to `to` less than `period` before `now`.
    pub(crate) fn recently(&self, to: SocketAddr, id: MsgId, now: Time, period: Duration) -> bool {
        self.at
            .get(&(to, id))
            .is_some_and(|&t| now.saturating_since(t) < period)
    }

    /// Records that `id` went to `to` at `now`.
    pub(crate) fn note(&mut self, to: SocketAddr, id: MsgId, now: Time) {
        if self.at.insert((to, id), now).is_none() {
            self.order.push_back((to, id));
            if self.order.len() > MAX_SERVED {
                if let Some(old) = self.order.pop_front() {
                    self.at.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn once_per_period_and_bounded() {
        let a = SocketAddr::from(([127, 0, 0, 1], 1));
        let t0 = Time::from_millis(10_000);
        let period = Duration::from_secs(2);
        let mut s = Served::default();
        s.note(a, MsgId(1), t0);
        assert!(s.recently(a, MsgId(1), t0 + Duration::from_millis(1_999), period));
        assert!(!s.recently(a, MsgId(1), t0 + period, period));
        assert!(!s.recently(a, MsgId(2), t0, period));
        for i in 0..(MAX_SERVED as u128 + 10) {
            s.note(a, MsgId(100 + i), t0);
        }
        assert_eq!(s.at.len(), MAX_SERVED);
        assert!(!s.recently(a, MsgId(1), t0, period), "oldest forgotten");
    }
}
