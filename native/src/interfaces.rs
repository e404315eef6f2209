//! Which address a node bound to every interface (`--bind 0.0.0.0`) should
//! advertise: the one given with `--advertise`, or else the machine's only
//! usable IPv4 address, read from its interfaces with `getifaddrs(3)`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use nix::net::if_::InterfaceFlags;
use thiserror::Error;

/// One IPv4 address of a network interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The interface's name, e.g. `eth0` or `wlan0`.
    pub name: String,
    /// Its IPv4 address.
    pub ip: Ipv4Addr,
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.ip)
    }
}

/// The IPv4 addresses of interfaces that are up and running, other than
/// loopback and link-local (169.254.x.x) ones: those peers on a LAN could use.
pub fn lan_ipv4() -> nix::Result<Vec<Interface>> {
    let wanted = InterfaceFlags::IFF_UP | InterfaceFlags::IFF_RUNNING;
    Ok(nix::ifaddrs::getifaddrs()?
        .filter(|a| a.flags.contains(wanted) && !a.flags.contains(InterfaceFlags::IFF_LOOPBACK))
        .filter_map(|a| {
            let ip = a.address?.as_sockaddr_in()?.ip();
            (!ip.is_loopback() && !ip.is_link_local()).then_some(Interface {
                name: a.interface_name,
                ip,
            })
        })
        .collect())
}

/// Why the advertised address is what it is (printed at start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `--advertise` named it.
    Given,
    /// The socket is bound to a specific address, which peers can use.
    Bound,
    /// Bound to every interface and this is the only LAN interface.
    OnlyInterface(Interface),
    /// Bound to every interface but the machine has no LAN interface.
    NoInterface,
}

/// No address can be chosen without `--advertise`.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum AdvertiseError {
    /// Several interfaces could be the one peers reach.
    #[error(
        "bound to {bound}, which listens on every interface, and this machine has several \
         IPv4 interfaces ({}); say which address peers should use with --advertise IP:{}, \
         e.g. --advertise {}:{}",
        list(.interfaces), .bound.port(), .interfaces[0].ip, .bound.port()
    )]
    Ambiguous {
        /// The bound address.
        bound: SocketAddr,
        /// The candidates.
        interfaces: Vec<Interface>,
    },
}

fn list(interfaces: &[Interface]) -> String {
    interfaces
        .iter()
        .map(Interface::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The address to advertise for a socket bound to `bound`: `given` when set;
/// the bound address when it is a specific one; for an unspecified bind
/// (0.0.0.0 or ::), the only LAN interface's address with the bound port, or
/// loopback when there is none. Several LAN interfaces are an error, since
/// only the user knows which network the peers are on.
pub fn choose(
    bound: SocketAddr,
    given: Option<SocketAddr>,
    interfaces: &[Interface],
) -> Result<(SocketAddr, Reason), AdvertiseError> {
    if let Some(addr) = given {
        return Ok((addr, Reason::Given));
    }
    if !bound.ip().is_unspecified() {
        return Ok((bound, Reason::Bound));
    }
    match interfaces {
        [] => Ok((
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), bound.port()),
            Reason::NoInterface,
        )),
        [only] => Ok((
            SocketAddr::new(IpAddr::V4(only.ip), bound.port()),
            Reason::OnlyInterface(only.clone()),
        )),
        several => Err(AdvertiseError::Ambiguous {
            bound,
            interfaces: several.to_vec(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, ip: [u8; 4]) -> Interface {
        Interface {
            name: name.to_owned(),
            ip: ip.into(),
        }
    }

    fn addr(text: &str) -> SocketAddr {
        text.parse().expect("socket address")
    }

    #[test]
    fn given_and_specific_addresses_win() {
        let lan = [iface("eth0", [10, 0, 0, 5])];
        let given = addr("192.168.1.9:9000");
        assert_eq!(
            choose(addr("0.0.0.0:9000"), Some(given), &lan),
            Ok((given, Reason::Given))
        );
        let bound = addr("10.0.0.5:9000");
        assert_eq!(choose(bound, None, &lan), Ok((bound, Reason::Bound)));
    }

    #[test]
    fn the_only_interface_is_chosen_with_the_bound_port() {
        let lan = [iface("eth0", [10, 77, 0, 3])];
        assert_eq!(
            choose(addr("0.0.0.0:9000"), None, &lan),
            Ok((
                addr("10.77.0.3:9000"),
                Reason::OnlyInterface(lan[0].clone())
            ))
        );
        assert_eq!(
            choose(addr("0.0.0.0:9001"), None, &[]),
            Ok((addr("127.0.0.1:9001"), Reason::NoInterface))
        );
    }

    #[test]
    fn several_interfaces_need_advertise() {
        let lan = [
            iface("eth0", [10, 0, 0, 5]),
            iface("wlan0", [192, 168, 1, 20]),
        ];
        let err = choose(addr("0.0.0.0:9000"), None, &lan).expect_err("ambiguous");
        let text = err.to_string();
        assert!(text.contains("eth0 10.0.0.5, wlan0 192.168.1.20"), "{text}");
        assert!(text.contains("--advertise 10.0.0.5:9000"), "{text}");
    }

    #[test]
    fn this_machine_lists_no_loopback_interface() {
        let found = lan_ipv4().expect("getifaddrs");
        assert!(found.iter().all(|i| !i.ip.is_loopback()), "{found:?}");
    }
}
