use super::*;

#[test]
fn the_runtime_section_is_kept_after_the_ui_one() {
    let old = "# old\n<!-- bench/runtime: begin -->\nrt\n<!-- bench/runtime: end -->\n\
               <!-- ui-bench:begin -->\nui\n<!-- ui-bench:end -->\n";
    assert_eq!(
        keep_sections("# new\n".into(), old),
        "# new\n\n<!-- ui-bench:begin -->\nui\n<!-- ui-bench:end -->\n\
         \n<!-- bench/runtime: begin -->\nrt\n<!-- bench/runtime: end -->\n"
    );
}

fn measured(key: &'static str, median: f64, lo: f64, hi: f64) -> Summary {
    let mut metrics = Metrics::default();
    metrics.values.insert(key, median);
    Summary::Measured {
        metrics,
        range: BTreeMap::from([(key, (lo, hi))]),
        each: BTreeMap::from([(key, vec![lo, median, hi])]),
        runs: 3,
    }
}

fn context() -> Context {
    Context {
        command: "cargo run --release -p bench".into(),
        date: "today".into(),
        commit: "`abc`".into(),
        library: "test".into(),
        machine: machine(),
        versions: Vec::new(),
        sizes: Sizes::new(false),
        repeat: 3,
        quick: false,
        doc_bytes: Some(10_790_907),
        minimal_leaf_bytes: 92,
        raw_name: "BENCHMARKS.raw.txt".into(),
        load_start: String::new(),
    }
}

#[test]
fn targets_ratios_and_noise_are_judged_from_medians() {
    let mut results = Results::new();
    // Throughput: 9.5× the reference (target 10×), 0.6× the floor.
    results.insert(
        (Scenario::Requests, Kind::Ours),
        measured("rate", 95.0, 90.0, 200.0),
    );
    results.insert(
        (Scenario::Requests, Kind::Reference),
        measured("rate", 10.0, 9.0, 11.0),
    );
    results.insert(
        (Scenario::Requests, Kind::Floor),
        measured("rate", 158.0, 150.0, 160.0),
    );
    // A time: 40× sooner than the reference (target 30×).
    results.insert(
        (Scenario::Fanout10, Kind::Ours),
        measured("time_ms", 10.0, 9.0, 11.0),
    );
    results.insert(
        (Scenario::Fanout10, Kind::Reference),
        measured("time_ms", 400.0, 390.0, 410.0),
    );
    results.insert(
        (Scenario::Fanout100, Kind::Ours),
        Summary::Failed("bad diff".into()),
    );
    let md = render(&context(), &results);
    let line = |prefix: &str| {
        md.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_default()
            .to_owned()
    };
    let req = line("| 1. requests: 10 conn");
    assert!(req.contains("95 req/s †"), "{req}");
    assert!(req.contains("9.50×") && req.contains("0.60×"), "{req}");
    assert!(req.contains("**no** (9.50× reference < 10×)"), "{req}");
    let fan = line("| 3. fan-out");
    assert!(fan.contains("40.00×") && fan.ends_with("| yes |"), "{fan}");
    let fan100 = line("| 4. fan-out");
    assert!(
        fan100.contains("**failed**") && fan100.contains("ours failed"),
        "{fan100}"
    );
    assert!(
        md.contains("runs ranged from 90 req/s to 200 req/s"),
        "{md}"
    );
    assert!(
        md.contains("`fanout100` on ours: **FAILED**: bad diff"),
        "{md}"
    );
}

#[test]
fn the_ui_section_survives_a_new_report() {
    let old = "# Benchmarks\n\nold table\n\n<!-- ui-bench:begin -->\n## The studio UI\n| a | b |\n<!-- ui-bench:end -->\n";
    let md = keep_sections(render(&context(), &Results::new()), old);
    assert!(!md.contains("old table"), "{md}");
    assert!(
        md.ends_with(
            "\n<!-- ui-bench:begin -->\n## The studio UI\n| a | b |\n<!-- ui-bench:end -->\n"
        ),
        "{md}"
    );
    // No section, or a cut one: nothing to keep.
    assert_eq!(keep_sections("md".into(), "# Benchmarks\n"), "md");
    assert_eq!(
        keep_sections("md".into(), "<!-- ui-bench:begin -->\nhalf"),
        "md"
    );
}

#[test]
fn a_target_at_the_largest_count_falls_back_to_what_the_reference_finished() {
    let mut results = Results::new();
    results.insert(
        (Scenario::Scale, Kind::Ours),
        measured("time_ms", 1500.0, 1400.0, 1600.0),
    );
    results.insert(
        (Scenario::Scale, Kind::Reference),
        Summary::TimedOut(Duration::from_secs(300), "during the fan-out".into()),
    );
    results.insert(
        (Scenario::Scale1k, Kind::Ours),
        measured("time_ms", 80.0, 70.0, 90.0),
    );
    results.insert(
        (Scenario::Scale1k, Kind::Reference),
        measured("time_ms", 24_000.0, 23_000.0, 25_000.0),
    );
    let md = render(&context(), &results);
    let row = md
        .lines()
        .find(|l| l.starts_with("| 9c. — fan-out") && l.contains("largest"))
        .unwrap_or_default();
    assert!(
        row.contains("yes (300.00×, judged at scale1k: reference timed out)"),
        "{row}"
    );
    let unmet = md
        .split("## Targets not met")
        .nth(1)
        .and_then(|s| s.split("## Correctness").next())
        .unwrap_or_default();
    assert!(!unmet.contains("largest count"), "{unmet}");
    assert!(
        md.contains("timed out** after 300 s, during the fan-out"),
        "{md}"
    );
    results.insert(
        (Scenario::Scale1k, Kind::Reference),
        measured("time_ms", 2_000.0, 1_900.0, 2_100.0),
    );
    let md = render(&context(), &results);
    assert!(
        md.contains("**no** (25.00× < 50×, judged at scale1k"),
        "{md}"
    );
}

#[test]
fn the_late_joiner_is_shown_run_by_run() {
    let mut results = Results::new();
    results.insert(
        (Scenario::BigState, Kind::Ours),
        measured("join_ms", 30.0, 25.0, 40.0),
    );
    results.insert(
        (Scenario::BigState, Kind::Reference),
        measured("join_ms", 150.0, 160.0, 140.0),
    );
    let md = render(&context(), &results);
    assert!(
        md.contains("25.0 ms vs 160 ms (6.40×), 30.0 ms vs 150 ms (5.00×), 40.0 ms vs 140 ms (3.50×); single runs 3.50× to 6.40×"),
        "{md}"
    );
}

#[test]
fn thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(10_790_907), "10,790,907");
}
