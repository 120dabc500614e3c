//! Inputs that once crashed a fuzz target, replayed on every `cargo test`.
//!
//! Each file in `fuzz/regressions/<target>/` is an input (minimised with `cargo fuzz tmin`) that
//! made target `<target>` panic, time out or run out of memory before its fix. The test runs it
//! through the very function the fuzz target calls: `fuzz/src/lib.rs` is included below, so the
//! fuzz harness and this test cannot drift apart. See `fuzz/README.md`.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;
use std::time::{Duration, Instant};

/// The fuzzer's own limit is 10 s per input; a regression input that needed more was a
/// slowness bug, and the fixed code must be far below it even in a debug build.
const SLOW: Duration = Duration::from_secs(5);

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let Ok(listing) = std::fs::read_dir(&dir) else {
        return;
    };
    let mut inputs: Vec<_> = listing
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    inputs.sort();
    for path in inputs {
        let data = std::fs::read(&path).expect("readable regression input");
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let start = Instant::now();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(
            outcome.is_ok(),
            "fuzz/regressions/{target}/{name} crashes again (see the panic above)"
        );
        assert!(
            start.elapsed() < SLOW,
            "fuzz/regressions/{target}/{name} took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn units() {
    replay("units", harness::units);
}

#[test]
fn yaml() {
    replay("yaml", harness::yaml);
}

#[test]
fn jvm() {
    replay("jvm", harness::jvm);
}

#[test]
fn prometheus() {
    replay("prometheus", harness::prometheus);
}

#[test]
fn snapshot() {
    replay("snapshot", harness::snapshot);
}

#[test]
fn lint() {
    replay("lint", harness::lint);
}
