//! `--report-to HOST:PORT`: a node's event records, sent over a WebSocket to
//! a `gossip observe` for the browser lab's live view.
//!
//! The node hands each record to [`Reporter::offer`], which never waits: the
//! record goes into a bounded queue, or is dropped and counted when the
//! queue is full (the observer is slow) or while the observer is
//! unreachable. A task on the node's runtime drains the queue into the
//! socket, reconnecting every [`RETRY`]. The node's own datagrams never
//! wait for the observer.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tracing::{info, warn};

/// Records the queue holds before new ones are dropped.
pub const QUEUE: usize = 8_192;
/// Most records sent in one WebSocket message.
const BATCH: usize = 256;
/// Wait between connection attempts.
pub const RETRY: Duration = Duration::from_millis(500);

/// The sending half: cheap to clone, shared by the sinks of one node.
#[derive(Debug, Clone)]
pub struct Reporter {
    queue: mpsc::Sender<Vec<u8>>,
    dropped: Arc<AtomicU64>,
}

impl Reporter {
    /// Starts reporting to the observer at `target` (`HOST:PORT`) on the
    /// current tokio runtime.
    pub fn start(target: String) -> Reporter {
        let (queue, rx) = mpsc::channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        tokio::spawn(forward(target, rx, Arc::clone(&dropped)));
        Reporter { queue, dropped }
    }

    /// Queues one JSON record (no newline), or drops and counts it when the
    /// queue is full or the reporter has stopped.
    pub fn offer(&self, record: &[u8]) {
        if self.queue.try_send(record.to_vec()).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Records dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Sends queued records to `ws://target/report` until every [`Reporter`]
/// is gone; while no connection is up, queued records are dropped (counted)
/// so that the observer never receives a stale burst.
async fn forward(target: String, mut rx: mpsc::Receiver<Vec<u8>>, dropped: Arc<AtomicU64>) {
    let url = format!("ws://{target}/report");
    let mut warned = false;
    loop {
        match tokio_tungstenite::connect_async(url.as_str()).await {
            Ok((mut ws, _)) => {
                info!(observer = %target, "reporting events to the observer");
                warned = false;
                loop {
                    // Also watch the socket: an observer that went away is
                    // noticed when it closes, not one lost batch later (a
                    // write into a closed connection succeeds once).
                    let first = tokio::select! {
                        // The close first: when both are ready (a loaded
                        // machine runs this task late), a batch written
                        // into the closed connection would be lost uncounted.
                        biased;
                        incoming = ws.next() => match incoming {
                            Some(Ok(_)) => continue,
                            Some(Err(_)) | None => {
                                warn!(observer = %target, "observer connection lost; retrying");
                                break;
                            }
                        },
                        record = rx.recv() => match record {
                            Some(record) => record,
                            None => {
                                let _ = ws.close(None).await;
                                return;
                            }
                        },
                    };
                    let mut batch = first;
                    let mut lines = 1u64;
                    while lines < BATCH as u64 {
                        let Ok(more) = rx.try_recv() else { break };
                        batch.push(b'\n');
                        batch.extend_from_slice(&more);
                        lines += 1;
                    }
                    // serde_json writes UTF-8; a record that is not is dropped.
                    let Ok(text) = String::from_utf8(batch) else {
                        dropped.fetch_add(lines, Ordering::Relaxed);
                        continue;
                    };
                    if ws.send(Message::text(text)).await.is_err() {
                        dropped.fetch_add(lines, Ordering::Relaxed);
                        warn!(observer = %target, "observer connection lost; retrying");
                        break;
                    }
                }
            }
            Err(err) => {
                if !warned {
                    warn!(observer = %target, error = %err, "cannot reach the observer; retrying every {RETRY:?}, dropping events meanwhile");
                    warned = true;
                }
            }
        }
        let retry = tokio::time::sleep(RETRY);
        tokio::pin!(retry);
        loop {
            tokio::select! {
                () = &mut retry => break,
                record = rx.recv() => match record {
                    Some(_) => {
                        dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    None => return,
                },
            }
        }
    }
}
