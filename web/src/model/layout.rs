//! Where nodes sit, in the unit square: a circle by default, or a force
//! layout (springs along peer links, repulsion between nearby nodes) that
//! settles over a few frames.

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
    pos: Vec<[f32; 2]>,
    vel: Vec<[f32; 2]>,
    temperature: f32,
    version: u64,
    grid: Vec<Vec<u32>>,
}

/// Positions on a circle of radius 0.45 around the centre.
pub fn circle(n: usize) -> Vec<[f32; 2]> {
    (0..n)
        .map(|i| {
            let a = TAU * i as f32 / n.max(1) as f32 - TAU / 4.0;
            [0.5 + 0.45 * a.cos(), 0.5 + 0.45 * a.sin()]
        })
        .collect()
}

impl Layout {
    /// A layout of `n` nodes.
    pub fn new(kind: LayoutKind, n: usize) -> Layout {
        Layout {
            kind,
            pos: circle(n),
            vel: vec![[0.0; 2]; n],
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
        let n = self.pos.len();
        let ideal = (1.0 / n.max(1) as f32).sqrt() * 0.6;
        let cells = ((1.0 / ideal) as usize).clamp(1, 64);
        self.grid.resize_with(cells * cells, Vec::new);
        self.grid.iter_mut().for_each(Vec::clear);
        let cell_of = |p: [f32; 2]| {
            let cx = ((p[0] * cells as f32) as usize).min(cells - 1);
            let cy = ((p[1] * cells as f32) as usize).min(cells - 1);
            (cx, cy)
        };
        for (i, p) in self.pos.iter().enumerate() {
            let (cx, cy) = cell_of(*p);
            self.grid[cy * cells + cx].push(i as u32);
        }
        let mut force = vec![[0.0f32; 2]; n];
        // Repulsion from nodes in neighbouring cells.
        for (i, p) in self.pos.iter().enumerate() {
            let (cx, cy) = cell_of(*p);
            for gy in cy.saturating_sub(1)..=(cy + 1).min(cells - 1) {
                for gx in cx.saturating_sub(1)..=(cx + 1).min(cells - 1) {
                    for &j in &self.grid[gy * cells + gx] {
                        let j = j as usize;
                        if j == i {
                            continue;
                        }
                        let q = self.pos[j];
                        let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
                        let d2 = (dx * dx + dy * dy).max(1e-6);
                        let f = ideal * ideal / d2;
                        force[i][0] += dx * f;
                        force[i][1] += dy * f;
                    }
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
                self.pos[b][0] - self.pos[a][0],
                self.pos[b][1] - self.pos[a][1],
            );
            let d = (dx * dx + dy * dy).sqrt().max(1e-4);
            let f = d / ideal;
            force[a][0] += dx * f;
            force[a][1] += dy * f;
            force[b][0] -= dx * f;
            force[b][1] -= dy * f;
        }
        let step = ideal * self.temperature;
        for ((p, v), f) in self.pos.iter_mut().zip(&mut self.vel).zip(&mut force) {
            // Gravity keeps disconnected parts on screen.
            f[0] += (0.5 - p[0]) * 2.0;
            f[1] += (0.5 - p[1]) * 2.0;
            let len = (f[0].powi(2) + f[1].powi(2)).sqrt().max(1e-9);
            let m = len.min(step) / len;
            *v = [f[0] * m, f[1] * m];
            p[0] = (p[0] + v[0]).clamp(0.03, 0.97);
            p[1] = (p[1] + v[1]).clamp(0.03, 0.97);
        }
        self.temperature *= 0.97;
        self.version += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
