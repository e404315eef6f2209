//! The node's timers: one typed entry each in one table (after quinn-proto's
//! `TimerTable`); [`Node::poll_timeout`](crate::Node::poll_timeout) is the
//! earliest armed one.

use crate::time::Time;

/// Every timer a node can arm. Membership owns the first two; the
/// dissemination strategies own the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Next bootstrap attempt.
    Bootstrap,
    /// Next liveness round (PING and removal of silent peers).
    Liveness,
    /// Next IHAVE round (hybrid) or anti-entropy pull round (pull).
    Pull,
    /// Next batch of lazy IHAVE announcements (Plumtree).
    LazyPush,
    /// Earliest announced gossip that may need a GRAFT (Plumtree).
    Graft,
}

impl Timer {
    /// Every timer, in the order due ones run.
    pub(crate) const ALL: [Timer; 5] = [
        Timer::Bootstrap,
        Timer::Liveness,
        Timer::Pull,
        Timer::LazyPush,
        Timer::Graft,
    ];
}

/// When each timer fires next, and which are armed (bit `timer as usize`):
/// 48 bytes rather than 80 for five `Option<Time>`s.
#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    at: [Time; Timer::ALL.len()],
    armed: u8,
}

impl Timers {
    /// Arms `timer` at `at`, replacing any earlier setting.
    pub(crate) fn set(&mut self, timer: Timer, at: Time) {
        self.at[timer as usize] = at;
        self.armed |= 1 << timer as usize;
    }

    /// Disarms `timer`.
    pub(crate) fn stop(&mut self, timer: Timer) {
        self.armed &= !(1 << timer as usize);
    }

    /// When `timer` fires, if armed.
    pub(crate) fn get(&self, timer: Timer) -> Option<Time> {
        (self.armed & (1 << timer as usize) != 0).then(|| self.at[timer as usize])
    }

    /// Whether `timer` is armed and due at `now`; a due timer is disarmed
    /// (its handler re-arms it).
    pub(crate) fn take_due(&mut self, timer: Timer, now: Time) -> bool {
        match self.get(timer) {
            Some(at) if now >= at => {
                self.stop(timer);
                true
            }
            _ => false,
        }
    }

    /// The earliest armed timer's deadline.
    pub(crate) fn earliest(&self) -> Option<Time> {
        Timer::ALL.into_iter().filter_map(|t| self.get(t)).min()
    }
}
