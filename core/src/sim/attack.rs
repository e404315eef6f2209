//! Attacker sockets: datagrams injected from addresses outside the
//! simulation, and what the nodes send back to such addresses.

use std::net::SocketAddr;

use crate::message::Message;

use super::{Injected, Payload, Simulator, What};

/// Most datagrams to outside addresses kept by [`Simulator::capture_outside`].
pub const MAX_CAPTURED: usize = 1 << 16;

/// A datagram a simulated node sent to an address outside the simulation:
/// an attacker's socket, or a third party named in a PEERS_LIST.
#[derive(Debug, Clone, PartialEq)]
pub struct Outside {
    /// The sending node.
    pub from: u32,
    /// Where it went.
    pub to: SocketAddr,
    /// Its encoded size in bytes.
    pub bytes: usize,
    /// The message.
    pub message: Message,
}

impl Simulator {
    /// A datagram from `from`, an address outside the simulation (an
    /// attacker's socket, which may claim any id in what it sends), reaches
    /// node `to` after the network's latency. The bytes go through the
    /// node's real decoder; partitions and loss do not apply.
    pub fn inject(&mut self, from: SocketAddr, to: u32, bytes: Vec<u8>) {
        let at = self.now + self.latency;
        self.push(at, What::Inject(Box::new(Injected { from, to, bytes })));
    }

    /// Starts (or stops) keeping what nodes send to addresses outside the
    /// simulation, up to [`MAX_CAPTURED`] datagrams; see [`Simulator::take_outside`].
    pub fn capture_outside(&mut self, on: bool) {
        self.capture_outside = on;
    }

    /// The datagrams sent outside the simulation since the last call.
    pub fn take_outside(&mut self) -> Vec<Outside> {
        std::mem::take(&mut self.outside)
    }

    pub(super) fn deliver_injected(&mut self, from: SocketAddr, to: u32, bytes: &[u8]) {
        if let Some(node) = self.slots.running_mut(to as usize) {
            node.handle_datagram(self.now, from, bytes);
            self.drain(to, false);
        }
    }

    pub(super) fn keep_outside(&mut self, from: u32, to: SocketAddr, payload: Payload) {
        if !self.capture_outside || self.outside.len() >= MAX_CAPTURED {
            return;
        }
        let (message, bytes) = match payload {
            Payload::Message(m) => {
                let bytes = crate::codec::encode(&m).len();
                (*m, bytes)
            }
            Payload::Bytes(e) => match crate::codec::decode(&e.bytes) {
                Ok(m) => (m, e.bytes.len()),
                Err(_) => return,
            },
        };
        self.outside.push(Outside {
            from,
            to,
            bytes,
            message,
        });
    }
}
