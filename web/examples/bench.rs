//! Native side of the wasm-vs-native simulator benchmark: prints events/s for
//! the same workload the page's "benchmark" button runs in wasm.

use std::time::Instant;

fn main() {
    let origin = Instant::now();
    let mut best = 0.0f64;
    for _ in 0..3 {
        let r = gossip_web::model::bench::run(|| origin.elapsed().as_secs_f64() * 1_000.0);
        println!(
            "native: {} events in {:.1} ms = {:.0} events/s",
            r.events,
            r.wall_ms,
            r.events_per_sec()
        );
        best = best.max(r.events_per_sec());
    }
    println!("native best: {best:.0} events/s");
}
