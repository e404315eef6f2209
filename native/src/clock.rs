//! The wall clock mapped onto the core's [`Time`], never going backwards.

use std::time::{SystemTime, UNIX_EPOCH};

use gossip_core::Time;

/// Reads the system clock as microseconds since the Unix epoch. If the system
/// clock steps back (NTP, a manual change), time stands still until it has
/// caught up, so the node never sees time run backwards.
#[derive(Debug, Default)]
pub struct Clock {
    last: Time,
}

impl Clock {
    /// A clock that has not been read yet.
    pub fn new() -> Clock {
        Clock::default()
    }

    /// The current time, at least the last time returned.
    pub fn now(&mut self) -> Time {
        let micros = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX));
        self.last = self.last.max(Time::from_micros(micros));
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_goes_backwards() {
        let mut clock = Clock {
            last: Time::MAX - std::time::Duration::from_secs(1),
        };
        let t = clock.now();
        assert_eq!(t, Time::MAX - std::time::Duration::from_secs(1));
        assert!(clock.now() >= t);
    }
}
