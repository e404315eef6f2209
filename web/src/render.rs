//! Draws the lab on a Canvas 2D: links (cached in an offscreen canvas), nodes
//! and datagrams in flight, batched into one path per colour so that 2 000
//! nodes stay smooth without a GPU.

use gossip_core::MsgType;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::clock;
use crate::model::lab::NodeFill;
use crate::model::layout::Layout;
use crate::scene::Scene;

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

/// The canvas background (painted by [`Painter::draw`], so the contrast
/// checked against it is the one on screen).
pub const BACKGROUND: &str = "#0b0f14";
/// Colour of never-informed nodes: at least 3:1 against the background and
/// against every other node state (checked by a test).
pub const UNINFORMED: &str = "#5a6a7e";
/// Colour of the origin of the current gossip (drawn larger, with a ring).
pub const ORIGIN: &str = "#e8b3ff";
/// Colour of datagrams lost on the way (a replay's unmatched sends).
pub const LOST: &str = "#ff6b6b";
/// Colour of crashed nodes (drawn as a cross).
pub const CRASHED: &str = "#ffb4ad";
/// Informed nodes, from "informed long ago" to "just informed".
pub const FADE: [&str; FADE_STEPS] = ["#6fdd7b", "#93de76", "#b7de70", "#dbdf6b", "#ffe066"];

/// Every node colour with the state it shows, for the contrast check.
pub const NODE_STATES: [(&str, &str); 8] = [
    ("not informed", UNINFORMED),
    ("origin", ORIGIN),
    ("crashed", CRASHED),
    ("informed", FADE[0]),
    ("informed, fading", FADE[1]),
    ("informed, fading", FADE[2]),
    ("informed, fading", FADE[3]),
    ("just informed", FADE[4]),
];

/// The message families the canvas distinguishes, with their colours:
/// dissemination first, then control traffic (from [`CONTROL_FAMILIES`] on).
pub const FAMILIES: [(&str, &str); 7] = [
    ("GOSSIP", "#ff9f43"),
    ("IHAVE", "#58a6ff"),
    ("IWANT", "#d2a8ff"),
    ("GRAFT", "#f778ba"),
    ("PRUNE", "#39c5cf"),
    ("HELLO / GET_PEERS / PEERS_LIST", "#7ee787"),
    ("PING / PONG", "#8b949e"),
];

/// Index into [`FAMILIES`] of the first control-traffic family (hidden when
/// control traffic is switched off).
pub const CONTROL_FAMILIES: usize = 5;

/// Index into [`FAMILIES`] of a message type.
pub fn family(t: MsgType) -> usize {
    match t {
        MsgType::Gossip => 0,
        MsgType::IHave => 1,
        MsgType::IWant => 2,
        MsgType::Graft => 3,
        MsgType::Prune => 4,
        MsgType::Hello | MsgType::GetPeers | MsgType::PeersList => 5,
        MsgType::Ping | MsgType::Pong => 6,
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
    /// Size factor of nodes and datagram dots (larger in presentation mode).
    pub scale: f64,
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

    /// Node radius for `n` nodes on a `w`×`h` canvas at size factor
    /// `scale`: it grows with the canvas, and stays below a third of the
    /// spacing of `n` nodes on the layout circle, so that neighbours on the
    /// circle never merge (N = 200 on a 600 px canvas: 2.5 px, 3.5 px apart).
    pub fn radius(n: u32, w: u32, h: u32, scale: f64) -> f64 {
        let side = f64::from(w.min(h));
        let n = f64::from(n.max(1));
        let spread = side * 0.9 / n.sqrt() / 4.0;
        let ring_gap = std::f64::consts::TAU * 0.45 * side / n;
        // The cap never falls below the floor (a canvas not laid out yet is 1 px).
        let cap = (side / 50.0 * scale).max(1.5);
        (spread.min(ring_gap * 0.3) * scale).clamp(1.5, cap)
    }

    /// Side of a datagram dot on a `side`-pixel canvas with `n` nodes.
    pub fn dot_size(n: u32, side: f64, scale: f64) -> f64 {
        let base = (side / 110.0).clamp(4.0, 14.0);
        (if n > 500 { base * 0.7 } else { base }) * scale
    }

    /// Draws one frame.
    pub fn draw(&mut self, lab: &impl Scene, layout: &Layout, opts: DrawOptions) {
        let (w, h) = self.fit();
        let (fw, fh) = (f64::from(w), f64::from(h));
        let side = fw.min(fh);
        let (ox, oy) = ((fw - side) / 2.0, (fh - side) / 2.0);
        let pos = layout.positions();
        let at = |i: u32| -> (f64, f64) {
            let p = pos[i as usize];
            (ox + f64::from(p[0]) * side, oy + f64::from(p[1]) * side)
        };
        let n = lab.node_count();
        let r = Self::radius(n, w, h, opts.scale);

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
            c.set_stroke_style_str(&format!(
                "rgba(110,130,150,{:.3})",
                link_alpha(lab.links().len())
            ));
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
        ctx.set_fill_style_str(BACKGROUND);
        ctx.fill_rect(0.0, 0.0, fw, fh);
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
            let members = self.buckets.iter().enumerate().filter(|(_, k)| **k == b);
            ctx.begin_path();
            let mut any = false;
            if b == 2 {
                // Crashed: a cross, told apart from the living by its shape.
                for (i, _) in members {
                    let (x, y) = at(i as u32);
                    ctx.move_to(x - r, y - r);
                    ctx.line_to(x + r, y + r);
                    ctx.move_to(x + r, y - r);
                    ctx.line_to(x - r, y + r);
                    any = true;
                }
                if any {
                    ctx.set_stroke_style_str(colour);
                    ctx.set_line_width((r * 0.6).max(1.5));
                    ctx.stroke();
                }
                continue;
            }
            // The origin is drawn half as large again.
            let rr = if b == 1 { r * 1.5 } else { r };
            for (i, _) in members {
                let (x, y) = at(i as u32);
                if rr < 3.0 {
                    ctx.rect(x - rr, y - rr, 2.0 * rr, 2.0 * rr);
                } else {
                    ctx.move_to(x + rr, y);
                    let _ = ctx.arc(x, y, rr, 0.0, std::f64::consts::TAU);
                }
                any = true;
            }
            if any {
                ctx.set_fill_style_str(colour);
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
        let dot = Self::dot_size(n, side, opts.scale);
        let flights = lab.flights();
        for (fam, (_, colour)) in FAMILIES.iter().enumerate() {
            if !opts.show_control && fam >= CONTROL_FAMILIES {
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
        self.draw_lost(lab, &at, now, dot);
    }

    /// Lost datagrams: a red cross where the datagram was when it vanished
    /// (on the way, at the point its trip had reached).
    fn draw_lost(&self, lab: &impl Scene, at: &impl Fn(u32) -> (f64, f64), now: u64, dot: f64) {
        let n = lab.node_count();
        let ctx = &self.ctx;
        ctx.begin_path();
        let mut drawn = 0;
        for f in lab.lost() {
            if drawn >= MAX_DOTS || f.from >= n || f.to >= n {
                continue;
            }
            let t = 0.5 * f64::from(f.progress(now));
            let ((x1, y1), (x2, y2)) = (at(f.from), at(f.to));
            let (x, y) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
            let h = dot / 2.0;
            ctx.move_to(x - h, y - h);
            ctx.line_to(x + h, y + h);
            ctx.move_to(x + h, y - h);
            ctx.line_to(x - h, y + h);
            drawn += 1;
        }
        if drawn > 0 {
            ctx.set_stroke_style_str(LOST);
            ctx.set_line_width((dot / 4.0).max(1.5));
            ctx.stroke();
        }
    }

    /// The canvas's 2D context, for overlays drawn after [`Painter::draw`].
    pub fn context(&self) -> &CanvasRenderingContext2d {
        &self.ctx
    }

    /// Where layout point `p` is drawn, CSS px (the inverse of [`Painter::to_layout`]).
    pub fn to_screen(&self, p: [f32; 2]) -> (f64, f64) {
        let (w, h) = self.size;
        let side = f64::from(w.min(h)).max(1.0);
        let (ox, oy) = ((f64::from(w) - side) / 2.0, (f64::from(h) - side) / 2.0);
        (ox + f64::from(p[0]) * side, oy + f64::from(p[1]) * side)
    }

    /// Converts a pointer position (CSS px in the canvas) to layout coordinates
    /// and a hit radius.
    pub fn to_layout(&self, x: f64, y: f64, n: u32) -> ([f32; 2], f32) {
        let (w, h) = self.size;
        let side = f64::from(w.min(h)).max(1.0);
        let (ox, oy) = ((f64::from(w) - side) / 2.0, (f64::from(h) - side) / 2.0);
        let r = Self::radius(n, w, h, 1.0).max(5.0) + 2.0;
        (
            [((x - ox) / side) as f32, ((y - oy) / side) as f32],
            (r / side) as f32,
        )
    }
}

/// Opacity of the link layer: fainter the more links there are, so that
/// where hundreds of links meet at the nodes on a circle the nodes still
/// stand out (N = 200 has about 2 900 links).
pub fn link_alpha(links: usize) -> f64 {
    (0.35 * 400.0 / links.max(1) as f64).clamp(0.06, 0.35)
}

/// Relative luminance of a `#rrggbb` colour (WCAG 2).
pub fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(hex.get(i..i + 2).unwrap_or("00"), 16).unwrap_or(0))
            / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            crate::math::pow((c + 0.055) / 1.055, 2.4)
        }
    };
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/// WCAG contrast ratio of two `#rrggbb` colours (1 to 21).
pub fn contrast(a: &str, b: &str) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn the_legend_names_every_message_type_in_its_family() {
        for t in MsgType::ALL {
            let (name, _) = FAMILIES[family(t)];
            assert!(
                name.split(" / ").any(|n| n == t.as_str()),
                "{} drawn as {name}",
                t.as_str()
            );
            assert_eq!(
                family(t) >= CONTROL_FAMILIES,
                matches!(
                    t,
                    MsgType::Hello
                        | MsgType::GetPeers
                        | MsgType::PeersList
                        | MsgType::Ping
                        | MsgType::Pong
                ),
                "{} hidden with control traffic",
                t.as_str()
            );
        }
    }

    #[test]
    fn contrast_matches_known_pairs() {
        assert!((contrast("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        // The measurements of the old palette.
        assert!((contrast("#3d4b5c", BACKGROUND) - 2.16).abs() < 0.01);
        assert!((contrast("#7a1f1f", "#3d4b5c") - 1.15).abs() < 0.01);
    }

    /// Every node state stands out 3:1 from the background, and "not
    /// informed" 3:1 from every other state. (The bright states cannot also
    /// be 3:1 from each other: above a dark background there is room for
    /// only three such luminance steps, so they differ by hue and shape:
    /// the origin is larger, a crashed node is a cross.)
    #[test]
    fn node_states_contrast_at_least_three_to_one() {
        for (state, colour) in NODE_STATES {
            let vs_bg = contrast(colour, BACKGROUND);
            assert!(vs_bg >= 3.0, "{state} {colour} vs background: {vs_bg:.2}");
            if colour != UNINFORMED {
                let vs_not = contrast(colour, UNINFORMED);
                assert!(
                    vs_not >= 3.0,
                    "{state} {colour} vs not informed: {vs_not:.2}"
                );
            }
        }
    }

    #[test]
    fn sizes_scale_with_the_canvas_and_presentation_and_separate_at_200() {
        let small = Painter::radius(50, 600, 600, 1.0);
        let big = Painter::radius(50, 1_000, 1_000, 1.0);
        assert!(big > small * 1.5, "{small} {big}");
        assert!(Painter::radius(50, 600, 600, 1.4) > small);
        let r200 = Painter::radius(200, 600, 600, 1.0);
        let gap = std::f64::consts::TAU * 0.45 * 600.0 / 200.0;
        assert!(
            2.0 * r200 < gap * 0.7,
            "neighbours on the ring stay apart: r {r200}, gap {gap}"
        );
        assert!(Painter::dot_size(50, 1_000.0, 1.0) > Painter::dot_size(50, 600.0, 1.0));
        assert!(
            Painter::dot_size(50, 1_000.0, 1.0) >= 8.0,
            "visible from the back"
        );
    }
}
