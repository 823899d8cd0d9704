//! Scenario 8: memory per idle connection and of a stuck reader.

use super::*;

/// One stuck-reader run of scenario 8.
struct StuckRun {
    time_ms: f64,
    peak_growth_kib: f64,
    owed_bytes: f64,
    messages_max: f64,
}

/// The size of the smallest state message that sets `/v` to `n`.
fn minimal_v_message(n: u64) -> u64 {
    json!({"type": "state", "diff": [{"op": "replace", "path": "/v", "value": n}]})
        .to_string()
        .len() as u64
}

/// Scenario 8, ours only. Metrics: `idle_rss_kib`, `conns_rss_kib`,
/// `kib_per_conn`; for the stuck reader (`count` updates, `readers` other
/// clients), medians of `stuck_runs` runs: `stuck_time_ms`, `free_time_ms`
/// (the same without the stuck client), `slowdown` (their ratio),
/// `stuck_growth_mib`, `free_growth_mib` (peak RSS growth), `stuck_extra_mib`
/// (their difference: the stuck client's share), `stuck_extra_4x_mib`
/// (the same with four times the updates), `extra_per_missed_update_b`
/// (how the share grows per extra missed update), `minimal_message_b` (mean
/// size of the smallest messages that carry those updates) and `bounded`
/// (1 when the share grows by less than a quarter of that per update).
pub async fn memory(env: &Env, sizes: &Sizes, log: &mut dyn FnMut(String)) -> Result<Metrics> {
    let mut m = Metrics::default();
    let server = servers::start(env, Kind::Ours, Options::default(), "memory-idle")?;
    let pid = server
        .pid()
        .ok_or_else(|| Error::Setup("our server has no pid".into()))?;
    let rss = move || {
        servers::rss_kib(pid).ok_or_else(|| Error::Setup(format!("no VmRSS for pid {pid}")))
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let idle = rss()?;
    let peers = connect_peers(server.url(), sizes.idle_conns, Mirror::new).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let with = rss()?;
    drop(peers);
    server.stop();
    m.set("idle_rss_kib", idle as f64);
    m.set("conns_rss_kib", with as f64);
    m.set(
        "kib_per_conn",
        (with as f64 - idle as f64) / sizes.idle_conns as f64,
    );
    log(format!(
        "  memory: idle {idle} KiB, with {} idle connections {with} KiB",
        sizes.idle_conns
    ));

    let (readers, count) = sizes.stuck;
    // The boundedness check compares the stuck client's share at `count`
    // and at four times as many updates. It is a difference of differences of
    // peak RSS, which moves by a MiB or two from run to run: with a quarter
    // of the updates (75,000 fewer missed) that noise alone was as large as
    // the limit; 300,000 more missed updates put the limit well above it.
    let more = count * 4;
    // Medians of `sizes.stuck_runs` runs of each configuration: stuck or
    // not, `count` updates or four times as many.
    let mut med = BTreeMap::new();
    for (stuck, n) in [(true, count), (false, count), (true, more), (false, more)] {
        let mut times = Vec::new();
        let mut growths = Vec::new();
        for r in 1..=sizes.stuck_runs {
            let run = stuck_run(env, readers, n, stuck).await?;
            log(format!(
                "  memory: {} stuck reader, {n} updates, run {r}: the {readers} readers converged \
                 in {:.1} ms (a reader got {:.0} bytes in {:.0} messages), peak RSS growth {:.0} KiB",
                if stuck { "1" } else { "no" },
                run.time_ms,
                run.owed_bytes,
                run.messages_max,
                run.peak_growth_kib
            ));
            times.push(run.time_ms);
            growths.push(run.peak_growth_kib);
        }
        let pick = |v: &[f64]| median_index(v).map_or(0.0, |i| v[i]);
        med.insert((stuck, n), (pick(&times), pick(&growths)));
    }
    let get = |stuck, n| med.get(&(stuck, n)).copied().unwrap_or((0.0, 0.0));
    let (stuck_time, stuck_growth) = get(true, count);
    let (free_time, free_growth) = get(false, count);
    let (_, stuck_more_growth) = get(true, more);
    let (_, free_more_growth) = get(false, more);
    // The stuck client's share: growth with it minus growth without it.
    let extra_full = stuck_growth - free_growth;
    let extra_more = stuck_more_growth - free_more_growth;
    let missed = more - count;
    let minimal: u64 = (count + 1..=more).map(minimal_v_message).sum();
    let per_update = (extra_more - extra_full) * 1024.0 / missed as f64;
    let minimal_mean = minimal as f64 / missed as f64;
    m.set("stuck_time_ms", stuck_time);
    m.set("free_time_ms", free_time);
    m.set("slowdown", stuck_time / free_time);
    m.set("stuck_growth_mib", stuck_growth / 1024.0);
    m.set("free_growth_mib", free_growth / 1024.0);
    m.set("stuck_extra_mib", extra_full / 1024.0);
    m.set("stuck_extra_4x_mib", extra_more / 1024.0);
    m.set("extra_per_missed_update_b", per_update);
    m.set("minimal_message_b", minimal_mean);
    m.set(
        "bounded",
        if per_update < minimal_mean / 4.0 {
            1.0
        } else {
            0.0
        },
    );
    Ok(m)
}

/// `readers` mirrors (and, when `stuck`, one client that pings and then
/// never reads again, on a 4 KiB receive buffer) on a fresh shared-state
/// server; a burst of `count` changes; the server's RSS sampled every 5 ms
/// from just before the burst until 300 ms after the readers converged.
async fn stuck_run(env: &Env, readers: usize, count: u64, stuck: bool) -> Result<StuckRun> {
    let label = format!("memory-{}-{count}", if stuck { "stuck" } else { "free" });
    let server = servers::start(
        env,
        Kind::Ours,
        Options {
            shared_state: true,
            ..Options::default()
        },
        &label,
    )?;
    let pid = server
        .pid()
        .ok_or_else(|| Error::Setup("our server has no pid".into()))?;
    let url = server.url().to_owned();
    let peers = connect_peers(&url, readers, watch_v).await?;
    let stuck_ws = if stuck {
        let mut p = Peer::from_ws(load::connect_small_rcvbuf(&url, 4096).await?, Mirror::new());
        p.ping().await?;
        Some(p.into_ws())
    } else {
        None
    };
    let mut burster = Peer::connect(&url, watch_v()).await?;
    burster.ping().await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let baseline = servers::rss_kib(pid).unwrap_or(0);
    let peak = Arc::new(AtomicU64::new(baseline));
    let stop = Arc::new(AtomicBool::new(false));
    let mut sampler = JoinSet::new();
    {
        let (peak, stop) = (peak.clone(), stop.clone());
        sampler.spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Some(r) = servers::rss_kib(pid) {
                    peak.fetch_max(r, Ordering::Relaxed);
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
    }
    let target = to_mirror_value(&json!({ "v": count }));
    let mut set = spawn_mirrors(peers, &target);
    let start = Instant::now();
    let id = burster.send("state.burst", &burst_request(count)).await?;
    burster.expect_answer(id, &count.to_string()).await?;
    burster.until(|p| p.mirror.value() == &target).await?;
    let mut last = start;
    let (mut bytes, mut messages) = (0u64, 0u64);
    while let Some(r) = set.join_next().await {
        let c = joined(r)?;
        last = last.max(c.at);
        bytes = bytes.max(c.bytes);
        messages = messages.max(c.messages);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    while sampler.join_next().await.is_some() {}
    drop(stuck_ws);
    server.stop();
    Ok(StuckRun {
        time_ms: ms(last - start),
        peak_growth_kib: peak.load(Ordering::Relaxed).saturating_sub(baseline) as f64,
        owed_bytes: bytes as f64,
        messages_max: messages as f64,
    })
}
