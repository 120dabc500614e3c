//! Converts the shipped rule files (rules/*.yaml) to JSON at build time: they are authored
//! in YAML, but parsing JSON at start-up is several times cheaper, and `lint` runs in
//! pre-commit hooks where every millisecond shows. A syntax error in a shipped rule file
//! fails the build with its file name.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<PathBuf> = std::fs::read_dir("rules")
        .expect("rules/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("readable rule file");
        let value: serde_json::Value = serde_saphyr::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: invalid rule file: {e}", path.display()));
        let name = path.to_string_lossy().replace('\\', "/");
        out.push(serde_json::json!([name, value]));
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("shipped_rules.json");
    std::fs::write(dest, serde_json::to_string(&out).expect("json")).expect("write OUT_DIR");
}
