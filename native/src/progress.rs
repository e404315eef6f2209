//! Progress on standard error for the long commands (`sim`, `experiment`):
//! indicatif bars and spinners, none with `--quiet`. indicatif draws only
//! when standard error is a terminal, so scripts and tests see nothing.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// How often a spinner redraws (its elapsed time keeps moving while one
/// long call, such as building a million nodes, runs).
const TICK: Duration = Duration::from_millis(100);

/// A bar of `len` units drawn with `template`, or a hidden one when `quiet`.
pub fn bar(quiet: bool, len: u64, template: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len).with_style(
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(TICK);
    bar
}

/// A spinner saying `msg` with the time elapsed, or a hidden one when `quiet`.
pub fn spinner(quiet: bool, msg: String) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let spinner = ProgressBar::new_spinner()
        .with_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        )
        .with_message(msg);
    spinner.enable_steady_tick(TICK);
    spinner
}
