// The UI benchmark's section of BENCHMARKS.md: a table per scenario with
// the median and the range of the runs, and whether each target is met.
// The section sits between two marker lines; `writeSection` replaces only
// what is between them (the Rust harness, `cargo run --release -p bench`,
// keeps the section when it writes the rest of the file).
import fs from 'node:fs';
import path from 'node:path';
import { median } from './lib.mjs';

export const BEGIN = '<!-- ui-bench:begin -->';
export const END = '<!-- ui-bench:end -->';

const TARGETS = {
    firstRenderMs: 2000,
    fps: 30,
    longTaskMs: 100,
    delayMs: 100,
    behindMs: 1000,
};

function fmt(v, digits = 0) {
    if (v === null || v === undefined || !Number.isFinite(v)) return 'n/a';
    return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** `median (min–max)` of `values` (`n/a` when none). */
function spread(values, digits = 0) {
    const v = values.filter((x) => x !== null && x !== undefined && Number.isFinite(x));
    if (v.length === 0) return 'n/a';
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return v.length === 1 || lo === hi ? fmt(median(v), digits) : `${fmt(median(v), digits)} (${fmt(lo, digits)}–${fmt(hi, digits)})`;
}

/** `yes` when every run meets `ok`, else `NO (k of n runs)`. */
function met(values, ok) {
    const v = values.filter((x) => x !== null && x !== undefined);
    if (v.length === 0) return 'n/a';
    const bad = v.filter((x) => !ok(x)).length;
    return bad === 0 ? 'yes' : `**NO** (${bad} of ${v.length} runs)`;
}

function pick(runs, get) {
    return runs.filter((r) => !r.failed).map((r) => {
        try {
            return get(r);
        } catch {
            return null;
        }
    });
}

function loadRows(runs, phase, label, { latency = true } = {}) {
    const p = (get) => pick(runs, (r) => get(r[phase]));
    const rows = [
        [`${label}: frames per second`, spread(p((x) => x.fps), 1), `≥ ${TARGETS.fps}`, met(p((x) => x.fps), (v) => v >= TARGETS.fps)],
        [`${label}: longest frame gap (ms)`, spread(p((x) => x.maxFrameGapMs)), '', ''],
        [`${label}: long tasks (count)`, spread(p((x) => x.longTasks)), '', ''],
        [
            `${label}: longest long task (ms)`,
            spread(p((x) => x.maxLongTaskMs)),
            `≤ ${TARGETS.longTaskMs}`,
            met(p((x) => x.maxLongTaskMs), (v) => v <= TARGETS.longTaskMs),
        ],
    ];
    if (latency) {
        rows.push(
            [`${label}: change arrived → shown, p50 (ms)`, spread(p((x) => x.delayP50Ms), 1), '', ''],
            [`${label}: change arrived → shown, p95 (ms)`, spread(p((x) => x.delayP95Ms), 1), '', ''],
            [
                `${label}: change arrived → shown, max (ms)`,
                spread(p((x) => x.delayMaxMs), 1),
                `≤ ${TARGETS.delayMs}`,
                met(p((x) => x.delayMaxMs), (v) => v <= TARGETS.delayMs),
            ],
            [`${label}: changes never shown`, spread(p((x) => x.notShown)), '0', met(p((x) => x.notShown), (v) => v === 0)],
        );
    }
    rows.push(
        [`${label}: JS heap after (MB)`, spread(p((x) => x.heapMB)), '', ''],
        [`${label}: tab memory (renderer RSS), peak (MB)`, spread(p((x) => x.peakRssMB)), '', ''],
    );
    return rows;
}

function leafTable(runs, firstRenderRows) {
    return [
        ...firstRenderRows,
        ...loadRows(runs, 'collapsed', 'collapsed', { latency: false }),
        ...loadRows(runs, 'expanded', 'changed record expanded'),
    ];
}

function firstRender(runs, key, label) {
    const v = pick(runs, (r) => r.firstRender[key]);
    return [
        [label, spread(v), `≤ ${fmt(TARGETS.firstRenderMs)}`, met(v, (x) => x <= TARGETS.firstRenderMs)],
        ['first render: the big document arrived → tree shown (ms)', spread(pick(runs, (r) => r.firstRender.fromArrivalMs)), '', ''],
        ['tab memory (renderer RSS) after first render (MB)', spread(pick(runs, (r) => r.firstRender.rssMB)), '', ''],
    ];
}

function table(rows) {
    const out = ['| measure | median (range) | target | met? |', '|---|---:|---|---|'];
    for (const r of rows) out.push(`| ${r.join(' | ')} |`);
    return out.join('\n');
}

function failures(results) {
    const out = [];
    for (const [name, runs] of Object.entries(results)) {
        runs.forEach((r, i) => {
            if (r.failed) out.push(`- ${name}, run ${i + 1}: **failed**: ${r.failed.split('\n')[0]}`);
            if (r.pageErrors?.length) out.push(`- ${name}, run ${i + 1}: page errors: ${r.pageErrors.join('; ').slice(0, 300)}`);
        });
    }
    return out;
}

/** The section's markdown (markers included). */
export function renderSection({ opts, machine, results }) {
    const s = [];
    const mbDoc = ((opts.records * 108) / 1e6).toFixed(1);
    s.push(BEGIN);
    s.push('## The studio UI under load\n');
    s.push(
        'Written by the UI benchmark; do not edit by hand, run it again:\n\n```sh\nnpm ci --prefix bench/ui && node bench/ui/run.mjs\n```\n',
    );
    s.push(
        `Run on ${machine.date} at commit ${machine.commit}, ${machine.cpus} CPUs (${machine.cpuModel}), ` +
            `${machine.memGiB.toFixed(1)} GiB, ${machine.chromium} (headless, \`--disable-gpu\`), Node.js ${machine.node}. ` +
            `${opts.runs} run(s) of each scenario, each with a fresh \`juggler-studio serve --ui\` (release build) and browser; ` +
            'cells are the median and, in brackets, the range of the runs. The browser, the studio, the second server and ' +
            'the load generator share the CPUs.\n',
    );
    s.push(
        `The big state is ${opts.records.toLocaleString('en-US')} records (about ${mbDoc} MB of JSON, the documents of ` +
            '`bench/src/docgen.rs`); the load sets one leaf (`/items/3/name`) 100 times a second for ' +
            `${opts.seconds} s; "collapsed" is the tree as it opens (the root), "changed record expanded" has ` +
            '`/items` and `/items/3` expanded so that the leaf is in the DOM.\n',
    );
    if (results.state) {
        s.push('### State pane: the served state\n');
        const baseline = [
            ['tab memory (renderer RSS) with the demo\'s small state, for comparison (MB)', spread(pick(results.state, (r) => r.firstRender.baseline.rssMB)), '', ''],
        ];
        s.push(table(leafTable(results.state, [...baseline, ...firstRender(results.state, 'fromNavigationMs', 'first render: page load → tree shown (ms)')])) + '\n');
    }
    if (results.client) {
        s.push('### Client pane: a remote session\'s state (a second juggler server, `bench_server`)\n');
        s.push(table(leafTable(results.client, firstRender(results.client, 'fromConnectMs', 'first render: `remote.connect` → tree shown (ms)'))) + '\n');
    }
    if (results.replay) {
        s.push('### Replay pane: a recording played back\n');
        s.push(table(leafTable(results.replay, firstRender(results.replay, 'fromSeekMs', 'first render: seek to the big state → tree shown (ms)'))) + '\n');
    }
    if (results.traffic) {
        const runs = results.traffic;
        const p = (get) => pick(runs, get);
        s.push(`### Traffic pane: a burst of ${opts.requests.toLocaleString('en-US')} requests, then a search\n`);
        s.push(
            table([
                ['burst duration (s)', spread(p((r) => r.burst.burstSecs), 1), '', ''],
                ['entries logged (requests and answers)', spread(p((r) => r.burst.entries)), '', ''],
                [
                    'most behind the engine: logged → shown (ms)',
                    spread(p((r) => r.burst.maxBehindMs)),
                    `≤ ${fmt(TARGETS.behindMs)}`,
                    met(p((r) => r.burst.maxBehindMs), (v) => v <= TARGETS.behindMs),
                ],
                ['most behind the page\'s socket: arrived → shown (ms)', spread(p((r) => r.burst.maxArrivedToShownMs)), '', ''],
                ['newest entry shown, after the burst (ms)', spread(p((r) => r.burst.caughtUpAfterBurstMs)), '', ''],
                ['frames per second', spread(p((r) => r.burst.fps), 1), `≥ ${TARGETS.fps}`, met(p((r) => r.burst.fps), (v) => v >= TARGETS.fps)],
                ['longest frame gap (ms)', spread(p((r) => r.burst.maxFrameGapMs)), '', ''],
                ['long tasks (count)', spread(p((r) => r.burst.longTasks)), '', ''],
                [
                    'longest long task (ms)',
                    spread(p((r) => r.burst.maxLongTaskMs)),
                    `≤ ${TARGETS.longTaskMs}`,
                    met(p((r) => r.burst.maxLongTaskMs), (v) => v <= TARGETS.longTaskMs),
                ],
                ['JS heap after (MB)', spread(p((r) => r.burst.heapMB)), '', ''],
                ['tab memory (renderer RSS), peak (MB)', spread(p((r) => r.burst.peakRssMB)), '', ''],
                ['search typed → the 2 matching rows shown (ms)', spread(p((r) => r.filter.filterMs)), '', ''],
                [
                    'search: longest long task (ms)',
                    spread(p((r) => r.filter.maxLongTaskMs)),
                    `≤ ${TARGETS.longTaskMs}`,
                    met(p((r) => r.filter.maxLongTaskMs), (v) => v <= TARGETS.longTaskMs),
                ],
            ]) + '\n',
        );
    }
    const fail = failures(results);
    if (fail.length) s.push('### Runs that failed\n\n' + fail.join('\n') + '\n');
    s.push(
        '### How each number is measured\n\n' +
            '- In the page (`bench/ui/probe.js`, injected before the UI\'s scripts): a wrapper of `WebSocket` notes when each ' +
            'leaf value (`bench-N-…`) first arrives in a `state` message and when each traffic entry (`"seq":N`) arrives; a ' +
            '`MutationObserver` notes when each leaf value appears in the pane\'s DOM and the newest traffic row shown; ' +
            '`requestAnimationFrame` timestamps give the frames, `PerformanceObserver` (`longtask`) the long tasks.\n' +
            '- *Arrived → shown*: for each change, from its arrival to the moment it, or a later change (which replaces it), ' +
            'is in the DOM. *Never shown*: changes for which neither happened within 10 s of the last one sent.\n' +
            '- *Most behind the engine* (traffic): at each frame of the burst (until the newest entry is shown), how long ago ' +
            'the engine logged (its `timeMs`) the oldest entry newer than the newest row shown: what the user sees of the ' +
            'lag, the engine\'s queues and the socket included. *Arrived → shown*: the same from the moment the entry ' +
            'reached the page\'s socket (a busy page reads its socket late, so this alone would flatter it).\n' +
            '- *First render*: State, from the navigation start of the page (the model, state included, comes over the ' +
            'control endpoint) to the tree\'s `items` key in the DOM; Client, from sending `remote.connect` to the second ' +
            'server; Replay, from `replay.seek` to the step that holds the big state. These include the engine\'s work ' +
            '(connecting, parsing, seeking, sending 10 MB); *the big document arrived → tree shown* is the page\'s own ' +
            'share: from the arrival of the last message over 1 MB before the tree showed.\n' +
            '- Memory: JS heap from CDP `Performance.getMetrics` (`JSHeapUsedSize`); tab memory as the VmRSS of the ' +
            'renderer processes (`SystemInfo.getProcessInfo` and `/proc/PID/status`), sampled every second.\n',
    );
    s.push(END);
    return s.join('\n');
}

/** Writes `section` into `file`: replaces the marked section, or appends it. */
export function writeSection(file, section) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const old = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const b = old.indexOf(BEGIN);
    const e = old.indexOf(END);
    let next;
    if (b >= 0 && e > b) next = old.slice(0, b) + section + old.slice(e + END.length);
    else next = (old ? old.replace(/\n*$/, '\n\n') : '') + section + '\n';
    fs.writeFileSync(file, next);
}
