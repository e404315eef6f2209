//! `gossip observe --listen ADDR`: the hub of the browser lab's live view.
//!
//! One WebSocket port, two kinds of client, told apart by the request path:
//! nodes started with `--report-to ADDR` connect to `/report` and send
//! their event records (JSON Lines, several per message); a browser lab
//! connects to any other path and receives every valid record, first the
//! backlog kept so far (so a lab opened late still sees the whole run), then
//! each new message as it arrives. A viewer that falls more than
//! [`VIEWER_QUEUE`] messages behind loses the oldest (counted and logged);
//! nothing a slow viewer does holds up the nodes.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use anyhow::Context;
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use gossip_core::events::EventLine;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tracing::{info, warn};

use crate::logging;

/// Messages a viewer may fall behind before it loses the oldest.
pub const VIEWER_QUEUE: usize = 65_536;
/// Largest message a node may send (its reporter sends at most 256 records).
const MAX_MESSAGE: usize = 1 << 20;
/// Malformed records logged in full (the rest are only counted).
const LOGGED_BAD: u64 = 5;

/// Flags of `gossip observe`.
#[derive(Debug, Args)]
pub struct ObserveArgs {
    /// Address of the WebSocket port for nodes (`--report-to`) and browser labs
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    /// Records kept for labs that connect later (the oldest go first)
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub backlog: usize,
}

/// What every connection shares.
struct Hub {
    /// Messages kept for late viewers, with their record counts.
    history: VecDeque<(Arc<str>, usize)>,
    /// Records in `history`.
    kept: usize,
    /// Most records kept.
    backlog: usize,
    live: broadcast::Sender<Arc<str>>,
    bad: u64,
}

impl Hub {
    /// Keeps and broadcasts the valid records of one message.
    fn publish(&mut self, text: &str) {
        let mut valid = String::with_capacity(text.len());
        let mut count = 0;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<EventLine>(line) {
                Ok(_) => {
                    if count > 0 {
                        valid.push('\n');
                    }
                    valid.push_str(line);
                    count += 1;
                }
                Err(err) => {
                    self.bad += 1;
                    if self.bad <= LOGGED_BAD {
                        warn!(line = i + 1, error = %err, "a node sent a malformed record; dropped");
                    }
                }
            }
        }
        if count == 0 {
            return;
        }
        let message: Arc<str> = Arc::from(valid);
        self.history.push_back((Arc::clone(&message), count));
        self.kept += count;
        while self.kept > self.backlog {
            match self.history.pop_front() {
                Some((_, n)) => self.kept -= n,
                None => break,
            }
        }
        // No viewer is an ordinary state, not an error.
        let _ = self.live.send(message);
    }
}

/// Runs the observer until Ctrl-C.
pub async fn run(args: ObserveArgs) -> anyhow::Result<()> {
    logging::init(Default::default(), "info");
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr()?;
    println!("observing on ws://{addr} (nodes: --report-to {addr}; lab: ?live=ws://{addr})");
    let (live, _) = broadcast::channel(VIEWER_QUEUE);
    let hub = Arc::new(Mutex::new(Hub {
        history: VecDeque::new(),
        kept: 0,
        backlog: args.backlog,
        live,
        bad: 0,
    }));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(err) => {
                        warn!(error = %err, "accept failed");
                        continue;
                    }
                };
                tokio::spawn(serve(stream, peer, Arc::clone(&hub)));
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

/// Serves one connection: a node on `/report`, a viewer otherwise.
// The handshake callback's error type is tungstenite's HTTP response.
#[allow(clippy::result_large_err)]
async fn serve(stream: TcpStream, peer: SocketAddr, hub: Arc<Mutex<Hub>>) {
    let mut path = String::new();
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let handshake = tokio_tungstenite::accept_hdr_async_with_config(
        stream,
        |req: &Request, resp: Response| {
            path = req.uri().path().to_owned();
            Ok(resp)
        },
        Some(config),
    )
    .await;
    let ws = match handshake {
        Ok(ws) => ws,
        Err(err) => {
            warn!(%peer, error = %err, "WebSocket handshake failed");
            return;
        }
    };
    if path == "/report" {
        info!(%peer, "node connected");
        let (_, mut incoming) = ws.split();
        while let Some(Ok(message)) = incoming.next().await {
            if let Message::Text(text) = message {
                if let Ok(mut hub) = hub.lock() {
                    hub.publish(text.as_str());
                }
            }
        }
        info!(%peer, "node disconnected");
        return;
    }
    info!(%peer, "viewer connected");
    let (backlog, mut live) = match hub.lock() {
        Ok(hub) => (
            hub.history
                .iter()
                .map(|(m, _)| Arc::clone(m))
                .collect::<Vec<_>>(),
            hub.live.subscribe(),
        ),
        Err(_) => return,
    };
    let (mut out, mut incoming) = ws.split();
    for message in backlog {
        if out.send(Message::text(message.as_ref())).await.is_err() {
            return;
        }
    }
    let mut lost = 0u64;
    loop {
        tokio::select! {
            next = live.recv() => match next {
                Ok(message) => {
                    if out.send(Message::text(message.as_ref())).await.is_err() {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    lost += n;
                    warn!(%peer, lost, "viewer too slow; messages dropped");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            msg = incoming.next() => match msg {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    info!(%peer, lost, "viewer disconnected");
}
