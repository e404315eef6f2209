//! Writing the `--events` file (its lines are defined in
//! [`gossip_core::events`], which `gossip analyze` and the browser lab read).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::report::Reporter;

pub use gossip_core::events::{line, EventLine, Record};

/// A shared, buffered events file; the nodes of a cluster write to one sink.
#[derive(Debug, Clone)]
pub struct EventSink {
    out: Option<Arc<Mutex<BufWriter<File>>>>,
    reporter: Option<Reporter>,
}

impl EventSink {
    /// Opens `path` for appending (creating it).
    pub fn open(path: &Path) -> io::Result<EventSink> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(EventSink {
            out: Some(Arc::new(Mutex::new(BufWriter::with_capacity(
                64 * 1024,
                file,
            )))),
            reporter: None,
        })
    }

    /// A sink that only reports to a `gossip observe` (no file).
    pub fn report_only(reporter: Reporter) -> EventSink {
        EventSink {
            out: None,
            reporter: Some(reporter),
        }
    }

    /// This sink, also reporting every line to `reporter` when given.
    pub fn reporting(self, reporter: Option<Reporter>) -> EventSink {
        EventSink { reporter, ..self }
    }

    /// Buffers one line (and hands it to the reporter, which may drop it).
    pub fn write(&self, line: &EventLine) -> io::Result<()> {
        let mut text = serde_json::to_vec(line).map_err(io::Error::other)?;
        if let Some(reporter) = &self.reporter {
            reporter.offer(&text);
        }
        let Some(out) = &self.out else {
            return Ok(());
        };
        text.push(b'\n');
        let mut out = out
            .lock()
            .map_err(|_| io::Error::other("events file lock poisoned"))?;
        out.write_all(&text)
    }

    /// Writes buffered lines to the file.
    pub fn flush(&self) -> io::Result<()> {
        let Some(out) = &self.out else {
            return Ok(());
        };
        let mut out = out
            .lock()
            .map_err(|_| io::Error::other("events file lock poisoned"))?;
        out.flush()
    }

    /// Lines the reporter dropped so far (observer slow, gone or not
    /// reachable); `None` without `--report-to`.
    pub fn report_dropped(&self) -> Option<u64> {
        self.reporter.as_ref().map(Reporter::dropped)
    }
}
