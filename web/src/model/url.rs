//! The whole lab configuration as a URL query string, so a link reproduces a
//! run exactly: every [`Params`] field, the Sybil demo's settings, the view
//! settings (speed, layout, control traffic, proof-of-work k), the tab and
//! the preset.
//!
//! [`LabConfig::to_query`] writes every field; [`parse_query`] reads them
//! back onto a base configuration, keeping the base's value (and reporting a
//! typed [`UrlError`]) for any key it does not know or value it cannot use.
//! Floats are written in Rust's shortest exact form, so they round-trip bit
//! for bit.

use core::fmt::Display;
use core::str::FromStr;

use gossip_core::Mode;

use super::compare::DEFAULT_MODES;
use super::layout::LayoutKind;
use super::params::{param, Params, ValueError, PARAMS};
use super::sybil::{SybilParams, MAX_IDENTITIES, MAX_K};

/// Longest preset name accepted.
pub const MAX_PRESET_LEN: usize = 64;
/// Most `key=value` pairs read from one query; the rest are reported and ignored.
pub const MAX_PAIRS: usize = 64;

/// Which part of the lab is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    /// The animated overlay.
    #[default]
    Lab,
    /// Two parameter sets on the same seed, coverage curves overlaid.
    Compare,
    /// A batch of seeds and the mean ± std table.
    Experiments,
    /// The Sybil demo.
    Sybil,
    /// A Gossip Glomers workload scored in every strategy.
    Scorecard,
}

impl View {
    /// Every view, in tab order.
    pub const ALL: [View; 5] = [
        View::Lab,
        View::Compare,
        View::Experiments,
        View::Sybil,
        View::Scorecard,
    ];

    /// The name used in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Lab => "lab",
            View::Compare => "compare",
            View::Experiments => "experiments",
            View::Sybil => "sybil",
            View::Scorecard => "scorecard",
        }
    }

    /// Parses a name written by [`View::as_str`].
    pub fn parse(s: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Slowest and fastest simulation speed (simulated seconds per second).
pub const SPEED_RANGE: (f64, f64) = (0.1, 100.0);

/// How the lab is shown: nothing here changes the simulated run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewSettings {
    /// Simulated seconds per wall-clock second.
    pub speed: f64,
    /// Where nodes are drawn.
    pub layout: LayoutKind,
    /// Whether control traffic (HELLO/PEERS, PING/PONG) is drawn.
    pub show_control: bool,
    /// Difficulty of the proof-of-work panel.
    pub pow_k: u32,
}

impl Default for ViewSettings {
    /// A quarter of real time: a hop of 100 ms takes 0.4 s on screen.
    fn default() -> ViewSettings {
        ViewSettings {
            speed: 0.25,
            layout: LayoutKind::Circle,
            show_control: true,
            pow_k: 3,
        }
    }
}

/// Everything a link carries.
#[derive(Debug, Clone, PartialEq)]
pub struct LabConfig {
    /// Network and protocol parameters.
    pub params: Params,
    /// How the lab is shown.
    pub settings: ViewSettings,
    /// The Sybil demo's attacker.
    pub sybil: SybilParams,
    /// The view shown.
    pub view: View,
    /// The preset this configuration came from, if any (its name).
    pub preset: Option<String>,
    /// The strategies the compare tab runs, in [`Mode::ALL`] order.
    pub compare: Vec<Mode>,
}

impl Default for LabConfig {
    /// Default parameters and view, no preset, push against hybrid.
    fn default() -> LabConfig {
        LabConfig {
            params: Params::default(),
            settings: ViewSettings::default(),
            sybil: SybilParams::default(),
            view: View::default(),
            preset: None,
            compare: DEFAULT_MODES.to_vec(),
        }
    }
}

/// `modes` as the URL writes them: names in [`Mode::ALL`] order, comma-separated.
pub fn modes_text(modes: &[Mode]) -> String {
    Mode::ALL
        .iter()
        .filter(|m| modes.contains(m))
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads a comma-separated list of strategy names (in any order, each at
/// most once counted) into [`Mode::ALL`] order; `None` if a name is unknown.
pub fn parse_modes(text: &str) -> Option<Vec<Mode>> {
    let mut picked = Vec::new();
    for name in text.split(',').filter(|n| !n.is_empty()) {
        picked.push(name.parse::<Mode>().ok()?);
    }
    Some(
        Mode::ALL
            .into_iter()
            .filter(|m| picked.contains(m))
            .collect(),
    )
}

/// A key or value of a query that could not be used; the field kept its
/// previous value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlError {
    /// The key names no setting.
    UnknownKey {
        /// The key.
        key: String,
    },
    /// The value is not of the expected form.
    BadValue {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
        /// What was expected.
        expected: String,
    },
    /// The value is a number outside the accepted range.
    OutOfRange {
        /// The key.
        key: &'static str,
        /// The value found.
        value: String,
        /// Smallest accepted value.
        min: String,
        /// Largest accepted value.
        max: String,
    },
    /// The preset name is not one of the presets.
    UnknownPreset {
        /// The name found.
        name: String,
    },
    /// The query has more pairs than [`MAX_PAIRS`].
    TooManyPairs {
        /// The limit.
        max: usize,
    },
}

impl Display for UrlError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            UrlError::UnknownKey { key } => {
                write!(f, "the link names a setting \"{key}\" that the lab does not have; it was ignored")
            }
            UrlError::BadValue {
                key,
                value,
                expected,
            } => write!(
                f,
                "the link sets {key} to \"{value}\", but it must be {expected}; the lab kept its own value"
            ),
            UrlError::OutOfRange {
                key,
                value,
                min,
                max,
            } => write!(
                f,
                "the link sets {key} to {value}, but it must be between {min} and {max}; the lab kept its own value"
            ),
            UrlError::UnknownPreset { name } => {
                write!(f, "the link asks for a preset called \"{name}\", which does not exist; the lab opened without a preset")
            }
            UrlError::TooManyPairs { max } => {
                write!(f, "the link has more than {max} settings; only the first {max} were read")
            }
        }
    }
}

impl std::error::Error for UrlError {}

/// The result of reading a query leniently.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The configuration, with every unusable field left at the base value.
    pub config: LabConfig,
    /// What could not be used, in query order.
    pub issues: Vec<UrlError>,
}

impl LabConfig {
    /// Every field as `key=value` pairs joined by `&`, without a leading `?`.
    pub fn to_query(&self) -> String {
        let s = &self.sybil;
        let v = &self.settings;
        let mut pairs = vec![
            ("view", self.view.as_str().to_owned()),
            ("speed", v.speed.to_string()),
            ("layout", v.layout.as_str().to_owned()),
            (
                "control",
                if v.show_control { "on" } else { "off" }.to_owned(),
            ),
            ("powk", v.pow_k.to_string()),
            ("compare", modes_text(&self.compare)),
        ];
        pairs.extend(PARAMS.iter().map(|p| (p.key, p.text(&self.params))));
        pairs.extend([
            ("k", s.k.to_string()),
            ("ids", s.identities.to_string()),
            ("rate", s.hash_rate.to_string()),
        ]);
        if let Some(name) = &self.preset {
            pairs.insert(0, ("preset", name.clone()));
        }
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a query strictly: the first unusable key or value is an error.
    pub fn from_query(query: &str) -> Result<LabConfig, UrlError> {
        let parsed = parse_query(query, &LabConfig::default());
        match parsed.issues.into_iter().next() {
            Some(issue) => Err(issue),
            None => Ok(parsed.config),
        }
    }
}

/// The `key=value` pairs of a query (a leading `?` is skipped, empty pieces
/// are ignored, a key without `=` has an empty value).
pub fn pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
}

/// Reads `query` onto `base`: each usable pair replaces its field; every
/// other pair is reported in [`Parsed::issues`] and changes nothing.
pub fn parse_query(query: &str, base: &LabConfig) -> Parsed {
    let mut config = base.clone();
    let mut issues = Vec::new();
    for (n, (key, value)) in pairs(query).enumerate() {
        if n == MAX_PAIRS {
            issues.push(UrlError::TooManyPairs { max: MAX_PAIRS });
            break;
        }
        if let Err(issue) = apply(&mut config, key, value) {
            issues.push(issue);
        }
    }
    Parsed { config, issues }
}

fn apply(c: &mut LabConfig, key: &str, value: &str) -> Result<(), UrlError> {
    if let Some(param) = param(key) {
        return param.read(&mut c.params, value).map_err(|e| match e {
            ValueError::Form(expected) => bad(param.key, value, &expected),
            ValueError::Range { min, max } => UrlError::OutOfRange {
                key: param.key,
                value: value.chars().take(MAX_PRESET_LEN).collect(),
                min,
                max,
            },
        });
    }
    let s = &mut c.sybil;
    let v = &mut c.settings;
    match key {
        "speed" => v.speed = real("speed", value, SPEED_RANGE.0, SPEED_RANGE.1)?,
        "layout" => v.layout = word("layout", value, LayoutKind::parse, "circle or force")?,
        "control" => {
            v.show_control = word(
                "control",
                value,
                |w| match w {
                    "on" => Some(true),
                    "off" => Some(false),
                    _ => None,
                },
                "on or off",
            )?
        }
        "powk" => v.pow_k = int("powk", value, 0, super::pow::MAX_K)?,
        "view" => {
            c.view = word(
                "view",
                value,
                View::parse,
                "lab, compare, experiments or sybil",
            )?
        }
        "preset" => c.preset = Some(preset_name(value)?),
        "compare" => {
            c.compare = word(
                "compare",
                value,
                parse_modes,
                "strategy names separated by commas",
            )?
        }
        "k" => s.k = int("k", value, 0, MAX_K)?,
        "ids" => s.identities = int("ids", value, 1, MAX_IDENTITIES)?,
        "rate" => s.hash_rate = real("rate", value, 1.0, 1e12)?,
        other => {
            return Err(UrlError::UnknownKey {
                key: other.chars().take(MAX_PRESET_LEN).collect(),
            })
        }
    }
    Ok(())
}

fn bad(key: &'static str, value: &str, expected: &str) -> UrlError {
    UrlError::BadValue {
        key,
        value: value.chars().take(MAX_PRESET_LEN).collect(),
        expected: expected.to_owned(),
    }
}

fn word<T>(
    key: &'static str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
    expected: &str,
) -> Result<T, UrlError> {
    parse(value).ok_or_else(|| bad(key, value, expected))
}

fn in_range<T: PartialOrd + Display>(
    key: &'static str,
    value: &str,
    v: T,
    min: T,
    max: T,
) -> Result<T, UrlError> {
    if v >= min && v <= max {
        Ok(v)
    } else {
        Err(UrlError::OutOfRange {
            key,
            value: value.chars().take(MAX_PRESET_LEN).collect(),
            min: min.to_string(),
            max: max.to_string(),
        })
    }
}

fn int<T: FromStr + PartialOrd + Display>(
    key: &'static str,
    value: &str,
    min: T,
    max: T,
) -> Result<T, UrlError> {
    let v = value
        .parse::<T>()
        .map_err(|_| bad(key, value, "a whole number"))?;
    in_range(key, value, v, min, max)
}

fn real(key: &'static str, value: &str, min: f64, max: f64) -> Result<f64, UrlError> {
    let v = crate::math::parse_f64(value)
        .filter(|v| v.is_finite())
        .ok_or_else(|| bad(key, value, "a finite number"))?;
    in_range(key, value, v, min, max)
}

fn preset_name(value: &str) -> Result<String, UrlError> {
    let ok = !value.is_empty()
        && value.len() <= MAX_PRESET_LEN
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(bad("preset", value, "a preset name (a-z, 0-9, -)"))
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use gossip_core::rng::NodeRng;

    use super::super::params::{Field, OverlayKind, MAX_INTERVAL_MS, MAX_LATENCY_MS, NODES_RANGE};
    use super::*;

    fn between(rng: &mut NodeRng, lo: u32, hi: u32) -> u32 {
        lo + rng.below(u64::from(hi - lo) + 1) as u32
    }

    /// A configuration with every field drawn at random within its range,
    /// floats with arbitrary mantissas.
    fn random_config(rng: &mut NodeRng) -> LabConfig {
        LabConfig {
            params: Params {
                nodes: between(rng, NODES_RANGE.0, NODES_RANGE.1),
                seed: rng.below(u64::MAX),
                fanout: between(rng, 1, 64),
                ttl: between(rng, 1, 64),
                peer_limit: between(rng, 1, 1_000),
                mode: Mode::ALL[rng.below(Mode::ALL.len() as u64) as usize],
                pull_interval_ms: between(rng, 1, MAX_INTERVAL_MS as u32),
                ihave_max_ids: between(rng, 1, 4_096),
                ping_interval_ms: between(rng, 1, MAX_INTERVAL_MS as u32),
                peer_timeout_ms: between(rng, 1, MAX_INTERVAL_MS as u32),
                loss_pct: rng.unit() * 100.0,
                latency_ms: rng.unit() * MAX_LATENCY_MS,
                jitter_ms: rng.unit() * 3.0,
                service_ms: rng.unit() * 50.0,
                overlay: if rng.chance(0.5) {
                    OverlayKind::Bootstrap
                } else {
                    OverlayKind::Random
                },
            },
            settings: ViewSettings {
                speed: SPEED_RANGE.0 + rng.unit() * (SPEED_RANGE.1 - SPEED_RANGE.0),
                layout: if rng.chance(0.5) {
                    LayoutKind::Circle
                } else {
                    LayoutKind::Force
                },
                show_control: rng.chance(0.5),
                pow_k: between(rng, 0, super::super::pow::MAX_K),
            },
            sybil: SybilParams {
                k: between(rng, 0, MAX_K),
                identities: between(rng, 1, MAX_IDENTITIES),
                hash_rate: 1.0 + rng.unit() * 1e9,
            },
            view: View::ALL[rng.below(View::ALL.len() as u64) as usize],
            preset: rng
                .chance(0.5)
                .then(|| format!("preset-{}", rng.below(100))),
            compare: Mode::ALL.into_iter().filter(|_| rng.chance(0.5)).collect(),
        }
    }

    #[test]
    fn every_field_round_trips_exactly() {
        let mut rng = NodeRng::from_seed_u64(2026);
        for _ in 0..2_000 {
            let config = random_config(&mut rng);
            let query = config.to_query();
            assert_eq!(LabConfig::from_query(&query), Ok(config.clone()), "{query}");
            let with_mark = format!("?{query}");
            assert_eq!(
                parse_query(&with_mark, &LabConfig::default()).config,
                config
            );
        }
    }

    #[test]
    fn the_default_round_trips_and_names_every_field() {
        let query = LabConfig::default().to_query();
        assert_eq!(LabConfig::from_query(&query), Ok(LabConfig::default()));
        assert_eq!(pairs(&query).count(), 24);
    }

    #[test]
    fn bad_values_fall_back_field_by_field_with_a_reason() {
        let parsed = parse_query(
            "?n=abc&fanout=5&ttl=0&mode=gossipy&loss=NaN&latency=250&colour=red&preset=Bad!",
            &LabConfig::default(),
        );
        let d = Params::default();
        let p = &parsed.config.params;
        assert_eq!(
            (p.nodes, p.ttl, p.mode, p.loss_pct),
            (d.nodes, d.ttl, d.mode, d.loss_pct)
        );
        assert_eq!((p.fanout, p.latency_ms), (5, 250.0));
        assert_eq!(parsed.config.preset, None);
        assert_eq!(parsed.issues.len(), 6);
        assert!(matches!(
            parsed.issues[0],
            UrlError::BadValue { key: "n", .. }
        ));
        assert!(matches!(
            parsed.issues[1],
            UrlError::OutOfRange { key: "ttl", .. }
        ));
        assert!(matches!(
            parsed.issues[2],
            UrlError::BadValue { key: "mode", .. }
        ));
        assert!(matches!(
            parsed.issues[3],
            UrlError::BadValue { key: "loss", .. }
        ));
        assert_eq!(
            parsed.issues[4],
            UrlError::UnknownKey {
                key: "colour".into()
            }
        );
        assert!(matches!(
            parsed.issues[5],
            UrlError::BadValue { key: "preset", .. }
        ));
        let said = parsed.issues[1].to_string();
        assert!(
            said.contains("between 1 and 64") && !said.contains(".."),
            "{said}"
        );
    }

    #[test]
    fn every_row_of_the_parameter_table_round_trips_through_the_url() {
        let keys: std::collections::BTreeSet<&str> = PARAMS.iter().map(|p| p.key).collect();
        assert_eq!(keys.len(), PARAMS.len(), "URL keys are unique");
        for param in PARAMS.iter() {
            let value = match param.field {
                Field::Int { max, .. } => max.to_string(),
                Field::Real { max, .. } => max.to_string(),
                Field::Choice { choices, .. } => choices()
                    .last()
                    .map(|c| c.value.to_owned())
                    .unwrap_or_default(),
            };
            let mut params = Params::default();
            assert_eq!(param.read(&mut params, &value), Ok(()), "{}", param.key);
            assert_ne!(params, Params::default(), "{} changed nothing", param.key);
            assert_eq!(param.text(&params), value);
            let config = LabConfig {
                params: params.clone(),
                ..LabConfig::default()
            };
            let query = config.to_query();
            assert!(
                query.contains(&format!("&{}={value}&", param.key)),
                "{query}"
            );
            assert_eq!(LabConfig::from_query(&query), Ok(config));
            let mut unchanged = Params::default();
            assert!(param.read(&mut unchanged, "x").is_err());
            assert_eq!(
                unchanged,
                Params::default(),
                "a bad {} keeps the value",
                param.key
            );
        }
    }

    #[test]
    fn the_compare_tabs_strategies_are_read_in_core_order() {
        let parsed = parse_query("compare=pull,push,pull", &LabConfig::default());
        assert!(parsed.issues.is_empty());
        assert_eq!(parsed.config.compare, [Mode::Push, Mode::Pull]);
        assert!(parsed.config.to_query().contains("&compare=push,pull&"));
        let none = parse_query("compare=", &LabConfig::default()).config;
        assert!(none.compare.is_empty());
        let bad = parse_query("compare=push,flood", &LabConfig::default());
        assert_eq!(bad.config.compare, DEFAULT_MODES);
        assert!(matches!(
            bad.issues[..],
            [UrlError::BadValue { key: "compare", .. }]
        ));
    }

    #[test]
    fn every_strategy_of_core_is_accepted() {
        for mode in Mode::ALL {
            let query = format!("mode={}", mode.as_str());
            assert_eq!(
                LabConfig::from_query(&query).map(|c| c.params.mode),
                Ok(mode)
            );
        }
        let said = LabConfig::from_query("mode=flood").unwrap_err().to_string();
        assert!(said.contains("push, hybrid, plumtree or pull"), "{said}");
    }

    #[test]
    fn strict_reading_reports_the_first_problem() {
        assert_eq!(
            LabConfig::from_query("n=1"),
            Err(UrlError::OutOfRange {
                key: "n",
                value: "1".into(),
                min: "2".into(),
                max: "2000".into()
            })
        );
        assert_eq!(LabConfig::from_query(""), Ok(LabConfig::default()));
    }

    #[test]
    fn view_settings_are_read_back() {
        let parsed = parse_query(
            "speed=2.5&layout=force&control=off&powk=5",
            &LabConfig::default(),
        );
        assert!(parsed.issues.is_empty());
        let v = parsed.config.settings;
        assert_eq!(
            (v.speed, v.layout, v.show_control, v.pow_k),
            (2.5, LayoutKind::Force, false, 5)
        );
        let bad = parse_query(
            "speed=0&layout=grid&control=yes&powk=9",
            &LabConfig::default(),
        );
        assert_eq!(bad.issues.len(), 4);
        assert_eq!(bad.config.settings, ViewSettings::default());
    }

    #[test]
    fn huge_queries_are_cut_off() {
        let query = "seed=1&".repeat(MAX_PAIRS + 10);
        let parsed = parse_query(&query, &LabConfig::default());
        assert_eq!(
            parsed.issues,
            vec![UrlError::TooManyPairs { max: MAX_PAIRS }]
        );
        assert_eq!(parsed.config.params.seed, 1);
    }
}
