#![no_main]
//! See `casstune_fuzz::lint` (fuzz/src/lib.rs) for what this target covers.

libfuzzer_sys::fuzz_target!(|data: &[u8]| casstune_fuzz::lint(data));
