//! The figure of `gossip analyze --charts`: coverage over time of every
//! gossip found in the events (the first few), in the experiment's style.

use super::coverage;
use super::figure::Figure;
use crate::analysis::Analysed;

/// Most gossips drawn (one curve and legend entry each).
pub const MAX_GOSSIPS: usize = 6;
/// Characters of a gossip's data shown in the legend.
const PREVIEW: usize = 18;
/// Hex digits of a gossip's id shown in the legend (tells equal data apart).
const ID_CHARS: usize = 8;

/// Coverage over time of the first [`MAX_GOSSIPS`] gossips in a population
/// of `population` nodes, measured from `files` events files.
pub fn figure(gossips: &[Analysed], population: u32, files: usize) -> Figure {
    let shown = &gossips[..gossips.len().min(MAX_GOSSIPS)];
    let axis = coverage::time_axis(shown.iter().map(|a| &a.report));
    let curves = shown
        .iter()
        .enumerate()
        .filter_map(|(i, a)| coverage::curve(i, &[&a.report], axis))
        .collect();
    let legend = shown
        .iter()
        .map(|a| {
            let mut preview: String = a.data.chars().take(PREVIEW).collect();
            if a.data.chars().count() > PREVIEW {
                preview.push('…');
            }
            let id: String = a.report.id.to_string().chars().take(ID_CHARS).collect();
            format!("{id} “{preview}”")
        })
        .collect();
    let more = gossips.len().saturating_sub(MAX_GOSSIPS);
    let files_word = if files == 1 { "file" } else { "files" };
    let mut subtitle = format!("population {population}, from {files} events {files_word}");
    if more > 0 {
        subtitle.push_str(&format!("; {more} more gossips not drawn"));
    }
    Figure {
        name: "coverage_over_time".to_owned(),
        title: match shown.len() {
            1 => "Coverage over time of one gossip (real nodes)".to_owned(),
            n => format!("Coverage over time of {n} gossips (real nodes)"),
        },
        subtitle,
        legend,
        panels: vec![coverage::panel(
            "Nodes holding each gossip".to_owned(),
            axis,
            curves,
        )],
    }
}
