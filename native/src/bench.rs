//! `gossip bench`: figures measured on real processes and real loopback sockets.
//!
//! 1. Flood: a `gossip` node runs as a child process; one socket (the flooder)
//!    and another (the sink) join it with HELLO. The flooder then sends
//!    distinct GOSSIP datagrams as fast as it can, [`FLOOD_BATCH`] to a
//!    `sendmmsg`; the node delivers each one and forwards it to its only
//!    other peer, the sink. Datagrams handled per second = forwards counted
//!    at the sink / flood time; the node's CPU time comes from
//!    `/proc/<pid>/stat`. `--node` floods another build of `gossip` with the
//!    same flooder, to compare two builds in one run.
//! 2. Memory: `VmRSS` of that node while idle, and of a `gossip cluster` of
//!    N nodes once its overlay has formed.

use std::io::{BufRead, BufReader, IoSlice};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use gossip_core::sim::Processing;
use gossip_core::{codec, Body, Gossip, Hello, Message, MsgId, MsgType, NodeId};
use nix::sys::socket::{self, ControlMessage, MsgFlags, MultiHeaders, SockaddrStorage};

use crate::node_cmd::random_node_id;
use crate::procfs;

/// Flags of `gossip bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Seconds to flood the node with gossips
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Nodes of the cluster whose memory is measured (0 skips it)
    #[arg(long, default_value_t = 50)]
    pub cluster_nodes: u32,
    /// The `gossip` binary to measure (default: this one); the flooder and
    /// the sink stay this binary's, so two builds compare on equal terms
    #[arg(long, value_name = "PATH")]
    pub node: Option<std::path::PathBuf>,
    /// Write the measured CPU time per datagram as a scenario file with only
    /// a `processing` section, for `gossip sim` / `gossip experiment
    /// --calibration FILE` (one CPU: the fleet of `experiment --real` runs on
    /// one thread)
    #[arg(long, value_name = "FILE")]
    pub write_calibration: Option<std::path::PathBuf>,
}

/// The simulator's processing model for a measured CPU time per datagram
/// (one received and one sent), split with the measured CPU time of one
/// send: the send is charged per datagram sent, the rest per datagram
/// received; served on one CPU (the fleet of `gossip experiment --real`
/// shares one thread).
pub fn calibration(per_datagram_us: f64, send_us: f64) -> Processing {
    // A send can't cost more than the whole round trip; keep a quarter for
    // the receive side when noise says otherwise.
    let send_us = send_us.clamp(0.0, per_datagram_us * 0.75);
    Processing {
        service_us: per_datagram_us - send_us,
        send_us,
        cpus: 1,
        ..Processing::default()
    }
}

/// Datagrams sent per timed burst of [`send_cost_us`].
const SEND_BURST: usize = 64;

/// CPU time of this thread to send one GOSSIP-sized datagram to a socket on
/// loopback, µs: the system call of a node's send, which on loopback also
/// hands the datagram to its receiver's socket. Measured over `sends`
/// datagrams sent one per call in timed bursts; the receiver is drained
/// between bursts, outside the timing.
pub fn send_cost_us(sends: usize) -> anyhow::Result<f64> {
    let receiver = UdpSocket::bind("127.0.0.1:0").context("cannot bind a probe socket")?;
    receiver.set_nonblocking(true)?;
    let sender = UdpSocket::bind("127.0.0.1:0").context("cannot bind a probe socket")?;
    let to = receiver.local_addr()?;
    let id = random_node_id()?;
    let datagram = codec::encode(&Message {
        msg_id: MsgId(1),
        sender_id: id,
        sender_addr: sender.local_addr()?,
        timestamp_ms: 1_700_000_000_000,
        ttl: 8,
        body: Body::Gossip(Arc::new(Gossip {
            topic: "news".into(),
            data: "experiment".into(),
            origin_id: id,
            origin_timestamp_ms: 1_700_000_000_000,
        })),
    });
    let mut buf = vec![0u8; 65_536];
    let mut cpu = Duration::ZERO;
    let mut sent = 0usize;
    while sent < sends {
        let before = thread_cpu();
        for _ in 0..SEND_BURST {
            sender.send_to(&datagram, to)?;
        }
        cpu += thread_cpu().saturating_sub(before);
        sent += SEND_BURST;
        while receiver.recv_from(&mut buf).is_ok() {}
    }
    Ok(cpu.as_secs_f64() * 1e6 / sent.max(1) as f64)
}

/// CPU time this thread has used.
pub fn thread_cpu() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(Duration::from)
        .unwrap_or_default()
}

/// Sends [`send_cost_us`] measures.
pub const SEND_SAMPLES: usize = 20_000;

/// Floods a node of this binary for `seconds` and returns the processing
/// cost it measured.
pub fn calibrate(seconds: f64) -> anyhow::Result<Processing> {
    let exe = std::env::current_exe().context("cannot find the gossip binary")?;
    let per_datagram_us = flood(&exe, Duration::from_secs_f64(seconds))?;
    if per_datagram_us <= 0.0 {
        bail!("the calibration flood measured no datagram");
    }
    Ok(calibration(per_datagram_us, send_cost_us(SEND_SAMPLES)?))
}

/// Writes `p` as a scenario file holding only its `processing` section.
fn write_calibration(path: &std::path::Path, p: Processing) -> anyhow::Result<()> {
    #[derive(serde::Serialize)]
    struct Fragment {
        processing: Processing,
    }
    let text = serde_json::to_string_pretty(&Fragment { processing: p })?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

/// GOSSIP datagrams the flooder hands to one `sendmmsg`.
const FLOOD_BATCH: usize = 32;

/// A child process killed when dropped.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        // The child may have exited already; either way reap it.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs every benchmark and prints the figures.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if !(args.seconds.is_finite() && args.seconds > 0.0 && args.seconds <= 600.0) {
        bail!("--seconds must be between 0 and 600");
    }
    if cfg!(debug_assertions) {
        println!("note: this is a debug build; run `cargo run --release -p gossip-native -- bench` for real figures");
    }
    let exe = match &args.node {
        Some(path) => path.clone(),
        None => std::env::current_exe().context("cannot find the gossip binary")?,
    };
    println!("measured binary: {}", exe.display());
    let per_datagram_us = flood(&exe, Duration::from_secs_f64(args.seconds))?;
    let send_us = send_cost_us(SEND_SAMPLES)?;
    let split = calibration(per_datagram_us, send_us);
    println!("send vs receive (one datagram sent per system call, this process, loopback):");
    println!(
        "  send per datagram:              {send_us:>8.2} us CPU (the system call; loopback hands it to the receiver)"
    );
    println!(
        "  receive and handle per datagram: {:>7.2} us (the node's CPU time per datagram minus one send)",
        split.service_us
    );
    if let Some(path) = &args.write_calibration {
        if per_datagram_us <= 0.0 {
            bail!("the flood measured no datagram: no calibration to write");
        }
        write_calibration(path, split)?;
        println!(
            "  calibration ({:.2} us per datagram received, {:.2} us per datagram sent, 1 CPU) written to {}",
            split.service_us,
            split.send_us,
            path.display()
        );
    }
    if args.cluster_nodes > 0 {
        cluster_memory(&exe, args.cluster_nodes)?;
    }
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn free_port() -> anyhow::Result<u16> {
    let probe = UdpSocket::bind("127.0.0.1:0").context("cannot bind a probe socket")?;
    Ok(probe.local_addr()?.port())
}

fn hello(id: NodeId, addr: SocketAddr) -> Vec<u8> {
    codec::encode(&Message {
        msg_id: MsgId(u128::from(id.0 as u64) << 64),
        sender_id: id,
        sender_addr: addr,
        timestamp_ms: 0,
        ttl: 0,
        body: Body::Hello(Hello {
            capabilities: vec!["udp".into(), "json".into()].into(),
            pow: None,
        }),
    })
}

/// Introduces `socket` to the node at `node` and waits for its PEERS_LIST.
fn join(socket: &UdpSocket, node: SocketAddr, child: &mut Child) -> anyhow::Result<NodeId> {
    let id = random_node_id()?;
    let datagram = hello(id, socket.local_addr()?);
    socket.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut buf = vec![0u8; 65_536];
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            bail!("the benchmarked node exited early ({status})");
        }
        socket.send_to(&datagram, node)?;
        let wait_until = Instant::now() + Duration::from_millis(300);
        while Instant::now() < wait_until {
            if let Ok((n, _)) = socket.recv_from(&mut buf) {
                if codec::decode(&buf[..n]).is_ok_and(|m| m.msg_type() == MsgType::PeersList) {
                    return Ok(id);
                }
            }
        }
    }
    bail!("the node at {node} never answered HELLO")
}

/// Floods a node and prints what it measured; returns the node's CPU time
/// per datagram handled, µs (0 when none was).
fn flood(exe: &std::path::Path, duration: Duration) -> anyhow::Result<f64> {
    let port = free_port()?;
    let node: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut child = ChildGuard(
        Command::new(exe)
            .args(["--port", &port.to_string()])
            .args(["--ping-interval", "3600", "--peer-timeout", "7200"])
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the node")?,
    );
    let pid = child.0.id();

    let flooder = UdpSocket::bind("127.0.0.1:0")?;
    let sink = {
        let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None)?;
        // Best effort: the kernel caps it at net.core.rmem_max.
        let _ = s.set_recv_buffer_size(8 << 20);
        s.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
        UdpSocket::from(s)
    };
    let flooder_id = join(&flooder, node, &mut child.0)?;
    join(&sink, node, &mut child.0)?;
    let idle_rss = procfs::rss_bytes(pid)?;

    // One GOSSIP whose msg_id is rewritten in place for every datagram.
    let template = Message {
        msg_id: MsgId(0),
        sender_id: flooder_id,
        sender_addr: flooder.local_addr()?,
        timestamp_ms: 1_700_000_000_000,
        ttl: 8,
        body: Body::Gossip(Arc::new(Gossip {
            topic: "news".into(),
            data: "benchmark gossip: a short line of text like one typed in a terminal".into(),
            origin_id: flooder_id,
            origin_timestamp_ms: 1_700_000_000_000,
        })),
    };
    let datagram = codec::encode(&template);
    let marker = b"\"msg_id\": \"00000000000000000000000000000000\"";
    let at = datagram
        .windows(marker.len())
        .position(|w| w == marker)
        .context("msg_id not found in the encoded gossip")?
        + b"\"msg_id\": \"".len();

    // The sink drains its socket every millisecond instead of blocking in
    // recv: a blocked reader would make every forward pay for waking it up.
    let stop = Arc::new(AtomicBool::new(false));
    sink.set_nonblocking(true)?;
    let counter = {
        let stop = stop.clone();
        thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            let mut received = 0u64;
            loop {
                while sink.recv_from(&mut buf).is_ok() {
                    received += 1;
                }
                if stop.load(Ordering::Relaxed) {
                    return received;
                }
                thread::sleep(Duration::from_millis(1));
            }
        })
    };

    let cpu_before = procfs::cpu_time(pid)?;
    let start = Instant::now();
    let mut sent = 0u64;
    let mut seq: u128 = 1;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut batch = vec![datagram.clone(); FLOOD_BATCH];
    let to = vec![Some(SockaddrStorage::from(node)); FLOOD_BATCH];
    let mut headers = MultiHeaders::<SockaddrStorage>::preallocate(FLOOD_BATCH, None);
    let fd = flooder.as_raw_fd();
    'flood: loop {
        for _ in 0..1024 / FLOOD_BATCH {
            for d in &mut batch {
                let mut v = seq;
                for i in (0..32).rev() {
                    d[at + i] = HEX[(v & 0xf) as usize];
                    v >>= 4;
                }
                seq += 1;
            }
            let slices: Vec<[IoSlice<'_>; 1]> = batch.iter().map(|d| [IoSlice::new(d)]).collect();
            let none: [ControlMessage<'_>; 0] = [];
            if let Ok(done) = socket::sendmmsg(
                fd,
                &mut headers,
                slices.iter(),
                &to,
                none,
                MsgFlags::empty(),
            ) {
                sent += done.count() as u64;
            }
        }
        if start.elapsed() >= duration {
            break 'flood;
        }
    }
    let flood_time = start.elapsed();
    // Let the node finish what is queued in its socket, then stop counting.
    thread::sleep(Duration::from_millis(300));
    let cpu = procfs::cpu_time(pid)?.saturating_sub(cpu_before);
    stop.store(true, Ordering::Relaxed);
    let handled = counter
        .join()
        .map_err(|_| anyhow::anyhow!("the sink thread panicked"))?;
    let busy_rss = procfs::rss_bytes(pid)?;
    if let Some(status) = child.0.try_wait()? {
        bail!("the benchmarked node died during the flood ({status})");
    }
    drop(child);

    let secs = flood_time.as_secs_f64();
    let per_dgram_us = if handled > 0 {
        cpu.as_secs_f64() * 1e6 / handled as f64
    } else {
        0.0
    };
    println!("flood: one `gossip` node (child process, pid {pid}) on {node}, {secs:.1} s of distinct GOSSIP datagrams of {} bytes", datagram.len());
    println!(
        "  sent by the flooder:            {:>10} ({:>9.0}/s)",
        sent,
        sent as f64 / secs
    );
    println!(
        "  delivered and forwarded:        {:>10} ({:>9.0}/s)   target >= 150000/s",
        handled,
        handled as f64 / secs
    );
    println!(
        "  node CPU time (user+system):    {:>9.2} s ({:.0}% of one core, {per_dgram_us:.1} us per datagram)",
        cpu.as_secs_f64(),
        cpu.as_secs_f64() / secs * 100.0
    );
    if per_dgram_us > 0.0 {
        println!(
            "  service time per GOSSIP datagram: {per_dgram_us:>8.2} us (received, delivered and forwarded once)"
        );
        println!(
            "  capacity of one fully used core: {:>9.0} datagrams/s (1 s / CPU time per datagram)",
            1e6 / per_dgram_us
        );
    }
    println!("memory (VmRSS):");
    println!(
        "  idle node:                      {:>7.1} MB   target < 10 MB",
        mb(idle_rss)
    );
    println!("  node after the flood:           {:>7.1} MB", mb(busy_rss));
    Ok(per_dgram_us)
}

fn cluster_memory(exe: &std::path::Path, nodes: u32) -> anyhow::Result<()> {
    let mut child = ChildGuard(
        Command::new(exe)
            .args(["cluster", "--nodes", &nodes.to_string()])
            .env("RUST_LOG", "error")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the cluster")?,
    );
    let pid = child.0.id();
    let stdout = child.0.stdout.take().context("cluster stdout")?;
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let start = Instant::now();
    let deadline = start + Duration::from_secs(60);
    let formed = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("overlay formed") => break line,
            Ok(_) => {}
            Err(_) => bail!("the {nodes}-node cluster did not form its overlay within 60 s"),
        }
    };
    let rss = procfs::rss_bytes(pid)?;
    drop(child);
    println!("  {nodes}-node `gossip cluster` (one process), after `{formed}`:");
    println!(
        "                                  {:>7.1} MB ({:.2} MB per node)",
        mb(rss),
        mb(rss) / f64::from(nodes)
    );
    Ok(())
}
