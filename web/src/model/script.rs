//! Plays a preset's script on the animated lab: each scheduled action is
//! carried out once the lab's simulated clock has passed its time, counted
//! from the moment the script started.

use gossip_core::sim::{Action, Scheduled};

use super::lab::Lab;

/// A preset's actions, waiting for their simulated time.
#[derive(Debug, Clone, PartialEq)]
pub struct Script {
    pending: Vec<Scheduled>,
    start_us: u64,
}

impl Script {
    /// Starts `schedule` at the lab's current simulated time.
    pub fn start(schedule: &[Scheduled], lab: &Lab) -> Script {
        let mut pending = schedule.to_vec();
        pending.sort_by(|a, b| a.at_ms.total_cmp(&b.at_ms));
        Script {
            pending,
            start_us: lab.now_us(),
        }
    }

    /// Carries out every action that is due; returns whether any remain.
    pub fn tick(&mut self, lab: &mut Lab) -> bool {
        let elapsed_ms = lab.now_us().saturating_sub(self.start_us) as f64 / 1_000.0;
        let due = self
            .pending
            .iter()
            .take_while(|s| s.at_ms <= elapsed_ms)
            .count();
        for s in self.pending.drain(..due) {
            apply(lab, &s.action);
        }
        !self.pending.is_empty()
    }

    /// Actions not yet carried out.
    pub fn remaining(&self) -> usize {
        self.pending.len()
    }
}

/// Carries out one action on the lab with the lab's own controls. The lab
/// partitions into two halves by index, so a partition action splits it that
/// way whatever groups it lists (the presets list exactly those halves).
pub fn apply(lab: &mut Lab, action: &Action) {
    match action {
        Action::Publish { node, .. } => {
            lab.publish_from(*node);
        }
        Action::Crash { node } => {
            if lab.sim().is_alive(*node) {
                lab.toggle_node(*node);
            }
        }
        Action::Restart { node } => {
            if *node < lab.len() && !lab.sim().is_alive(*node) {
                lab.toggle_node(*node);
            }
        }
        Action::Partition { .. } => {
            if !lab.is_partitioned() {
                lab.toggle_partition();
            }
        }
        Action::Heal => {
            if lab.is_partitioned() {
                lab.toggle_partition();
            }
        }
        Action::SetLoss { loss } => lab.set_loss_pct(loss * 100.0),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
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
        let mut script = Script::start(&preset.schedule, &lab);
        assert!(script.tick(&mut lab), "the publish waits for 500 ms");
        assert_eq!(lab.sim().alive_count(), 40);
        assert_eq!(lab.current(), None);
        run(&mut lab, &mut script, 600.0);
        assert_eq!(script.remaining(), 0);
        assert!(lab.current().is_some());
    }

    #[test]
    fn partition_and_heal_follows_its_timeline() {
        let preset = by_slug("partition-and-heal").unwrap();
        let mut lab = Lab::new(preset.config.params.clone());
        let mut script = Script::start(&preset.schedule, &lab);
        script.tick(&mut lab);
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
        assert_eq!(script.remaining(), 0);
        assert_eq!(lab.informed_count(), 40, "healed: everyone");
    }

    #[test]
    fn restart_and_loss_use_the_labs_controls() {
        let mut lab = Lab::new(crate::model::params::Params {
            nodes: 10,
            ..Default::default()
        });
        apply(&mut lab, &Action::Crash { node: 3 });
        apply(&mut lab, &Action::Crash { node: 3 });
        assert!(!lab.sim().is_alive(3));
        apply(&mut lab, &Action::Restart { node: 3 });
        apply(&mut lab, &Action::Restart { node: 99 });
        assert!(lab.sim().is_alive(3));
        apply(&mut lab, &Action::SetLoss { loss: 0.25 });
        assert_eq!(lab.params().loss_pct, 25.0);
    }
}
