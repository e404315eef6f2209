//! The one way the lab writes numbers: SI prefixes with three significant
//! digits (`1.0 M`, `1.05 M`, `14.5 k`), durations in ms or s, `–` for a
//! value that is not defined (never 0), round chart ticks, and floats
//! rounded for exports.

/// What every panel and table shows for an undefined value.
pub const UNDEFINED: &str = "–";

/// Significant digits kept of every float an export writes.
pub const EXPORT_DIGITS: usize = 6;

const PREFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];

/// `x` with three significant digits, trailing zeros dropped but one
/// decimal kept (`1.00` reads `1.0`, `14.50` reads `14.5`, `239` stays).
fn three_digits(x: f64) -> String {
    if x == 0.0 {
        return "0".to_owned();
    }
    let decimals = (2 - crate::math::log10(x.abs()).floor() as i32).clamp(0, 12) as usize;
    let mut s = format!("{x:.decimals$}");
    if s.contains('.') {
        while s.ends_with('0') && !s.ends_with(".0") {
            s.pop();
        }
    }
    s
}

/// A count or rate with an SI prefix: `476`, `14.5 k`, `1.0 M`, `1.05 M`,
/// `2.39 G`. Whole numbers below 1 000 are written exactly.
pub fn si(x: f64) -> String {
    if !x.is_finite() {
        return UNDEFINED.to_owned();
    }
    for (scale, prefix) in PREFIXES {
        // Rounding can carry 999.6 k up to 1.00 M: compare after rounding.
        if x.abs() >= scale * 0.9995 {
            return format!("{} {prefix}", three_digits(x / scale));
        }
    }
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        three_digits(x)
    }
}

/// [`si`] followed by a unit: `1.5 M H/s`.
pub fn si_unit(x: f64, unit: &str) -> String {
    format!("{} {unit}", si(x))
}

/// `12.3 s` / `456 ms` for a duration in ms.
pub fn ms(v: f64) -> String {
    if v >= 10_000.0 {
        format!("{:.1} s", v / 1_000.0)
    } else {
        format!("{v:.0} ms")
    }
}

/// `f(v)`, or [`UNDEFINED`] when there is no value.
pub fn or_dash<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map_or_else(|| UNDEFINED.to_owned(), f)
}

/// A duration in ms, or [`UNDEFINED`].
pub fn opt_ms(v: Option<f64>) -> String {
    or_dash(v, ms)
}

/// `v` rounded to [`EXPORT_DIGITS`] significant digits, so that exports
/// write `415.749`, not `415.74899999999997`.
pub fn round_export(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return v;
    }
    crate::math::parse_f64(&format!("{v:.*e}", EXPORT_DIGITS - 1)).unwrap_or(v)
}

/// Round tick values `0, step, 2 step, ...` covering `[0, max]` with at most
/// about `count` ticks; the step is 1, 2 or 5 times a power of ten.
pub fn ticks(max: f64, count: usize) -> Vec<f64> {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let rough = max / count.max(1) as f64;
    let power = crate::math::pow(10.0, crate::math::log10(rough).floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let steps = (max / step + 1e-9).floor() as usize;
    (0..=steps).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn si_prefixes_read_like_the_issue_asks() {
        assert_eq!(si(1_000_000.0), "1.0 M");
        assert_eq!(si(1_498_000.0), "1.5 M");
        assert_eq!(si(1_048_576.0), "1.05 M");
        assert_eq!(si(14_500.0), "14.5 k");
        assert_eq!(si(2_390_000.0), "2.39 M");
        assert_eq!(si(999_700.0), "1.0 M");
        assert_eq!(si(476.0), "476");
        assert_eq!(si(65_536.0), "65.5 k");
        assert_eq!(si(0.5), "0.5");
        assert_eq!(si(0.933_33), "0.933");
        assert_eq!(si(0.004_99), "0.00499");
        assert_eq!(si(3.5149), "3.51");
        assert_eq!(si(683.3), "683");
        assert_eq!(si(f64::NAN), UNDEFINED);
        assert_eq!(si_unit(1e6, "H/s"), "1.0 M H/s");
    }

    #[test]
    fn durations_and_undefined_values() {
        assert_eq!(ms(456.4), "456 ms");
        assert_eq!(ms(12_345.0), "12.3 s");
        assert_eq!(opt_ms(None), "–");
        assert_eq!(or_dash(Some(3), |v| v.to_string()), "3");
    }

    #[test]
    fn exports_round_to_six_digits() {
        assert_eq!(round_export(415.748_999_999_999_97), 415.749);
        assert_eq!(round_export(0.933_333_333_3), 0.933_333);
        assert_eq!(round_export(0.0), 0.0);
    }

    #[test]
    fn ticks_fall_on_round_values() {
        assert_eq!(ticks(6_337.0, 4), vec![0.0, 2_000.0, 4_000.0, 6_000.0]);
        assert_eq!(ticks(1.0, 4), vec![0.0, 0.5, 1.0]);
        assert_eq!(ticks(430.0, 5), vec![0.0, 100.0, 200.0, 300.0, 400.0]);
        assert_eq!(ticks(0.0, 4), vec![0.0, 0.5, 1.0]);
        for max in [3.0, 17.0, 999.0, 12_345.0, 4_753.0] {
            let t = ticks(max, 4);
            assert!(t.len() >= 2 && t.len() <= 6, "{max}: {t:?}");
            assert!(*t.last().unwrap() <= max);
        }
    }
}
