//! The transcendental functions the lab draws with (angles of arrows and
//! rings, log-scale sliders, chart ticks, colour contrast) and the reading of
//! decimal numbers typed or put in the URL, taken from the browser's `Math`
//! and `Number` in wasm instead of linking Rust's software versions (about
//! 10 KB of wasm for sine, cosine, powers and logarithms, and as much again
//! for the float parser's tables). Natively, where the model's unit tests
//! and the benchmark run, they are the standard library's. Nothing here
//! feeds the simulator: its results stay bit-identical on every platform.

#[cfg(target_arch = "wasm32")]
mod imp {
    pub use js_sys::Math::{atan2, cos, log10, pow, sin};

    /// JavaScript's `+text` (as `Number(text)`): NaN when `text` is not a
    /// number.
    pub fn number(text: &str) -> f64 {
        wasm_bindgen::JsValue::from_str(text).unchecked_into_f64()
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    pub fn sin(x: f64) -> f64 {
        x.sin()
    }
    pub fn cos(x: f64) -> f64 {
        x.cos()
    }
    pub fn atan2(y: f64, x: f64) -> f64 {
        y.atan2(x)
    }
    pub fn pow(x: f64, y: f64) -> f64 {
        x.powf(y)
    }
    pub fn log10(x: f64) -> f64 {
        x.log10()
    }
    pub fn number(text: &str) -> f64 {
        text.parse().unwrap_or(f64::NAN)
    }
}

/// Sine of `x` radians.
pub fn sin(x: f64) -> f64 {
    imp::sin(x)
}

/// Cosine of `x` radians.
pub fn cos(x: f64) -> f64 {
    imp::cos(x)
}

/// The angle of the point (`x`, `y`) from the positive x axis, in radians.
pub fn atan2(y: f64, x: f64) -> f64 {
    imp::atan2(y, x)
}

/// `x` to the power `y`.
pub fn pow(x: f64, y: f64) -> f64 {
    imp::pow(x, y)
}

/// Base-10 logarithm of `x`.
pub fn log10(x: f64) -> f64 {
    imp::log10(x)
}

/// The number `text` spells in decimal (`12`, `-0.5`, `.25`, `1e-3`,
/// `+7.`), as `str::parse::<f64>` reads it; `None` for anything else, the
/// spelled-out `inf` and `NaN` and surrounding spaces included.
pub fn parse_f64(text: &str) -> Option<f64> {
    // Within these characters JavaScript's `Number` and Rust's parser accept
    // the same strings and round them alike (both correctly); Rust never
    // reads a NaN from them, so NaN marks what neither accepts.
    let decimal = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    let v = if decimal { imp::number(text) } else { f64::NAN };
    (!v.is_nan()).then_some(v)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn agrees_with_the_standard_library() {
        for x in [-7.5, -1.0, 0.0, 0.3, 1.0, 2.0, 1e3] {
            assert!((sin(x) - x.sin()).abs() < 1e-12, "sin {x}");
            assert!((cos(x) - x.cos()).abs() < 1e-12, "cos {x}");
            assert!((atan2(x, 2.0) - x.atan2(2.0)).abs() < 1e-12, "atan2 {x}");
            assert!(
                (pow(2.0, x) - 2f64.powf(x)).abs() <= 1e-12 * 2f64.powf(x),
                "pow {x}"
            );
        }
        for k in -3..=12 {
            assert_eq!(
                log10(10f64.powi(k)),
                f64::from(k),
                "log10 of 1e{k} is exact"
            );
        }
    }

    #[test]
    fn parses_decimals_as_rust_does() {
        for text in [
            "0",
            "12",
            "-0.5",
            ".25",
            "7.",
            "+3",
            "1e-3",
            "2.5E+4",
            "1e400",
            "0.1",
            "123456.789",
        ] {
            let ours = parse_f64(text).expect(text);
            assert_eq!(
                ours.to_bits(),
                text.parse::<f64>().unwrap().to_bits(),
                "{text}"
            );
        }
        for text in [
            "", " 1", "1 ", ".", "-", "e5", "1e", "1.2.3", "1-2", "0x10", "inf", "NaN", "1,5",
            "Infinity",
        ] {
            assert_eq!(parse_f64(text), None, "{text:?}");
        }
    }
}
