//! `gossip [node flags]`: one node in this terminal, publishing each line typed.

use std::net::{IpAddr, SocketAddr};

use anyhow::Context;
use gossip_core::{Config, NodeId};
use tokio::net::UdpSocket;
use tokio::signal::unix::{signal, SignalKind};
use tracing::{info, warn};

use crate::args::{NodeArgs, Settings, DEFAULT_PORT};
use crate::driver::{self, LineSource};
use crate::interfaces::{self, Reason};
use crate::logging;

/// A fresh node id from the operating system's randomness, shaped like the
/// original's `uuid4().hex`, so nodes started with the same `--seed` differ.
pub fn random_node_id() -> anyhow::Result<NodeId> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| anyhow::anyhow!("cannot read OS randomness for the node id: {e}"))?;
    Ok(NodeId::from_random_bytes(bytes))
}

/// Binds a UDP socket on `bind:port` and returns it with the address to
/// advertise in `sender_addr` (see [`interfaces::choose`]; how it was chosen
/// is logged when it is not simply the bound address).
pub async fn bind(
    bind: IpAddr,
    port: u16,
    advertise: Option<SocketAddr>,
) -> anyhow::Result<(UdpSocket, SocketAddr)> {
    let socket = UdpSocket::bind((bind, port))
        .await
        .with_context(|| format!("cannot bind UDP {bind}:{port}"))?;
    let local = socket.local_addr().context("bound socket has no address")?;
    let lan = if advertise.is_none() && local.ip().is_unspecified() {
        interfaces::lan_ipv4().context("cannot list network interfaces; give --advertise")?
    } else {
        Vec::new()
    };
    let (advertised, reason) = interfaces::choose(local, advertise, &lan)?;
    match reason {
        Reason::Given | Reason::Bound => {}
        Reason::OnlyInterface(iface) => info!(
            addr = %advertised,
            interface = %iface.name,
            "bound to {local}; advertising {advertised}, the address of {}, the only non-loopback IPv4 interface",
            iface.name
        ),
        Reason::NoInterface => warn!(
            addr = %advertised,
            "bound to {local} but no non-loopback IPv4 interface is up: advertising {advertised}, \
             reachable from this machine only (give --advertise for another)"
        ),
    }
    Ok((socket, advertised))
}

/// The core config for a node reachable at `addr`, with a fresh random id.
pub fn node_config(settings: &Settings, addr: SocketAddr) -> anyhow::Result<Config> {
    Ok(Config {
        addr,
        node_id: Some(random_node_id()?),
        ..settings.config.clone()
    })
}

/// Runs one node until Ctrl-C or SIGTERM.
pub async fn run(args: NodeArgs) -> anyhow::Result<()> {
    let settings = args.resolve()?;
    logging::init(settings.log_format, "info");
    if let (Some(host), Some(addr)) = (&settings.bootstrap_host, settings.config.bootstrap) {
        info!("bootstrap {host} resolved to {addr}");
    }
    let (socket, addr) = bind(
        settings.bind,
        settings.port.unwrap_or(DEFAULT_PORT),
        settings.advertise,
    )
    .await?;
    let config = node_config(&settings, addr)?;
    let sink = settings.open_events()?;
    let mut term = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let shutdown = async move {
        tokio::select! {
            res = tokio::signal::ctrl_c() => {
                if let Err(err) = res {
                    warn!(error = %err, "cannot watch Ctrl-C; waiting for SIGTERM");
                    term.recv().await;
                }
            }
            _ = term.recv() => {}
        }
    };
    driver::run(
        socket,
        config,
        LineSource::stdin(),
        shutdown,
        sink,
        |_, _| {},
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_are_random_uuid4() {
        let a = random_node_id().expect("id");
        let b = random_node_id().expect("id");
        assert_ne!(a, b);
        let text = a.to_string();
        assert_eq!(&text[12..13], "4");
        assert!(matches!(&text[16..17], "8" | "9" | "a" | "b"), "{text}");
    }
}
