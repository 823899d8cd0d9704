// The pieces of the UI benchmark that are not the scenarios: the programs
// it starts, a bare juggler 0.6 client for the load, the documents, a
// recording file, the tab's memory and the statistics.
import fs from 'node:fs';
import { openControl } from '../../tests/common/control.mjs';
import { startProcess, startStudio as startStudioProcess } from '../../tests/common/process.mjs';

export { bigDocument } from '../../tests/common/documents.mjs';

/** The programs started, stopped if the benchmark itself is stopped (Ctrl+C). */
const running = new Set();
for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
        for (const p of running) p.kill('SIGKILL');
        process.exit(130);
    });
}

function track(started) {
    running.add(started.proc);
    started.proc.on('exit', () => running.delete(started.proc));
    return started;
}

const quiet = { ...process.env, RUST_LOG: 'warn' };

/** `juggler-studio serve --ui` (no workspace: the demo) serving the built UI in `uiDir`. */
export async function startStudio(bin, uiDir, cleanups) {
    const args = ['serve', '--ui', '--ui-dir', uiDir, '--port', '0', '--control-port', '0'];
    return track(await startStudioProcess(bin, args, cleanups, ['juggler', 'control', 'ui']));
}

/** The juggler library's `bench_server` example, shared state: a second juggler server. */
export async function startBenchServer(bin, cleanups) {
    return track(
        await startProcess(bin, ['--port', '0', '--shared-state'], cleanups, {
            what: 'bench_server',
            env: quiet,
            ready(line, found) {
                const m = /^READY (\S+)/.exec(line);
                if (m) found.url = m[1];
                return !!found.url;
            },
        }),
    );
}

/**
 * A juggler 0.6 client that keeps no state (the load generator must not be
 * the bottleneck): `send(name, data)` resolves with the answer's data;
 * `fire(name, data)` sends without waiting.
 */
export async function connect(url, cleanups) {
    const c = await openControl(url, cleanups, { mirror: false });
    return { send: c.send, fire: (name, data) => void c.send(name, data).catch(() => {}) };
}

// ---------------------------------------------------------------- documents

/** The record whose `name` the load changes: near the top, so that expanding it takes two clicks. */
export const LEAF_INDEX = 3;
export const LEAF_PATH = ['items', LEAF_INDEX, 'name'];

/** The leaf value of change `n`: the probe reads `n` (and the send time) back from it. */
export function leafValue(n) {
    return `bench-${n}-${Date.now()}`;
}

/**
 * A recording (`crates/studio/src/recording/format.rs`): the big state at
 * t = 0, then `changes` leaf changes every `everyMs` from `pauseMs` on.
 */
export function writeRecording(file, doc, changes, { pauseMs = 1000, everyMs = 10 } = {}) {
    const header = {
        format: 'juggler-studio-recording',
        version: 1,
        generation: '0.6',
        startedAt: Date.now(),
        url: 'ws://127.0.0.1:1/ws',
        source: 'bench/ui',
    };
    const fd = fs.openSync(file, 'w');
    try {
        fs.writeSync(fd, JSON.stringify(header) + '\n');
        fs.writeSync(fd, JSON.stringify({ t: 0, kind: 'state', diff: [{ op: 'replace', path: '', value: doc }] }) + '\n');
        const pointer = '/' + LEAF_PATH.join('/');
        for (let i = 1; i <= changes; i++) {
            const entry = { t: pauseMs + i * everyMs, kind: 'state', diff: [{ op: 'replace', path: pointer, value: `bench-${i}-0` }] };
            fs.writeSync(fd, JSON.stringify(entry) + '\n');
        }
    } finally {
        fs.closeSync(fd);
    }
}

// ---------------------------------------------------------------- memory

/** Resident memory (kB) of the browser's renderer processes, from /proc (Linux). */
export async function rendererRss(browserCdp) {
    let info;
    try {
        info = await browserCdp.send('SystemInfo.getProcessInfo');
    } catch {
        return null;
    }
    let total = 0;
    let any = false;
    for (const p of info.processInfo) {
        if (p.type !== 'renderer') continue;
        try {
            const status = fs.readFileSync(`/proc/${p.id}/status`, 'utf8');
            const m = /VmRSS:\s+(\d+) kB/.exec(status);
            if (m) {
                total += Number(m[1]);
                any = true;
            }
        } catch {
            /* gone */
        }
    }
    return any ? total : null;
}

/** The page's JS heap in use (bytes), from CDP `Performance.getMetrics`. */
export async function jsHeap(pageCdp) {
    const { metrics } = await pageCdp.send('Performance.getMetrics');
    return metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? null;
}

// ---------------------------------------------------------------- statistics

export function quantile(sorted, q) {
    if (sorted.length === 0) return null;
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i];
}

export function median(values) {
    const v = values.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
    if (v.length === 0) return null;
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/**
 * For each change that arrived, the delay until it (or a later change:
 * a newer value supersedes it) was shown: `[n, arrival, shown]` pairs in.
 */
export function displayDelays(arrivals, shown) {
    const byTime = shown.slice().sort((a, b) => a[1] - b[1]);
    const delays = [];
    let missing = 0;
    for (const [n, at] of arrivals) {
        let found = null;
        for (const [m, t] of byTime) {
            if (m >= n && t >= at) {
                found = t;
                break;
            }
        }
        if (found === null) missing += 1;
        else delays.push(found - at);
    }
    delays.sort((a, b) => a - b);
    return { delays, missing };
}

/**
 * How far behind the list was: for each moment a newer entry was shown or
 * arrived, how long the oldest entry that had arrived but was not shown
 * yet had been waiting. Returns the largest such wait (ms).
 */
export function maxBehind(seqArrivals, seqShown, end) {
    const events = [
        ...seqArrivals.map(([s, t]) => ({ t, kind: 'in', s })),
        ...seqShown.map(([s, t]) => ({ t, kind: 'shown', s })),
    ].sort((a, b) => a.t - b.t || (a.kind === 'shown' ? -1 : 1));
    let shownMax = -1;
    const waiting = []; // [seq, t] arrived and not shown, oldest first
    let worst = 0;
    const measure = (now) => {
        while (waiting.length && waiting[0][0] <= shownMax) waiting.shift();
        if (waiting.length) worst = Math.max(worst, now - waiting[0][1]);
    };
    for (const e of events) {
        measure(e.t);
        if (e.kind === 'in') waiting.push([e.s, e.t]);
        else shownMax = Math.max(shownMax, e.s);
        measure(e.t);
    }
    measure(end);
    return worst;
}

/**
 * How far behind the engine the list was: at each frame `t` (page time), how
 * long ago the engine logged the oldest entry (`seqTimes`: seq, timeMs…)
 * newer than the newest row shown; the largest of these (ms).
 */
export function behindEngine(seqTimes, seqShown, frames, timeOrigin) {
    const known = [];
    for (let i = 0; i < seqTimes.length; i += 2) known.push([seqTimes[i], seqTimes[i + 1]]);
    known.sort((a, b) => a[0] - b[0]);
    const shown = seqShown.slice().sort((a, b) => a[1] - b[1]);
    let worst = 0;
    let s = 0;
    let maxShown = -1;
    let k = 0;
    for (const t of frames) {
        while (s < shown.length && shown[s][1] <= t) maxShown = Math.max(maxShown, shown[s++][0]);
        while (k < known.length && known[k][0] <= maxShown) k++;
        if (k >= known.length) continue;
        const age = timeOrigin + t - known[k][1];
        if (age > worst) worst = age;
    }
    return worst;
}

/** Frames per second over [from, to] and the longest gap between two frames. */
export function frameStats(frames, from, to) {
    const f = frames.filter((t) => t >= from && t <= to);
    let gap = 0;
    for (let i = 1; i < f.length; i++) gap = Math.max(gap, f[i] - f[i - 1]);
    const secs = (to - from) / 1000;
    return { fps: secs > 0 ? f.length / secs : null, maxGapMs: gap };
}

export function sleep(ms) {
    return new Promise((r) => setTimeout(r, ms));
}
