#!/usr/bin/env node
// The dashboard runtime benchmark: a builder dashboard of 200 widgets
// (`juggler-studio new --builder`, its dashboard.json replaced by
// dashboard.mjs's) served by `juggler-studio serve`, its state changed 100
// times a second through the control endpoint, in headless Chromium
// (playwright-core, Debian's /usr/bin/chromium), measured with the
// browser's own timeline (probe.js). Not a test: it reports frames per
// second, long tasks and the renderer's work, and whether the targets are
// met, in a section of BENCHMARKS.md. See README.md.
//
//   npm ci --prefix bench/runtime && node bench/runtime/run.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Node 20 has WebSocket behind a flag: run again with it.
if (typeof WebSocket === 'undefined') {
    const r = spawnSync(process.execPath, ['--experimental-websocket', ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
}

const { chromium } = await import('playwright-core');
const { launchChromium } = await import('../../tests/common/browser.mjs');
const { openControl } = await import('../../tests/common/control.mjs');
const { startStudio } = await import('../../tests/common/process.mjs');
const { TREND_MINUTES } = await import('./dashboard.mjs');
const { drive, makeFolder } = await import('./load.mjs');
const { measure, renderReport, splice } = await import('./report.mjs');
const { taskTrace } = await import('../ui/tracing.mjs');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

/** The scenarios: which changes, through which wire generation. */
const SCENARIOS = {
    'all-0.6': { changes: 'all', generation: '0.6' },
    'all-0.7': { changes: 'all', generation: '0.7' },
    'some-0.6': { changes: 'some', generation: '0.6' },
    // Every widget in view at once (a wall display): nothing is skipped
    // for being scrolled away.
    'all-in-view-0.6': { changes: 'all', generation: '0.6', inView: true },
};

const USAGE = `usage: node bench/runtime/run.mjs [options]

  --runs N        runs of each scenario (default 3)
  --seconds S     seconds measured per run (default 20), after 16 s of
                  warm-up (the trends' window, full)
  --widgets N     widgets on the dashboard (default 200)
  --rate N        state changes a second (default 100)
  --only A[,B…]   only these scenarios: ${Object.keys(SCENARIOS).join(', ')}
  --no-build      use the existing release juggler-studio
  --studio FILE   use this juggler-studio (implies --no-build)
  --out FILE      write the report into FILE
  --note TEXT     a note on the machine for the report (what else ran on it)
  --runtime DIR   draw with the runtime in DIR (crates/studio/runtime, say)
                  instead of the one the binary writes

A run with the defaults writes its section of BENCHMARKS.md at the
repository root; any other writes target/bench/runtime.md (unless --out says so).`;

function parseArgs(argv) {
    const o = { runs: 3, seconds: 20, widgets: 200, rate: 100, only: Object.keys(SCENARIOS), build: true, out: null, studio: null, note: null, runtime: null };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        const num = () => {
            const n = Number(next());
            if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} takes a positive number`);
            return n;
        };
        if (a === '--runs') o.runs = num();
        else if (a === '--seconds') o.seconds = num();
        else if (a === '--widgets') o.widgets = Math.round(num());
        else if (a === '--rate') o.rate = num();
        else if (a === '--only') {
            o.only = next().split(',');
            for (const s of o.only) if (!SCENARIOS[s]) throw new Error(`no scenario ${s}: ${Object.keys(SCENARIOS).join(', ')}`);
        } else if (a === '--no-build') o.build = false;
        else if (a === '--studio') {
            o.studio = path.resolve(next());
            o.build = false;
        }
        else if (a === '--out') o.out = path.resolve(next());
        else if (a === '--note') o.note = next();
        else if (a === '--runtime') o.runtime = path.resolve(next());
        else if (a === '--help' || a === '-h') {
            console.log(USAGE);
            process.exit(0);
        } else throw new Error(`unknown option ${a}\n${USAGE}`);
    }
    o.full = o.runs >= 3 && o.seconds === 20 && o.widgets === 200 && o.rate === 100
        && o.only.length === Object.keys(SCENARIOS).length && o.studio == null && o.runtime == null;
    return o;
}

/** The browser's window: a desktop screen. */
const VIEWPORT = { width: 1600, height: 1000 };

/** Changes before measuring: the trends' windows fill, the page's code is
 * compiled and its caches warm. */
const WARMUP_SECONDS = TREND_MINUTES * 60 + 1;

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** One run: a fresh studio and page, warm-up, then `seconds` measured. */
async function runOnce(o, context, studioBin, dir, scenario) {
    const cleanups = [];
    try {
        const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
            '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
        const control = await openControl(studio.control, cleanups);
        const page = await context.newPage();
        cleanups.push(() => page.close());
        const errors = [];
        page.on('pageerror', e => errors.push(String(e)));
        await page.addInitScript({ path: path.join(here, 'probe.js') });
        await page.goto(studio.dashboard);
        await page.waitForFunction(n => document.querySelectorAll('.widget').length === n
            && document.querySelector('.status.connected') != null, o.widgets, { timeout: 30000 });
        if (scenario.inView) {
            const height = await page.evaluate(() => document.documentElement.scrollHeight);
            await page.setViewportSize({ width: VIEWPORT.width, height });
        }
        await page.evaluate(() => window.__bench.hook());
        const warmup = Math.round(WARMUP_SECONDS * o.rate);
        await drive(control, scenario.changes, o.widgets, 0, warmup, o.rate);
        // Each task's CPU time beside its wall time (a light Chrome trace):
        // tells a task that worked long from one that waited for a CPU.
        const stopTrace = await taskTrace({ cdp: await context.newCDPSession(page) });
        await page.evaluate(() => {
            const b = window.__bench;
            b.recording = true;
            b.start = performance.now();
            const stats = window.jugglerDashboard.bodies.stats;
            stats.draws = 0;
            stats.waits = [];
        });
        await drive(control, scenario.changes, o.widgets, warmup, Math.round(o.seconds * o.rate), o.rate);
        await sleep(200);
        const seen = await page.evaluate(() => {
            const b = window.__bench;
            b.recording = false;
            const stats = window.jugglerDashboard.bodies.stats;
            return { start: b.start, end: performance.now(), frames: b.frames, longtasks: b.longtasks, states: b.states,
                renders: b.renders, draws: stats.draws, waits: stats.waits };
        });
        const tasks = await stopTrace();
        if (errors.length) throw new Error(`the page failed: ${errors.join('; ')}`);
        return { ...measure(seen), longestTaskCpuMs: tasks?.longestCpuMs ?? NaN, maxTaskCpuMs: tasks?.maxCpuMs ?? NaN };
    } finally {
        for (const f of cleanups.reverse()) await f();
    }
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    const studioBin = o.studio ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'release', 'juggler-studio');
    if (o.build) {
        console.log('$ cargo build --release -p studio --bin juggler-studio');
        execFileSync('cargo', ['build', '--release', '-p', 'studio', '--bin', 'juggler-studio'], { cwd: root, stdio: 'inherit' });
    }
    if (!fs.existsSync(studioBin)) throw new Error(`${studioBin} is missing: run without --no-build`);
    const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
    const loadBefore = os.loadavg();
    const cleanups = [];
    const results = {};
    try {
        const context = await launchChromium(chromium, chromiumBin, cleanups,
            { prefix: 'juggler-runtime-bench-', viewport: VIEWPORT });
        cleanups.push(() => context.close());
        const folders = {};
        for (const name of o.only) {
            const scenario = SCENARIOS[name];
            folders[scenario.generation] ??= makeFolder(studioBin, scenario.generation, o.widgets, cleanups, { runtimeFrom: o.runtime });
            results[name] = [];
            for (let run = 1; run <= o.runs; run++) {
                process.stdout.write(`${name} run ${run}/${o.runs}: `);
                try {
                    const m = await runOnce(o, context, studioBin, folders[scenario.generation], scenario);
                    results[name].push(m);
                    console.log(`${m.fps.toFixed(1)} fps (worst second ${m.worstSecondFps}), ` +
                        `${m.longTasks} long tasks (longest ${m.maxLongTaskMs.toFixed(0)} ms; ` +
                        `most CPU time of one task ${m.maxTaskCpuMs.toFixed(0)} ms), ` +
                        `${m.rendersPerSecond.toFixed(1)} renders/s of ${m.renderP50Ms.toFixed(1)} ms (p95 ${m.renderP95Ms.toFixed(1)}), ` +
                        `${m.statesPerSecond.toFixed(0)} states/s, ${m.drawsPerSecond.toFixed(0)} bodies drawn/s ` +
                        `(waited ${m.waitP50Ms.toFixed(0)} ms, p95 ${m.waitP95Ms.toFixed(0)})`);
                } catch (e) {
                    console.log(`failed: ${e.message}`);
                    results[name].push({ failed: e.message });
                }
            }
        }
    } finally {
        for (const f of cleanups.reverse()) await f();
    }
    const out = o.out ?? (o.full ? path.join(root, 'BENCHMARKS.md')
        : path.join(root, 'target', 'bench', 'runtime.md'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const report = renderReport({ ...o, warmup: WARMUP_SECONDS, loadBefore }, SCENARIOS, results, chromiumBin);
    // The section goes into the file as it is (BENCHMARKS.md: the
    // protocol benchmark's part stays).
    const before = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
    fs.writeFileSync(out, splice(before, report));
    console.log(`\nwrote ${path.relative(process.cwd(), out) || out}\n`);
    console.log(report);
}

main().catch(e => {
    console.error(`error: ${e.message}`);
    process.exit(1);
});
