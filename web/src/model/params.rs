//! Every knob of the lab, and the [`Scenario`] it stands for. [`PARAMS`]
//! describes each knob once (URL key, label, range, default through
//! [`Params::default`], getter and setter); the URL, the controls, the
//! export and the compare labels all read it.

use core::time::Duration;

use gossip_core::sim::{Network, Overlay, Processing, Scenario};
use gossip_core::{Config, Mode};

use super::format::round_export;

/// Smallest and largest number of nodes offered.
pub const NODES_RANGE: (u32, u32) = (2, 2_000);
/// Longest interval a link may set, ms (one hour).
pub const MAX_INTERVAL_MS: u64 = 3_600_000;
/// Longest latency or jitter a link may set, ms.
pub const MAX_LATENCY_MS: f64 = 60_000.0;

/// How the overlay is built before the first frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlayKind {
    /// Every node joins through node 0 with real HELLO / GET_PEERS traffic.
    Bootstrap,
    /// A random regular graph of degree `fanout + 2` (wired directly).
    Random,
}

impl OverlayKind {
    /// The selector's value.
    pub fn as_str(self) -> &'static str {
        match self {
            OverlayKind::Bootstrap => "bootstrap",
            OverlayKind::Random => "random",
        }
    }

    /// Parses the selector's value.
    pub fn parse(s: &str) -> Option<OverlayKind> {
        match s {
            "bootstrap" => Some(OverlayKind::Bootstrap),
            "random" => Some(OverlayKind::Random),
            _ => None,
        }
    }
}

/// Parameters a teacher can change; everything else is the core default.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Number of nodes.
    pub nodes: u32,
    /// Master seed of the run.
    pub seed: u64,
    /// Peers each gossip is forwarded to.
    pub fanout: u32,
    /// Hops a gossip may travel.
    pub ttl: u32,
    /// Largest peer table.
    pub peer_limit: u32,
    /// The dissemination strategy, one of [`Mode::ALL`].
    pub mode: Mode,
    /// Time between IHAVE rounds, ms.
    pub pull_interval_ms: u32,
    /// Most ids per IHAVE.
    pub ihave_max_ids: u32,
    /// Time between PING rounds, ms.
    pub ping_interval_ms: u32,
    /// Silence before a peer is dropped, ms.
    pub peer_timeout_ms: u32,
    /// Datagram loss, percent.
    pub loss_pct: f64,
    /// One-way latency, ms.
    pub latency_ms: f64,
    /// Extra random latency, ms.
    pub jitter_ms: f64,
    /// Time a node spends on each datagram it receives, ms; it serves one at
    /// a time, so a busy node delays what queues behind (0: free).
    pub service_ms: f64,
    /// How the overlay forms.
    pub overlay: OverlayKind,
}

impl Default for Params {
    /// 50 nodes, fanout 3, ttl 8, hybrid: a message visibly hops, and every
    /// node gets it.
    fn default() -> Params {
        Params {
            nodes: 50,
            seed: 42,
            fanout: 3,
            ttl: 8,
            peer_limit: 20,
            mode: Mode::Hybrid,
            pull_interval_ms: 2_000,
            ihave_max_ids: 32,
            ping_interval_ms: 2_000,
            peer_timeout_ms: 6_000,
            loss_pct: 0.0,
            latency_ms: 100.0,
            jitter_ms: 50.0,
            service_ms: 0.0,
            overlay: OverlayKind::Bootstrap,
        }
    }
}

impl Params {
    /// Delay between joins, ms: quick, so that big overlays form fast.
    pub fn join_stagger_ms(&self) -> f64 {
        2.0
    }

    /// Simulated time to let the overlay form before the lab is shown, ms.
    pub fn warmup_ms(&self) -> f64 {
        match self.overlay {
            OverlayKind::Bootstrap => {
                self.join_stagger_ms() * f64::from(self.nodes)
                    + 2.0 * f64::from(self.ping_interval_ms.max(self.pull_interval_ms))
                    + 10.0 * (self.latency_ms + self.jitter_ms)
            }
            OverlayKind::Random => 0.0,
        }
    }

    /// The scenario the simulator runs.
    pub fn scenario(&self) -> Scenario {
        let node = Config {
            fanout: self.fanout,
            ttl: self.ttl,
            peer_limit: self.peer_limit,
            mode: self.mode,
            pull_interval: Duration::from_millis(u64::from(self.pull_interval_ms)),
            ihave_max_ids: self.ihave_max_ids,
            ping_interval: Duration::from_millis(u64::from(self.ping_interval_ms)),
            peer_timeout: Duration::from_millis(u64::from(self.peer_timeout_ms)),
            pow_k: 0,
            ..Config::default()
        };
        Scenario {
            nodes: self.nodes.clamp(NODES_RANGE.0, NODES_RANGE.1),
            seed: self.seed,
            node,
            overlay: match self.overlay {
                OverlayKind::Bootstrap => Overlay::Bootstrap,
                OverlayKind::Random => Overlay::RandomRegular {
                    degree: (self.fanout + 2).min(self.peer_limit).max(1),
                },
            },
            join_stagger_ms: self.join_stagger_ms(),
            network: Network {
                latency_ms: self.latency_ms,
                jitter_ms: self.jitter_ms,
                loss: self.loss_pct / 100.0,
                ..Network::default()
            },
            processing: Processing {
                service_us: self.service_ms * 1_000.0,
                ..Processing::default()
            },
            trace: true,
            ..Scenario::default()
        }
    }
}

/// What a parameter's number means, so the controls can show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A plain count.
    Count,
    /// Milliseconds.
    Ms,
    /// Percent.
    Pct,
}

/// One choice of a [`Field::Choice`] parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The value in the URL and the selector.
    pub value: &'static str,
    /// The selector's text.
    pub text: &'static str,
    /// What it means (the option's tooltip).
    pub title: &'static str,
}

/// The kind of value a parameter holds, with its getter and setter on
/// [`Params`] and the range a link may set.
#[derive(Clone, Copy)]
pub enum Field {
    /// A whole number in `min..=max`.
    Int {
        /// Reads it.
        get: fn(&Params) -> u64,
        /// Writes it (only with values in range).
        set: fn(&mut Params, u64),
        /// Smallest accepted.
        min: u64,
        /// Largest accepted.
        max: u64,
    },
    /// A finite number in `min..=max`.
    Real {
        /// Reads it.
        get: fn(&Params) -> f64,
        /// Writes it (only with values in range).
        set: fn(&mut Params, f64),
        /// Smallest accepted.
        min: f64,
        /// Largest accepted.
        max: f64,
        /// Factor from this value to the export's (loss: percent to probability).
        export: f64,
    },
    /// One of a few names.
    Choice {
        /// Reads it.
        get: fn(&Params) -> &'static str,
        /// Writes it; false for a name that is not a choice.
        set: fn(&mut Params, &str) -> bool,
        /// Every choice, in menu order.
        choices: fn() -> Vec<Choice>,
    },
}

/// How a parameter appears among the controls: a slider, or (for a
/// [`Field::Choice`]) a selector when `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slider {
    /// Leftmost position.
    pub min: f64,
    /// Rightmost position.
    pub max: f64,
    /// Step.
    pub step: f64,
    /// How the value is shown next to it.
    pub unit: Unit,
}

/// One knob of the lab: everything the URL, the controls, the export and
/// the compare labels need to know about it.
#[derive(Clone, Copy)]
pub struct Param {
    /// The URL key (and compare label), e.g. `fanout`.
    pub key: &'static str,
    /// The name in the export's JSON, e.g. `peer_limit`.
    pub json: &'static str,
    /// The control's DOM id.
    pub id: &'static str,
    /// The control's label.
    pub label: &'static str,
    /// Its value, getter, setter and accepted range.
    pub field: Field,
    /// Its slider, if it has one.
    pub slider: Option<Slider>,
    /// Whether it changes the running network (otherwise the run restarts).
    pub live: bool,
}

/// Why a value could not be set.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueError {
    /// Not of the parameter's form; says what was expected.
    Form(String),
    /// A number outside the range, as text.
    Range {
        /// Smallest accepted.
        min: String,
        /// Largest accepted.
        max: String,
    },
}

impl Param {
    /// The value as the URL writes it (floats in Rust's shortest exact form).
    pub fn text(&self, p: &Params) -> String {
        match self.field {
            Field::Int { get, .. } => get(p).to_string(),
            Field::Real { get, .. } => get(p).to_string(),
            Field::Choice { get, .. } => get(p).to_owned(),
        }
    }

    /// Reads `value` onto `p`; on error `p` is unchanged.
    pub fn read(&self, p: &mut Params, value: &str) -> Result<(), ValueError> {
        match self.field {
            Field::Int { set, min, max, .. } => {
                let v = value
                    .parse::<u64>()
                    .map_err(|_| ValueError::Form("a whole number".to_owned()))?;
                if v < min || v > max {
                    return Err(range(min, max));
                }
                set(p, v);
            }
            Field::Real { set, min, max, .. } => {
                let v = crate::math::parse_f64(value)
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| ValueError::Form("a finite number".to_owned()))?;
                if v < min || v > max {
                    return Err(range(min, max));
                }
                set(p, v);
            }
            Field::Choice { set, choices, .. } => {
                if !set(p, value) {
                    return Err(ValueError::Form(names(&choices())));
                }
            }
        }
        Ok(())
    }

    /// The value at a slider position (clamped into the accepted range).
    pub fn set_position(&self, p: &mut Params, v: f64) {
        match self.field {
            Field::Int { set, min, max, .. } => set(p, (v.round().max(0.0) as u64).clamp(min, max)),
            Field::Real { set, min, max, .. } => set(p, v.clamp(min, max)),
            Field::Choice { .. } => {}
        }
    }

    /// The slider position of the value (0 for a choice).
    pub fn position(&self, p: &Params) -> f64 {
        match self.field {
            Field::Int { get, .. } => get(p) as f64,
            Field::Real { get, .. } => get(p),
            Field::Choice { .. } => 0.0,
        }
    }

    /// The value as the export's JSON writes it.
    pub fn json_value(&self, p: &Params) -> serde_json::Value {
        match self.field {
            Field::Int { get, .. } => get(p).into(),
            Field::Real { get, export, .. } => round_export(get(p) * export).into(),
            Field::Choice { get, .. } => get(p).into(),
        }
    }
}

fn range<T: ToString>(min: T, max: T) -> ValueError {
    ValueError::Range {
        min: min.to_string(),
        max: max.to_string(),
    }
}

/// Choices as a sentence: "push, hybrid, plumtree or pull".
fn names(choices: &[Choice]) -> String {
    let names: Vec<&str> = choices.iter().map(|c| c.value).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

fn modes() -> Vec<Choice> {
    Mode::ALL
        .iter()
        .map(|m| Choice {
            value: m.as_str(),
            text: m.as_str(),
            title: m.description(),
        })
        .collect()
}

fn overlays() -> Vec<Choice> {
    vec![
        Choice {
            value: OverlayKind::Bootstrap.as_str(),
            text: "bootstrap (real joins)",
            title: "every node joins through node 0 with real HELLO / GET_PEERS traffic",
        },
        Choice {
            value: OverlayKind::Random.as_str(),
            text: "random regular",
            title: "a random regular graph of degree fanout + 2, wired directly",
        },
    ]
}

/// Getter and setter of a whole-number knob.
type IntAccess = (fn(&Params) -> u64, fn(&mut Params, u64));

const fn int(
    key: &'static str,
    json: &'static str,
    id: &'static str,
    label: &'static str,
    (get, set): IntAccess,
    (min, max): (u64, u64),
    slider: Option<Slider>,
) -> Param {
    Param {
        key,
        json,
        id,
        label,
        field: Field::Int { get, set, min, max },
        slider,
        live: false,
    }
}

const fn slider(min: f64, max: f64, step: f64, unit: Unit) -> Option<Slider> {
    Some(Slider {
        min,
        max,
        step,
        unit,
    })
}

/// Every knob, in URL and control order: adding a knob is one row here (and
/// its field in [`Params`]).
pub static PARAMS: [Param; 15] = [
    int(
        "n",
        "nodes",
        "nodes",
        "nodes N",
        (|p| u64::from(p.nodes), |p, v| p.nodes = v as u32),
        (NODES_RANGE.0 as u64, NODES_RANGE.1 as u64),
        slider(NODES_RANGE.0 as f64, NODES_RANGE.1 as f64, 1.0, Unit::Count),
    ),
    int(
        "seed",
        "seed",
        "seed",
        "seed",
        (|p| p.seed, |p, v| p.seed = v),
        (0, u64::MAX),
        slider(1.0, 1_000.0, 1.0, Unit::Count),
    ),
    int(
        "fanout",
        "fanout",
        "fanout",
        "fanout",
        (|p| u64::from(p.fanout), |p, v| p.fanout = v as u32),
        (1, 64),
        slider(1.0, 10.0, 1.0, Unit::Count),
    ),
    int(
        "ttl",
        "ttl",
        "ttl",
        "ttl",
        (|p| u64::from(p.ttl), |p, v| p.ttl = v as u32),
        (1, 64),
        slider(1.0, 16.0, 1.0, Unit::Count),
    ),
    int(
        "peers",
        "peer_limit",
        "peer-limit",
        "peer limit",
        (|p| u64::from(p.peer_limit), |p, v| p.peer_limit = v as u32),
        (1, 1_000),
        slider(2.0, 50.0, 1.0, Unit::Count),
    ),
    Param {
        key: "mode",
        json: "mode",
        id: "mode",
        label: "mode",
        field: Field::Choice {
            get: |p| p.mode.as_str(),
            set: |p, v| v.parse::<Mode>().map(|m| p.mode = m).is_ok(),
            choices: modes,
        },
        slider: None,
        live: false,
    },
    int(
        "pull",
        "pull_interval_ms",
        "pull-interval",
        "pull interval",
        (
            |p| u64::from(p.pull_interval_ms),
            |p, v| p.pull_interval_ms = v as u32,
        ),
        (1, MAX_INTERVAL_MS),
        slider(200.0, 10_000.0, 100.0, Unit::Ms),
    ),
    int(
        "ihave",
        "ihave_max_ids",
        "ihave-max",
        "IHAVE max ids",
        (
            |p| u64::from(p.ihave_max_ids),
            |p, v| p.ihave_max_ids = v as u32,
        ),
        (1, 4_096),
        slider(1.0, 64.0, 1.0, Unit::Count),
    ),
    int(
        "ping",
        "ping_interval_ms",
        "ping-interval",
        "ping interval",
        (
            |p| u64::from(p.ping_interval_ms),
            |p, v| p.ping_interval_ms = v as u32,
        ),
        (1, MAX_INTERVAL_MS),
        slider(200.0, 10_000.0, 100.0, Unit::Ms),
    ),
    int(
        "timeout",
        "peer_timeout_ms",
        "peer-timeout",
        "peer timeout",
        (
            |p| u64::from(p.peer_timeout_ms),
            |p, v| p.peer_timeout_ms = v as u32,
        ),
        (1, MAX_INTERVAL_MS),
        slider(500.0, 30_000.0, 100.0, Unit::Ms),
    ),
    Param {
        key: "loss",
        json: "loss",
        id: "loss",
        label: "loss",
        field: Field::Real {
            get: |p| p.loss_pct,
            set: |p, v| p.loss_pct = v,
            min: 0.0,
            max: 100.0,
            export: 0.01,
        },
        slider: slider(0.0, 90.0, 1.0, Unit::Pct),
        live: true,
    },
    Param {
        key: "latency",
        json: "latency_ms",
        id: "latency",
        label: "latency",
        field: Field::Real {
            get: |p| p.latency_ms,
            set: |p, v| p.latency_ms = v,
            min: 0.0,
            max: MAX_LATENCY_MS,
            export: 1.0,
        },
        slider: slider(1.0, 500.0, 1.0, Unit::Ms),
        live: true,
    },
    Param {
        key: "jitter",
        json: "jitter_ms",
        id: "jitter",
        label: "jitter",
        field: Field::Real {
            get: |p| p.jitter_ms,
            set: |p, v| p.jitter_ms = v,
            min: 0.0,
            max: MAX_LATENCY_MS,
            export: 1.0,
        },
        slider: slider(0.0, 500.0, 1.0, Unit::Ms),
        live: true,
    },
    Param {
        key: "service",
        json: "service_ms",
        id: "service",
        label: "processing per datagram",
        field: Field::Real {
            get: |p| p.service_ms,
            set: |p, v| p.service_ms = v,
            min: 0.0,
            max: MAX_LATENCY_MS,
            export: 1.0,
        },
        slider: slider(0.0, 100.0, 1.0, Unit::Ms),
        live: false,
    },
    Param {
        key: "overlay",
        json: "overlay",
        id: "overlay-kind",
        label: "overlay",
        field: Field::Choice {
            get: |p| p.overlay.as_str(),
            set: |p, v| OverlayKind::parse(v).map(|o| p.overlay = o).is_some(),
            choices: overlays,
        },
        slider: None,
        live: false,
    },
];

/// The row of URL key `key`.
pub fn param(key: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| p.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_classroom_setup() {
        let s = Params::default().scenario();
        assert_eq!(s.nodes, 50);
        assert_eq!(s.node.fanout, 3);
        assert_eq!(s.node.ttl, 8);
        assert_eq!(s.node.mode, Mode::Hybrid);
        assert_eq!(s.overlay, Overlay::Bootstrap);
        assert!(s.trace);
    }

    #[test]
    fn the_processing_knob_sets_the_service_time_and_is_off_by_default() {
        assert!(Params::default().scenario().processing.is_off());
        let mut p = Params::default();
        param("service").unwrap().read(&mut p, "2.5").unwrap();
        let processing = p.scenario().processing;
        assert_eq!((processing.service_us, processing.cpus), (2_500.0, 0));
    }

    #[test]
    fn every_default_is_within_its_rows_range() {
        let default = Params::default();
        for param in PARAMS.iter() {
            let mut p = default.clone();
            assert_eq!(
                param.read(&mut p, &param.text(&default)),
                Ok(()),
                "{}",
                param.key
            );
            assert_eq!(p, default);
            if let Some(s) = param.slider {
                let at = param.position(&default);
                assert!(
                    s.min <= at && at <= s.max,
                    "{} slider holds {at}",
                    param.key
                );
            }
        }
    }

    #[test]
    fn knobs_reach_the_scenario() {
        let p = Params {
            nodes: 5_000,
            loss_pct: 30.0,
            ping_interval_ms: 500,
            overlay: OverlayKind::Random,
            ..Params::default()
        };
        let s = p.scenario();
        assert_eq!(s.nodes, NODES_RANGE.1);
        assert!((s.network.loss - 0.3).abs() < 1e-12);
        assert_eq!(s.node.ping_interval, Duration::from_millis(500));
        assert_eq!(s.overlay, Overlay::RandomRegular { degree: 5 });
        assert_eq!(p.warmup_ms(), 0.0);
    }
}
