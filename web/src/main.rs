//! Entry point of the browser lab: trunk builds this binary to wasm.

fn main() {
    gossip_web::start();
}
