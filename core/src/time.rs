//! Time as an input: the core never reads a clock.
//!
//! [`Time`] counts microseconds since the Unix epoch. The UDP driver maps the
//! wall clock onto it; the simulator starts its virtual clock at a fixed epoch
//! and advances it event by event. Nothing here reads a clock: the standard
//! library's monotonic clock panics on `wasm32-unknown-unknown`.

use core::fmt;
use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

use serde::{Deserialize, Serialize};

/// A point in time, in microseconds since the Unix epoch.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Time(u64);

impl Time {
    /// The Unix epoch itself.
    pub const ZERO: Time = Time(0);
    /// Far enough in the future to mean "never".
    pub const MAX: Time = Time(u64::MAX);

    /// A time from microseconds since the epoch.
    pub const fn from_micros(micros: u64) -> Time {
        Time(micros)
    }

    /// A time from milliseconds since the epoch (saturating).
    pub const fn from_millis(millis: u64) -> Time {
        Time(millis.saturating_mul(1_000))
    }

    /// Microseconds since the epoch.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Whole milliseconds since the epoch: the wire's `timestamp_ms`.
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000
    }

    /// The duration from `earlier` to `self`, zero when `earlier` is later.
    pub fn saturating_since(self, earlier: Time) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

fn duration_micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

impl Add<Duration> for Time {
    type Output = Time;
    fn add(self, rhs: Duration) -> Time {
        Time(self.0.saturating_add(duration_micros(rhs)))
    }
}

impl AddAssign<Duration> for Time {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Time {
    type Output = Time;
    fn sub(self, rhs: Duration) -> Time {
        Time(self.0.saturating_sub(duration_micros(rhs)))
    }
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:06}s", self.0 / 1_000_000, self.0 % 1_000_000)
    }
}
