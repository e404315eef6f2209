use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

use gossip_core::MsgId;

use crate::model::lab::Lab;
use crate::model::layout::{Layout, LayoutKind};
use crate::model::params::Params;
use crate::model::snapshot::Snapshot;
use crate::model::url::ViewSettings;
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
    /// Size factor of nodes and dots (larger in presentation mode).
    pub scale: f64,
    /// Draw the dissemination tree over the network.
    pub show_tree: bool,
    /// The gossip whose tree is drawn (clicked in the space-time diagram);
    /// `None` follows the current gossip.
    pub selected: Option<MsgId>,
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
    /// Simulated seconds per wall-clock second.
    pub speed: RwSignal<f64>,
}

impl LabHandle {
    /// A lab with `params`, its overlay already formed, shown as `view` says.
    pub fn new(params: Params, view: ViewSettings) -> LabHandle {
        let mut lab = Lab::new(params.clone());
        lab.set_speed(view.speed);
        let layout = Layout::new(view.layout, lab.len() as usize);
        let snap = Snapshot::of(&lab);
        LabHandle {
            state: Rc::new(RefCell::new(LabState {
                lab,
                layout,
                painter: None,
                show_control: view.show_control,
                hover: None,
                scale: 1.0,
                show_tree: false,
                selected: None,
            })),
            params: RwSignal::new(params),
            snap: RwSignal::new(snap),
            layout: RwSignal::new(view.layout),
            show_control: RwSignal::new(view.show_control),
            speed: RwSignal::new(view.speed),
        }
    }

    /// Sets the simulation speed (clamped to the lab's range).
    pub fn set_speed(&self, speed: f64) {
        let speed = self.update(|st| {
            st.lab.set_speed(speed);
            st.lab.speed()
        });
        self.speed.set(speed);
    }

    /// Draws control traffic or not.
    pub fn set_show_control(&self, on: bool) {
        self.show_control.set(on);
        self.with(|st| st.show_control = on);
    }

    /// Applies the speed, layout and control-traffic choice of `view`.
    pub fn apply_view(&self, view: ViewSettings) {
        self.set_speed(view.speed);
        if self.layout.get_untracked() != view.layout {
            self.set_layout(view.layout);
        }
        self.set_show_control(view.show_control);
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
            st.selected = None;
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
