//! scratch
use gossip_core::sim::{Action, Scheduled};
use gossip_web::model::lab::{Lab, NodeFill};
use gossip_web::model::params::{OverlayKind, Params};
use gossip_web::model::script::Script;
fn publish(at_ms: f64, node: u32) -> Scheduled {
    Scheduled {
        at_ms,
        action: Action::Publish {
            node,
            data: "x".into(),
        },
    }
}
fn run(name: &str, params: Params, schedule: Vec<Scheduled>, half: bool) {
    let mut lab = Lab::new(params);
    lab.set_speed(1.0);
    let mut script = Script::start(&schedule, &lab);
    script.tick(&mut lab);
    let mut t = 0.0;
    let mut line = String::new();
    while t < 8_000.0 {
        lab.advance(50.0, f64::INFINITY, || 0.0);
        script.tick(&mut lab);
        t += 50.0;
        if (t as u64) % 250 == 0 {
            let n = lab.len();
            let inf = |r: std::ops::Range<u32>| {
                r.filter(|&i| {
                    lab.sim().is_alive(i)
                        && !matches!(lab.fill(i, lab.now_us(), 1), NodeFill::Uninformed)
                })
                .count()
            };
            if half {
                line += &format!(" {}:{}/{}", t as u64, inf(0..n / 2), inf(n / 2..n));
            } else {
                line += &format!(" {}:{}", t as u64, inf(0..n));
            }
        }
    }
    println!("{name}:{line}");
}
fn main() {
    for (seed, pull) in [(42u64, 2000u32), (42, 1000), (7, 1000), (1, 1000)] {
        let halves = Params {
            nodes: 40,
            overlay: OverlayKind::Random,
            seed,
            pull_interval_ms: pull,
            ..Params::default()
        };
        run(
            &format!("partition seed {seed} pull {pull}"),
            halves,
            vec![
                Scheduled {
                    at_ms: 0.0,
                    action: Action::Partition {
                        groups: vec![(0..20).collect()],
                    },
                },
                publish(200.0, 0),
                Scheduled {
                    at_ms: 1_500.0,
                    action: Action::Heal,
                },
            ],
            true,
        );
        let third = Params {
            nodes: 60,
            overlay: OverlayKind::Random,
            seed,
            pull_interval_ms: pull,
            ..Params::default()
        };
        let mut s: Vec<Scheduled> = (0..60)
            .filter(|i| i % 3 == 2)
            .map(|node| Scheduled {
                at_ms: 0.0,
                action: Action::Crash { node },
            })
            .collect();
        s.push(publish(300.0, 0));
        run(&format!("kill seed {seed} pull {pull}"), third, s, false);
    }
}
