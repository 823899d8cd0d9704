//! The documented commands keep working: `cargo run --release -p bench`
//! must know which binary to run now that the crate has two (bench, soak).

#[test]
fn cargo_run_without_bin_runs_the_benchmarks() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .expect("bench/Cargo.toml");
    let bins = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/bin"))
        .map(|d| d.count())
        .unwrap_or(0);
    if bins > 0 {
        assert!(
            manifest
                .lines()
                .any(|l| l.trim().replace(' ', "") == "default-run=\"bench\""),
            "bench has several binaries: set default-run = \"bench\" in bench/Cargo.toml, \
             or `cargo run --release -p bench` (README, BENCHMARKS.md) stops working"
        );
    }
}
