//! Hints that ask the processor to fetch memory into its cache before it
//! is read, so a simulator event's node and datagram are there when the
//! event is handled instead of stalling on a miss each (at 100 000 nodes
//! almost every event's memory is cold). A hint changes no result: it is
//! a `prefetch` instruction on x86 and ARM and nothing elsewhere (wasm).

use prefetch_index::prefetch_index;

/// Fetches the cache line holding `data[i]` (nothing when `i` is out of
/// bounds).
#[inline(always)]
pub(crate) fn slice<T>(data: &[T], i: usize) {
    if i < data.len() {
        prefetch_index(data, i);
    }
}

/// Fetches the cache line `value` starts on.
#[inline(always)]
pub(crate) fn value<T>(value: &T) {
    prefetch_index(core::slice::from_ref(value), 0);
}
