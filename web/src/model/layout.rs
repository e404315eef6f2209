//! Where nodes sit, in the unit square: a circle by default, or a force
//! layout (Fruchterman-Reingold: springs along peer links, repulsion between
//! all nodes, far ones lumped per grid cell) that settles over a few frames
//! and is scaled to fill the square.

use std::f32::consts::TAU;

/// Layout choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayoutKind {
    /// Nodes evenly spaced on a circle, in index order.
    Circle,
    /// Force-directed, seeded from the circle.
    Force,
}

/// Node positions in `[0, 1]²` and the state of the force simulation.
#[derive(Debug, Clone)]
pub struct Layout {
    kind: LayoutKind,
    /// What is drawn: `raw` scaled into the unit square.
    pos: Vec<[f32; 2]>,
    /// The force simulation's own coordinates, never rescaled (rescaling
    /// them every step would stretch the layout along its longer side).
    raw: Vec<[f32; 2]>,
    temperature: f32,
    version: u64,
    grid: Vec<Vec<u32>>,
}

/// Pull towards the centre, relative to the other forces.
const GRAVITY: f32 = 0.1;
/// Extra pull on a node without links (e.g. crashed): without it the
/// repulsion of the whole graph throws it far out, into a corner.
const ISOLATED_GRAVITY: f32 = 2.5;
/// Side of the coarse grid whose cells repel far nodes as one.
const COARSE: usize = 12;
/// Margin kept free around a fitted layout.
const MARGIN: f32 = 0.04;

/// Positions on a circle of radius 0.45 around the centre.
pub fn circle(n: usize) -> Vec<[f32; 2]> {
    (0..n)
        .map(|i| {
            let a = TAU * i as f32 / n.max(1) as f32 - TAU / 4.0;
            let (a, r) = (f64::from(a), 0.45);
            [
                (0.5 + r * crate::math::cos(a)) as f32,
                (0.5 + r * crate::math::sin(a)) as f32,
            ]
        })
        .collect()
}

/// Lower corner and side of the square bounding `pos` (side at least 1e-6).
fn bounds(pos: &[[f32; 2]]) -> ([f32; 2], f32) {
    let (mut lo, mut hi) = ([f32::MAX; 2], [f32::MIN; 2]);
    for p in pos {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    if pos.is_empty() {
        return ([0.0; 2], 1.0);
    }
    (lo, (hi[0] - lo[0]).max(hi[1] - lo[1]).max(1e-6))
}

/// `raw` scaled and centred uniformly into `out` so that the bulk of the
/// nodes (all but the outermost few percent on each side) fills the unit
/// square minus [`MARGIN`]; outliers are pulled in to the margin.
fn fit(raw: &[[f32; 2]], out: &mut [[f32; 2]]) {
    let n = raw.len();
    if n < 2 {
        out.copy_from_slice(raw);
        return;
    }
    let skip = n / 25;
    let mut axis: Vec<f32> = Vec::with_capacity(n);
    let mut range = |k: usize| {
        axis.clear();
        axis.extend(raw.iter().map(|p| p[k]));
        gossip_core::order::sort_by(&mut axis, f32::total_cmp);
        (axis[skip], axis[n - 1 - skip])
    };
    let (x, y) = (range(0), range(1));
    let span = (x.1 - x.0).max(y.1 - y.0).max(1e-6);
    let scale = (1.0 - 2.0 * MARGIN) / span;
    let centre = [(x.0 + x.1) / 2.0, (y.0 + y.1) / 2.0];
    for (p, q) in raw.iter().zip(out.iter_mut()) {
        for k in 0..2 {
            q[k] = (0.5 + (p[k] - centre[k]) * scale).clamp(MARGIN, 1.0 - MARGIN);
        }
    }
}

impl LayoutKind {
    /// The name used in the selector and the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            LayoutKind::Circle => "circle",
            LayoutKind::Force => "force",
        }
    }

    /// Parses a name written by [`LayoutKind::as_str`].
    pub fn parse(s: &str) -> Option<LayoutKind> {
        match s {
            "circle" => Some(LayoutKind::Circle),
            "force" => Some(LayoutKind::Force),
            _ => None,
        }
    }
}

impl Layout {
    /// A layout of `n` nodes.
    pub fn new(kind: LayoutKind, n: usize) -> Layout {
        Layout {
            kind,
            pos: circle(n),
            raw: circle(n),
            temperature: if kind == LayoutKind::Force { 1.0 } else { 0.0 },
            version: 0,
            grid: Vec::new(),
        }
    }

    /// The layout choice.
    pub fn kind(&self) -> LayoutKind {
        self.kind
    }

    /// Positions, one per node.
    pub fn positions(&self) -> &[[f32; 2]] {
        &self.pos
    }

    /// Bumped whenever positions move.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether the force layout is still moving.
    pub fn is_settling(&self) -> bool {
        self.kind == LayoutKind::Force && self.temperature > 0.01
    }

    /// Wakes a settled force layout (e.g. after links changed).
    pub fn reheat(&mut self) {
        if self.kind == LayoutKind::Force {
            self.temperature = self.temperature.max(0.3);
        }
    }

    /// Index of the node nearest to `p` within `radius`, if any.
    pub fn hit(&self, p: [f32; 2], radius: f32) -> Option<u32> {
        let mut best = None;
        let mut best_d = radius * radius;
        for (i, q) in self.pos.iter().enumerate() {
            let d = (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2);
            if d <= best_d {
                best_d = d;
                best = Some(i as u32);
            }
        }
        best
    }

    /// One iteration of the force layout over `links`; does nothing for a
    /// circle or a settled layout.
    pub fn tick(&mut self, links: &[(u32, u32)]) {
        if !self.is_settling() {
            return;
        }
        let n = self.raw.len();
        let ideal = (1.0 / n.max(1) as f32).sqrt() * 0.8;
        let (lo, side) = bounds(&self.raw);
        let unit = |p: [f32; 2]| [(p[0] - lo[0]) / side, (p[1] - lo[1]) / side];
        let cells = ((side / ideal) as usize).clamp(1, 64);
        let cell_of = |p: [f32; 2]| {
            let u = unit(p);
            let cx = ((u[0] * cells as f32) as usize).min(cells - 1);
            let cy = ((u[1] * cells as f32) as usize).min(cells - 1);
            (cx, cy)
        };
        let coarse_of = |p: [f32; 2]| {
            let u = unit(p);
            let cx = ((u[0] * COARSE as f32) as usize).min(COARSE - 1);
            let cy = ((u[1] * COARSE as f32) as usize).min(COARSE - 1);
            cy * COARSE + cx
        };
        self.grid.resize_with(cells * cells, Vec::new);
        self.grid.truncate(cells * cells);
        self.grid.iter_mut().for_each(Vec::clear);
        let mut lumps = [([0.0f32; 2], 0u32); COARSE * COARSE];
        for (i, p) in self.raw.iter().enumerate() {
            let (cx, cy) = cell_of(*p);
            self.grid[cy * cells + cx].push(i as u32);
            let lump = &mut lumps[coarse_of(*p)];
            lump.0[0] += p[0];
            lump.0[1] += p[1];
            lump.1 += 1;
        }
        let repel = |d: [f32; 2], weight: f32, force: &mut [f32; 2]| {
            let d2 = (d[0] * d[0] + d[1] * d[1]).max(1e-8);
            let f = weight * ideal * ideal / d2;
            force[0] += d[0] * f;
            force[1] += d[1] * f;
        };
        let mut force = vec![[0.0f32; 2]; n];
        for (i, p) in self.raw.iter().enumerate() {
            // Nodes in the neighbouring fine cells, one by one.
            let (cx, cy) = cell_of(*p);
            for gy in cy.saturating_sub(1)..=(cy + 1).min(cells - 1) {
                for gx in cx.saturating_sub(1)..=(cx + 1).min(cells - 1) {
                    for &j in &self.grid[gy * cells + gx] {
                        if j as usize != i {
                            let q = self.raw[j as usize];
                            repel([p[0] - q[0], p[1] - q[1]], 1.0, &mut force[i]);
                        }
                    }
                }
            }
            // Every other coarse cell as one weight at its centroid.
            let own = coarse_of(*p);
            for (c, (sum, count)) in lumps.iter().enumerate() {
                if c != own && *count > 0 {
                    let k = *count as f32;
                    let d = [p[0] - sum[0] / k, p[1] - sum[1] / k];
                    repel(d, k, &mut force[i]);
                }
            }
        }
        // Springs along links.
        for &(a, b) in links {
            let (a, b) = (a as usize, b as usize);
            if a >= n || b >= n {
                continue;
            }
            let (dx, dy) = (
                self.raw[b][0] - self.raw[a][0],
                self.raw[b][1] - self.raw[a][1],
            );
            let d = (dx * dx + dy * dy).sqrt().max(1e-4);
            let f = d / ideal;
            force[a][0] += dx * f;
            force[a][1] += dy * f;
            force[b][0] -= dx * f;
            force[b][1] -= dy * f;
        }
        let mut linked = vec![false; n];
        for &(a, b) in links {
            for i in [a as usize, b as usize] {
                if let Some(l) = linked.get_mut(i) {
                    *l = true;
                }
            }
        }
        // Gravity pulls towards the layout's own centroid, so the picture
        // does not drift away from the centre of the canvas.
        let centre = self
            .raw
            .iter()
            .fold([0.0f32; 2], |c, p| [c[0] + p[0], c[1] + p[1]]);
        let centre = [centre[0] / n.max(1) as f32, centre[1] / n.max(1) as f32];
        let step = ideal * self.temperature;
        for ((p, f), linked) in self.raw.iter_mut().zip(&mut force).zip(linked) {
            // Weak gravity keeps disconnected parts together.
            let g = if linked { GRAVITY } else { ISOLATED_GRAVITY };
            f[0] += (centre[0] - p[0]) * g;
            f[1] += (centre[1] - p[1]) * g;
            let len = (f[0].powi(2) + f[1].powi(2)).sqrt().max(1e-9);
            let m = len.min(step) / len;
            p[0] += f[0] * m;
            p[1] += f[1] * m;
        }
        fit(&self.raw, &mut self.pos);
        self.temperature *= 0.97;
        self.version += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::lab::Lab;
    use crate::model::params::Params;

    #[test]
    fn circle_is_inside_the_unit_square() {
        let pos = circle(2_000);
        assert_eq!(pos.len(), 2_000);
        assert!(pos
            .iter()
            .all(|p| (0.0..=1.0).contains(&p[0]) && (0.0..=1.0).contains(&p[1])));
        assert!((pos[0][1] - 0.05).abs() < 1e-4, "node 0 at the top");
    }

    #[test]
    fn hit_finds_the_nearest_node() {
        let l = Layout::new(LayoutKind::Circle, 4);
        let p = l.positions()[2];
        assert_eq!(l.hit([p[0] + 0.001, p[1]], 0.01), Some(2));
        assert_eq!(l.hit([0.5, 0.5], 0.01), None);
    }

    #[test]
    fn force_layout_of_the_classroom_overlay_fills_the_square_without_overlaps() {
        let lab = Lab::new(Params::default());
        let mut l = Layout::new(LayoutKind::Force, lab.len() as usize);
        while l.is_settling() {
            l.tick(lab.links());
        }
        let p = l.positions();
        for k in 0..2 {
            let (lo, hi) = p
                .iter()
                .fold((1f32, 0f32), |(lo, hi), q| (lo.min(q[k]), hi.max(q[k])));
            assert!(hi - lo > 0.6, "axis {k} spans only {lo}..{hi}");
        }
        let closest = (0..p.len())
            .flat_map(|i| (0..i).map(move |j| (i, j)))
            .map(|(i, j)| ((p[i][0] - p[j][0]).powi(2) + (p[i][1] - p[j][1]).powi(2)).sqrt())
            .fold(1f32, f32::min);
        assert!(closest > 0.02, "two nodes {closest} apart");
    }

    #[test]
    fn force_layout_pulls_linked_nodes_together_and_settles() {
        let n = 40;
        let links: Vec<(u32, u32)> = (0..n as u32 / 2).map(|i| (i, i + n as u32 / 2)).collect();
        let mut l = Layout::new(LayoutKind::Force, n);
        let dist = |l: &Layout| {
            let p = l.positions();
            links
                .iter()
                .map(|&(a, b)| {
                    let (a, b) = (p[a as usize], p[b as usize]);
                    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt()
                })
                .sum::<f32>()
        };
        let before = dist(&l);
        for _ in 0..300 {
            l.tick(&links);
        }
        assert!(dist(&l) < before / 2.0, "{} vs {before}", dist(&l));
        assert!(!l.is_settling());
        let v = l.version();
        l.tick(&links);
        assert_eq!(l.version(), v, "a settled layout stays put");
    }

    #[test]
    fn nodes_without_links_stay_near_the_graph_not_in_corners() {
        let n = 60;
        let links: Vec<(u32, u32)> = (0..40).map(|i| (i, (i + 1) % 40)).collect();
        let mut layout = Layout::new(LayoutKind::Force, n);
        for _ in 0..400 {
            layout.tick(&links);
        }
        let pos = layout.positions();
        let dist = |p: [f32; 2]| ((p[0] - 0.5).powi(2) + (p[1] - 0.5).powi(2)).sqrt();
        for (i, p) in pos.iter().enumerate().skip(40) {
            assert!(dist(*p) < 0.55, "isolated node {i} at {p:?}");
        }
        let mean = pos.iter().fold([0.0f32; 2], |c, p| {
            [c[0] + p[0] / n as f32, c[1] + p[1] / n as f32]
        });
        assert!(dist(mean) < 0.1, "centred: {mean:?}");
    }
}
