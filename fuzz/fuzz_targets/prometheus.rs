#![no_main]
//! See `casstune_fuzz::prometheus` (fuzz/src/lib.rs) for what this target covers.

libfuzzer_sys::fuzz_target!(|data: &[u8]| casstune_fuzz::prometheus(data));
