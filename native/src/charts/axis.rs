//! Axes whose ticks are chosen here rather than by plotters: integer ticks
//! for counts, 0-100 for percentages, one tick per category, one per decade
//! of a logarithmic time axis. None of them has minor ticks, so no chart
//! draws a minor grid.

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};

/// What the values on an axis are, which decides its ticks and labels.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// A whole number (messages, nodes): integer ticks.
    Count,
    /// A percentage, 0 to 100: ticks every 20 %, labelled with `%`.
    Percent,
    /// Milliseconds.
    Millis,
}

/// A linear axis from `lo` to `hi` with the given ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    /// Lowest value shown.
    pub lo: f64,
    /// Highest value shown.
    pub hi: f64,
    /// Where ticks (and grid lines) go.
    pub ticks: Vec<f64>,
}

impl Linear {
    /// An axis from 0 that shows `max` with some headroom above it (for the
    /// values written on bars), ticked for `unit`.
    pub fn from_zero(max: f64, unit: Unit) -> Linear {
        if unit == Unit::Percent {
            return Linear {
                lo: 0.0,
                hi: 112.0,
                ticks: (0..=5).map(|i| f64::from(i) * 20.0).collect(),
            };
        }
        let max = if max > 0.0 { max } else { 1.0 };
        let step = nice_step(max / 5.0, unit == Unit::Count);
        let top = (max / step).ceil() * step;
        let count = (top / step).round() as u32;
        Linear {
            lo: 0.0,
            hi: (max * 1.15).max(top),
            ticks: (0..=count)
                .map(|i| (f64::from(i) * step * 1e9).round() / 1e9)
                .collect(),
        }
    }

    /// One tick per category at 0, 1, ..., `n - 1`, with half a slot of
    /// room on each side.
    pub fn categories(n: usize) -> Linear {
        Linear {
            lo: -0.5,
            hi: n as f64 - 0.5,
            ticks: (0..n).map(|i| i as f64).collect(),
        }
    }
}

/// The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least
/// `raw`; with `integer`, at least 1 and never 2.5.
pub fn nice_step(raw: f64, integer: bool) -> f64 {
    let magnitude = 10f64.powf(raw.log10().floor());
    let steps = [1.0, 2.0, 2.5, 5.0, 10.0].map(|m| m * magnitude);
    let step = steps
        .into_iter()
        .filter(|s| !integer || s.fract() == 0.0)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    if integer {
        step.max(1.0)
    } else {
        step
    }
}

/// Plain numbers; every chart passes its own formatter for its unit.
impl ValueFormatter<f64> for Linear {
    fn format_ext(&self, value: &f64) -> String {
        super::style::number(*value)
    }
}

impl Ranged for Linear {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let f = (value - self.lo) / (self.hi - self.lo);
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        self.ticks.clone()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

/// A logarithmic time axis in milliseconds, from one power of ten to
/// another, ticked at every decade.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogTime {
    /// Lowest time shown (a power of ten).
    pub lo: f64,
    /// Highest time shown (a power of ten).
    pub hi: f64,
}

impl LogTime {
    /// The decades around `first..last` (both positive), at least two.
    pub fn around(first: f64, last: f64) -> LogTime {
        let lo = decade(first.log10().floor());
        let hi = decade(last.log10().ceil()).max(lo * 100.0);
        LogTime { lo, hi }
    }

    /// `n` times spread evenly over the axis (in log space), ends included.
    pub fn samples(&self, n: usize) -> Vec<f64> {
        let (a, b) = (self.lo.ln(), self.hi.ln());
        (0..n)
            .map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp())
            .collect()
    }
}

/// Ten to the power `exponent` (a whole number), as exact as a literal.
fn decade(exponent: f64) -> f64 {
    let e = exponent as i32;
    if e < 0 {
        1.0 / 10f64.powi(-e)
    } else {
        10f64.powi(e)
    }
}

impl ValueFormatter<f64> for LogTime {
    fn format_ext(&self, value: &f64) -> String {
        super::style::duration(*value)
    }
}

impl Ranged for LogTime {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let v = value.clamp(self.lo, self.hi);
        let f = (v / self.lo).ln() / (self.hi / self.lo).ln();
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        let (first, last) = (self.lo.log10().round(), self.hi.log10().round());
        (0..=(last - first) as i32)
            .map(|d| decade(first + f64::from(d)))
            .collect()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_get_integer_ticks() {
        let axis = Linear::from_zero(7.0, Unit::Count);
        assert_eq!(axis.ticks, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        let small = Linear::from_zero(2.0, Unit::Count);
        assert!(small.ticks.iter().all(|t| t.fract() == 0.0), "{small:?}");
        let big = Linear::from_zero(6_934.0, Unit::Count);
        assert_eq!(big.ticks.last(), Some(&8_000.0));
        assert!(big.hi >= 6_934.0 * 1.15);
    }

    #[test]
    fn milliseconds_may_have_fractional_ticks() {
        let axis = Linear::from_zero(0.9, Unit::Millis);
        assert_eq!(axis.ticks, vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    }

    #[test]
    fn percentages_run_to_100_in_fifths() {
        let axis = Linear::from_zero(100.0, Unit::Percent);
        assert_eq!(axis.ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert!(axis.hi > 100.0);
    }

    #[test]
    fn a_log_axis_spans_whole_decades() {
        let axis = LogTime::around(0.03, 4_200.0);
        assert_eq!((axis.lo, axis.hi), (0.01, 10_000.0));
        assert_eq!(axis.key_points(10usize).len(), 0, "no minor ticks");
        assert_eq!(
            axis.key_points(plotters::coord::ranged1d::BoldPoints(10)),
            vec![0.01, 0.1, 1.0, 10.0, 100.0, 1_000.0, 10_000.0]
        );
        assert_eq!(axis.map(&1.0, (0, 600)), 200);
        let s = axis.samples(7);
        assert!((s[3] - 10.0).abs() < 1e-9);
    }
}
