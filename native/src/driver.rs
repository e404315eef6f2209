//! The tokio driver: one task owns one core [`Node`] and carries out its
//! outputs on a real UDP socket.
//!
//! The task selects over the socket, a timer set to [`Node::poll_timeout`],
//! lines to publish (standard input, or a channel in `gossip cluster`), the
//! proof-of-work solver running on the blocking pool, and a shutdown future
//! (Ctrl-C / SIGTERM). After every input it drains every event and encodes
//! every transmit into one reused buffer; datagrams are read and sent in
//! batches, a system call for up to [`RECV_SLOTS`] received datagrams and one
//! for what they caused ([`crate::udp`]).

use std::future::Future;
use std::io;
use std::time::{Duration, Instant};

use gossip_core::{codec, pow, Config, Event, MsgId, MsgType, Node, PowProof, Stats, Time};
use tokio::io::{AsyncBufReadExt, BufReader, Lines, Stdin};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::clock::Clock;
use crate::events::{self, EventSink, Record};
use crate::logging::{self, Warnings};
use crate::udp::{BatchSocket, Outgoing, RECV_SLOTS};

/// Datagrams read in one go before the task looks at its other inputs.
const RECV_BATCH: usize = 256;

/// Where lines to publish come from.
pub enum LineSource {
    /// Standard input (the interactive node).
    Stdin(Lines<BufReader<Stdin>>),
    /// A channel (the nodes of `gossip cluster`).
    Channel(mpsc::Receiver<String>),
}

impl LineSource {
    /// Lines of standard input.
    pub fn stdin() -> LineSource {
        LineSource::Stdin(BufReader::new(tokio::io::stdin()).lines())
    }

    /// The next line; `None` once the source is closed.
    async fn next(&mut self) -> Option<String> {
        match self {
            LineSource::Stdin(lines) => loop {
                match lines.next_line().await {
                    Ok(line) => return line,
                    Err(err) if err.kind() == io::ErrorKind::InvalidData => {
                        warn!("skipped an input line that is not UTF-8");
                    }
                    Err(err) => {
                        warn!(error = %err, "standard input unreadable; no longer reading it");
                        return None;
                    }
                }
            },
            LineSource::Channel(rx) => rx.recv().await,
        }
    }
}

/// What a driver reports when its node stops.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The node's counters.
    pub stats: Stats,
    /// Datagrams that could not be sent.
    pub send_errors: u64,
    /// Bytes of datagrams sent.
    pub bytes_sent: u64,
    /// Bytes of datagrams received.
    pub bytes_received: u64,
}

/// A proof of work found on the blocking pool.
struct Solved {
    proof: PowProof,
    elapsed: Duration,
    attempts: u64,
}

/// What the events file says of a datagram once it is sent.
struct Queued {
    at: Time,
    msg_type: MsgType,
    msg_id: MsgId,
    ttl: u32,
}

/// The node and everything it needs to act on its outputs.
struct Driver<O> {
    node: Node,
    io: BatchSocket,
    clock: Clock,
    outgoing: Outgoing<Queued>,
    sink: Option<EventSink>,
    warnings: Warnings,
    send_errors: u64,
    bytes_sent: u64,
    bytes_received: u64,
    observe: O,
}

/// Runs a node on `socket` until `shutdown` completes. `config.addr` must be
/// what peers should use to reach the socket. `observe` sees every core event
/// (the cluster uses it to follow deliveries).
pub async fn run<F, O>(
    socket: UdpSocket,
    config: Config,
    mut lines: LineSource,
    shutdown: F,
    sink: Option<EventSink>,
    observe: O,
) -> Summary
where
    F: Future<Output = ()>,
    O: FnMut(Time, &Event),
{
    let mut clock = Clock::new();
    let now = clock.now();
    let node = Node::new(config, now);
    let mut d = Driver {
        node,
        io: BatchSocket::new(socket),
        clock,
        outgoing: Outgoing::default(),
        sink,
        warnings: Warnings::default(),
        send_errors: 0,
        bytes_sent: 0,
        bytes_received: 0,
        observe,
    };
    d.started(now);

    // The node says whether it needs a proof (a joiner under pow_k > 0 does;
    // a seed never does); the driver only runs the solver.
    let challenge = d.node.pow_challenge();
    let mut solver: Option<JoinHandle<Solved>> = challenge.map(|(id, k)| {
        info!(difficulty_k = k, "solving proof of work before joining");
        tokio::task::spawn_blocking(move || solve(&id, k))
    });

    let mut lines_open = true;
    let sleep = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(sleep);
    tokio::pin!(shutdown);
    d.on_timeout().await;
    loop {
        let deadline = d.deadline();
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            res = async {
                match solver.as_mut() {
                    Some(handle) => handle.await,
                    None => std::future::pending().await,
                }
            }, if solver.is_some() => {
                solver = None;
                match res {
                    Ok(solved) => d.on_solved(solved).await,
                    Err(err) => warn!(error = %err, "proof-of-work solver failed; not joining"),
                }
            }
            res = d.io.readable() => {
                if let Err(err) = res {
                    debug!(error = %err, "socket not readable");
                }
                // Take what is queued, a batch at a time, without going back to select.
                for _ in 0..RECV_BATCH / RECV_SLOTS {
                    match d.io.try_recv() {
                        Ok(n) => {
                            for i in 0..n {
                                d.on_datagram(i);
                            }
                            d.send().await;
                            if n < RECV_SLOTS {
                                break;
                            }
                        }
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                        Err(err) => {
                            debug!(error = %err, "receive failed");
                            break;
                        }
                    }
                }
            }
            () = &mut sleep => d.on_timeout().await,
            line = lines.next(), if lines_open => match line {
                Some(line) => d.on_line(&line).await,
                None => {
                    lines_open = false;
                    debug!("input closed; the node keeps running");
                }
            },
        }
    }
    d.stopped()
}

fn solve(id: &str, k: u32) -> Solved {
    let start = Instant::now();
    let mut solver = pow::Solver::new(id, k);
    loop {
        if let Some(proof) = solver.step(1 << 16) {
            return Solved {
                proof,
                elapsed: start.elapsed(),
                attempts: solver.attempts(),
            };
        }
    }
}

impl<O: FnMut(Time, &Event)> Driver<O> {
    fn started(&mut self, now: Time) {
        let c = self.node.config();
        let record = Record::Started {
            mode: c.mode.as_str().to_owned(),
            fanout: c.fanout,
            ttl: c.ttl,
            peer_limit: c.peer_limit,
            pow_k: c.pow_k,
            bootstrap: c.bootstrap,
        };
        info!(
            node = %self.node.id(),
            addr = %self.node.addr(),
            mode = %c.mode.as_str(),
            fanout = c.fanout,
            ttl = c.ttl,
            peer_limit = c.peer_limit,
            pow_k = c.pow_k,
            bootstrap = ?c.bootstrap,
            "node started"
        );
        self.record(now, record);
        self.flush();
    }

    /// When the timer should fire next.
    fn deadline(&mut self) -> tokio::time::Instant {
        let now = tokio::time::Instant::now();
        match self.node.poll_timeout() {
            Some(at) => now + at.saturating_since(self.clock.now()),
            None => now + Duration::from_secs(3_600),
        }
    }

    /// Handles the `i`-th datagram of the last batch read; what it causes
    /// is queued, and sent with the rest of the batch.
    fn on_datagram(&mut self, i: usize) {
        let (from, len, decoded) = match self.io.received(i) {
            (Some(from), bytes) => (from, bytes.len(), codec::decode(bytes)),
            (None, _) => return debug!("skipped a datagram without a sender address"),
        };
        // Each datagram gets its own time, not its batch's: peers heard in
        // one batch must not look equally recent to the peer table, which
        // evicts the least recently seen (ties went to the seed, and a
        // 50-node cluster never formed).
        let now = self.clock.now();
        self.bytes_received += len as u64;
        match decoded {
            Ok(msg) => {
                if self.sink.is_some() {
                    self.record(
                        now,
                        Record::Recv {
                            msg_type: msg.msg_type(),
                            msg_id: msg.msg_id,
                            from,
                            sender_id: msg.sender_id,
                            ttl: msg.ttl,
                            bytes: len,
                        },
                    );
                }
                if let gossip_core::Body::Hello(hello) = &msg.body {
                    info!(
                        from = %from,
                        peer = %msg.sender_id,
                        pow = hello.pow.is_some(),
                        "HELLO received"
                    );
                }
                self.node.handle_decoded(now, from, msg, len);
            }
            // The node files the error under its reason and reports it.
            Err(err) => self.node.reject_datagram(from, len, &err),
        }
        self.queue(now);
    }

    async fn on_timeout(&mut self) {
        let now = self.clock.now();
        self.node.handle_timeout(now);
        self.drain(now).await;
        self.warnings.flush(Some(Instant::now()));
    }

    async fn on_line(&mut self, line: &str) {
        let text = line.trim_end_matches(['\r', '\n']);
        if text.trim().is_empty() {
            return;
        }
        let now = self.clock.now();
        if let Err(err) = self.node.publish(now, text) {
            warn!(error = %err, "not published");
        }
        self.drain(now).await;
    }

    async fn on_solved(&mut self, solved: Solved) {
        let now = self.clock.now();
        let rate = pow::hash_rate(solved.attempts, solved.elapsed);
        let elapsed_ms = solved.elapsed.as_secs_f64() * 1e3;
        info!(
            nonce = solved.proof.nonce,
            difficulty_k = solved.proof.difficulty_k,
            digest = %solved.proof.digest_hex,
            elapsed_ms = format_args!("{elapsed_ms:.1}"),
            hash_rate = format_args!("{:.0}/s", rate),
            "proof of work solved"
        );
        self.record(
            now,
            Record::PowSolved {
                nonce: solved.proof.nonce,
                difficulty_k: solved.proof.difficulty_k,
                elapsed_ms,
                hash_rate: rate,
            },
        );
        self.node.set_pow_proof(now, solved.proof);
        self.node.handle_timeout(now);
        self.drain(now).await;
    }

    /// Sends every queued datagram and reports every queued event.
    async fn drain(&mut self, now: Time) {
        self.queue(now);
        self.send().await;
    }

    /// Encodes every transmit of the node into the outgoing batch and
    /// reports every queued event.
    fn queue(&mut self, now: Time) {
        while let Some(t) = self.node.poll_transmit() {
            let queued = Queued {
                at: now,
                msg_type: t.message.msg_type(),
                msg_id: t.message.msg_id,
                ttl: t.message.ttl,
            };
            self.outgoing
                .push(t.to, queued, |buf| codec::encode_into(&t.message, buf));
        }
        while let Some(event) = self.node.poll_event() {
            (self.observe)(now, &event);
            self.log(&event);
            if self.sink.is_some() {
                self.record(now, Record::from_event(&event));
            }
        }
    }

    /// Sends the outgoing batch; records each datagram sent, counts and
    /// logs each one that could not be.
    async fn send(&mut self) {
        let mut outgoing = std::mem::take(&mut self.outgoing);
        if !outgoing.is_empty() {
            self.io.send(&mut outgoing).await;
            for d in outgoing.drain() {
                let errno = match d.outcome() {
                    Ok(()) => {
                        self.bytes_sent += d.len as u64;
                        if self.sink.is_some() {
                            let record = Record::Send {
                                msg_type: d.tag.msg_type,
                                msg_id: d.tag.msg_id,
                                to: d.to,
                                ttl: d.tag.ttl,
                                bytes: d.len,
                            };
                            self.record(d.tag.at, record);
                        }
                        continue;
                    }
                    Err(errno) => errno,
                };
                // Counted and logged; not a sent datagram in the events file.
                self.send_errors += 1;
                self.warnings
                    .send_failed(Instant::now(), d.to, &io::Error::from(errno));
            }
        }
        self.outgoing = outgoing;
        self.flush();
    }

    fn log(&mut self, event: &Event) {
        if let Event::Rejected {
            from,
            reason,
            detail,
        } = event
        {
            return self
                .warnings
                .rejected(Instant::now(), *from, *reason, detail);
        }
        logging::event(event);
    }

    fn record(&mut self, now: Time, record: Record) {
        if let Some(sink) = &self.sink {
            let line = events::line(now, self.node.id(), self.node.addr(), record);
            if let Err(err) = sink.write(&line) {
                warn!(error = %err, "cannot write events file; no longer writing it");
                self.sink = None;
            }
        }
    }

    fn flush(&mut self) {
        if let Some(sink) = &self.sink {
            if let Err(err) = sink.flush() {
                warn!(error = %err, "cannot write events file; no longer writing it");
                self.sink = None;
            }
        }
    }

    fn stopped(mut self) -> Summary {
        self.warnings.flush(None);
        let now = self.clock.now();
        let stats = self.node.stats().clone();
        info!(
            sent = stats.total_sent(),
            received = stats.received.total(),
            bytes_sent = self.bytes_sent,
            bytes_received = self.bytes_received,
            delivered = stats.delivered,
            published = stats.published,
            duplicates = stats.duplicates,
            rejected = stats.total_rejected(),
            peers = self.node.peers().len(),
            send_errors = self.send_errors,
            "node stopped; final stats"
        );
        let report_dropped = self.sink.as_ref().and_then(EventSink::report_dropped);
        self.record(now, Record::stopped(&stats, report_dropped));
        self.flush();
        if let Some(dropped) = report_dropped {
            info!(
                dropped,
                "--report-to: event records dropped (observer slow or gone)"
            );
        }
        Summary {
            stats,
            send_errors: self.send_errors,
            bytes_sent: self.bytes_sent,
            bytes_received: self.bytes_received,
        }
    }
}
