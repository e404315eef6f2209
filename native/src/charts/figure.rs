//! What a chart shows, apart from how it is drawn: the data model the
//! builders fill and [`super::render`] draws. It serialises to JSON, which is
//! what the tests snapshot (the data, not the pixels).

use serde::Serialize;

use super::axis::Unit;

/// One figure: a title saying what varied, a subtitle saying what was fixed,
/// panels side by side (three to a row) and one legend below them all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// File stem of its SVG and PNG.
    pub name: String,
    /// What varied.
    pub title: String,
    /// What was fixed, and what the marks mean.
    pub subtitle: String,
    /// Series labels, in order: series `i` is drawn with [`super::style::series`]`(i)`.
    pub legend: Vec<String>,
    /// The panels.
    pub panels: Vec<Panel>,
}

/// One panel of a figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Panel {
    /// What the panel measures.
    pub title: String,
    /// Description of the x axis.
    pub x_label: String,
    /// Description of the y axis.
    pub y_label: String,
    /// What the y values are.
    pub y_unit: Unit,
    /// The marks.
    pub content: Content,
}

/// The marks of a panel.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Content {
    /// Grouped bars with ± std whiskers: one group per category, one bar per
    /// series.
    Bars {
        /// Category labels along the x axis.
        categories: Vec<String>,
        /// `bars[series][category]`; `None` where the value is undefined
        /// (for example t95 of runs that never reached 95 %).
        bars: Vec<Vec<Option<Bar>>>,
    },
    /// Coverage (%) over a logarithmic time axis.
    Coverage {
        /// First time shown, ms (a power of ten).
        from_ms: f64,
        /// Last time shown, ms (a power of ten).
        to_ms: f64,
        /// One curve per series present.
        curves: Vec<Curve>,
        /// Coverage marked by a reference line, %.
        mark_percent: f64,
        /// What the classic models predict (core's theory), drawn over the
        /// measured curves; empty when not asked for.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        theory: Vec<Theory>,
    },
}

/// One model's prediction on a coverage panel: a level, a time marker or a
/// curve, labelled with the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Theory {
    /// The model and its figure, e.g. `infect and die: 94.1 %`.
    pub label: String,
    /// Predicted final coverage, %.
    pub level_percent: Option<f64>,
    /// Predicted time, ms.
    pub marker_ms: Option<f64>,
    /// `[ms, coverage %]` of a predicted curve.
    pub points: Vec<[f64; 2]>,
}

/// One bar: a mean over runs, with its spread.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bar {
    /// Mean over the runs where the value is defined.
    pub mean: f64,
    /// Sample standard deviation over them.
    pub std: f64,
    /// Runs where the value is defined.
    pub runs: usize,
    /// Runs of the group.
    pub of: usize,
}

/// A coverage curve of one series: mean, min and max over runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// Index into the figure's legend.
    pub series: usize,
    /// `[ms, mean %, min %, max %]`, in time order.
    pub points: Vec<[f64; 4]>,
}

impl Figure {
    /// Whether the figure draws bars (its legend shows swatches, not lines).
    pub fn has_bars(&self) -> bool {
        self.panels
            .iter()
            .any(|p| matches!(p.content, Content::Bars { .. }))
    }
}
