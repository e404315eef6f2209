//! Geometry of the space-time diagram: one horizontal line per node, time
//! running left to right, each datagram an arrow from (sender, send time)
//! to (receiver, arrival time). Pure arithmetic on a [`Recording`], shared
//! by the canvas painter, the pointer's hit test and the SVG export.

use std::fmt::Write as _;

use gossip_core::MsgType;

use super::format::ticks;
use super::spacetime::{Arrow, Recording, Tree};
use crate::render::{family, BACKGROUND, CONTROL_FAMILIES, FAMILIES};

/// Width of the node labels at the left, px.
pub const LABEL_PX: f64 = 40.0;
/// Height of the time axis at the bottom, px.
pub const AXIS_PX: f64 = 20.0;
/// Narrowest gap between two node lines, px: below it the diagram scrolls.
pub const MIN_LANE_PX: f64 = 11.0;
/// Nodes shown at once without scrolling when the panel is tall enough.
pub const FIT_LANES: u32 = 50;
/// How far the pointer may be from an arrow and still hit it, px.
pub const HIT_PX: f64 = 5.0;
/// Shortest and longest time windows, µs.
const SPAN_RANGE_US: (u64, u64) = (1_000, 600_000_000);
/// Colour of delivery marks.
pub const DELIVERY: &str = "#ffe066";
/// Colour of the highlighted dissemination tree.
pub const TREE: &str = "#ffffff";
/// Colour of the last delivery hop.
pub const LAST_HOP: &str = "#ff5c8a";

/// Which part of the run the diagram shows, and at what size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// Plot width, px.
    pub width: f64,
    /// Plot height, px.
    pub height: f64,
    /// Number of nodes (lines).
    pub lanes: u32,
    /// Node on the top line.
    pub first_lane: u32,
    /// Right edge of the window, µs.
    pub end_us: u64,
    /// Width of the window, µs.
    pub span_us: u64,
}

/// What the pointer is on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Hit {
    /// The arrow at this index of [`Recording::arrows`].
    Arrow(usize),
    /// The delivery at this index of [`Recording::deliveries`].
    Delivery(usize),
}

impl Viewport {
    /// A window of `span_us` ending at `end_us` on a `width`×`height` plot.
    pub fn new(width: f64, height: f64, lanes: u32, end_us: u64, span_us: u64) -> Viewport {
        Viewport {
            width,
            height,
            lanes,
            first_lane: 0,
            end_us,
            span_us: span_us.clamp(SPAN_RANGE_US.0, SPAN_RANGE_US.1),
        }
    }

    /// Gap between two node lines: every node fits up to [`FIT_LANES`],
    /// never closer than [`MIN_LANE_PX`] (the rest scrolls).
    pub fn lane_px(&self) -> f64 {
        let room = (self.height - AXIS_PX).max(1.0);
        (room / f64::from(self.lanes.clamp(1, FIT_LANES))).max(MIN_LANE_PX)
    }

    /// Node lines that fit on the plot.
    pub fn visible_lanes(&self) -> u32 {
        (((self.height - AXIS_PX).max(0.0) / self.lane_px()).floor() as u32).max(1)
    }

    /// Largest useful [`Viewport::first_lane`].
    pub fn max_first_lane(&self) -> u32 {
        self.lanes.saturating_sub(self.visible_lanes())
    }

    /// Scrolls the node lines by `by` (negative: up), within range.
    pub fn scroll_lanes(&mut self, by: i64) {
        let to = i64::from(self.first_lane) + by;
        self.first_lane = to.clamp(0, i64::from(self.max_first_lane())) as u32;
    }

    /// Left edge of the window, µs.
    pub fn start_us(&self) -> u64 {
        self.end_us.saturating_sub(self.span_us)
    }

    /// Vertical position of node `i`'s line (off the plot when scrolled away).
    pub fn y(&self, i: u32) -> f64 {
        (f64::from(i) - f64::from(self.first_lane) + 0.5) * self.lane_px()
    }

    /// Horizontal position of time `t_us`.
    pub fn x(&self, t_us: u64) -> f64 {
        let plot = (self.width - LABEL_PX).max(1.0);
        LABEL_PX + (t_us as f64 - self.start_us() as f64) / self.span_us as f64 * plot
    }

    /// Time under horizontal position `x`.
    pub fn t_at(&self, x: f64) -> u64 {
        let plot = (self.width - LABEL_PX).max(1.0);
        let t = self.start_us() as f64 + (x - LABEL_PX) / plot * self.span_us as f64;
        t.max(0.0) as u64
    }

    /// Zooms time by `factor` (< 1 zooms in) keeping the time under `x` in place.
    pub fn zoom(&mut self, factor: f64, x: f64) {
        let pinned = self.t_at(x) as f64;
        let span =
            (self.span_us as f64 * factor).clamp(SPAN_RANGE_US.0 as f64, SPAN_RANGE_US.1 as f64);
        let frac = (self.end_us as f64 - pinned) / self.span_us as f64;
        self.end_us = (pinned + frac * span).max(span) as u64;
        self.span_us = span as u64;
    }

    /// Moves the window by `frac` of its width (negative: earlier).
    pub fn pan(&mut self, frac: f64) {
        let by = self.span_us as f64 * frac;
        self.end_us = (self.end_us as f64 + by).max(self.span_us as f64) as u64;
    }

    /// Whether an arrow touches the window and the visible node lines.
    pub fn shows(&self, a: &Arrow) -> bool {
        let (lo, hi) = (a.from.min(a.to), a.from.max(a.to));
        let last = self.first_lane + self.visible_lanes();
        a.arrive_us >= self.start_us()
            && a.sent_us <= self.end_us
            && hi >= self.first_lane
            && lo < last
    }

    /// Start and end of an arrow; a lost one ends half way, where it is cut.
    pub fn ends(&self, a: &Arrow) -> ((f64, f64), (f64, f64)) {
        let start = (self.x(a.sent_us), self.y(a.from));
        let end = (self.x(a.arrive_us), self.y(a.to));
        if a.lost.is_some() {
            (start, ((start.0 + end.0) / 2.0, (start.1 + end.1) / 2.0))
        } else {
            (start, end)
        }
    }

    /// Time ticks: `(x, label)` at round times across the window.
    pub fn time_ticks(&self) -> Vec<(f64, String)> {
        let span_ms = self.span_us as f64 / 1_000.0;
        let steps = ticks(span_ms, 6);
        let step_ms = steps.get(1).copied().unwrap_or(span_ms).max(1e-3);
        let start_ms = self.start_us() as f64 / 1_000.0;
        let first = (start_ms / step_ms).ceil() as u64;
        (first..)
            .map(|i| i as f64 * step_ms)
            .take_while(|t| *t <= self.end_us as f64 / 1_000.0)
            .map(|t| (self.x((t * 1_000.0) as u64), time_label(t)))
            .collect()
    }

    /// What the pointer at `(px, py)` is on: the nearest delivery mark or
    /// arrow within [`HIT_PX`] (marks first), among the visible ones.
    pub fn hit(&self, rec: &Recording, show_control: bool, px: f64, py: f64) -> Option<Hit> {
        let delivery = rec
            .deliveries()
            .iter()
            .enumerate()
            .filter(|(_, d)| d.t_us >= self.start_us() && d.t_us <= self.end_us)
            .map(|(i, d)| (i, (self.x(d.t_us) - px).hypot(self.y(d.node) - py)))
            .filter(|(_, dist)| *dist <= HIT_PX)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, _)) = delivery {
            return Some(Hit::Delivery(i));
        }
        rec.arrows()
            .iter()
            .enumerate()
            .filter(|(_, a)| self.shows(a) && (show_control || family(a.kind) < CONTROL_FAMILIES))
            .map(|(i, a)| {
                let (s, e) = self.ends(a);
                (i, segment_distance((px, py), s, e))
            })
            .filter(|(_, dist)| *dist <= HIT_PX)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(i, _)| Hit::Arrow(i))
    }

    /// The diagram as a standalone SVG document: what the canvas shows.
    pub fn svg(&self, rec: &Recording, show_control: bool, tree: Option<&Tree>) -> String {
        let (w, h) = (self.width, self.height);
        let mut out = String::with_capacity(64 * rec.arrows().len() + 4_096);
        let _ = write!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="sans-serif" font-size="10"><rect width="100%" height="100%" fill="{BACKGROUND}"/>"#
        );
        let last = (self.first_lane + self.visible_lanes()).min(self.lanes);
        let _ = write!(out, r##"<g stroke="#2d3742" stroke-width="1">"##);
        for i in self.first_lane..last {
            let y = self.y(i);
            let _ = write!(
                out,
                r#"<line x1="{LABEL_PX}" y1="{y:.1}" x2="{w:.0}" y2="{y:.1}"/>"#
            );
        }
        let _ = write!(out, r##"</g><g fill="#8b949e">"##);
        for i in self.first_lane..last {
            let _ = write!(out, r#"<text x="4" y="{:.1}">n{i}</text>"#, self.y(i) + 3.5);
        }
        for (x, label) in self.time_ticks() {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"#,
                h - 6.0
            );
        }
        out.push_str("</g>");
        let dim = if tree.is_some() { 0.3 } else { 0.9 };
        for (fam, (name, colour)) in FAMILIES.iter().enumerate() {
            if !show_control && fam >= CONTROL_FAMILIES {
                continue;
            }
            let _ = write!(
                out,
                r#"<g stroke="{colour}" stroke-opacity="{dim}" stroke-width="1"><title>{name}</title>"#
            );
            for a in rec
                .arrows()
                .iter()
                .filter(|a| family(a.kind) == fam && self.shows(a))
            {
                let ((x1, y1), (x2, y2)) = self.ends(a);
                let _ = write!(
                    out,
                    r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/>"#
                );
                if a.lost.is_some() {
                    let _ = write!(
                        out,
                        r#"<path d="M{:.1} {:.1}l6 6m0 -6l-6 6"/>"#,
                        x2 - 3.0,
                        y2 - 3.0
                    );
                }
            }
            out.push_str("</g>");
        }
        let _ = write!(out, r#"<g fill="{DELIVERY}">"#);
        for d in rec
            .deliveries()
            .iter()
            .filter(|d| d.t_us >= self.start_us() && d.t_us <= self.end_us)
        {
            let _ = write!(
                out,
                r#"<circle cx="{:.1}" cy="{:.1}" r="2.5"/>"#,
                self.x(d.t_us),
                self.y(d.node)
            );
        }
        out.push_str("</g>");
        if let Some(tree) = tree {
            let last = tree.last().copied();
            for e in &tree.edges {
                let colour = if Some(*e) == last { LAST_HOP } else { TREE };
                let _ = write!(
                    out,
                    r#"<line class="tree" stroke="{colour}" stroke-width="2" x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}"/>"#,
                    self.x(e.sent_us),
                    self.y(e.parent),
                    self.x(e.t_us),
                    self.y(e.child)
                );
            }
        }
        out.push_str("</svg>");
        out
    }
}

/// `120 ms`, `1.5 s` for a time in ms.
fn time_label(t_ms: f64) -> String {
    if t_ms >= 10_000.0 {
        format!("{:.1} s", t_ms / 1_000.0)
    } else {
        format!("{t_ms:.0} ms")
    }
}

/// Distance from `p` to the segment `a`–`b`.
pub fn segment_distance(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.0 - (a.0 + t * dx)).hypot(p.1 - (a.1 + t * dy))
}

/// The tooltip of an arrow.
pub fn describe(a: &Arrow) -> String {
    let name = a.kind.as_str();
    let gossip = a
        .gossip
        .map(|id| {
            let hex = id.to_string();
            format!(" {}…", hex.get(..8).unwrap_or(&hex))
        })
        .unwrap_or_default();
    let sent = a.sent_us as f64 / 1_000.0;
    match a.lost {
        Some(reason) => format!(
            "{name}{gossip} {} → {}\nsent at {sent:.1} ms, lost ({})",
            a.from,
            a.to,
            match reason {
                gossip_core::sim::DropReason::Loss => "random loss",
                gossip_core::sim::DropReason::Partition => "partition",
                gossip_core::sim::DropReason::NodeDown => "receiver down",
                gossip_core::sim::DropReason::Unroutable => "unroutable",
                gossip_core::sim::DropReason::Overflow => "receiver's queue full",
            }
        ),
        None => format!(
            "{name}{gossip} {} → {}\nsent at {sent:.1} ms, received at {:.1} ms ({:.1} ms on the way)",
            a.from,
            a.to,
            a.arrive_us as f64 / 1_000.0,
            (a.arrive_us - a.sent_us) as f64 / 1_000.0
        ),
    }
}

/// Whether an arrow carries a gossip (clicking it selects that gossip's tree).
pub fn is_gossip(a: &Arrow) -> bool {
    a.kind == MsgType::Gossip && a.gossip.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lab::Lab;
    use crate::model::params::Params;

    fn arrow(from: u32, to: u32, sent_us: u64, arrive_us: u64) -> Arrow {
        Arrow {
            from,
            to,
            kind: MsgType::Ping,
            gossip: None,
            sent_us,
            arrive_us,
            lost: None,
        }
    }

    #[test]
    fn fifty_nodes_fit_and_more_scroll() {
        let v = Viewport::new(1_000.0, 620.0, 50, 10_000, 10_000);
        assert_eq!(v.visible_lanes(), 50);
        assert_eq!(v.max_first_lane(), 0);
        assert!(v.lane_px() >= MIN_LANE_PX);
        let mut big = Viewport::new(1_000.0, 620.0, 500, 10_000, 10_000);
        assert_eq!(big.lane_px(), 12.0);
        assert_eq!(big.visible_lanes(), 50);
        big.scroll_lanes(1_000);
        assert_eq!(big.first_lane, 450);
        big.scroll_lanes(-460);
        assert_eq!(big.first_lane, 0);
    }

    #[test]
    fn time_maps_both_ways_and_zoom_keeps_the_pointer_still() {
        let mut v = Viewport::new(1_040.0, 400.0, 10, 2_000_000, 1_000_000);
        assert_eq!(v.x(1_000_000), LABEL_PX);
        assert_eq!(v.x(2_000_000), 1_040.0);
        assert_eq!(v.t_at(540.0), 1_500_000);
        v.zoom(0.5, 540.0);
        assert_eq!(v.span_us, 500_000);
        assert_eq!(v.t_at(540.0), 1_500_000);
        v.pan(-10.0);
        assert_eq!(v.start_us(), 0, "never before the start of the run");
        let ticks = v.time_ticks();
        assert!(!ticks.is_empty() && ticks.len() <= 12);
        assert_eq!(ticks[0], (LABEL_PX, "0 ms".to_owned()));
    }

    #[test]
    fn the_pointer_hits_the_nearest_arrow_and_lost_arrows_are_cut() {
        let v = Viewport::new(1_040.0, 220.0, 10, 1_000_000, 1_000_000);
        let a = arrow(0, 9, 0, 1_000_000);
        let ((x1, y1), (x2, y2)) = v.ends(&a);
        assert_eq!((x1, x2), (LABEL_PX, 1_040.0));
        assert!(y2 > y1);
        let lost = Arrow {
            lost: Some(gossip_core::sim::DropReason::Loss),
            ..a
        };
        assert_eq!(v.ends(&lost).1, ((x1 + x2) / 2.0, (y1 + y2) / 2.0));
        assert!(describe(&lost).contains("lost (random loss)"));
        assert!(describe(&a).contains("PING 0 → 9"));
        assert_eq!(segment_distance((5.0, 5.0), (0.0, 0.0), (10.0, 0.0)), 5.0);
        assert_eq!(segment_distance((-3.0, 4.0), (0.0, 0.0), (10.0, 0.0)), 5.0);
    }

    #[test]
    fn hit_and_svg_on_a_real_broadcast() {
        let mut lab = Lab::new(Params {
            nodes: 20,
            ..Params::default()
        });
        lab.set_speed(10.0);
        let id = lab.publish_from(2).expect("runs");
        for _ in 0..100 {
            if lab.informed_count() == 20 {
                break;
            }
            lab.advance(100.0, f64::INFINITY, || 0.0);
        }
        let rec = lab.recording();
        let first = rec.publishes()[0].t_us;
        let v = Viewport::new(1_000.0, 400.0, 20, first + 300_000, 400_000);
        let gossip = rec
            .arrows()
            .iter()
            .position(|a| is_gossip(a) && v.shows(a))
            .expect("a GOSSIP arrow on screen");
        let ((x1, y1), (x2, y2)) = v.ends(&rec.arrows()[gossip]);
        let mid = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        let hit = v
            .hit(rec, false, mid.0, mid.1)
            .expect("something under the pointer");
        assert!(matches!(hit, Hit::Arrow(_) | Hit::Delivery(_)));
        assert_eq!(v.hit(rec, false, 2.0, 2.0), None, "nothing on the labels");
        let tree = rec.tree(id).expect("kept");
        let svg = v.svg(rec, false, Some(&tree));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("class=\"tree\"").count(), 19);
        assert_eq!(svg.matches(LAST_HOP).count(), 1);
        assert!(svg.contains(">n19<"));
        assert!(!svg.contains("PING / PONG"), "control traffic hidden");
    }
}
