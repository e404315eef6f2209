//! Reading recorded runs for the replay: JSON Lines of either format the
//! `gossip` tool writes, the `--events` records of real nodes
//! ([`gossip_core::events::EventLine`], `"event"` field) and the
//! simulator's trace of `gossip sim --trace` ([`TraceRecord`], `"ev"`
//! field), split into lines across chunk boundaries, with errors that name
//! the file, the line and the field.

use core::fmt;
use std::net::SocketAddr;

use gossip_core::events::EventLine;
use gossip_core::sim::TraceRecord;
use gossip_core::MsgId;
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};

/// One parsed line.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// A real node's `--events` record.
    Event(Box<EventLine>),
    /// A `gossip sim --trace` record.
    Trace(TraceRecord),
}

/// A line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// The file's name.
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    /// The field at fault, when one can be named.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, line {}", self.file, self.line)?;
        if let Some(field) = &self.field {
            write!(f, ", field `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Which format a line claims to be: read without building the object, so
/// a well-formed line is parsed once into its record.
#[derive(Deserialize)]
struct Tag {
    event: Option<IgnoredAny>,
    ev: Option<IgnoredAny>,
}

/// Parses one non-empty line; the error names the field at fault when it can.
pub fn parse_line(text: &str) -> Result<Parsed, (Option<String>, String)> {
    let parsed = match serde_json::from_str::<Tag>(text) {
        Ok(Tag { event: Some(_), .. }) => serde_json::from_str(text)
            .ok()
            .map(|l| Parsed::Event(Box::new(l))),
        Ok(Tag { ev: Some(_), .. }) => serde_json::from_str(text).ok().map(Parsed::Trace),
        _ => None,
    };
    parsed.map_or_else(|| explain_line(text), Ok)
}

/// The error of a line that did not parse: read as a JSON object to name
/// the field at fault.
fn explain_line(text: &str) -> Result<Parsed, (Option<String>, String)> {
    let object: Map<String, Value> = match serde_json::from_str(text) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err((None, "not a JSON object".into())),
        Err(err) => return Err((None, format!("not JSON: {err}"))),
    };
    if object.contains_key("event") {
        serde_json::from_str::<EventLine>(text)
            .map(|l| Parsed::Event(Box::new(l)))
            .map_err(|err| explain(&object, &err, "event"))
    } else if object.contains_key("ev") {
        serde_json::from_str::<TraceRecord>(text)
            .map(Parsed::Trace)
            .map_err(|err| explain(&object, &err, "ev"))
    } else {
        Err((
            Some("event".into()),
            "missing: neither an --events record (field `event`) nor a `gossip sim --trace` record (field `ev`)".into(),
        ))
    }
}

/// Names the field a serde error is about: the one it says is missing, or
/// the one holding the value it quotes (serde reports no position inside a
/// flattened record); `tag` for an unknown record kind.
fn explain(
    object: &Map<String, Value>,
    err: &serde_json::Error,
    tag: &str,
) -> (Option<String>, String) {
    let message = err.to_string();
    let text = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    if let Some(rest) = text.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        return (Some(field.to_owned()), "missing".into());
    }
    if let Some(rest) = text.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or_default();
        let field = object
            .iter()
            .find(|(k, v)| {
                v.as_str() == Some(value) && k.as_str() != "data" && k.as_str() != "topic"
            })
            .map_or(tag, |(k, _)| k.as_str());
        return (Some(field.to_owned()), text);
    }
    // "invalid type: string \"x\", expected u64" / "invalid value: ..."
    let quoted = text
        .split_once(": ")
        .map(|(_, rest)| rest.split(", expected").next().unwrap_or(rest))
        .unwrap_or_default();
    let field = object
        .iter()
        .find(|(_, v)| describes(quoted, v))
        .map(|(k, _)| k.clone())
        .or_else(|| malformed_address_or_id(object));
    (field, text)
}

/// The first address or id field whose value is not one (serde's message
/// for a bad address quotes no value).
fn malformed_address_or_id(object: &Map<String, Value>) -> Option<String> {
    let addr = |v: &Value| v.as_str().is_some_and(|s| s.parse::<SocketAddr>().is_ok());
    let id = |v: &Value| v.as_str().is_some_and(|s| s.parse::<MsgId>().is_ok());
    object
        .iter()
        .find(|(k, v)| match k.as_str() {
            "addr" | "to" | "peer_addr" => !addr(v),
            "bootstrap" => !v.is_null() && !addr(v),
            "node" | "msg_id" | "peer" | "sender_id" | "origin_id" => !id(v) && !v.is_u64(),
            "from" => !addr(v) && !id(v) && !v.is_u64(),
            _ => false,
        })
        .map(|(k, _)| k.clone())
}

/// Whether serde's description of an unexpected value (`string "x"`,
/// `integer \`5\``, `floating point \`1.5\``, `boolean \`true\``, `null`,
/// `map`, `sequence`) is `v`.
fn describes(quoted: &str, v: &Value) -> bool {
    match v {
        Value::String(s) => {
            !s.is_empty() && quoted.starts_with("string") && quoted.contains(s.as_str())
        }
        Value::Number(n) => quoted.contains(&format!("`{n}`")),
        Value::Bool(b) => quoted.contains(&format!("`{b}`")),
        Value::Null => quoted.starts_with("null") || quoted.starts_with("unit"),
        Value::Object(_) => quoted.starts_with("map"),
        Value::Array(_) => quoted.starts_with("sequence"),
    }
}

/// Splits bytes arriving in chunks into lines, keeping a line cut by a
/// chunk boundary for the next chunk. Lines are numbered from 1.
#[derive(Debug, Default)]
pub struct LineSplitter {
    rest: Vec<u8>,
    line: usize,
}

impl LineSplitter {
    /// Calls `on_line(number, text)` for every complete line of `chunk`
    /// (blank lines skipped; a line that is not UTF-8 is passed as `None`).
    pub fn feed(&mut self, chunk: &[u8], mut on_line: impl FnMut(usize, Option<&str>)) {
        let mut start = 0;
        for (i, b) in chunk.iter().enumerate() {
            if *b != b'\n' {
                continue;
            }
            self.line += 1;
            if self.rest.is_empty() {
                emit(self.line, &chunk[start..i], &mut on_line);
            } else {
                self.rest.extend_from_slice(&chunk[start..i]);
                let whole = std::mem::take(&mut self.rest);
                emit(self.line, &whole, &mut on_line);
            }
            start = i + 1;
        }
        self.rest.extend_from_slice(&chunk[start..]);
    }

    /// Passes the last line when the input did not end with a newline.
    pub fn finish(&mut self, mut on_line: impl FnMut(usize, Option<&str>)) {
        if !self.rest.is_empty() {
            self.line += 1;
            let whole = std::mem::take(&mut self.rest);
            emit(self.line, &whole, &mut on_line);
        }
    }
}

fn emit(line: usize, bytes: &[u8], on_line: &mut impl FnMut(usize, Option<&str>)) {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return;
    }
    on_line(line, std::str::from_utf8(bytes).ok());
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    const SEND: &str = r#"{"ts_ms":1700000000123,"ts_us":1700000000123456,"node":"0000000000000000000000000000000a","addr":"127.0.0.1:9000","event":"send","msg_type":"GOSSIP","msg_id":"00000000000000000000000000000003","to":"127.0.0.1:9001","ttl":7,"bytes":301}"#;

    #[test]
    fn both_formats_parse() {
        assert!(matches!(parse_line(SEND), Ok(Parsed::Event(_))));
        let trace = r#"{"t_us":5,"ev":"deliver","node":3,"id":"00000000000000000000000000000003","hops":2,"pulled":false}"#;
        assert!(
            matches!(parse_line(trace), Ok(Parsed::Trace(_))),
            "{:?}",
            parse_line(trace)
        );
    }

    #[test]
    fn errors_name_the_field() {
        let bad_ts = SEND.replace("\"ts_us\":1700000000123456", "\"ts_us\":\"soon\"");
        assert_eq!(parse_line(&bad_ts).unwrap_err().0.as_deref(), Some("ts_us"));
        let no_node = SEND.replace("\"node\":\"0000000000000000000000000000000a\",", "");
        assert_eq!(parse_line(&no_node).unwrap_err().0.as_deref(), Some("node"));
        let bad_kind = SEND.replace("\"event\":\"send\"", "\"event\":\"teleport\"");
        assert_eq!(
            parse_line(&bad_kind).unwrap_err().0.as_deref(),
            Some("event")
        );
        let bad_to = SEND.replace("127.0.0.1:9001", "nowhere");
        assert_eq!(parse_line(&bad_to).unwrap_err().0.as_deref(), Some("to"));
        assert_eq!(parse_line("[1]").unwrap_err().0, None);
        assert!(parse_line("{\"x\":1}").unwrap_err().1.contains("--events"));
    }

    #[test]
    fn lines_cut_by_chunks_are_joined() {
        let mut s = LineSplitter::default();
        let mut got = Vec::new();
        let text = "ab\n\ncd\r\nef";
        for chunk in text.as_bytes().chunks(3) {
            s.feed(chunk, |n, l| got.push((n, l.map(str::to_owned))));
        }
        s.finish(|n, l| got.push((n, l.map(str::to_owned))));
        let want: Vec<(usize, Option<String>)> = vec![
            (1, Some("ab".into())),
            (3, Some("cd".into())),
            (4, Some("ef".into())),
        ];
        assert_eq!(got, want);
    }
}
