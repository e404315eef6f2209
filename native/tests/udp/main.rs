//! End-to-end tests of the `gossip` binary: real processes exchanging real UDP
//! datagrams on loopback, observed through their `--events` files.

mod analyze;
mod attacks;
mod bootstrap;
mod cli;
mod cluster;
mod common;
mod dissemination;
mod experiment_real;
mod garbage;
mod netns;
mod observe;
mod pow;
