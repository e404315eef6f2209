//! Repeated warnings summarised: per kind, at most one line a second plus
//! one line counting what was held back.
//!
//! A flood of garbage datagrams (or of sends to a dead peer) would otherwise
//! write one line each: 144 bytes of log per 1-byte datagram. Here the first
//! occurrence in a window is logged in full, later ones in the same second
//! are only counted, and the count is logged when the window closes.

use std::time::{Duration, Instant};

/// Length of one summary window.
pub const WINDOW: Duration = Duration::from_secs(1);

/// The state of one kind of warning.
#[derive(Debug, Default, Clone, Copy)]
pub struct Window {
    opened: Option<Instant>,
    held_back: u64,
}

/// What to do with one occurrence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Log it in full; before it, log that `held_back` (when non-zero) were
    /// counted but not logged in the window that just closed.
    Log {
        /// Occurrences held back in the previous window.
        held_back: u64,
    },
    /// Count it only.
    HoldBack,
}

impl Window {
    /// One occurrence at `now`.
    pub fn hit(&mut self, now: Instant) -> Verdict {
        match self.opened {
            Some(t) if now.saturating_duration_since(t) < WINDOW => {
                self.held_back += 1;
                Verdict::HoldBack
            }
            _ => {
                let held_back = std::mem::take(&mut self.held_back);
                self.opened = Some(now);
                Verdict::Log { held_back }
            }
        }
    }

    /// Occurrences held back in a window that has closed by `now` (or in any
    /// window when `now` is `None`, at shutdown); they are forgotten.
    pub fn take_closed(&mut self, now: Option<Instant>) -> Option<u64> {
        let closed = match (self.opened, now) {
            (Some(t), Some(now)) => now.saturating_duration_since(t) >= WINDOW,
            _ => true,
        };
        (closed && self.held_back > 0).then(|| std::mem::take(&mut self.held_back))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_a_second_and_the_rest_counted() {
        let t0 = Instant::now();
        let mut w = Window::default();
        assert_eq!(w.hit(t0), Verdict::Log { held_back: 0 });
        for i in 1..=1_000u64 {
            assert_eq!(w.hit(t0 + Duration::from_micros(i)), Verdict::HoldBack);
        }
        assert_eq!(w.take_closed(Some(t0 + Duration::from_millis(10))), None);
        assert_eq!(w.hit(t0 + WINDOW), Verdict::Log { held_back: 1_000 });
        w.hit(t0 + WINDOW + Duration::from_millis(1));
        assert_eq!(w.take_closed(Some(t0 + WINDOW * 2)), Some(1));
        assert_eq!(w.take_closed(None), None);
    }
}
