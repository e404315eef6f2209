use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::model::lab::Lab;
use crate::model::layout::{Layout, LayoutKind};
use crate::model::params::Params;
use crate::model::snapshot::Snapshot;
use crate::render::Painter;

/// Everything the frame loop and the event handlers share. Only event
/// handlers and the frame loop touch it; views read signals.
pub struct LabState {
    /// The simulation.
    pub lab: Lab,
    /// Where nodes are drawn.
    pub layout: Layout,
    /// The canvas painter, once the canvas is mounted.
    pub painter: Option<Painter>,
    /// Draw control traffic (HELLO/PEERS, PING/PONG).
    pub show_control: bool,
    /// Node under the pointer.
    pub hover: Option<u32>,
}

/// Shared handle to the lab plus the signals the panels read.
#[derive(Clone)]
pub struct LabHandle {
    state: Rc<RefCell<LabState>>,
    /// Parameters shown by the controls.
    pub params: RwSignal<Params>,
    /// What the statistics panel shows.
    pub snap: RwSignal<Snapshot>,
    /// Layout choice.
    pub layout: RwSignal<LayoutKind>,
    /// Whether control traffic is drawn.
    pub show_control: RwSignal<bool>,
}

impl LabHandle {
    /// A lab with `params`, its overlay already formed.
    pub fn new(params: Params) -> LabHandle {
        let lab = Lab::new(params.clone());
        let layout = Layout::new(LayoutKind::Circle, lab.len() as usize);
        let snap = Snapshot::of(&lab);
        LabHandle {
            state: Rc::new(RefCell::new(LabState {
                lab,
                layout,
                painter: None,
                show_control: true,
                hover: None,
            })),
            params: RwSignal::new(params),
            snap: RwSignal::new(snap),
            layout: RwSignal::new(LayoutKind::Circle),
            show_control: RwSignal::new(true),
        }
    }

    /// Runs `f` on the shared state, then refreshes the panels.
    pub fn update<R>(&self, f: impl FnOnce(&mut LabState) -> R) -> R {
        let (out, snap) = {
            let mut st = self.state.borrow_mut();
            let out = f(&mut st);
            (out, Snapshot::of(&st.lab))
        };
        self.snap.set(snap);
        out
    }

    /// Runs `f` on the shared state without refreshing the panels.
    pub fn with<R>(&self, f: impl FnOnce(&mut LabState) -> R) -> R {
        f(&mut self.state.borrow_mut())
    }

    /// Starts a fresh run with `params` (same speed and play state).
    pub fn rebuild(&self, params: Params) {
        self.params.set(params.clone());
        let kind = self.layout.get_untracked();
        self.update(|st| {
            let (speed, playing) = (st.lab.speed(), st.lab.is_playing());
            st.lab = Lab::new(params);
            st.lab.set_speed(speed);
            st.lab.set_playing(playing);
            st.layout = Layout::new(kind, st.lab.len() as usize);
            st.hover = None;
        });
    }

    /// Starts the current parameters again.
    pub fn reset(&self) {
        self.rebuild(self.params.get_untracked());
    }

    /// Switches between circle and force layout.
    pub fn set_layout(&self, kind: LayoutKind) {
        self.layout.set(kind);
        self.with(|st| st.layout = Layout::new(kind, st.lab.len() as usize));
    }
}
