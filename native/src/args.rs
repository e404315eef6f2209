//! Node flags, the TOML config file, and how the two merge into a core
//! [`Config`] (flags win over the file, the file over the defaults).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use gossip_core::{Config, Mode};
use serde::Deserialize;

use crate::events::EventSink;
use crate::report::Reporter;

/// Parses a dissemination strategy by name; `--help` lists every strategy
/// core has ([`Mode::ALL`]), each with its one-line description.
pub fn mode_parser() -> impl clap::builder::TypedValueParser<Value = Mode> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        Mode::ALL.map(|m| PossibleValue::new(m.as_str()).help(m.description())),
    )
    .try_map(|name| name.parse::<Mode>())
}

/// How log lines are written to standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The flags of one node (also accepted by `gossip cluster`). Every flag is
/// optional so a config file can fill what the command line leaves out; the
/// defaults are the original implementation's.
#[derive(Debug, Clone, Default, Args)]
pub struct NodeArgs {
    /// UDP port to listen on [default: 8000; in `cluster`, the first node's
    /// port, the others counting up, or free ports when omitted]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Address of a node to join through, as ip:port or host:port (a host
    /// name is resolved once at start, to its first IPv4 address); omit it
    /// on the seed node
    #[arg(long, value_name = "HOST:PORT", value_parser = check_host_port)]
    pub bootstrap: Option<String>,

    /// Gossip parameters, shared with `gossip sim` and `gossip experiment`.
    #[command(flatten)]
    pub protocol: ProtocolArgs,

    /// Seed of the node's random choices (node ids come from the OS and differ anyway) [default: 42]
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Address to bind, IP or IP:PORT (the port then replaces --port);
    /// 0.0.0.0 listens on every interface, for a node on a LAN [default: 127.0.0.1]
    #[arg(long, value_name = "IP[:PORT]")]
    pub bind: Option<BindAddr>,

    /// ip:port or host:port peers should use to reach this node (goes into
    /// `sender_addr`). Needed with --bind 0.0.0.0 when the machine has several
    /// IPv4 interfaces, or behind NAT [default: the bound address; with
    /// 0.0.0.0, the only non-loopback IPv4 interface's address, or 127.0.0.1
    /// when there is none]
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_addr)]
    pub advertise: Option<SocketAddr>,

    /// Accept datagrams whose `sender_addr` differs from their real source
    /// (needed behind address translation; turns the anti-spoofing check off)
    #[arg(long)]
    pub trust_sender_addr: bool,

    /// Log line format on standard output (RUST_LOG sets the level) [default: text]
    #[arg(long, value_enum)]
    pub log_format: Option<LogFormat>,

    /// Append a JSON Lines record of every send, receive, delivery, peer
    /// change and rejection (epoch-ms timestamps) to FILE, for analysis
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// Also send those records to a `gossip observe` at HOST:PORT (WebSocket),
    /// for the browser lab's live view; when the observer is slow or gone,
    /// records are dropped and counted, never the node's own traffic
    #[arg(long, value_name = "HOST:PORT")]
    pub report_to: Option<String>,

    /// TOML file with the same parameters (snake_case keys, e.g.
    /// `peer_limit = 30`); flags given on the command line win
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The gossip parameters every command takes with the same flag, meaning and
/// default (the original's): the node, `cluster`, `sim` and `experiment`.
/// Each is optional so that a config file or scenario can fill the rest.
#[derive(Debug, Clone, Default, Args, Deserialize)]
pub struct ProtocolArgs {
    /// Peers each gossip is forwarded to; also peers pinged and offered IHAVE per round [default: 3]
    #[arg(long, value_name = "N")]
    pub fanout: Option<u32>,

    /// Hops a new gossip may travel [default: 8]
    #[arg(long, value_name = "HOPS")]
    pub ttl: Option<u32>,

    /// Most neighbours kept; the least recently heard one is evicted when full [default: 20]
    #[arg(long, value_name = "N")]
    pub peer_limit: Option<u32>,

    /// Seconds between PING rounds [default: 2.0]
    #[arg(long, value_name = "SECS")]
    pub ping_interval: Option<f64>,

    /// Seconds of silence after which a peer is removed as dead [default: 6.0]
    #[arg(long, value_name = "SECS")]
    pub peer_timeout: Option<f64>,

    /// Dissemination strategy [default: push]
    #[arg(long, value_parser = mode_parser())]
    pub mode: Option<Mode>,

    /// Seconds between IHAVE rounds in hybrid mode and pull rounds in pull mode [default: 2.0]
    #[arg(long, value_name = "SECS")]
    pub pull_interval: Option<f64>,

    /// Plumtree: seconds between batches of lazy IHAVE announcements [default: 0.5]
    #[arg(long, value_name = "SECS")]
    pub lazy_interval: Option<f64>,

    /// Plumtree: seconds an announced gossip may be missing before GRAFT [default: 0.5]
    #[arg(long, value_name = "SECS")]
    pub graft_timeout: Option<f64>,

    /// Most gossip ids offered per IHAVE [default: 32]
    #[arg(long, value_name = "N")]
    pub ihave_max_ids: Option<u32>,

    /// Proof-of-work difficulty in leading zero hex digits, required from
    /// joiners and solved before joining; 0 turns it off [default: 0]
    #[arg(long, value_name = "K")]
    pub pow_k: Option<u32>,
}

impl ProtocolArgs {
    /// Each value from `self`, or from `fallback` where `self` has none.
    pub fn or(&self, fallback: &ProtocolArgs) -> ProtocolArgs {
        ProtocolArgs {
            fanout: self.fanout.or(fallback.fanout),
            ttl: self.ttl.or(fallback.ttl),
            peer_limit: self.peer_limit.or(fallback.peer_limit),
            ping_interval: self.ping_interval.or(fallback.ping_interval),
            peer_timeout: self.peer_timeout.or(fallback.peer_timeout),
            mode: self.mode.or(fallback.mode),
            pull_interval: self.pull_interval.or(fallback.pull_interval),
            lazy_interval: self.lazy_interval.or(fallback.lazy_interval),
            graft_timeout: self.graft_timeout.or(fallback.graft_timeout),
            ihave_max_ids: self.ihave_max_ids.or(fallback.ihave_max_ids),
            pow_k: self.pow_k.or(fallback.pow_k),
        }
    }

    /// Writes every value given into `config`, then checks the result with
    /// core's [`Config::validate`]; errors name the flag.
    pub fn apply(&self, config: &mut Config) -> anyhow::Result<()> {
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(v) = self.$field {
                    config.$field = v.into();
                }
            )*};
        }
        set!(fanout, ttl, peer_limit, mode, ihave_max_ids, pow_k);
        config.ping_interval = secs("ping-interval", self.ping_interval, config.ping_interval)?;
        config.peer_timeout = secs("peer-timeout", self.peer_timeout, config.peer_timeout)?;
        config.pull_interval = secs("pull-interval", self.pull_interval, config.pull_interval)?;
        config.lazy_interval = secs("lazy-interval", self.lazy_interval, config.lazy_interval)?;
        config.graft_timeout = secs("graft-timeout", self.graft_timeout, config.graft_timeout)?;
        config
            .validate()
            .map_err(|e| anyhow::anyhow!("--{} {e}", e.field().replace('_', "-")))
    }
}

/// The parameters a config file may set: the flags' names in snake_case.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// See `--port`.
    pub port: Option<u16>,
    /// See `--bootstrap`.
    pub bootstrap: Option<String>,
    /// See the gossip parameters' flags.
    #[serde(flatten)]
    pub protocol: ProtocolArgs,
    /// See `--seed`.
    pub seed: Option<u64>,
    /// See `--bind`.
    pub bind: Option<String>,
    /// See `--advertise`.
    pub advertise: Option<String>,
    /// See `--trust-sender-addr`.
    pub trust_sender_addr: Option<bool>,
    /// See `--log-format`.
    pub log_format: Option<LogFormat>,
    /// See `--events`.
    pub events: Option<PathBuf>,
}

impl FileConfig {
    /// Reads and parses a TOML config file.
    pub fn load(path: &Path) -> anyhow::Result<FileConfig> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// `--bind`: an IP address, optionally with the port to listen on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindAddr {
    /// Address to bind.
    pub ip: IpAddr,
    /// Port, when given as IP:PORT.
    pub port: Option<u16>,
}

impl FromStr for BindAddr {
    type Err = String;

    fn from_str(text: &str) -> Result<BindAddr, String> {
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(BindAddr { ip, port: None });
        }
        text.parse::<SocketAddr>()
            .map(|a| BindAddr {
                ip: a.ip(),
                port: Some(a.port()),
            })
            .map_err(|_| format!("{text:?} is not an IP address or IP:PORT (e.g. 0.0.0.0:9000)"))
    }
}

/// Everything a node needs to start, after merging flags, file and defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The protocol configuration; `addr` is filled in once the socket is bound.
    pub config: Config,
    /// `--bootstrap` as given, when it named a host rather than an IP, to
    /// say at start what it resolved to.
    pub bootstrap_host: Option<String>,
    /// Port to bind (0 lets the OS choose); `None` when the flag was omitted.
    pub port: Option<u16>,
    /// Address to bind.
    pub bind: IpAddr,
    /// Address to advertise instead of the bound one.
    pub advertise: Option<SocketAddr>,
    /// Log format.
    pub log_format: LogFormat,
    /// JSON Lines event file.
    pub events: Option<PathBuf>,
    /// `gossip observe` to send the event records to.
    pub report_to: Option<String>,
}

/// The original's default port.
pub const DEFAULT_PORT: u16 = 8000;

impl NodeArgs {
    /// Merges these flags with the config file they name (if any) and the defaults.
    pub fn resolve(&self) -> anyhow::Result<Settings> {
        let file = match &self.config {
            Some(path) => FileConfig::load(path)?,
            None => FileConfig::default(),
        };
        let defaults = Config::default();
        let file_addr = |text: &Option<String>, key: &str| -> anyhow::Result<Option<SocketAddr>> {
            text.as_deref()
                .map(|t| parse_addr(t).map_err(|e| anyhow::anyhow!("config key `{key}`: {e}")))
                .transpose()
        };
        let bootstrap_text = self.bootstrap.as_ref().or(file.bootstrap.as_ref());
        let bootstrap = bootstrap_text
            .map(|text| {
                parse_addr(text).map_err(|e| anyhow::anyhow!("cannot use --bootstrap: {e}"))
            })
            .transpose()?;
        let bind = match self.bind {
            Some(b) => Some(b),
            None => file
                .bind
                .as_deref()
                .map(|t| t.parse::<BindAddr>())
                .transpose()
                .map_err(|e| anyhow::anyhow!("config key `bind`: {e}"))?,
        };
        let port = self.port.or(file.port);
        let port = match (bind.and_then(|b| b.port), port) {
            (Some(a), Some(b)) if a != b => {
                bail!("--bind gives port {a} but --port (or the config file) gives {b}; give one")
            }
            (bound, port) => bound.or(port),
        };
        let mut config = Config {
            bootstrap,
            seed: self.seed.or(file.seed).unwrap_or(defaults.seed),
            trust_sender_addr: self.trust_sender_addr || file.trust_sender_addr.unwrap_or(false),
            ..defaults
        };
        self.protocol.or(&file.protocol).apply(&mut config)?;
        config.node_id = None;
        Ok(Settings {
            config,
            bootstrap_host: bootstrap_text
                .filter(|t| t.parse::<SocketAddr>().is_err())
                .cloned(),
            port,
            bind: bind.map_or(IpAddr::V4(Ipv4Addr::LOCALHOST), |b| b.ip),
            advertise: self.advertise.or(file_addr(&file.advertise, "advertise")?),
            log_format: self.log_format.or(file.log_format).unwrap_or_default(),
            events: self.events.clone().or(file.events),
            report_to: self.report_to.clone(),
        })
    }
}

impl Settings {
    /// Opens the `--events` file and starts the `--report-to` reporter,
    /// when they were asked for (the reporter needs a tokio runtime).
    pub fn open_events(&self) -> anyhow::Result<Option<EventSink>> {
        let file = self
            .events
            .as_deref()
            .map(|path| {
                EventSink::open(path)
                    .with_context(|| format!("cannot open events file {}", path.display()))
            })
            .transpose()?;
        let reporter = self.report_to.clone().map(Reporter::start);
        Ok(match (file, reporter) {
            (Some(sink), reporter) => Some(sink.reporting(reporter)),
            (None, Some(reporter)) => Some(EventSink::report_only(reporter)),
            (None, None) => None,
        })
    }
}

/// Float seconds from a flag or file, checked to be positive and finite.
fn secs(name: &str, value: Option<f64>, default: Duration) -> anyhow::Result<Duration> {
    let Some(v) = value else {
        return Ok(default);
    };
    if !(v.is_finite() && v > 0.0) {
        bail!("--{name} must be a positive number of seconds, got {v}");
    }
    Duration::try_from_secs_f64(v).with_context(|| format!("--{name} {v} is out of range"))
}

/// Checks that `text` is shaped `host:port` (or `ip:port`) without
/// resolving it, so the host is looked up once, at start.
pub fn check_host_port(text: &str) -> Result<String, String> {
    if text.parse::<SocketAddr>().is_ok() {
        return Ok(text.to_owned());
    }
    match text.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(text.to_owned())
        }
        _ => Err(format!(
            "{text:?} is not HOST:PORT or IP:PORT (e.g. seed.local:9000 or 192.168.1.10:9000)"
        )),
    }
}

/// Parses `ip:port`, or `host:port` resolved to its first IPv4 address.
pub fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    check_host_port(text)?;
    let host = text.rsplit_once(':').map_or(text, |(h, _)| h);
    let resolved: Vec<SocketAddr> = text
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve host {host:?} of {text:?}: {e}"))?
        .collect();
    resolved
        .iter()
        .find(|a| a.is_ipv4())
        .or_else(|| resolved.first())
        .copied()
        .ok_or_else(|| format!("host {host:?} of {text:?} resolves to no address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_originals() {
        let s = NodeArgs::default().resolve().expect("defaults resolve");
        assert_eq!(s.port, None);
        assert_eq!(s.config.fanout, 3);
        assert_eq!(s.config.ttl, 8);
        assert_eq!(s.config.peer_limit, 20);
        assert_eq!(s.config.ping_interval, Duration::from_secs(2));
        assert_eq!(s.config.peer_timeout, Duration::from_secs(6));
        assert_eq!(s.config.seed, 42);
        assert_eq!(s.config.mode, Mode::Push);
        assert_eq!(s.config.pull_interval, Duration::from_secs(2));
        assert_eq!(s.config.ihave_max_ids, 32);
        assert_eq!(s.config.pow_k, 0);
        assert!(!s.config.trust_sender_addr);
        assert_eq!(s.bind, IpAddr::V4(Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn flags_win_over_the_file() {
        let dir = tempfile::Builder::new()
            .prefix("gossip-args-")
            .tempdir()
            .expect("temp dir");
        let path = dir.path().join("node.toml");
        std::fs::write(
            &path,
            "fanout = 5\nttl = 4\nmode = \"hybrid\"\nping_interval = 0.5\nbootstrap = \"127.0.0.1:9000\"\n",
        )
        .expect("write config");
        let args = NodeArgs {
            protocol: ProtocolArgs {
                fanout: Some(7),
                ..ProtocolArgs::default()
            },
            config: Some(path),
            ..NodeArgs::default()
        };
        let s = args.resolve().expect("resolves");
        assert_eq!(s.config.fanout, 7);
        assert_eq!(s.config.ttl, 4);
        assert_eq!(s.config.mode, Mode::Hybrid);
        assert_eq!(s.config.ping_interval, Duration::from_millis(500));
        assert_eq!(
            s.config.bootstrap,
            Some("127.0.0.1:9000".parse().expect("addr"))
        );
    }

    #[test]
    fn a_misspelt_config_key_is_an_error() {
        let err = toml::from_str::<FileConfig>("fanout = 4\nfanuot = 5\n")
            .expect_err("unknown key refused");
        assert!(err.to_string().contains("fanuot"), "{err}");
        let ok: FileConfig = toml::from_str("fanout = 4\nport = 9000\n").expect("known keys");
        assert_eq!((ok.protocol.fanout, ok.port), (Some(4), Some(9000)));
    }

    #[test]
    fn bad_values_are_errors() {
        let args = NodeArgs {
            protocol: ProtocolArgs {
                ping_interval: Some(0.0),
                ..ProtocolArgs::default()
            },
            ..NodeArgs::default()
        };
        let err = args.resolve().expect_err("zero interval refused");
        assert!(err.to_string().contains("ping-interval"), "{err}");
        assert!(parse_addr("not an address").is_err());
    }

    #[test]
    fn bind_takes_an_ip_or_ip_and_port() {
        let args = NodeArgs {
            bind: Some("0.0.0.0:9000".parse().expect("bind")),
            ..NodeArgs::default()
        };
        let s = args.resolve().expect("resolves");
        assert_eq!(
            (s.bind, s.port),
            (IpAddr::V4(Ipv4Addr::UNSPECIFIED), Some(9000))
        );
        let args = NodeArgs {
            bind: Some("0.0.0.0".parse().expect("bind")),
            port: Some(9001),
            ..NodeArgs::default()
        };
        let s = args.resolve().expect("resolves");
        assert_eq!(
            (s.bind, s.port),
            (IpAddr::V4(Ipv4Addr::UNSPECIFIED), Some(9001))
        );
        let args = NodeArgs {
            bind: Some("0.0.0.0:9000".parse().expect("bind")),
            port: Some(9001),
            ..NodeArgs::default()
        };
        let err = args.resolve().expect_err("two ports refused");
        assert!(err.to_string().contains("9000"), "{err}");
        assert!("0.0.0.0:port".parse::<BindAddr>().is_err());
    }

    #[test]
    fn bootstrap_host_names_are_resolved_at_start() {
        let args = NodeArgs {
            bootstrap: Some("localhost:9000".to_owned()),
            ..NodeArgs::default()
        };
        let s = args.resolve().expect("localhost resolves");
        let addr = s.config.bootstrap.expect("bootstrap");
        assert!(addr.ip().is_loopback() && addr.port() == 9000, "{addr}");
        assert_eq!(s.bootstrap_host.as_deref(), Some("localhost:9000"));

        let args = NodeArgs {
            bootstrap: Some("no-such-host.invalid:9000".to_owned()),
            ..NodeArgs::default()
        };
        let err = args
            .resolve()
            .expect_err("unknown host refused")
            .to_string();
        assert!(err.contains("--bootstrap"), "{err}");
        assert!(
            err.contains("cannot resolve host \"no-such-host.invalid\""),
            "{err}"
        );

        assert!(check_host_port("seed.local:9000").is_ok());
        assert!(check_host_port("seed.local").is_err());
        assert!(check_host_port(":9000").is_err());
    }
}
