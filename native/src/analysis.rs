//! From `--events` files to the core metrics: reads the events files of
//! real nodes and measures them with [`gossip_core::events::EventMetrics`],
//! the mapping to core's metrics `Collector` that the browser lab's replay
//! uses too. `gossip analyze` and `gossip experiment --real` both measure
//! through here.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

pub use gossip_core::events::Analysed;
use gossip_core::NodeId;

use crate::events::EventLine;

/// Extensions of the files read from a directory (given files are read whatever their name).
const EVENTS_EXTENSIONS: [&str; 3] = ["jsonl", "ndjson", "json"];
/// Most files a directory may contribute.
const MAX_FILES: usize = 10_000;
/// Most event lines read (a few GB of JSON); beyond this the input is refused.
const MAX_LINES: usize = 20_000_000;
/// Most malformed lines remembered for the error report.
const MAX_BAD_LINES: usize = 5;

/// Why events could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A file or directory could not be read; nothing was analysed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The inputs held no event line at all.
    #[error("no event lines in {0}")]
    Empty(String),
    /// The inputs hold more event lines than this tool keeps in memory.
    #[error("more than {MAX_LINES} event lines; analyse fewer files at a time")]
    TooManyLines,
    /// A directory holds more files than this tool reads.
    #[error("{path} holds more than {MAX_FILES} files")]
    TooManyFiles {
        /// The directory.
        path: PathBuf,
    },
}

/// A line that is not an event record.
#[derive(Debug, Clone, PartialEq)]
pub struct BadLine {
    /// The file.
    pub path: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// Why it was skipped.
    pub reason: String,
}

/// Event lines read from files, in no particular order.
#[derive(Debug, Default)]
pub struct EventLog {
    /// The records.
    pub lines: Vec<EventLine>,
    /// Files read.
    pub files: usize,
    /// Lines skipped because they are not event records.
    pub skipped: usize,
    /// The first few skipped lines.
    pub bad_lines: Vec<BadLine>,
}

impl EventLog {
    /// Reads every given file, and every `.jsonl`, `.ndjson` or `.json` file
    /// directly inside every given directory (in name order).
    pub fn read(paths: &[PathBuf]) -> Result<EventLog, AnalysisError> {
        let mut log = EventLog::default();
        for path in paths {
            let read_err = |source| AnalysisError::Read {
                path: path.clone(),
                source,
            };
            if path.is_dir() {
                let mut files = BTreeSet::new();
                for entry in std::fs::read_dir(path).map_err(read_err)? {
                    let entry = entry.map_err(read_err)?;
                    let events_file = entry.path().extension().is_some_and(|e| {
                        EVENTS_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x))
                    });
                    if events_file && entry.file_type().map_err(read_err)?.is_file() {
                        if files.len() >= MAX_FILES {
                            return Err(AnalysisError::TooManyFiles { path: path.clone() });
                        }
                        files.insert(entry.path());
                    }
                }
                for file in files {
                    log.read_file(&file)?;
                }
            } else {
                log.read_file(path)?;
            }
        }
        if log.lines.is_empty() {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(AnalysisError::Empty(names.join(", ")));
        }
        Ok(log)
    }

    fn read_file(&mut self, path: &Path) -> Result<(), AnalysisError> {
        let read_err = |source| AnalysisError::Read {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        self.files += 1;
        for (i, line) in BufReader::new(file).split(b'\n').enumerate() {
            let line = line.map_err(read_err)?;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<EventLine>(&line) {
                Ok(record) => {
                    if self.lines.len() >= MAX_LINES {
                        return Err(AnalysisError::TooManyLines);
                    }
                    self.lines.push(record);
                }
                Err(err) => {
                    self.skipped += 1;
                    if self.bad_lines.len() < MAX_BAD_LINES {
                        self.bad_lines.push(BadLine {
                            path: path.to_owned(),
                            line: i + 1,
                            reason: err.to_string(),
                        });
                    }
                }
            }
        }
        Ok(())
    }

    /// Nodes that wrote at least one line.
    pub fn nodes(&self) -> usize {
        self.lines
            .iter()
            .map(|l| l.node)
            .collect::<BTreeSet<NodeId>>()
            .len()
    }
}

/// Replays `log` into core's [`Collector`](gossip_core::metrics::Collector)
/// over a population of `population` nodes and reports every gossip, in
/// publication order (see [`gossip_core::events::EventMetrics`]).
pub fn analyse(log: &EventLog, population: u32) -> Vec<Analysed> {
    gossip_core::events::analyse(&log.lines, population)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;
    use gossip_core::{MsgId, MsgType, Time};

    use crate::events::{line, Record};

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    fn at(ms: u64) -> Time {
        Time::from_millis(1_700_000_000_000 + ms)
    }

    fn send(ms: u64, node: u128, msg_type: MsgType, id: u128) -> EventLine {
        line(
            at(ms),
            NodeId(node),
            addr(9000),
            Record::Send {
                msg_type,
                msg_id: MsgId(id),
                to: addr(9001),
                ttl: 7,
                bytes: 100,
            },
        )
    }

    fn delivered(ms: u64, node: u128, id: u128, hops: u32) -> EventLine {
        line(
            at(ms),
            NodeId(node),
            addr(9000),
            Record::Delivered {
                msg_id: MsgId(id),
                from: NodeId(1),
                origin_id: NodeId(1),
                origin_timestamp_ms: at(0).as_millis(),
                hops,
                pulled: false,
                topic: "news".into(),
                data: "hi".into(),
            },
        )
    }

    /// Three nodes: node 1 publishes at 0 ms, node 2 gets it at 10 ms, node 3
    /// at 30 ms and again (a duplicate) at 40 ms. The lines come shuffled, as
    /// they do from several files.
    fn three_nodes() -> EventLog {
        let published = line(
            at(0),
            NodeId(1),
            addr(9000),
            Record::Published {
                msg_id: MsgId(7),
                topic: "news".into(),
                data: "hi".into(),
            },
        );
        let duplicate = line(
            at(40),
            NodeId(3),
            addr(9002),
            Record::Duplicate {
                msg_id: MsgId(7),
                from: NodeId(2),
            },
        );
        EventLog {
            lines: vec![
                delivered(30, 3, 7, 2),
                send(35, 3, MsgType::Gossip, 7),
                duplicate,
                send(20, 2, MsgType::Ping, 99),
                published,
                send(0, 1, MsgType::Gossip, 7),
                delivered(10, 2, 7, 1),
                send(10, 2, MsgType::Gossip, 7),
            ],
            files: 3,
            ..EventLog::default()
        }
    }

    #[test]
    fn shuffled_lines_give_the_hand_computed_metrics() {
        let log = three_nodes();
        assert_eq!(log.nodes(), 3);
        let out = analyse(&log, 3);
        assert_eq!(out.len(), 1);
        let a = &out[0];
        assert!(a.publisher_recorded);
        assert_eq!(a.data, "hi");
        let r = &a.report;
        assert_eq!(r.delivered, 3);
        assert_eq!(r.delivery_ratio, 1.0);
        assert_eq!(r.t50_ms, Some(10.0)); // 2 of 3
        assert_eq!(r.t95_ms, Some(30.0));
        // [0, 30] ms: the gossips at 0 and 10 ms and the ping at 20 ms.
        assert_eq!(r.overhead, Some(3));
        assert_eq!(r.overhead_bytes, Some(300));
        // Until the last copy (35 ms): all four sends.
        assert_eq!(r.total_messages, 4);
        assert_eq!(r.duplicates, 1);
        assert_eq!(r.rmr, Some(3.0 / 2.0 - 1.0));
        assert_eq!(r.max_hops, Some(2));
    }

    #[test]
    fn a_gossip_without_its_publisher_counts_from_the_origin_timestamp() {
        let mut log = three_nodes();
        log.lines
            .retain(|l| !matches!(l.record, Record::Published { .. }));
        let out = analyse(&log, 3);
        assert_eq!(out.len(), 1);
        assert!(!out[0].publisher_recorded);
        // The origin itself holds it (as in the collector's definition).
        assert_eq!(out[0].report.delivered, 3);
        assert_eq!(out[0].report.t95_ms, Some(30.0));
    }

    #[test]
    fn files_and_directories_are_read_and_bad_lines_counted() {
        let tmp = tempfile::Builder::new()
            .prefix("gossip-analysis-")
            .tempdir()
            .expect("dir");
        let dir = tmp.path().to_path_buf();
        let log = three_nodes();
        let mut text = String::new();
        for l in &log.lines {
            text.push_str(&serde_json::to_string(l).expect("json"));
            text.push('\n');
        }
        text.push_str("not json\n\n");
        std::fs::write(dir.join("a.jsonl"), &text).expect("write");
        std::fs::write(dir.join("a.log"), "a node's log, not events\n").expect("write");
        let read = EventLog::read(std::slice::from_ref(&dir)).expect("read");
        assert_eq!(read.files, 1);
        assert_eq!(read.lines.len(), 8);
        assert_eq!(read.skipped, 1);
        assert_eq!(read.bad_lines[0].line, 9);
        let empty = dir.join("empty.jsonl");
        std::fs::write(&empty, "").expect("write");
        assert!(matches!(
            EventLog::read(&[empty]),
            Err(AnalysisError::Empty(_))
        ));
        assert!(matches!(
            EventLog::read(&[dir.join("missing")]),
            Err(AnalysisError::Read { .. })
        ));
    }
}
