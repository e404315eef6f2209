//! One-click failure scenarios a teacher can narrate. Each is a lab
//! configuration plus a script of actions (core's [`Scheduled`], times
//! counted from the moment the preset starts), reproducible from its URL:
//! `?preset=<slug>` loads it, and any other field in the query overrides it.
//!
//! Each shows its caption's story within [`STORY_WALL_MS`] of wall time at
//! its own speed: the overlay is formed before anything is published (the
//! scripted presets wire a random regular overlay at start), and a tab's
//! action (compare, the Sybil attack) starts by itself.

use gossip_core::scorecard::glomers::Workload;
use gossip_core::sim::{Action, Scenario, Scheduled};
use gossip_core::Mode;

use super::compare::DEFAULT_MODES;
use super::params::{OverlayKind, Params};
use super::sybil::SybilParams;
use super::url::{pairs, parse_query, LabConfig, Parsed, UrlError, View, ViewSettings};

/// Wall-clock time within which every preset shows its story, ms.
pub const STORY_WALL_MS: f64 = 5_000.0;

/// When "partition and heal" heals, ms after it starts.
pub const HEAL_MS: f64 = 1_500.0;

/// A narrated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// Its name in the URL.
    pub slug: &'static str,
    /// Its button label.
    pub title: &'static str,
    /// One sentence for the teacher to say.
    pub narration: &'static str,
    /// What the lab loads (its `preset` field is the slug).
    pub config: LabConfig,
    /// Actions, `at_ms` after the preset starts.
    pub schedule: Vec<Scheduled>,
    /// Whether its tab's action (compare, the Sybil attack) starts as it loads.
    pub starts_tab: bool,
}

impl Preset {
    /// The query string that reproduces this preset with every field spelled out.
    pub fn url_query(&self) -> String {
        self.config.to_query()
    }

    /// Scheduled actions due in `(after_ms, until_ms]` since the preset started.
    pub fn due(&self, after_ms: f64, until_ms: f64) -> impl Iterator<Item = &Scheduled> {
        self.schedule
            .iter()
            .filter(move |s| s.at_ms > after_ms && s.at_ms <= until_ms)
    }

    /// The whole scripted run as one scenario: the parameters' scenario with
    /// the script shifted past the overlay's warm-up.
    pub fn scenario(&self) -> Scenario {
        let params = &self.config.params;
        let mut scenario = params.scenario();
        let start = params.warmup_ms();
        scenario.schedule = self
            .schedule
            .iter()
            .map(|s| Scheduled {
                at_ms: start + s.at_ms,
                action: s.action.clone(),
            })
            .collect();
        scenario
    }
}

fn config(params: Params, speed: f64, view: View, sybil: SybilParams, slug: &str) -> LabConfig {
    LabConfig {
        params,
        settings: ViewSettings {
            speed,
            ..ViewSettings::default()
        },
        sybil,
        view,
        preset: Some(slug.to_owned()),
        compare: DEFAULT_MODES.to_vec(),
    }
}

fn publish(at_ms: f64, node: u32) -> Scheduled {
    Scheduled {
        at_ms,
        action: Action::Publish {
            node,
            data: "class rumour".to_owned(),
        },
    }
}

/// A Gossip Glomers workload: the lab plays its operations (the publishes,
/// and 3c's partition) on its node count and latency, and the scorecard tab
/// scores core's scenario of it in every strategy, pass or fail.
fn glomers(w: Workload) -> Preset {
    let scenario = w.scenario();
    let params = Params {
        nodes: w.nodes(),
        latency_ms: w.latency_ms(),
        jitter_ms: 0.0,
        seed: scenario.seed,
        ..Params::default()
    };
    let first = scenario
        .schedule
        .iter()
        .map(|s| s.at_ms)
        .fold(f64::INFINITY, f64::min);
    let narration = match w {
        Workload::B3 => "Maelstrom's 3b: 5 nodes, 10 operations a second for 20 s; every broadcast must reach every node.",
        Workload::C3 => "Maelstrom's 3c: 3b with the network cut in two for 10 s; every broadcast must still reach every node.",
        Workload::D3 => "Maelstrom's 3d: 25 nodes, 100 ms links, 100 operations a second; under 30 messages per operation, median under 400 ms, maximum under 600 ms.",
        Workload::E3 => "Maelstrom's 3e: as 3d, under 20 messages per operation, median under 1 s, maximum under 2 s.",
    };
    Preset {
        slug: w.slug(),
        title: w.title(),
        narration,
        config: config(
            params,
            1.0,
            View::Scorecard,
            SybilParams::default(),
            w.slug(),
        ),
        schedule: scenario
            .schedule
            .into_iter()
            .map(|s| Scheduled {
                at_ms: s.at_ms - first,
                action: s.action,
            })
            .collect(),
        starts_tab: true,
    }
}

/// Every preset, in button order.
pub fn all() -> Vec<Preset> {
    let base = Params::default();
    let lossy_push = Params {
        loss_pct: 30.0,
        mode: Mode::Push,
        ..base.clone()
    };
    // A random regular overlay is formed at once and mixes both halves
    // evenly (the bootstrap overlay's hub, node 0, knows mostly late joiners);
    // pull every second repairs quickly; seed 7 is one where fanout 3 covers
    // most of a half by push alone.
    let scripted = Params {
        overlay: OverlayKind::Random,
        pull_interval_ms: 1_000,
        seed: 7,
        ..base.clone()
    };
    let third = Params {
        nodes: 60,
        ..scripted.clone()
    };
    let crashes = (0..third.nodes)
        .filter(|i| i % 3 == 2)
        .map(|node| Scheduled {
            at_ms: 0.0,
            action: Action::Crash { node },
        });
    let halves = Params {
        nodes: 40,
        ..scripted
    };
    vec![
        Preset {
            slug: "loss-push-vs-hybrid",
            title: "30% packet loss: push vs hybrid",
            narration: "With 30% of datagrams lost, push alone leaves nodes uninformed; hybrid's IHAVE/IWANT pull repairs the gaps.",
            config: config(lossy_push, 1.0, View::Compare, SybilParams::default(), "loss-push-vs-hybrid"),
            schedule: vec![publish(0.0, 0)],
            starts_tab: true,
        },
        Preset {
            slug: "kill-a-third",
            title: "kill a third of the nodes",
            narration: "Every third node crashes, then a message is published: the survivors still reach each other.",
            config: config(third, 1.0, View::Lab, SybilParams::default(), "kill-a-third"),
            schedule: crashes.chain([publish(500.0, 0)]).collect(),
            starts_tab: false,
        },
        Preset {
            slug: "partition-and-heal",
            title: "partition and heal",
            narration: "The network splits in two and a message stays on one side; when it heals, pull carries it across.",
            config: config(halves.clone(), 1.5, View::Lab, SybilParams::default(), "partition-and-heal"),
            schedule: vec![
                Scheduled {
                    at_ms: 0.0,
                    action: Action::Partition {
                        groups: vec![(0..halves.nodes / 2).collect()],
                    },
                },
                publish(200.0, 0),
                Scheduled {
                    at_ms: HEAL_MS,
                    action: Action::Heal,
                },
            ],
            starts_tab: false,
        },
        Preset {
            slug: "sybil-flood",
            title: "Sybil flood at k = 0 vs k = 4",
            narration: "An attacker mints identities: free at k = 0, about 65 000 hashes each at k = 4; forged proofs get nothing.",
            config: config(
                base,
                ViewSettings::default().speed,
                View::Sybil,
                SybilParams {
                    k: 4,
                    identities: 20,
                    hash_rate: 1_000_000.0,
                },
                "sybil-flood",
            ),
            schedule: Vec::new(),
            starts_tab: true,
        },
    ]
    .into_iter()
    .chain(Workload::ALL.map(glomers))
    .collect()
}

/// The preset called `slug`.
pub fn by_slug(slug: &str) -> Option<Preset> {
    all().into_iter().find(|p| p.slug == slug)
}

/// Reads a page's query: the named preset (if any) is the base, every other
/// field overrides it. An unknown preset is reported and the default is used.
pub fn config_from_query(query: &str) -> Parsed {
    let named = pairs(query)
        .filter(|(key, _)| *key == "preset")
        .last()
        .map(|(_, value)| value);
    let mut unknown = None;
    let base = match named {
        Some(slug) => match by_slug(slug) {
            Some(preset) => preset.config,
            None => {
                unknown = Some(UrlError::UnknownPreset {
                    name: slug.chars().take(64).collect(),
                });
                LabConfig::default()
            }
        },
        None => LabConfig::default(),
    };
    let mut parsed = parse_query(query, &base);
    if let Some(issue) = unknown {
        parsed.config.preset = None;
        parsed.issues.insert(0, issue);
    }
    parsed
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use gossip_core::sim::Simulator;

    use super::*;

    #[test]
    fn a_preset_loads_the_parameters_it_names() {
        for preset in all() {
            let short = config_from_query(&format!("?preset={}", preset.slug));
            assert_eq!(short.config, preset.config, "{}", preset.slug);
            assert!(short.issues.is_empty());
            let full = config_from_query(&preset.url_query());
            assert_eq!(full.config, preset.config, "{}", preset.slug);
            assert!(full.issues.is_empty());
        }
        let loss = config_from_query("preset=loss-push-vs-hybrid").config;
        assert_eq!((loss.params.loss_pct, loss.params.mode), (30.0, Mode::Push));
        assert_eq!(loss.view, View::Compare);
        let sybil = config_from_query("preset=sybil-flood").config;
        assert_eq!((sybil.sybil.k, sybil.view), (4, View::Sybil));
    }

    #[test]
    fn query_fields_override_the_preset() {
        let parsed = config_from_query("preset=kill-a-third&n=90&mode=push");
        assert_eq!(parsed.config.params.nodes, 90);
        assert_eq!(parsed.config.params.mode, Mode::Push);
        assert_eq!(parsed.config.preset.as_deref(), Some("kill-a-third"));
    }

    #[test]
    fn an_unknown_preset_is_reported_and_the_default_used() {
        let parsed = config_from_query("preset=no-such-thing&ttl=3");
        assert_eq!(
            parsed.issues,
            vec![UrlError::UnknownPreset {
                name: "no-such-thing".into()
            }]
        );
        assert_eq!(parsed.config.preset, None);
        assert_eq!(parsed.config.params.ttl, 3);
    }

    #[test]
    fn kill_a_third_crashes_a_third_and_the_rest_still_hear() {
        let preset = by_slug("kill-a-third").unwrap();
        let scenario = preset.scenario();
        let end = scenario
            .schedule
            .iter()
            .map(|s| s.at_ms)
            .fold(0.0, f64::max);
        let mut sim = Simulator::new(scenario);
        sim.run_for_ms(end + 10_000.0);
        assert_eq!(sim.alive_count(), 40);
        let id = sim.collector().gossip_ids()[0];
        let report = sim.collector().report(id).unwrap();
        assert!(report.delivery_ratio > 0.9, "{}", report.delivery_ratio);
    }

    #[test]
    fn partition_and_heal_holds_the_message_back_until_healed() {
        let preset = by_slug("partition-and-heal").unwrap();
        let start = preset.config.params.warmup_ms();
        let mut sim = Simulator::new(preset.scenario());
        sim.run_for_ms(start + HEAL_MS - 1.0);
        let id = sim.collector().gossip_ids()[0];
        let before = sim.collector().delivered(id);
        assert!(
            (15..=20).contains(&before),
            "most of one side only: {before}"
        );
        sim.run_for_ms(20_000.0);
        assert_eq!(sim.collector().delivered(id), 40, "healed, pull repairs");
    }

    /// Simulated time each scripted preset's story may take: its wall-clock
    /// allowance at its own speed, less a second for loading the page.
    fn story_budget_ms(preset: &Preset) -> f64 {
        (STORY_WALL_MS - 1_000.0) * preset.config.settings.speed
    }

    #[test]
    fn scripted_stories_finish_within_five_seconds_at_their_speed() {
        for slug in ["kill-a-third", "partition-and-heal"] {
            let preset = by_slug(slug).unwrap();
            assert_eq!(preset.config.params.warmup_ms(), 0.0, "formed at start");
            let mut sim = Simulator::new(preset.scenario());
            sim.run_for_ms(story_budget_ms(&preset));
            let id = sim.collector().gossip_ids()[0];
            let needed = (0.95 * f64::from(sim.alive_count())).ceil() as usize;
            assert!(sim.collector().delivered(id) >= needed, "{slug}");
        }
    }

    /// The Glomers presets open the scorecard tab on their workload's
    /// nodes and latency and play its operations from the first one on.
    #[test]
    fn glomers_presets_play_their_workload() {
        for w in Workload::ALL {
            let preset = by_slug(w.slug()).unwrap();
            assert_eq!(preset.config.view, View::Scorecard);
            assert!(preset.starts_tab);
            let p = &preset.config.params;
            assert_eq!(
                (p.nodes, p.latency_ms, p.jitter_ms),
                (w.nodes(), w.latency_ms(), 0.0)
            );
            let publishes = w
                .scenario()
                .schedule
                .iter()
                .filter(|s| matches!(s.action, Action::Publish { .. }))
                .count();
            assert_eq!(
                preset
                    .due(-1.0, 1e9)
                    .filter(|s| matches!(s.action, Action::Publish { .. }))
                    .count(),
                publishes
            );
            assert_eq!(preset.schedule[0].at_ms, 0.0);
        }
    }

    #[test]
    fn due_actions_fall_in_the_half_open_window() {
        let preset = by_slug("partition-and-heal").unwrap();
        assert_eq!(preset.due(-1.0, 0.0).count(), 1);
        assert_eq!(preset.due(0.0, 200.0).count(), 1);
        assert_eq!(preset.due(200.0, HEAL_MS).count(), 1);
        assert_eq!(preset.due(5_000.0, 1e9).count(), 0);
    }
}
