//! Remote text made safe for one log line.
//!
//! Gossip data, topics and decode errors come from strangers. Written raw, a
//! line break forges a log line of its own and an ESC byte drives the
//! terminal. [`Escaped`] writes every control character (and the Unicode line
//! separators and bidirectional overrides that reorder what a reader sees) as
//! a `\u{..}` escape, doubles backslashes so escapes cannot be faked, and cuts
//! long text.

use std::fmt;

/// Characters of remote text kept in one log field; the rest is counted.
pub const MAX_LOGGED_CHARS: usize = 200;

/// Displays `.0` escaped and cut at [`MAX_LOGGED_CHARS`].
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(pub &'a str);

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        for c in chars.by_ref().take(MAX_LOGGED_CHARS) {
            if c == '\\' {
                f.write_str("\\\\")?;
            } else if needs_escape(c) {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        let rest = chars.count();
        if rest > 0 {
            write!(f, "…(+{rest} chars)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forged_lines_and_terminal_escapes_stay_on_one_inert_line() {
        let hostile = "\n2099-01-01T00:00:00Z  INFO FAKE peer added\x1b[31m\r\u{2028}\u{202e}";
        let shown = Escaped(hostile).to_string();
        assert!(!shown.chars().any(needs_escape), "{shown:?}");
        assert!(shown.starts_with("\\u{a}2099-01-01"));
        assert!(shown.contains("\\u{1b}[31m"));
    }

    #[test]
    fn backslashes_are_doubled_and_long_text_is_cut() {
        assert_eq!(Escaped("a\\u{a}").to_string(), "a\\\\u{a}");
        let long = "x".repeat(MAX_LOGGED_CHARS + 50);
        let shown = Escaped(&long).to_string();
        assert!(shown.ends_with("…(+50 chars)"));
        assert_eq!(Escaped("héllo ✓").to_string(), "héllo ✓");
    }
}
