//! End-to-end tests of the `gossip` binary: real processes exchanging real UDP
//! datagrams on loopback, observed through their `--events` files.

mod bootstrap;
mod cli;
mod cluster;
mod common;
mod dissemination;
mod garbage;
mod pow;
