//! The dissemination tree drawn over the network canvas: who first informed
//! whom for one gossip, each edge an arrow from parent to child, the last
//! delivery's hop in its own colour with its hop count.

use gossip_core::MsgId;

use crate::model::diagram::{LAST_HOP, TREE};
use crate::model::lab::Lab;
use crate::model::layout::Layout;
use crate::model::spacetime::Tree;
use crate::render::Painter;

/// The last tree built, kept while the recording and the gossip stay the same.
#[derive(Default)]
pub struct TreeCache {
    key: Option<(MsgId, u64)>,
    tree: Option<Tree>,
}

impl TreeCache {
    /// The tree of `selected`, or of the lab's current gossip without one.
    pub fn get(&mut self, lab: &Lab, selected: Option<MsgId>) -> Option<&Tree> {
        let id = selected.or(lab.current())?;
        let key = (id, lab.recording().version());
        if self.key != Some(key) {
            self.key = Some(key);
            self.tree = lab.recording().tree(id);
        }
        self.tree.as_ref()
    }
}

/// Draws `tree` over the frame `painter` just drew; `scale` is the size
/// factor of presentation mode.
pub fn draw(painter: &Painter, layout: &Layout, tree: &Tree, scale: f64) {
    let ctx = painter.context();
    let pos = layout.positions();
    let at = |i: u32| pos.get(i as usize).map(|p| painter.to_screen(*p));
    let last = tree.last().copied();
    ctx.set_global_alpha(0.85);
    ctx.set_line_width(1.6 * scale);
    ctx.set_stroke_style_str(TREE);
    ctx.begin_path();
    for e in tree.edges.iter().filter(|e| Some(**e) != last) {
        if let (Some(a), Some(b)) = (at(e.parent), at(e.child)) {
            arrow(ctx, a, b, 5.0 * scale);
        }
    }
    ctx.stroke();
    ctx.set_global_alpha(1.0);
    if let Some(e) = last {
        if let (Some(a), Some(b)) = (at(e.parent), at(e.child)) {
            ctx.set_stroke_style_str(LAST_HOP);
            ctx.set_line_width(3.0 * scale);
            ctx.begin_path();
            arrow(ctx, a, b, 8.0 * scale);
            let _ = ctx.arc(b.0, b.1, 9.0 * scale, 0.0, std::f64::consts::TAU);
            ctx.stroke();
            ctx.set_fill_style_str(LAST_HOP);
            ctx.set_font(&format!("{:.0}px sans-serif", 13.0 * scale));
            let _ = ctx.fill_text(
                &format!("last delivery · hop {}", e.hops),
                b.0 + 12.0 * scale,
                b.1 - 10.0 * scale,
            );
        }
    }
}

/// A line from `a` to `b` with a head of size `head` at `b`.
fn arrow(ctx: &web_sys::CanvasRenderingContext2d, a: (f64, f64), b: (f64, f64), head: f64) {
    ctx.move_to(a.0, a.1);
    ctx.line_to(b.0, b.1);
    let angle = crate::math::atan2(b.1 - a.1, b.0 - a.0);
    for side in [-0.45f64, 0.45] {
        ctx.move_to(b.0, b.1);
        ctx.line_to(
            b.0 - head * crate::math::cos(angle + side),
            b.1 - head * crate::math::sin(angle + side),
        );
    }
}
