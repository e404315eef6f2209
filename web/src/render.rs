//! Draws the lab on a Canvas 2D: links (cached in an offscreen canvas), nodes
//! and datagrams in flight, batched into one path per colour so that 2 000
//! nodes stay smooth without a GPU.

use gossip_core::MsgType;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::clock;
use crate::model::lab::{Lab, NodeFill};
use crate::model::layout::Layout;

/// Most datagrams drawn per frame.
pub const MAX_DOTS: usize = 6_000;
/// Links redrawn every frame while a force layout settles; above this the
/// link layer follows the moving nodes a few times a second (stroking tens
/// of thousands of lines per frame halves the frame rate without a GPU).
const LIVE_LINKS: usize = 3_000;
/// Wall-clock ms between link-layer redraws of a large settling layout.
const SETTLING_LINKS_EVERY_MS: f64 = 200.0;
/// Shades between "just informed" and "informed long ago".
const FADE_STEPS: usize = 5;

/// Colour of never-informed nodes.
pub const UNINFORMED: &str = "#3d4b5c";
/// Colour of the origin of the current gossip.
pub const ORIGIN: &str = "#f778ba";
/// Colour of crashed nodes.
pub const CRASHED: &str = "#7a1f1f";
/// Informed nodes, from "informed long ago" to "just informed".
pub const FADE: [&str; FADE_STEPS] = ["#3fb950", "#6cc04a", "#a3c944", "#d8cf3f", "#ffe066"];

/// The message families the canvas distinguishes, with their colours.
pub const FAMILIES: [(&str, &str); 5] = [
    ("GOSSIP", "#ff9f43"),
    ("IHAVE", "#58a6ff"),
    ("IWANT", "#d2a8ff"),
    ("HELLO / GET_PEERS / PEERS_LIST", "#7ee787"),
    ("PING / PONG", "#8b949e"),
];

/// Index into [`FAMILIES`] of a message type.
pub fn family(t: MsgType) -> usize {
    match t {
        MsgType::Gossip => 0,
        MsgType::IHave => 1,
        MsgType::IWant => 2,
        MsgType::Hello | MsgType::GetPeers | MsgType::PeersList => 3,
        MsgType::Ping | MsgType::Pong => 4,
    }
}

/// What to draw besides the simulation itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DrawOptions {
    /// Draw HELLO/PEERS and PING/PONG dots too.
    pub show_control: bool,
    /// Node under the pointer.
    pub hover: Option<u32>,
    /// Simulated µs over which a fresh node fades to "informed".
    pub fade_us: u64,
}

/// Owns the visible canvas and the cached link layer.
pub struct Painter {
    canvas: HtmlCanvasElement,
    ctx: CanvasRenderingContext2d,
    links: HtmlCanvasElement,
    links_ctx: CanvasRenderingContext2d,
    links_key: (u64, u64, u32, u32),
    links_drawn_ms: f64,
    size: (u32, u32),
    buckets: Vec<u8>,
}

fn context(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok()??.dyn_into().ok()
}

impl Painter {
    /// A painter for `canvas`, or `None` without a 2D context.
    pub fn new(canvas: HtmlCanvasElement) -> Option<Painter> {
        let ctx = context(&canvas)?;
        let links: HtmlCanvasElement = web_sys::window()?
            .document()?
            .create_element("canvas")
            .ok()?
            .dyn_into()
            .ok()?;
        let links_ctx = context(&links)?;
        Some(Painter {
            canvas,
            ctx,
            links,
            links_ctx,
            links_key: (u64::MAX, u64::MAX, 0, 0),
            links_drawn_ms: f64::NEG_INFINITY,
            size: (0, 0),
            buckets: Vec::new(),
        })
    }

    /// Canvas size in CSS pixels.
    pub fn size(&self) -> (u32, u32) {
        self.size
    }

    /// Matches the backing store to the element's size; returns the size.
    fn fit(&mut self) -> (u32, u32) {
        let w = self.canvas.client_width().max(1) as u32;
        let h = self.canvas.client_height().max(1) as u32;
        if (w, h) != self.size {
            self.size = (w, h);
            self.canvas.set_width(w);
            self.canvas.set_height(h);
            self.links.set_width(w);
            self.links.set_height(h);
        }
        (w, h)
    }

    /// Node radius for `n` nodes on a `w`×`h` canvas.
    pub fn radius(n: u32, w: u32, h: u32) -> f64 {
        let side = f64::from(w.min(h));
        (side * 0.9 / f64::from(n.max(1)).sqrt() / 4.0).clamp(1.6, 9.0)
    }

    /// Draws one frame.
    pub fn draw(&mut self, lab: &Lab, layout: &Layout, opts: DrawOptions) {
        let (w, h) = self.fit();
        let (fw, fh) = (f64::from(w), f64::from(h));
        let side = fw.min(fh);
        let (ox, oy) = ((fw - side) / 2.0, (fh - side) / 2.0);
        let pos = layout.positions();
        let at = |i: u32| -> (f64, f64) {
            let p = pos[i as usize];
            (ox + f64::from(p[0]) * side, oy + f64::from(p[1]) * side)
        };
        let n = lab.len();
        let r = Self::radius(n, w, h);

        // Links: redrawn only when they or the layout change.
        let key = (lab.links_version(), layout.version(), w, h);
        let now_ms = clock::now_ms();
        let throttled = layout.is_settling()
            && lab.links().len() > LIVE_LINKS
            && now_ms - self.links_drawn_ms < SETTLING_LINKS_EVERY_MS;
        if key != self.links_key && !throttled {
            self.links_key = key;
            self.links_drawn_ms = now_ms;
            let c = &self.links_ctx;
            c.clear_rect(0.0, 0.0, fw, fh);
            c.set_line_width(if n > 500 { 0.5 } else { 1.0 });
            c.set_stroke_style_str(if n > 500 {
                "rgba(110,130,150,0.18)"
            } else {
                "rgba(110,130,150,0.35)"
            });
            c.begin_path();
            for &(a, b) in lab.links() {
                if a < n && b < n {
                    let (x1, y1) = at(a);
                    let (x2, y2) = at(b);
                    c.move_to(x1, y1);
                    c.line_to(x2, y2);
                }
            }
            c.stroke();
        }
        let ctx = &self.ctx;
        ctx.clear_rect(0.0, 0.0, fw, fh);
        // Drawing a canvas onto itself cannot fail for a same-origin canvas.
        let _ = ctx.draw_image_with_html_canvas_element(&self.links, 0.0, 0.0);

        if lab.is_partitioned() {
            ctx.set_stroke_style_str("rgba(248,81,73,0.7)");
            ctx.set_line_width(2.0);
            let _ = ctx.set_line_dash(&js_sys::Array::of2(&8.0.into(), &6.0.into()));
            ctx.begin_path();
            ctx.move_to(fw / 2.0, 0.0);
            ctx.line_to(fw / 2.0, fh);
            ctx.stroke();
            let _ = ctx.set_line_dash(&js_sys::Array::new());
        }

        // Nodes: one bucket per fill colour, one path per bucket.
        let now = lab.now_us();
        self.buckets.clear();
        self.buckets
            .extend((0..n).map(|i| match lab.fill(i, now, opts.fade_us) {
                NodeFill::Uninformed => 0,
                NodeFill::Origin => 1,
                NodeFill::Crashed => 2,
                NodeFill::Informed { freshness } => {
                    3 + ((freshness * (FADE_STEPS - 1) as f32).round() as u8)
                }
            }));
        let colours = [UNINFORMED, ORIGIN, CRASHED];
        for b in 0..(3 + FADE_STEPS) as u8 {
            let colour = if (b as usize) < 3 {
                colours[b as usize]
            } else {
                FADE[b as usize - 3]
            };
            ctx.set_fill_style_str(colour);
            ctx.begin_path();
            let mut any = false;
            for (i, _) in self.buckets.iter().enumerate().filter(|(_, k)| **k == b) {
                let (x, y) = at(i as u32);
                if r < 3.0 {
                    ctx.rect(x - r, y - r, 2.0 * r, 2.0 * r);
                } else {
                    ctx.move_to(x + r, y);
                    let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
                }
                any = true;
            }
            if any {
                ctx.fill();
            }
        }
        if let Some(i) = opts.hover.filter(|i| *i < n) {
            let (x, y) = at(i);
            ctx.set_stroke_style_str("#ffffff");
            ctx.set_line_width(2.0);
            ctx.begin_path();
            let _ = ctx.arc(x, y, r + 3.0, 0.0, std::f64::consts::TAU);
            ctx.stroke();
        }

        // Datagrams in flight, one path per message family.
        let dot = if n > 500 { 3.0 } else { 4.5 };
        let flights = lab.flights();
        for (fam, (_, colour)) in FAMILIES.iter().enumerate() {
            if !opts.show_control && fam >= 3 {
                continue;
            }
            ctx.set_fill_style_str(colour);
            ctx.begin_path();
            let mut drawn = 0;
            for f in flights.iter().filter(|f| family(f.kind) == fam) {
                if drawn >= MAX_DOTS || f.from >= n || f.to >= n {
                    break;
                }
                let t = f64::from(f.progress(now));
                let (x1, y1) = at(f.from);
                let (x2, y2) = at(f.to);
                let (x, y) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
                ctx.rect(x - dot / 2.0, y - dot / 2.0, dot, dot);
                drawn += 1;
            }
            if drawn > 0 {
                ctx.fill();
            }
        }
    }

    /// Converts a pointer position (CSS px in the canvas) to layout coordinates
    /// and a hit radius.
    pub fn to_layout(&self, x: f64, y: f64, n: u32) -> ([f32; 2], f32) {
        let (w, h) = self.size;
        let side = f64::from(w.min(h)).max(1.0);
        let (ox, oy) = ((f64::from(w) - side) / 2.0, (f64::from(h) - side) / 2.0);
        let r = Self::radius(n, w, h).max(5.0) + 2.0;
        (
            [((x - ox) / side) as f32, ((y - oy) / side) as f32],
            (r / side) as f32,
        )
    }
}
