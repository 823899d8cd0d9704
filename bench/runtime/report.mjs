// What a run measured (`measure`), and its section of BENCHMARKS.md
// (`renderReport`): per scenario the median and the range of the runs, and
// whether the targets are met in every run.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

/** Targets of the issue: at least 30 frames a second, no long task over
 * 50 ms. */
export const TARGETS = { fps: 30, longTaskMs: 50 };

function quantile(values, q) {
    if (values.length === 0) return 0;
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export const median = values => quantile(values, 0.5);

/** The numbers of one run from what probe.js saw between `start` and `end`. */
export function measure({ start, end, frames, longtasks, states, renders, draws, waits }) {
    const seconds = (end - start) / 1000;
    const perSecond = new Map();
    for (const t of frames) {
        const s = Math.floor((t - start) / 1000);
        if (s < Math.floor(seconds)) perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
    }
    let worst = Infinity;
    for (let s = 0; s < Math.floor(seconds); s++) worst = Math.min(worst, perSecond.get(s) ?? 0);
    let maxGap = 0;
    for (let i = 1; i < frames.length; i++) maxGap = Math.max(maxGap, frames[i] - frames[i - 1]);
    const renderMs = renders.map(([, d]) => d);
    return {
        seconds,
        fps: frames.length / seconds,
        worstSecondFps: Number.isFinite(worst) ? worst : 0,
        maxFrameGapMs: maxGap,
        longTasks: longtasks.length,
        maxLongTaskMs: longtasks.reduce((m, [, d]) => Math.max(m, d), 0),
        statesPerSecond: states.length / seconds,
        rendersPerSecond: renders.length / seconds,
        renderP50Ms: median(renderMs),
        renderP95Ms: quantile(renderMs, 0.95),
        renderMaxMs: renderMs.reduce((m, d) => Math.max(m, d), 0),
        drawsPerSecond: draws / seconds,
        waitP50Ms: median(waits),
        waitP95Ms: quantile(waits, 0.95),
    };
}

const fmt = (v, digits = 0) => (v == null || !Number.isFinite(v)) ? 'n/a'
    : v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** `median (min–max)` over the runs. */
function spread(runs, key, digits = 0) {
    const v = runs.map(r => r[key]);
    if (v.length === 0) return 'n/a';
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return lo === hi ? fmt(lo, digits) : `${fmt(median(v), digits)} (${fmt(lo, digits)}–${fmt(hi, digits)})`;
}

function git(args) {
    try {
        return execFileSync('git', args, { encoding: 'utf8' }).trim();
    } catch {
        return '?';
    }
}

function chromiumVersion(bin) {
    try {
        return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    } catch {
        return bin;
    }
}

export function renderReport(o, scenarios, results, chromiumBin) {
    const now = new Date().toISOString().replace('T', ' ').slice(0, 16);
    const dirty = git(['status', '--porcelain']) === '' ? 'no uncommitted changes' : 'with uncommitted changes';
    const rows = [];
    const unmet = [];
    for (const [name, runs] of Object.entries(results)) {
        const ok = runs.filter(r => !r.failed);
        const failed = runs.length - ok.length;
        const s = scenarios[name];
        const what = `${name}: ${s.changes === 'all' ? `every widget's value changes` : '10 sensors change'} ${o.rate}×/s, @hat-open/juggler ${s.generation === '0.6' ? '0.6.18' : '0.7.0'}${s.inView ? ', every widget in view' : ''}`;
        const fpsMet = ok.length > 0 && ok.every(r => r.fps >= TARGETS.fps);
        const longMet = ok.length > 0 && ok.every(r => r.maxLongTaskMs <= TARGETS.longTaskMs);
        const met = failed > 0 ? `**no** (${failed} run(s) failed)`
            : fpsMet && longMet ? 'yes'
                : `**no** (${[!fpsMet && 'fps', !longMet && 'long task'].filter(Boolean).join(', ')})`;
        if (met !== 'yes') unmet.push(name);
        rows.push(`| ${what} | ${spread(ok, 'fps', 1)} | ${spread(ok, 'worstSecondFps')} | ${spread(ok, 'maxFrameGapMs')} ms | ${spread(ok, 'longTasks')} | ${spread(ok, 'maxLongTaskMs')} ms | ${spread(ok, 'maxTaskCpuMs')} ms | ${spread(ok, 'statesPerSecond')} | ${spread(ok, 'rendersPerSecond', 1)} | ${spread(ok, 'renderP50Ms', 1)} / ${spread(ok, 'renderP95Ms', 1)} / ${spread(ok, 'renderMaxMs', 1)} ms | ${spread(ok, 'drawsPerSecond')} | ${spread(ok, 'waitP50Ms')} / ${spread(ok, 'waitP95Ms')} ms | ${met} |`);
        for (const r of runs.filter(r => r.failed)) rows.push(`| ↳ a run of ${name} failed: ${r.failed.replaceAll('|', '\\|')} | | | | | | | | | | | | |`);
    }
    const cpu = os.cpus()[0]?.model ?? 'unknown';
    return `${BEGIN}
## The dashboard runtime (\`bench/runtime/\`)

Written by the runtime benchmark (\`bench/runtime/\`, see \`bench/runtime/README.md\`) into this section, which the protocol benchmark above keeps when it rewrites the file; do not edit by hand, run the command again.

### Command

\`\`\`sh
npm ci --prefix bench/runtime && node bench/runtime/run.mjs
\`\`\`

Run on ${now} UTC at commit \`${git(['rev-parse', '--short', 'HEAD'])}\` (${dirty}): ${o.runs} run(s) of each scenario, ${o.seconds} s measured after ${o.warmup} s of warm-up (the trends' window of 15 s is full).

### Machine

- CPUs: ${os.cpus().length} (${cpu}), memory ${fmt(os.totalmem() / 2 ** 30, 1)} GiB; load average (1, 5, 15 min) ${o.loadBefore.map(l => l.toFixed(2)).join(' ')} at the start, ${os.loadavg().map(l => l.toFixed(2)).join(' ')} at the end
- browser: ${chromiumVersion(chromiumBin)}, headless, \`--disable-gpu\`, a 1600 × 1000 viewport (about a fifth of the dashboard in view), or one as tall as the page (every widget in view)
- server: \`target/release/juggler-studio serve\` with \`autoflush: 0\` (every change is its own state message)

The studio, the load and the browser share these CPUs with whatever else runs on the machine: a load average above the number of CPUs means the page's main thread waited for a CPU at times, which shows as long tasks and slow seconds.${o.note ? `\n\n${o.note}` : ''}

### Results

A dashboard of ${o.widgets} widgets (\`bench/runtime/dashboard.mjs\`: per 20, 6 values, 4 lamps, 2 arc gauges, 2 bar gauges, 2 trends of 2 series over 15 s, a table of 10 rows with a row action, a setpoint, a toggle, a button), bound to a state of ${o.widgets} sensors, changed ${o.rate} times a second with \`state.patch\`. Each cell is the median of the runs with the range in brackets. **Targets: at least ${TARGETS.fps} frames a second and no long task over ${TARGETS.longTaskMs} ms, in every run.**

| scenario | frames/s | worst second (frames) | longest frame gap | long tasks | longest long task | most CPU time of one task | state messages/s received | renders/s | render time p50 / p95 / max | widget bodies drawn/s | a body's wait p50 / p95 | met? |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
${rows.join('\n')}

${unmet.length === 0 ? 'Every target is met.' : `Not met: ${unmet.join(', ')}.`}

### How each number is measured

- **frames/s**: \`requestAnimationFrame\` callbacks in the page over the measured seconds; **worst second**, the fewest in one whole second; **longest frame gap**, the longest time between two of them.
- **long tasks**: the browser's \`PerformanceObserver\` entries of type \`longtask\` (main-thread tasks over 50 ms), their number and the longest: wall time, which on busy CPUs includes the time the page's thread waited for one. **Most CPU time of one task**: from a light Chrome trace of the measured seconds (category \`toplevel\`, each task's thread time), the page's own work in its heaviest task.
- **state messages/s**: juggler \`state\` messages the page received (a WebSocket wrapper installed before the page's scripts), to show the load reached the page.
- **renders/s** and **render time**: calls of \`@hat-open/renderer\`'s \`render\` — the page's tree of widget frames (\`convertVNode\` and snabbdom's \`patch\`) and the check of which bodies changed — and how long each took. The renderer renders at most 30 times a second (its \`maxFps\`) however often the state changes, and every state message is still seen: the trends sample each one (\`runtime/trends.js\`).
- **widget bodies drawn/s** and **a body's wait**: the widgets' bodies (\`runtime/bodies.js\`) are drawn at the start of animation frames, only those whose inputs changed and that are in view, as many per frame as keep the frames coming; how many were drawn, and how long a body waited from its change to its drawing (the median and the 95th percentile). Under more change than the browser can draw, this wait grows and the frames keep coming.
${END}
`;
}

/** The markers around the runtime's section of BENCHMARKS.md (bench/src/
 * report.rs keeps what is between them). */
export const BEGIN = '<!-- bench/runtime: begin -->';
export const END = '<!-- bench/runtime: end -->';

/** `file`'s text with the runtime's section replaced by `section` (or
 * added at the end). */
export function splice(text, section) {
    const start = text.indexOf(BEGIN);
    const end = text.indexOf(END);
    if (start >= 0 && end > start) return text.slice(0, start) + section.trimEnd() + text.slice(end + END.length);
    return text.trimEnd() + '\n\n' + section;
}
