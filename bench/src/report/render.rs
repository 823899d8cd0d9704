//! The text of `BENCHMARKS.md` around and under the table.

use super::*;

/// The whole `BENCHMARKS.md`.
pub fn render(ctx: &Context, results: &Results) -> String {
    let rows = rows(&ctx.sizes, ctx);
    let m = &ctx.machine;
    let mut s = String::new();
    let _ = writeln!(s, "# Benchmarks\n");
    let _ = writeln!(
        s,
        "Written by the benchmark harness (`bench/`, see `bench/README.md`); do not \
         edit by hand, run the command again.{}\n",
        if ctx.quick {
            " **This is a `--quick` smoke run: a tenth of every count, not the benchmark.**"
        } else {
            ""
        }
    );
    let _ = writeln!(s, "## Command\n\n```sh\n{}\n```\n", ctx.command);
    let _ = writeln!(
        s,
        "Run on {} at commit {}. Library measured: {}.\n",
        ctx.date, ctx.commit, ctx.library
    );
    let _ = writeln!(s, "## Machine\n");
    let _ = writeln!(s, "- CPUs (`nproc`): {}", m.nproc);
    let _ = writeln!(s, "- CPU model: {}", m.cpu_model);
    let _ = writeln!(
        s,
        "- memory: {:.1} GiB ({} kB MemTotal)",
        m.mem_kib as f64 / 1024.0 / 1024.0,
        thousands(m.mem_kib)
    );
    let _ = writeln!(s, "- kernel: {}", m.kernel);
    for v in &ctx.versions {
        let _ = writeln!(s, "- {v}");
    }
    let _ = writeln!(
        s,
        "\nThe servers and the load generator share these CPUs, so only the \
         ratios measured in the same run mean anything; absolute numbers are \
         of this machine and this moment.\n"
    );
    let _ = writeln!(s, "## Results\n");
    let _ = writeln!(
        s,
        "Each cell is the median of {} run(s), each on a freshly started server \
         (the servers take turns). **Ratios are ours' performance relative to the \
         other server: > 1 means ours is better** — ours ÷ theirs for rates, \
         theirs ÷ ours for times and sizes.\n",
        ctx.repeat
    );
    let _ = writeln!(
        s,
        "| scenario | ours | reference | floor | ours/reference | ours/floor | target | met? |"
    );
    let _ = writeln!(s, "|---|---:|---:|---:|---:|---:|---|---|");
    for row in &rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            row.label,
            cell(results, row, Kind::Ours),
            cell(results, row, Kind::Reference),
            cell(results, row, Kind::Floor),
            ratio_cell(results, row, Kind::Reference),
            ratio_cell(results, row, Kind::Floor),
            row.target_text,
            met(results, row),
        );
    }
    let mut noisy_cells = Vec::new();
    for row in &rows {
        for kind in [Kind::Ours, Kind::Reference, Kind::Floor] {
            if let Some((lo, hi)) = noisy(results, row, kind) {
                noisy_cells.push(format!(
                    "- {} on {kind}: runs ranged from {} to {}",
                    row.label,
                    fmt_value(lo, row.unit),
                    fmt_value(hi, row.unit)
                ));
            }
        }
    }
    if !noisy_cells.is_empty() {
        let _ = writeln!(
            s,
            "\n† Noisy: the runs of this cell differ by more than {NOISY}× (largest \
             over smallest), so its median and the ratios built on it are \
             uncertain; rerun, or use `--repeat` with more runs:\n\n{}",
            noisy_cells.join("\n")
        );
    }
    let _ = write!(s, "{}", run_by_run(results, &rows));
    let _ = write!(s, "{}", studio::section(ctx, results));
    let mut unmet = studio::unmet(results, &ctx.sizes);
    for row in &rows {
        if matches!(row.target, Target::None) {
            continue;
        }
        let m = met(results, row);
        if !m.starts_with("yes") {
            unmet.push(format!("- {}: {} — {}", row.label, row.target_text, m));
        }
    }
    let _ = writeln!(s, "\n## Targets not met\n");
    if unmet.is_empty() {
        let _ = writeln!(s, "None: every target is met.");
    } else {
        let _ = writeln!(s, "{}", unmet.join("\n"));
    }
    let _ = writeln!(s, "\n## Correctness\n");
    let _ = writeln!(
        s,
        "Every answer is checked (the id of a request that was sent and not yet \
         answered, `success`, the data sent); every client mirrors the state by \
         applying each diff in order (to a sonic-rs document, with the \
         semantics of `juggler::diff::patch`, which a unit test checks) and must \
         end at exactly the final state; in the bursts the mirrored `v` must never go \
         down after any single operation; notifications are counted, compared \
         and must all come before the answer to `notify.burst`. A run that fails \
         a check is reported as failed, not measured.\n"
    );
    let _ = write!(s, "{}", correctness(results));
    let _ = writeln!(s, "\n## How each number is measured\n");
    let _ = writeln!(
        s,
        "All on 127.0.0.1, servers started with `--autoflush 0` (and \
         `--shared-state` for 3, 4 and 6). The load generator is `bench/src/load.rs` \
         (tokio-tungstenite, juggler 0.6 frames written and parsed directly); the \
         same code drives all three servers.\n"
    );
    let notes = [
        "**reference**: `tests/interop/reference_bench_server.py` on hat-juggler 0.6.26 \
         (`.venv/ref06`). For scenario 6 it is started with `--max-msg-size 0`: \
         aiohttp refuses frames over 4 MiB by default, so the reference could not \
         take the document at all otherwise."
            .to_owned(),
        "**floor**: `bench/src/floor.rs`, a raw tokio-tungstenite server in the \
         harness's process on its own runtime (as many worker threads as CPUs). It \
         echoes requests with the least string work (raw `id` and `data` text), \
         writes a prebuilt notify frame `count` times, queues one prebuilt \
         `replace` frame per change to every connection, and keeps the text of a \
         whole-state set for late joiners. It holds no JSON document and is not a \
         juggler server: it is a reference point for the cost of the bare \
         WebSocket traffic, not a strict lower bound (it sends one frame per \
         change, so a server that coalesces changes into fewer messages, or \
         batches writes better, can beat it)."
            .to_owned(),
        "1, 2: clients connected first, then timed from the first request to the \
         last answer; each connection keeps its window of requests in flight, \
         refilling after each answer (writes batched when several answers arrived \
         together). Latency: from writing a request to reading its answer. With \
         1 in flight nothing is batched: the time is mostly the wakeup latency \
         of the processes, which on a virtual machine depends on what else keeps \
         its CPUs awake, so expect 2 to vary between runs."
            .to_owned(),
        "3, 4: the mirror clients connect and ping (so the server has set them \
         up); one more client asks `state.burst` {path: [\"v\"]}; timed from that \
         request to the moment the last mirror applied the diff that made it \
         `{\"v\": count}`."
            .to_owned(),
        "5: timed from the request to the last of its notifications and its answer.".to_owned(),
        format!(
            "6: the document is {} records ({} bytes of compact JSON). A setter sets \
             it at `[]`; then a new client connects: timed from the start of the \
             connect to its mirror having applied the state that equals the \
             document (the comparison itself is not timed). That time includes \
             the client's own work on the document (parsing the message into \
             its mirror and applying it), the same for every server: the \
             floor's column, whose server side costs almost nothing, shows it; \
             the next row (until the text arrived) is the server's part. The \
             mirror is a sonic-rs document (an arena): with a \
             `serde_json::Value`, whose every node is an allocation, the \
             client's own parse took ~75 ms of the ~95 ms and hid the servers' \
             difference (see `bench/src/mirror.rs`). sonic-rs turns the parsed \
             array into an editable one on its first edit, which adds ~2 ms to \
             the first leaf change below for every server. Then the setter sets \
             `{}` to `\"{}\"`: timed from that request to the joiner applying the \
             message that carried it; the size is of the state message(s) the \
             joiner got for it. The smallest message that can carry it (one \
             `replace`, compact JSON) is {} B. Last (6d), the setter sets the \
             whole document again at `[]` with `{}` changed to `\"{}\"`, as a \
             back end that rebuilds its state does: timed from that request to \
             the joiner applying the message that carried it, and its size (a \
             server that sends the diff of the two states sends about as much \
             as for 6b; the floor sends the whole document).",
            ctx.sizes.big_objects,
            ctx.doc_bytes.map_or("?".into(), |b| thousands(b as u64)),
            bench::docgen::leaf_pointer(ctx.sizes.big_objects),
            bench::docgen::LEAF_VALUE,
            ctx.minimal_leaf_bytes,
            bench::docgen::again_pointer(ctx.sizes.big_objects),
            bench::docgen::AGAIN_VALUE,
        ),
        "7: 64 workers, each repeating: connect, ping, check the answer, close \
         with the closing handshake (waiting for the server's close frame)."
            .to_owned(),
        "8a: our server with per-connection state; VmRSS of /proc/PID/status \
         300 ms after start, then 500 ms after the last of the idle connections \
         connected and pinged; the difference over the number of connections."
            .to_owned(),
        format!(
            "8b, 8c: a shared-state server, {} reading mirror clients, one client \
             that pings and then never reads again (its socket's receive buffer set \
             to 4 KiB so the server feels it at once) and one client that asks a \
             burst of {} changes. VmRSS is sampled every 5 ms from just before the \
             burst until 300 ms after the readers converged; the growth is the peak \
             over the value before. The same run without the stuck client gives the \
             burst's own growth; the difference is the stuck client's share. \
            *Bounded* means that share does not grow with the number of updates \
             the stuck client misses: both runs are repeated with four times the \
             updates, and the share may grow by less than a quarter of the size \
             of the smallest message that could carry each extra missed update (a \
             server that queues every missed change grows by at least that size per \
             update). Medians of {} runs of each of the four configurations. 8c \
             compares the readers' convergence time with and without the stuck \
             client (all updates).",
            ctx.sizes.stuck.0,
            thousands(ctx.sizes.stuck.1),
            ctx.sizes.stuck_runs
        ),
        format!(
            "9: a shared-state server (ours with `--max-connections {}`: its default is \
             10,000; the reference has no limit). One client sets `v` to 0; then {} \
             clients connect, {} at a time, each until its mirror holds `{{\"v\": 0}}` \
             (the connect storm, timed from the first connect to the last client \
             holding it). The server's VmRSS 500 ms later, less its VmRSS before the \
             storm, over the clients, is the RSS per connection. Then the first client \
             asks a burst of {} changes of `v`: timed from that request to the last \
             mirror being `{{\"v\": {}}}` (every mirror checked after every operation, \
             as in 3 and 4); p50/p99 are of each client's own time to get there. The \
             clients are light: tokio-tungstenite with 4 KiB buffers and the same \
             checked mirror (`bench/src/scale.rs`). 10,000 clients and their server \
             need more open files than the usual 1,024: the harness raises its soft \
             `RLIMIT_NOFILE` to the hard limit (the `rlimit` crate's \
             `increase_nofile_limit`, as `ulimit -n` would) before anything starts, \
             and the servers it starts inherit it; the raw output's header shows \
             the limits in force. The floor does not run here: it lives in the \
             harness's process, whose descriptors the clients already use. The same \
             at 1,000 clients is the fallback where the reference does not finish \
             10,000 in the time limit.",
            crate::scale::MAX_CONNECTIONS,
            thousands(ctx.sizes.scale.0 as u64),
            256,
            ctx.sizes.scale.1,
            ctx.sizes.scale.1
        ),
        format!(
            "10: `juggler-studio serve` (release build, driven only through its \
             command line: a generated workspace file with a shared state `{{\"v\": \
             0}}`, autoflush 0 and a `setState` rule `tick`), its traffic log on \
             (the default, with its default limits). {} dashboards (the light clients \
             of 9, each mirroring and checking the state and pinging every 30 s) \
             connect; then one more client asks `tick` once a second for {} minutes, so \
             that every dashboard gets a state message a second. VmRSS of the studio \
             is sampled every second: at the start (all dashboards connected), the \
             peak, at the end. Bounded means the peak of the last third of the run is \
             within 10 % + 8 MiB of the middle third's. Every dashboard must hold \
             the last change at the end.",
            thousands(ctx.sizes.studio.0 as u64),
            ctx.sizes.studio.1.as_secs() / 60
        ),
        "11: `juggler-studio serve` (release build) with a generated workspace \
         (autoflush 0; for the fan-out a shared state `{\"v\": 0}` and a `setState` \
         rule `state.set` that sets `[\"v\"]` to the request's `value` and answers \
         `null`; for the requests an `echo` rule, state per connection), traffic log \
         on (its defaults), one control client connected as the UI is (the token, \
         the studio's own `Origin`, the model mirrored and checked, `traffic.query` \
         at the start) on a pane that lists no traffic: it does not follow the \
         traffic, and must get no `traffic` event; a fresh studio for each part; \
         against `bench_server` (`--shared-state` for the fan-out), the two taking \
         turns. Fan-out: 100 mirror clients connect and ping; one more client \
         sends 1,000 `state.set` `{path: [\"v\"], value: i}`, 16 in flight, every \
         answer checked; timed from the first request to the last mirror being \
         `{\"v\": 1000}`. Requests: as 1. Then the studio's log must hold exactly \
         the frames the clients counted (every request, answer and state message), \
         as the control client's mirror of `/traffic` shows, with nothing dropped; \
         a run where it does not within 60 s fails. The requests once more (a fresh \
         studio) with the control client following the traffic (`traffic.follow`, \
         as the UI while the Traffic, Requests or Connections pane is open): it \
         must get every entry as `traffic` events too."
            .to_owned(),
        "6, set: a setter and 4 other clients are connected (and pinged) to the \
         shared state; the setter sends the document (a 10.8 MB `state.set` \
         request): timed from that request to its answer, and to the last of the \
         4 others having applied the state that equals the document. Ours sends \
         the setter its new state before the answer (with autoflush 0 a change \
         goes out before the answer of the request that made it), so its time \
         includes sending 10.8 MB and the client parsing them; the reference \
         answers from its receive loop while its sync loop sends the state."
            .to_owned(),
    ];
    for n in notes {
        let _ = writeln!(s, "- {n}");
    }
    let _ = writeln!(
        s,
        "\nEvery run's numbers (and the secondary metrics: p99, answer times, \
         messages per client, set time, memory details) are in `{}`.",
        ctx.raw_name
    );
    s
}
