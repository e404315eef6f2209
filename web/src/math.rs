//! The transcendental functions the lab draws with (angles of arrows and
//! rings, log-scale sliders, chart ticks, colour contrast), taken from the
//! browser's `Math` in wasm instead of linking Rust's software versions
//! (about 10 KB of wasm for sine, cosine, powers and logarithms). Natively,
//! where the model's unit tests and the benchmark run, they are the standard
//! library's. Nothing here feeds the simulator: its results stay
//! bit-identical on every platform.

#[cfg(target_arch = "wasm32")]
use js_sys::Math as imp;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_the_standard_library() {
        for x in [-7.5, -1.0, 0.0, 0.3, 1.0, 2.0, 1e3] {
            assert!((sin(x) - x.sin()).abs() < 1e-12, "sin {x}");
            assert!((cos(x) - x.cos()).abs() < 1e-12, "cos {x}");
            assert!((atan2(x, 2.0) - x.atan2(2.0)).abs() < 1e-12, "atan2 {x}");
            assert!((pow(2.0, x) - 2f64.powf(x)).abs() <= 1e-12 * 2f64.powf(x), "pow {x}");
        }
        for k in -3..=12 {
            assert_eq!(log10(10f64.powi(k)), f64::from(k), "log10 of 1e{k} is exact");
        }
    }
}
