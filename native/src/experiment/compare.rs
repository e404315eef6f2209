//! Simulator prediction beside real measurement, group by group.
//!
//! The prediction runs many more seeds than the real grid (`--predict-seeds`),
//! so its mean is the model's expectation, and its runs give the spread a
//! mean of the few real runs would have if the real nodes behaved as the
//! model does: where a row's real t95 is a mixture (a hybrid broadcast
//! that push alone took to 95 %, or one a pull round finished a second
//! later), five real runs' mean lands anywhere between the two, and that
//! range says so. Those rows are also split by kind of run ([`ByKind`]):
//! each kind's t95, and how many runs push alone took to 95 %, are what
//! the model can predict of them.

use std::fmt::Write as _;

use gossip_core::metrics::{Aggregate, Summary};
use gossip_core::rng::NodeRng;
use serde::Serialize;

use super::{GroupKey, GroupResult, RunResult};

/// How far off a prediction may be and still count as agreeing (the
/// processing-model issue's target: t95 within 25 % of the real mean).
pub const AGREEMENT: f64 = 0.25;
/// Means drawn for [`MeanRange`].
const RESAMPLES: usize = 10_000;
/// Seed of the draws, so that a summary is the same every time it is made.
const RESAMPLING_SEED: u64 = 0x5eed_f00d;

/// Where the mean of `runs` t95 values falls, drawn from the prediction's
/// runs: the central 90 % of [`RESAMPLES`] such means.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanRange {
    /// Values in each mean: the real runs that reached 95 %.
    pub runs: usize,
    /// 5th percentile, ms.
    pub low: f64,
    /// 95th percentile, ms.
    pub high: f64,
}

impl MeanRange {
    /// The range of the mean of `runs` values drawn at random (with
    /// replacement) from `values`; none without values or runs.
    pub fn of(values: &[f64], runs: usize) -> Option<MeanRange> {
        if values.is_empty() || runs == 0 {
            return None;
        }
        let mut rng = NodeRng::from_seed_u64(RESAMPLING_SEED);
        let mut means: Vec<f64> = (0..RESAMPLES)
            .map(|_| {
                let sum: f64 = (0..runs)
                    .map(|_| values[rng.below(values.len() as u64) as usize])
                    .sum();
                sum / runs as f64
            })
            .collect();
        means.sort_by(f64::total_cmp);
        Some(MeanRange {
            runs,
            low: means[RESAMPLES / 20],
            high: means[RESAMPLES - 1 - RESAMPLES / 20],
        })
    }

    /// Whether `mean` is inside the range.
    pub fn contains(&self, mean: f64) -> bool {
        (self.low..=self.high).contains(&mean)
    }

    /// Whether some value of the range is within `tolerance` of `mean`
    /// (relative to `mean`, as [`Comparison::agrees`] measures).
    pub fn near(&self, mean: f64, tolerance: f64) -> bool {
        (self.low / (1.0 + tolerance)..=self.high / (1.0 - tolerance)).contains(&mean)
    }
}

/// Where a count of runs out of `runs` falls: the central 90 % of a
/// binomial distribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CountRange {
    /// Runs counted from.
    pub runs: usize,
    /// 5th percentile.
    pub low: usize,
    /// 95th percentile.
    pub high: usize,
}

impl CountRange {
    /// The central 90 % of the count of `runs` independent runs that have
    /// probability `p` each.
    pub fn binomial(runs: usize, p: f64) -> CountRange {
        let p = p.clamp(0.0, 1.0);
        let pmf = |k: usize| -> f64 {
            let choose: f64 = (0..k).map(|i| (runs - i) as f64 / (i + 1) as f64).product();
            choose * p.powi(k as i32) * (1.0 - p).powi((runs - k) as i32)
        };
        let mut cdf = 0.0;
        let (mut low, mut high) = (None, runs);
        for k in 0..=runs {
            cdf += pmf(k);
            if low.is_none() && cdf >= 0.05 {
                low = Some(k);
            }
            if cdf >= 0.95 - 1e-12 {
                high = k;
                break;
            }
        }
        CountRange {
            runs,
            low: low.unwrap_or(high),
            high,
        }
    }

    /// Whether `count` is inside the range.
    pub fn contains(&self, count: usize) -> bool {
        (self.low..=self.high).contains(&count)
    }
}

/// Whether a prediction agrees with a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Agreement {
    /// Outside [`AGREEMENT`] of both the prediction and its spread.
    No,
    /// Within [`AGREEMENT`] of the range the model allows a mean of that
    /// many runs, not of the prediction itself.
    Spread,
    /// Within [`AGREEMENT`] of the prediction.
    Yes,
}

impl Agreement {
    /// As the summary's verdict columns print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Agreement::Yes => "yes",
            Agreement::Spread => "spread",
            Agreement::No => "no",
        }
    }
}

/// The mean t95 of a set of simulated runs beside that of a set of real
/// ones.
#[derive(Debug, Clone, Serialize)]
pub struct T95 {
    /// The simulated runs' t95, ms.
    pub sim: Summary,
    /// The real runs' t95, ms.
    pub real: Summary,
    /// The simulated mean relative to the real one, less 1; none where
    /// either side has no run.
    pub error: Option<f64>,
    /// Where the real mean would fall if the real nodes behaved as the model
    /// does ([`MeanRange`] of the simulated values for the real runs' count).
    pub range: Option<MeanRange>,
}

impl T95 {
    /// Compares simulated t95 values with real ones.
    pub fn of(sim: &[f64], real: &[f64]) -> T95 {
        let (sim_summary, real_summary) = (
            Summary::of(sim.iter().copied()),
            Summary::of(real.iter().copied()),
        );
        T95 {
            error: sim_summary
                .mean_value()
                .zip(real_summary.mean_value())
                .map(|(s, r)| s / r - 1.0),
            range: MeanRange::of(sim, real.len()),
            sim: sim_summary,
            real: real_summary,
        }
    }

    /// [`Agreement::Yes`] within [`AGREEMENT`] of the prediction,
    /// [`Agreement::Spread`] within it of [`T95::range`]; none where either
    /// side has no run.
    pub fn agreement(&self) -> Option<Agreement> {
        agreement(self.error, self.range, self.real.mean_value())
    }
}

/// [`Agreement::Yes`] where `error` is within [`AGREEMENT`],
/// [`Agreement::Spread`] where `real_mean` is within it of `range`; none
/// without an error.
fn agreement(
    error: Option<f64>,
    range: Option<MeanRange>,
    real_mean: Option<f64>,
) -> Option<Agreement> {
    let error = error?;
    if error.abs() <= AGREEMENT {
        return Some(Agreement::Yes);
    }
    let near = range
        .zip(real_mean)
        .is_some_and(|(r, mean)| r.near(mean, AGREEMENT));
    Some(if near {
        Agreement::Spread
    } else {
        Agreement::No
    })
}

/// A row some of whose runs (simulated or real) a pull round took to 95 %,
/// split by kind of run. Its mean t95 mixes milliseconds (push alone
/// reached 95 %) with a pull round's second or more, in proportions a
/// few seeds draw at random; what the model predicts of such a row is each
/// kind's t95 and how often push alone gets there.
#[derive(Debug, Clone, Serialize)]
pub struct ByKind {
    /// Runs push alone took to 95 % (no delivery through a pull by then).
    pub push: T95,
    /// Runs that needed a delivery through a pull to reach 95 %.
    pub pull: T95,
    /// Share of the simulated runs that reached 95 % by push alone, of
    /// those that reached it.
    pub sim_push_share: f64,
    /// Where the number of real runs push alone took to 95 % would fall if
    /// the real nodes behaved as the model does.
    pub push_runs_range: CountRange,
}

impl ByKind {
    /// Splits the t95 of runs by kind: `sim` and `real` hold each run's
    /// t95 and deliveries through a pull by then
    /// ([`GossipReport::pulled_by_t95`](gossip_core::metrics::GossipReport::pulled_by_t95)).
    /// None unless a pull round took at least one run to 95 %, or where no
    /// run on either side reached 95 %.
    pub fn of(sim: &[(f64, u64)], real: &[(f64, u64)]) -> Option<ByKind> {
        if !sim.iter().chain(real).any(|(_, pulled)| *pulled > 0)
            || sim.is_empty()
            || real.is_empty()
        {
            return None;
        }
        let t95 = |runs: &[(f64, u64)], pulled: bool| -> Vec<f64> {
            runs.iter()
                .filter(|(_, p)| (*p > 0) == pulled)
                .map(|(t, _)| *t)
                .collect()
        };
        let sim_push = t95(sim, false);
        let sim_push_share = sim_push.len() as f64 / sim.len() as f64;
        Some(ByKind {
            push: T95::of(&sim_push, &t95(real, false)),
            pull: T95::of(&t95(sim, true), &t95(real, true)),
            sim_push_share,
            push_runs_range: CountRange::binomial(real.len(), sim_push_share),
        })
    }

    /// Real runs push alone took to 95 %.
    pub fn real_push_runs(&self) -> usize {
        self.push.real.n
    }

    /// Whether the row agrees by kind: the count of real runs push alone
    /// took to 95 % inside [`ByKind::push_runs_range`], and each kind that
    /// both sides have agreeing ([`T95::agreement`]; the weaker of the two).
    pub fn agreement(&self) -> Agreement {
        if !self.push_runs_range.contains(self.real_push_runs()) {
            return Agreement::No;
        }
        [self.push.agreement(), self.pull.agreement()]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Agreement::Yes)
    }
}

/// One parameter set, predicted and measured.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The parameters.
    pub key: GroupKey,
    /// The simulator's aggregates over the prediction's seeds.
    pub sim: Aggregate,
    /// The real nodes' aggregates.
    pub real: Aggregate,
    /// The simulated mean t95 relative to the real mean, less 1 (-0.1:
    /// predicted 10 % short); none where either is undefined.
    pub t95_error: Option<f64>,
    /// Where the real mean t95 would fall if the real nodes behaved as
    /// the model does; none where no simulated or no real run reached 95 %.
    pub t95_range: Option<MeanRange>,
    /// The row split by kind of run, where a pull round took some runs to
    /// 95 %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by_kind: Option<ByKind>,
}

impl Comparison {
    /// Whether the real mean t95 is inside [`Comparison::t95_range`].
    pub fn in_range(&self) -> Option<bool> {
        Some(self.t95_range?.contains(self.real.t95_ms.mean_value()?))
    }

    /// Whether the predicted mean t95 agrees with the real one:
    /// [`Agreement::Yes`] within [`AGREEMENT`] of it, [`Agreement::Spread`]
    /// within it of [`Comparison::t95_range`] (what the model allows a mean
    /// of that many runs, which for a row some of whose runs a pull round
    /// decides is far wider than ±25 %); none where either is undefined.
    pub fn agreement(&self) -> Option<Agreement> {
        agreement(
            self.t95_error,
            self.t95_range,
            self.real.t95_ms.mean_value(),
        )
    }
}

/// Each run of group `key` that reached 95 %: its t95 and its deliveries
/// through a pull by then.
fn reached(runs: &[RunResult], key: GroupKey) -> Vec<(f64, u64)> {
    runs.iter()
        .filter(|r| r.params.group() == key)
        .filter_map(|r| r.report.t95_ms.zip(r.report.pulled_by_t95))
        .collect()
}

/// Pairs every real group with the simulated group of the same parameters
/// (`sim` aggregates `predicted`, `real` aggregates `measured`).
pub fn pair(
    predicted: &[RunResult],
    measured: &[RunResult],
    sim: &[GroupResult],
    real: &[GroupResult],
) -> Vec<Comparison> {
    real.iter()
        .filter_map(|r| {
            let s = sim.iter().find(|s| s.key == r.key)?;
            let (sim_runs, real_runs) = (reached(predicted, r.key), reached(measured, r.key));
            let times = |runs: &[(f64, u64)]| runs.iter().map(|(t, _)| *t).collect::<Vec<f64>>();
            let t95 = T95::of(&times(&sim_runs), &times(&real_runs));
            Some(Comparison {
                key: r.key,
                sim: s.aggregate.clone(),
                real: r.aggregate.clone(),
                t95_error: t95.error,
                t95_range: t95.range,
                by_kind: ByKind::of(&sim_runs, &real_runs),
            })
        })
        .collect()
}

fn cell(s: &Summary, scale: f64, precision: usize) -> String {
    let scaled = Summary {
        mean: s.mean * scale,
        std: s.std * scale,
        n: s.n,
    };
    format!("{scaled:.precision$}")
}

/// `error` as a signed percentage, `–` where undefined.
fn percent(error: Option<f64>) -> String {
    error.map_or_else(|| "–".to_owned(), |e| format!("{:+.0} %", e * 100.0))
}

/// The range as `low–high`, marked when the real mean is outside it.
fn range(c: &Comparison) -> String {
    match (c.t95_range, c.in_range()) {
        (Some(r), Some(inside)) => {
            let mark = if inside { "" } else { " (outside)" };
            format!("{:.1}–{:.1}{mark}", r.low, r.high)
        }
        _ => "–".to_owned(),
    }
}

/// An agreement as a verdict column prints it, `–` where undefined.
fn verdict(agreement: Option<Agreement>) -> &'static str {
    agreement.map_or("–", Agreement::as_str)
}

/// The head and rule of the loss column, empty when the table has none.
fn loss_column(lossy: bool) -> (&'static str, &'static str) {
    if lossy {
        ("Loss % | ", "--------|")
    } else {
        ("", "")
    }
}

/// A row's first cells: the parameters (with the loss when the table has a
/// loss column), each followed by ` | `.
fn key_cells(key: &GroupKey, lossy: bool) -> String {
    let loss = if lossy {
        format!("{} | ", key.loss * 100.0)
    } else {
        String::new()
    };
    format!(
        "| {} | {} | {} | {} | {loss}",
        key.n,
        key.fanout,
        key.ttl,
        key.mode.as_str()
    )
}

/// The side-by-side Markdown table (with a loss column when any row has
/// loss), how many rows agree, then the rows a pull round decided in some
/// runs split by kind of run ([`ByKind`]) and how many of those agree.
pub fn markdown(rows: &[Comparison]) -> String {
    let lossy = rows.iter().any(|c| c.key.loss != 0.0);
    let (loss_head, loss_rule) = loss_column(lossy);
    let mut md = format!(
        "| N | Fanout | TTL | Mode | {loss_head}Delivery % sim | Delivery % real | t95 ms sim | t95 ms real | t95 sim vs real | real mean t95 if as modelled (90 %) | Within 25 % | Overhead sim | Overhead real | RMR sim | RMR real |\n\
         |---|--------|-----|------|{loss_rule}----------------|-----------------|------------|-------------|-----------------|-------------------------------------|-------------|--------------|---------------|---------|----------|\n",
    );
    for c in rows {
        let _ = writeln!(
            md,
            "{}{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            key_cells(&c.key, lossy),
            cell(&c.sim.delivery_ratio, 100.0, 0),
            cell(&c.real.delivery_ratio, 100.0, 0),
            cell(&c.sim.t95_ms, 1.0, 1),
            cell(&c.real.t95_ms, 1.0, 1),
            percent(c.t95_error),
            range(c),
            verdict(c.agreement()),
            cell(&c.sim.overhead, 1.0, 0),
            cell(&c.real.overhead, 1.0, 0),
            cell(&c.sim.rmr, 1.0, 2),
            cell(&c.real.rmr, 1.0, 2),
        );
    }
    let compared = rows.iter().filter(|c| c.agreement().is_some()).count();
    let agree = rows
        .iter()
        .filter(|c| c.agreement() == Some(Agreement::Yes))
        .count();
    let spread = rows
        .iter()
        .filter(|c| c.agreement() >= Some(Agreement::Spread))
        .count();
    let seeds = rows.iter().map(|c| c.sim.runs).max().unwrap_or(0);
    let _ = writeln!(
        md,
        "\nt95 predicted within {tolerance:.0} % of the real mean: {agree} of {compared} rows; \
         within {tolerance:.0} % of it or of the range a mean of as many runs has in the model \
         (the central 90 % of {RESAMPLES} means drawn from the simulated runs; \
         \"spread\"): {spread} of {compared}. \
         The simulator's columns average {seeds} seeds per row.",
        tolerance = AGREEMENT * 100.0,
    );
    md.push_str(&by_kind_markdown(rows, lossy));
    md
}

/// The rows that have a [`ByKind`] split, and how many agree by kind; empty
/// without such rows.
fn by_kind_markdown(rows: &[Comparison], lossy: bool) -> String {
    let split: Vec<(&Comparison, &ByKind)> = rows
        .iter()
        .filter_map(|c| Some((c, c.by_kind.as_ref()?)))
        .collect();
    if split.is_empty() {
        return String::new();
    }
    let (loss_head, loss_rule) = loss_column(lossy);
    let mut md = format!(
        "\nRows where a pull round took some runs to 95 %, by kind of run: \
         push alone (no delivery through a pull by then) or pull (one or more). \
         A mean over both kinds swings with how many of each a few seeds draw; \
         each kind's t95, and how many runs push alone finishes, are what the model predicts.\n\n\
         | N | Fanout | TTL | Mode | {loss_head}Push alone sim | Push alone real | real if as modelled (90 %) | t95 ms push sim | t95 ms push real | push sim vs real | t95 ms pull sim | t95 ms pull real | pull sim vs real | Within 25 % by kind |\n\
         |---|--------|-----|------|{loss_rule}----------------|-----------------|----------------------------|-----------------|------------------|------------------|-----------------|------------------|------------------|---------------------|\n",
    );
    for (c, k) in &split {
        let range = k.push_runs_range;
        let mark = if range.contains(k.real_push_runs()) {
            ""
        } else {
            " (outside)"
        };
        let _ = writeln!(
            md,
            "{}{:.0} % | {} of {} | {}–{}{mark} | {} | {} | {} | {} | {} | {} | {} |",
            key_cells(&c.key, lossy),
            k.sim_push_share * 100.0,
            k.real_push_runs(),
            range.runs,
            range.low,
            range.high,
            cell(&k.push.sim, 1.0, 1),
            cell(&k.push.real, 1.0, 1),
            percent(k.push.error),
            cell(&k.pull.sim, 1.0, 1),
            cell(&k.pull.real, 1.0, 1),
            percent(k.pull.error),
            k.agreement().as_str(),
        );
    }
    let agree = split
        .iter()
        .filter(|(_, k)| k.agreement() == Agreement::Yes)
        .count();
    let spread = split
        .iter()
        .filter(|(_, k)| k.agreement() >= Agreement::Spread)
        .count();
    let compared = rows.iter().filter(|c| c.agreement().is_some()).count();
    let overall = rows
        .iter()
        .filter(|c| match &c.by_kind {
            Some(k) => k.agreement() == Agreement::Yes,
            None => c.agreement() == Some(Agreement::Yes),
        })
        .count();
    let _ = writeln!(
        md,
        "\nBy kind of run: {agree} of {n} rows agree (the real runs push alone took to 95 % \
         within the model's 90 % range, and each kind's t95 within {tolerance:.0} % of the \
         prediction); {spread} of {n} within {tolerance:.0} % of it or of its spread. \
         These rows by kind and the others by their mean: {overall} of {compared} rows \
         within {tolerance:.0} %.",
        n = split.len(),
        tolerance = AGREEMENT * 100.0,
    );
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_of_one_value_ranges_over_the_values_and_more_runs_narrow_it() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let one = MeanRange::of(&values, 1).expect("range");
        assert!(one.low <= 6.0 && one.high >= 95.0, "{one:?}");
        let five = MeanRange::of(&values, 5).expect("range");
        assert!(five.low > one.low && five.high < one.high, "{five:?}");
        assert!(five.contains(50.5) && !five.contains(10.0), "{five:?}");
        assert_eq!(
            MeanRange::of(&values, 5),
            Some(five),
            "the same draws each time"
        );
        assert_eq!(MeanRange::of(&[], 5), None);
        assert_eq!(MeanRange::of(&values, 0), None);
    }

    /// A row whose simulated runs took `sim` ms to 95 % and whose real
    /// runs took `real`.
    fn row(sim: &[f64], real: &[f64]) -> Comparison {
        let t95 = |v: &[f64]| Aggregate {
            runs: v.len(),
            t95_ms: Summary::of(v.iter().copied()),
            ..Aggregate::default()
        };
        let (s, r) = (t95(sim), t95(real));
        Comparison {
            key: GroupKey {
                n: 10,
                fanout: 3,
                ttl: 8,
                mode: gossip_core::Mode::Hybrid,
                loss: 0.0,
            },
            t95_error: Some(s.t95_ms.mean / r.t95_ms.mean - 1.0),
            t95_range: MeanRange::of(sim, real.len()),
            by_kind: None,
            sim: s,
            real: r,
        }
    }

    #[test]
    fn each_row_says_whether_it_agrees_and_the_summary_counts_them() {
        let mixture: Vec<f64> = (0..100)
            .map(|i| if i % 5 == 0 { 1_000.0 } else { 1.0 })
            .collect();
        let rows = [
            // 10 % off a steady prediction.
            row(&[2.0; 100], &[2.2, 2.2, 2.2, 2.2, 2.2]),
            // Two pull-decided runs of five against an expectation of one.
            row(&mixture, &[1_000.0, 1_000.0, 1.0, 1.0, 1.0]),
            // 50 % off a steady prediction.
            row(&[2.0; 100], &[4.0, 4.0, 4.0, 4.0, 4.0]),
        ];
        let verdicts: Vec<&str> = rows.iter().map(|c| verdict(c.agreement())).collect();
        assert_eq!(verdicts, ["yes", "spread", "no"]);
        let md = markdown(&rows);
        assert!(md.contains("| -9 % | 2.0–2.0 (outside) | yes |"), "{md}");
        assert!(
            md.contains(
                "within 25 % of the real mean: 1 of 3 rows; within 25 % of it or of the range"
            ),
            "{md}"
        );
        assert!(md.contains("(the central 90 % of 10000 means drawn from the simulated runs; \"spread\"): 2 of 3."), "{md}");
        assert!(md.contains("average 100 seeds per row"), "{md}");
    }

    #[test]
    fn a_mixture_gives_a_wide_range_that_holds_a_mean_far_from_the_expectation() {
        // Four runs in five finish at 1 ms, the fifth waits for a pull
        // round at 1 000 ms: expectation 200.8 ms.
        let values: Vec<f64> = (0..100)
            .map(|i| if i % 5 == 0 { 1_000.0 } else { 1.0 })
            .collect();
        let r = MeanRange::of(&values, 5).expect("range");
        assert!(r.low < 2.0 && r.high > 400.0, "{r:?}");
        // Two real runs of five waited for the pull: 400.6 ms, 100 % off
        // the expectation and still what the model allows.
        assert!(r.contains(400.6));
        assert!(r.near(400.6, AGREEMENT) && !r.near(1_000.0, AGREEMENT));
        // Within 25 % of a range: 0.8 <= low / 1.25 ... high / 0.75.
        let narrow = MeanRange {
            runs: 5,
            low: 1.0,
            high: 1.5,
        };
        assert!(narrow.near(0.8, 0.25) && narrow.near(2.0, 0.25));
        assert!(!narrow.near(0.79, 0.25) && !narrow.near(2.01, 0.25));
    }

    #[test]
    fn the_binomial_range_holds_the_central_90_percent_of_counts() {
        assert_eq!(
            CountRange::binomial(5, 0.0),
            CountRange {
                runs: 5,
                low: 0,
                high: 0
            }
        );
        assert_eq!(
            (
                CountRange::binomial(5, 1.0).low,
                CountRange::binomial(5, 1.0).high
            ),
            (5, 5)
        );
        // Five runs at 0.88: P(k <= 2) = 0.014, P(k <= 3) = 0.113, so 3..=5.
        let r = CountRange::binomial(5, 0.88);
        assert_eq!((r.low, r.high), (3, 5));
        assert!(r.contains(3) && !r.contains(2));
        // Five runs at 0.2: P(k <= 2) = 0.942, P(k <= 3) = 0.993, so 0..=3.
        let r = CountRange::binomial(5, 0.2);
        assert_eq!((r.low, r.high), (0, 3));
        // 100 runs at one half: 42..=58.
        let r = CountRange::binomial(100, 0.5);
        assert_eq!((r.low, r.high), (42, 58));
    }

    /// Simulated runs: `push` of 100 finish by push alone at 1 ms, the rest
    /// wait for a pull round at 1 000 ms.
    fn mixture(push: usize) -> Vec<(f64, u64)> {
        (0..100)
            .map(|i| if i < push { (1.0, 0) } else { (1_000.0, 1) })
            .collect()
    }

    #[test]
    fn a_mixture_row_is_split_by_kind_and_judged_by_each_kind_and_the_count() {
        // No pull anywhere: no split.
        assert!(ByKind::of(&mixture(100), &[(1.1, 0); 5]).is_none());
        // Four in five push-decided in the model; two of five real runs.
        let real = [(1.1, 0), (1.2, 0), (1.0, 0), (1_050.0, 2), (1_010.0, 1)];
        let k = ByKind::of(&mixture(80), &real).expect("a split");
        assert_eq!(k.sim_push_share, 0.8);
        assert_eq!(k.real_push_runs(), 3);
        assert_eq!(
            (k.push.sim.n, k.push.real.n, k.pull.sim.n, k.pull.real.n),
            (80, 3, 20, 2)
        );
        assert!((k.push.error.unwrap() - (1.0 / 1.1 - 1.0)).abs() < 1e-9);
        assert_eq!(k.agreement(), Agreement::Yes);
        // Push alone finished no real run of five where the model expects
        // four in five: outside the count's range.
        let all_pulled = [(1_000.0, 1); 5];
        let k = ByKind::of(&mixture(80), &all_pulled).expect("a split");
        assert!(!k.push_runs_range.contains(0));
        assert_eq!(k.agreement(), Agreement::No);
        // The real pull rounds took twice as long: that kind disagrees.
        let slow = [(1.0, 0), (1.0, 0), (1.0, 0), (1.0, 0), (2_000.0, 1)];
        assert_eq!(
            ByKind::of(&mixture(80), &slow)
                .expect("a split")
                .agreement(),
            Agreement::No
        );
    }

    #[test]
    fn the_summary_lists_split_rows_and_counts_them_by_kind() {
        let mut mixed = row(&[1.0; 100], &[1.0; 5]);
        let real = [(1.1, 0), (1.2, 0), (1.0, 0), (1_050.0, 2), (1_010.0, 1)];
        mixed.by_kind = ByKind::of(&mixture(80), &real);
        let steady = row(&[2.0; 100], &[2.2; 5]);
        let md = markdown(&[mixed, steady]);
        assert!(md.contains("| 10 | 3 | 8 | hybrid | 80 % | 3 of 5 | 2–5 | 1.0 ± 0.0 | 1.1 ± 0.1 | -9 % | 1000.0 ± 0.0 | 1030.0 ± 28.3 | -3 % | yes |"), "{md}");
        assert!(md.contains("By kind of run: 1 of 1 rows agree"), "{md}");
        assert!(
            md.contains(
                "These rows by kind and the others by their mean: 2 of 2 rows within 25 %."
            ),
            "{md}"
        );
        assert!(!markdown(&[row(&[2.0; 100], &[2.2; 5])]).contains("By kind of run"));
    }
}
