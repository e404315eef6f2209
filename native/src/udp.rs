//! Batched UDP I/O for the driver: one system call reads up to
//! [`RECV_SLOTS`] datagrams (`recvmmsg`), and one sends a whole batch of
//! datagrams (`sendmmsg`), where UDP generic segmentation offload (GSO)
//! joins a run of equal-sized datagrams to one destination into one message
//! that crosses the network stack once.
//!
//! Why nix and not quinn-udp: quinn-udp sets `IP_PMTUDISC_PROBE` on the
//! socket, which turns every datagram larger than the interface MTU into
//! `EMSGSIZE` instead of a fragmented datagram (a PEERS_LIST of 20 peers is
//! over 1 500 bytes), resetting it needs `unsafe`, which the workspace
//! forbids, and quinn-udp sends one `sendmsg` per destination. Receive
//! offload (GRO) is left off: nix 0.29's `recvmmsg` does not restore
//! `msg_controllen` between calls on reused headers, so the segment size
//! would be lost; without it the kernel splits a GSO train at the receiving
//! socket, which costs little.

use std::cell::RefCell;
use std::io::{self, IoSlice, IoSliceMut};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsRawFd;

use nix::errno::Errno;
use nix::sys::socket::{self, sockopt, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage};
use tokio::io::Interest;
use tokio::net::UdpSocket;

/// Datagrams read by one `recvmmsg`.
pub const RECV_SLOTS: usize = 32;
/// Bytes of one receive slot: the largest UDP payload fits.
const SLOT: usize = 65_536;
/// Receive buffer asked of the kernel for each socket.
const RECV_BUFFER: usize = 4 << 20;
/// Messages handed to one `sendmmsg`.
const SEND_SLOTS: usize = 64;
/// Most segments in one GSO message (the kernel's `UDP_MAX_SEGMENTS`: 64,
/// or 128 in recent kernels).
const MAX_SEGMENTS: usize = 64;
/// Most bytes in one GSO message: one IPv4 UDP payload.
const MAX_GSO_BYTES: usize = gossip_core::codec::MAX_DATAGRAM;

thread_local! {
    /// Message headers for `recvmmsg` and `sendmmsg`. nix's `MultiHeaders`
    /// holds raw pointers, so it cannot live in a task's state (which must be
    /// `Send`); it is scratch space for one call, so each thread keeps one
    /// set, made on first use.
    static HEADERS: RefCell<Headers> = RefCell::new(Headers::default());
}

/// One thread's message headers.
#[derive(Default)]
struct Headers {
    /// For IPv4 and IPv6 sockets apart: no control messages are asked for,
    /// so reused headers stay valid as long as the kernel writes the same
    /// address length into them every time, which it does for one family.
    recv: [Option<MultiHeaders<SockaddrStorage>>; 2],
    plain: Option<MultiHeaders<SockaddrStorage>>,
    gso: Option<MultiHeaders<SockaddrStorage>>,
}

/// What became of a queued datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Not sent yet.
    Pending,
    /// Not sent yet, and to be sent alone (it failed inside a GSO message).
    Alone,
    /// Handed to the kernel.
    Sent,
    /// The kernel refused it with this error.
    Failed(Errno),
}

/// One queued datagram; `tag` is whatever the caller needs to report it.
#[derive(Debug)]
pub struct Datagram<T> {
    /// Destination.
    pub to: SocketAddr,
    /// Its bytes are `bytes[start..start + len]` of the queue.
    start: usize,
    /// Length in bytes.
    pub len: usize,
    /// The caller's data about it.
    pub tag: T,
    /// What became of it.
    status: Status,
}

impl<T> Datagram<T> {
    /// Whether the kernel took it, or its error; a datagram drained without
    /// [`BatchSocket::send`] was never sent (`ENOTCONN`).
    pub fn outcome(&self) -> Result<(), Errno> {
        match self.status {
            Status::Sent => Ok(()),
            Status::Failed(errno) => Err(errno),
            Status::Pending | Status::Alone => Err(Errno::ENOTCONN),
        }
    }
}

/// Datagrams waiting to be sent, encoded back to back into one buffer that
/// is reused from batch to batch (no allocation per datagram once it has
/// grown to a batch's size).
#[derive(Debug)]
pub struct Outgoing<T> {
    bytes: Vec<u8>,
    datagrams: Vec<Datagram<T>>,
}

impl<T> Default for Outgoing<T> {
    /// An empty queue; allocates nothing until the first datagram.
    fn default() -> Self {
        Outgoing {
            bytes: Vec::new(),
            datagrams: Vec::new(),
        }
    }
}

impl<T> Outgoing<T> {
    /// Queues a datagram to `to` that `encode` appends to the buffer it is given.
    pub fn push(&mut self, to: SocketAddr, tag: T, encode: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        encode(&mut self.bytes);
        self.datagrams.push(Datagram {
            to,
            start,
            len: self.bytes.len() - start,
            tag,
            status: Status::Pending,
        });
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.datagrams.is_empty()
    }

    /// Empties the queue, handing out every datagram in the order queued.
    pub fn drain(&mut self) -> impl Iterator<Item = Datagram<T>> + '_ {
        self.bytes.clear();
        self.datagrams.drain(..)
    }

    fn payload(&self, i: usize) -> &[u8] {
        let d = &self.datagrams[i];
        &self.bytes[d.start..d.start + d.len]
    }
}

/// One message of a `sendmmsg`: `order[first..end]` go to one destination,
/// as one GSO message of `segment`-byte segments when there are several.
#[derive(Debug, Clone, Copy)]
struct Message {
    first: usize,
    end: usize,
    segment: usize,
}

impl Message {
    /// Messages of one GSO segment size (0: single datagrams) go in one call.
    fn class(&self) -> usize {
        if self.end - self.first > 1 {
            self.segment
        } else {
            0
        }
    }
}

/// A UDP socket read and written in batches.
pub struct BatchSocket {
    socket: UdpSocket,
    ipv6: bool,
    recv_buf: Vec<u8>,
    recv_meta: [(usize, Option<SocketAddr>); RECV_SLOTS],
    gso: bool,
    order: Vec<usize>,
    messages: Vec<Message>,
    addrs: Vec<Option<SockaddrStorage>>,
}

impl BatchSocket {
    /// Wraps `socket`; GSO is used when the kernel knows `UDP_SEGMENT`.
    pub fn new(socket: UdpSocket) -> BatchSocket {
        // Best effort (the kernel caps it at net.core.rmem_max): a flooded
        // node waiting for the CPU drops fewer datagrams. The memory is the
        // kernel's, used only while datagrams wait.
        let _ = socket2::SockRef::from(&socket).set_recv_buffer_size(RECV_BUFFER);
        let gso = socket::getsockopt(&socket, sockopt::UdpGsoSegment).is_ok();
        let ipv6 = socket.local_addr().is_ok_and(|a| a.is_ipv6());
        BatchSocket {
            socket,
            ipv6,
            // Zeroed memory straight from the system: pages no datagram
            // touched stay out of the resident set.
            recv_buf: vec![0u8; RECV_SLOTS * SLOT],
            recv_meta: [(0, None); RECV_SLOTS],
            gso,
            order: Vec::with_capacity(SEND_SLOTS),
            messages: Vec::with_capacity(SEND_SLOTS),
            addrs: Vec::with_capacity(SEND_SLOTS),
        }
    }

    /// Waits until a datagram may be waiting.
    pub async fn readable(&self) -> io::Result<()> {
        self.socket.readable().await
    }

    /// Reads the datagrams already queued, up to [`RECV_SLOTS`], without
    /// waiting (`WouldBlock` when there are none) and returns how many;
    /// [`BatchSocket::received`] hands them out.
    pub fn try_recv(&mut self) -> io::Result<usize> {
        let BatchSocket {
            socket,
            ipv6,
            recv_buf,
            recv_meta,
            ..
        } = self;
        let fd = socket.as_raw_fd();
        socket.try_io(Interest::READABLE, || {
            HEADERS.with_borrow_mut(|h| {
                let mut chunks = recv_buf.chunks_exact_mut(SLOT);
                let mut slices: [[IoSliceMut<'_>; 1]; RECV_SLOTS] = std::array::from_fn(|_| {
                    [IoSliceMut::new(
                        chunks.next().expect("the buffer holds RECV_SLOTS slots"),
                    )]
                });
                let hdrs = h.recv[usize::from(*ipv6)]
                    .get_or_insert_with(|| MultiHeaders::preallocate(RECV_SLOTS, None));
                let results =
                    socket::recvmmsg(fd, hdrs, slices.iter_mut(), MsgFlags::empty(), None)?;
                let mut n = 0;
                for (meta, msg) in recv_meta.iter_mut().zip(results) {
                    *meta = (msg.bytes, msg.address.as_ref().and_then(std_addr));
                    n += 1;
                }
                Ok(n)
            })
        })
    }

    /// The `i`-th datagram of the last [`BatchSocket::try_recv`]: its sender
    /// (`None` if the kernel gave no address) and its bytes.
    pub fn received(&self, i: usize) -> (Option<SocketAddr>, &[u8]) {
        let (len, from) = self.recv_meta[i];
        let start = i * SLOT;
        (from, &self.recv_buf[start..start + len.min(SLOT)])
    }

    /// Sends every datagram of `out`; [`Datagram::outcome`] then tells
    /// whether the kernel took it. Datagrams to one destination keep
    /// their order within a GSO message and among single datagrams; runs of
    /// equal-sized datagrams to one destination become GSO messages.
    pub async fn send<T>(&mut self, out: &mut Outgoing<T>) {
        // At most two rounds: the second sends alone the datagrams of a GSO
        // message the kernel refused.
        for _ in 0..2 {
            self.plan(out);
            if self.messages.is_empty() {
                return;
            }
            let mut start = 0;
            while start < self.messages.len() {
                let class = self.messages[start].class();
                let mut end = start + 1;
                while end < self.messages.len()
                    && end - start < SEND_SLOTS
                    && self.messages[end].class() == class
                {
                    end += 1;
                }
                self.send_messages(out, start, end).await;
                start = end;
            }
        }
    }

    /// Cuts the pending datagrams into messages, grouped by class.
    fn plan<T>(&mut self, out: &Outgoing<T>) {
        let dg = &out.datagrams;
        self.order.clear();
        self.order.extend(
            (0..dg.len()).filter(|&i| matches!(dg[i].status, Status::Pending | Status::Alone)),
        );
        // Stable: datagrams to one destination keep their order.
        self.order.sort_by_key(|&i| dg[i].to);
        self.messages.clear();
        let mut i = 0;
        while i < self.order.len() {
            let first = &dg[self.order[i]];
            let segment = first.len;
            let mut total = segment;
            let mut j = i + 1;
            if self.gso && first.status == Status::Pending {
                while j < self.order.len() && j - i < MAX_SEGMENTS {
                    let d = &dg[self.order[j]];
                    if d.to != first.to
                        || d.status != Status::Pending
                        || d.len > segment
                        || total + d.len > MAX_GSO_BYTES
                    {
                        break;
                    }
                    total += d.len;
                    j += 1;
                    // Only the last segment may be shorter.
                    if d.len < segment {
                        break;
                    }
                }
            }
            self.messages.push(Message {
                first: i,
                end: j,
                segment,
            });
            i = j;
        }
        self.messages.sort_by_key(Message::class);
    }

    /// Sends `messages[start..end]`, all of one class, in as few
    /// `sendmmsg` calls as the kernel allows.
    async fn send_messages<T>(&mut self, out: &mut Outgoing<T>, start: usize, end: usize) {
        let BatchSocket {
            socket,
            gso,
            order,
            messages,
            addrs,
            ..
        } = self;
        let messages = &messages[start..end];
        let segment = messages[0].segment as u16;
        let with_gso = messages[0].class() != 0;
        addrs.clear();
        addrs.extend(
            messages
                .iter()
                .map(|m| Some(SockaddrStorage::from(out.datagrams[order[m.first]].to))),
        );
        let mut iovs: Vec<IoSlice<'_>> = Vec::with_capacity(order.len());
        let mut bounds = Vec::with_capacity(messages.len());
        for m in messages {
            let at = iovs.len();
            iovs.extend(
                order[m.first..m.end]
                    .iter()
                    .map(|&i| IoSlice::new(out.payload(i))),
            );
            bounds.push(at..iovs.len());
        }
        let slices: Vec<&[IoSlice<'_>]> = bounds.iter().map(|r| &iovs[r.clone()]).collect();
        let seg = [ControlMessage::UdpGsoSegments(&segment)];
        let cmsgs: &[ControlMessage<'_>] = if with_gso { &seg } else { &[] };
        let fd = socket.as_raw_fd();

        let mut outcome: Vec<(usize, Result<(), Errno>)> = Vec::with_capacity(messages.len());
        let mut k = 0;
        while k < messages.len() {
            let res = socket
                .async_io(Interest::WRITABLE, || {
                    HEADERS.with_borrow_mut(|h| {
                        let hdrs = if with_gso {
                            h.gso.get_or_insert_with(|| {
                                MultiHeaders::preallocate(SEND_SLOTS, Some(nix::cmsg_space!(u16)))
                            })
                        } else {
                            h.plain
                                .get_or_insert_with(|| MultiHeaders::preallocate(SEND_SLOTS, None))
                        };
                        socket::sendmmsg(
                            fd,
                            hdrs,
                            slices[k..].iter(),
                            &addrs[k..],
                            cmsgs,
                            MsgFlags::empty(),
                        )
                        .map(Iterator::count)
                        .map_err(io::Error::from)
                    })
                })
                .await;
            match res {
                Ok(sent) if sent > 0 => {
                    outcome.extend((k..k + sent).map(|m| (m, Ok(()))));
                    k += sent;
                }
                Ok(_) => {
                    outcome.push((k, Err(Errno::EIO)));
                    k += 1;
                }
                Err(err) => {
                    let errno = err.raw_os_error().map_or(Errno::EIO, Errno::from_raw);
                    outcome.push((k, Err(errno)));
                    k += 1;
                }
            }
        }
        drop(slices);
        drop(iovs);
        for (m, result) in outcome {
            let m = messages[m];
            let alone = m.end - m.first > 1;
            for &i in &order[m.first..m.end] {
                out.datagrams[i].status = match result {
                    Ok(()) => Status::Sent,
                    Err(_) if alone => Status::Alone,
                    Err(errno) => Status::Failed(errno),
                };
            }
            if alone && result == Err(Errno::EIO) {
                // The device cannot segment: stop trying. (A kernel without
                // UDP_SEGMENT at all was found out in `new`.)
                *gso = false;
            }
        }
    }
}

/// The standard form of an IP socket address.
fn std_addr(addr: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = addr.as_sockaddr_in() {
        Some(SocketAddr::V4(SocketAddrV4::from(*v4)))
    } else {
        addr.as_sockaddr_in6()
            .map(|v6| SocketAddr::V6(SocketAddrV6::from(*v6)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn receiver() -> std::net::UdpSocket {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        s.set_read_timeout(Some(Duration::from_secs(2)))
            .expect("timeout");
        s
    }

    fn recv_all(s: &std::net::UdpSocket, n: usize) -> Vec<Vec<u8>> {
        let mut buf = [0u8; 2048];
        (0..n)
            .map(|_| {
                let (len, _) = s.recv_from(&mut buf).expect("datagram");
                buf[..len].to_vec()
            })
            .collect()
    }

    #[tokio::test]
    async fn a_batch_reaches_every_destination_in_order_and_failures_stay_apart() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let mut io = BatchSocket::new(socket);
        let a = receiver();
        let b = receiver();
        let to_a = a.local_addr().expect("addr");
        let to_b = b.local_addr().expect("addr");
        let nowhere: SocketAddr = ([127, 0, 0, 1], 0).into();
        let mut out = Outgoing::default();
        // Three equal datagrams and a shorter one to A (one GSO message
        // where the kernel has it), one to B between them, and one to a
        // port no datagram can go to.
        for (i, (to, text)) in [
            (to_a, "a1-0123456789"),
            (to_b, "b1-xyz"),
            (to_a, "a2-0123456789"),
            (nowhere, "lost"),
            (to_a, "a3-0123456789"),
            (to_a, "a4-short"),
        ]
        .into_iter()
        .enumerate()
        {
            out.push(to, i, |buf| buf.extend_from_slice(text.as_bytes()));
        }
        io.send(&mut out).await;
        let outcomes: Vec<(usize, Result<(), Errno>)> =
            out.drain().map(|d| (d.tag, d.outcome())).collect();
        assert_eq!(outcomes.len(), 6);
        for (i, outcome) in outcomes {
            if i == 3 {
                assert!(outcome.is_err(), "{outcome:?}");
            } else {
                assert_eq!(outcome, Ok(()), "datagram {i}");
            }
        }
        let got_a = recv_all(&a, 4);
        assert_eq!(
            got_a,
            [
                b"a1-0123456789".to_vec(),
                b"a2-0123456789".to_vec(),
                b"a3-0123456789".to_vec(),
                b"a4-short".to_vec()
            ]
        );
        assert_eq!(recv_all(&b, 1), [b"b1-xyz".to_vec()]);
        assert!(out.is_empty());
    }

    #[tokio::test]
    async fn a_batch_read_gives_each_datagram_with_its_sender() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
        let at = socket.local_addr().expect("addr");
        let mut io = BatchSocket::new(socket);
        let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let from = peer.local_addr().expect("addr");
        for i in 0..RECV_SLOTS + 3 {
            peer.send_to(format!("datagram {i}").as_bytes(), at)
                .expect("send");
        }
        let mut got = Vec::new();
        for _ in 0..100 {
            if got.len() == RECV_SLOTS + 3 {
                break;
            }
            tokio::time::timeout(Duration::from_secs(2), io.readable())
                .await
                .expect("readable in time")
                .expect("readable");
            match io.try_recv() {
                Ok(n) => {
                    assert!(n <= RECV_SLOTS);
                    for i in 0..n {
                        let (sender, bytes) = io.received(i);
                        assert_eq!(sender, Some(from));
                        got.push(String::from_utf8(bytes.to_vec()).expect("utf-8"));
                    }
                }
                Err(err) => assert_eq!(err.kind(), io::ErrorKind::WouldBlock),
            }
        }
        let want: Vec<String> = (0..RECV_SLOTS + 3)
            .map(|i| format!("datagram {i}"))
            .collect();
        assert_eq!(got, want);
    }
}
