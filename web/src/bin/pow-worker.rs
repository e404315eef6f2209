//! The proof-of-work Web Worker: trunk builds this binary as a worker
//! (`data-type="worker"` in index.html); the lab starts it to hash off the
//! main thread.

fn main() {
    gossip_web::pow_worker::serve();
}
