//! Plays a preset's script on the animated lab. Core's simulator carries
//! out the actions at their simulated times ([`Lab::schedule`], which is
//! `Simulator::schedule`), counted from the moment the script started; the
//! lab follows them through the trace.
//!
//! Loss changes are the one action kept here: core does not trace them, and
//! the lab's loss slider (its [`Params`](super::params::Params)) must move
//! with the network, so they go through [`Lab::set_loss_pct`] once the lab's
//! clock passes their time.

use gossip_core::sim::{Action, Scheduled};

use super::lab::Lab;

/// A preset's loss changes, waiting for their simulated time (every other
/// action is already queued in the simulator).
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    losses: Vec<(f64, f64)>,
    start_us: u64,
}

impl Script {
    /// Starts `schedule` at the lab's current simulated time: hands every
    /// action but loss changes to the simulator.
    pub fn start(schedule: &[Scheduled], lab: &mut Lab) -> Script {
        let mut losses = Vec::new();
        for s in schedule {
            match s.action {
                Action::SetLoss { loss } => losses.push((s.at_ms, loss)),
                _ => lab.schedule(s.at_ms, s.action.clone()),
            }
        }
        gossip_core::order::sort_by(&mut losses, |a, b| a.0.total_cmp(&b.0));
        let mut script = Script {
            losses,
            start_us: lab.now_us(),
        };
        script.tick(lab);
        script
    }

    /// Carries out every loss change that is due; returns whether any remain.
    pub fn tick(&mut self, lab: &mut Lab) -> bool {
        let elapsed_ms = lab.now_us().saturating_sub(self.start_us) as f64 / 1_000.0;
        let due = self
            .losses
            .iter()
            .take_while(|(at_ms, _)| *at_ms <= elapsed_ms)
            .count();
        for (_, loss) in self.losses.drain(..due) {
            lab.set_loss_pct(loss * 100.0);
        }
        !self.losses.is_empty()
    }

    /// Loss changes not yet carried out.
    pub fn remaining(&self) -> usize {
        self.losses.len()
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::model::params::Params;
    use crate::model::presets::by_slug;

    fn run(lab: &mut Lab, script: &mut Script, ms: f64) {
        let mut t = 0.0;
        while t < ms {
            lab.advance(50.0, f64::INFINITY, || 0.0);
            script.tick(lab);
            t += 50.0 * lab.speed();
        }
    }

    #[test]
    fn kill_a_third_crashes_every_third_node_then_publishes() {
        let preset = by_slug("kill-a-third").unwrap();
        let mut lab = Lab::new(preset.config.params.clone());
        let mut script = Script::start(&preset.schedule, &mut lab);
        assert_eq!(
            lab.sim().alive_count(),
            40,
            "crashes due now happen at once"
        );
        assert_eq!(lab.current(), None, "the publish waits for 500 ms");
        run(&mut lab, &mut script, 600.0);
        assert!(lab.current().is_some());
        assert_eq!(lab.publishes(), 1);
    }

    #[test]
    fn partition_and_heal_follows_its_timeline() {
        let preset = by_slug("partition-and-heal").unwrap();
        let mut lab = Lab::new(preset.config.params.clone());
        let mut script = Script::start(&preset.schedule, &mut lab);
        assert!(lab.is_partitioned());
        run(&mut lab, &mut script, 1_200.0);
        assert!(lab.is_partitioned() && lab.current().is_some());
        let (left, right) = lab.informed_by_half();
        assert!(
            left >= 15 && right == 0,
            "the origin's side only: {left} / {right}"
        );
        run(&mut lab, &mut script, 3_500.0);
        assert!(!lab.is_partitioned());
        assert_eq!(lab.informed_count(), 40, "healed: everyone");
    }

    #[test]
    fn loss_changes_move_the_labs_loss_on_time() {
        let mut lab = Lab::new(Params {
            nodes: 10,
            ..Params::default()
        });
        let at = |at_ms: f64, action: Action| Scheduled { at_ms, action };
        let schedule = [
            at(0.0, Action::Crash { node: 3 }),
            at(200.0, Action::SetLoss { loss: 0.25 }),
            at(300.0, Action::Restart { node: 3 }),
        ];
        let mut script = Script::start(&schedule, &mut lab);
        assert!(!lab.sim().is_alive(3));
        assert_eq!((script.remaining(), lab.params().loss_pct), (1, 0.0));
        run(&mut lab, &mut script, 400.0);
        assert_eq!((script.remaining(), lab.params().loss_pct), (0, 25.0));
        assert!(lab.sim().is_alive(3));
    }
}
