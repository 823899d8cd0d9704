#!/usr/bin/env node
// Where the runtime's time goes under the benchmark's load: one run of a
// scenario of run.mjs with the runtime of the sources
// (crates/studio/runtime/, no rebuild of the studio needed), recorded with
// Chromium's own tools over playwright-core's CDP session — a performance
// trace (devtools.timeline) and a CPU profile — and summarised: the main
// thread's CPU time by kind of work, its longest tasks with what they were
// made of, and the functions with the most CPU time. The trace and the
// profile are kept for DevTools (Performance panel: load the trace file).
//
//   node bench/runtime/profile.mjs [--in-view] [--some] [--generation 0.6]
//        [--seconds 10] [--warmup 16] [--studio FILE] [--out DIR]
//        [--css TEXT]   (CSS added to the runtime's style.css: try a change)
//        [--runtime DIR] (another runtime than crates/studio/runtime: an
//                         older version, to compare with)
//
// Recording slows the page down and makes headless Chromium draw frames
// as fast as it can: compare kinds of work between versions, not frames
// per second (run.mjs measures those).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const { chromium } = await import('playwright-core');
const { launchChromium } = await import('../../tests/common/browser.mjs');
const { openControl } = await import('../../tests/common/control.mjs');
const { startStudio } = await import('../../tests/common/process.mjs');
const { drive, makeFolder } = await import('./load.mjs');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const WIDGETS = 200;
const RATE = 100;

function parseArgs(argv) {
    const value = (name, dflt) => {
        const i = argv.indexOf(name);
        return i >= 0 && i + 1 < argv.length ? argv[i + 1] : dflt;
    };
    return {
        inView: argv.includes('--in-view'),
        changes: argv.includes('--some') ? 'some' : 'all',
        generation: value('--generation', '0.6'),
        seconds: Number(value('--seconds', 10)),
        warmup: Number(value('--warmup', 16)),
        studio: path.resolve(value('--studio', path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'release', 'juggler-studio'))),
        out: path.resolve(value('--out', path.join(root, 'target', 'bench', 'profile'))),
        css: value('--css', null),
        runtime: path.resolve(value('--runtime', path.join(root, 'crates/studio/runtime'))),
    };
}

/** The page of the benchmark's dashboard, connected, sized as asked. */
async function openPage(context, url, inView) {
    const page = await context.newPage();
    page.on('pageerror', e => console.log(`page error: ${e}`));
    await page.addInitScript({ path: path.join(here, 'probe.js') });
    await page.goto(url);
    await page.waitForFunction(n => document.querySelectorAll('.widget').length === n
        && document.querySelector('.status.connected') != null, WIDGETS, { timeout: 30000 });
    if (inView) {
        const height = await page.evaluate(() => document.documentElement.scrollHeight);
        await page.setViewportSize({ width: 1600, height });
    }
    return page;
}

/** Records a trace and a CPU profile while `work` runs. */
async function record(context, page, work) {
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', e => events.push(...e.value));
    const complete = new Promise(resolve => cdp.once('Tracing.tracingComplete', resolve));
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
    await cdp.send('Tracing.start', { categories: 'devtools.timeline,disabled-by-default-devtools.timeline,v8', transferMode: 'ReportEvents' });
    await work();
    await cdp.send('Tracing.end');
    await complete;
    const { profile } = await cdp.send('Profiler.stop');
    return { events, profile };
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    const cleanups = [];
    try {
        const dir = makeFolder(o.studio, o.generation, WIDGETS, cleanups, { runtimeFrom: o.runtime });
        if (o.css) fs.appendFileSync(path.join(dir, 'runtime', 'style.css'), `\n${o.css}\n`);
        const studio = await startStudio(o.studio, ['serve', path.join(dir, 'workspace.json'), '--port', '0', '--control-port', '0'],
            cleanups, ['dashboard', 'control']);
        const control = await openControl(studio.control, cleanups);
        const context = await launchChromium(chromium, process.env.CHROMIUM ?? '/usr/bin/chromium', cleanups,
            { prefix: 'juggler-runtime-profile-', viewport: { width: 1600, height: 1000 } });
        cleanups.push(() => context.close());
        const page = await openPage(context, studio.dashboard, o.inView);
        const warmup = Math.round(o.warmup * RATE);
        await drive(control, o.changes, WIDGETS, 0, warmup, RATE);
        const { events, profile } = await record(context, page,
            () => drive(control, o.changes, WIDGETS, warmup, Math.round(o.seconds * RATE), RATE));
        fs.mkdirSync(o.out, { recursive: true });
        fs.writeFileSync(path.join(o.out, 'trace.json'), JSON.stringify({ traceEvents: events }));
        fs.writeFileSync(path.join(o.out, 'runtime.cpuprofile'), JSON.stringify(profile));
        console.log(summariseTrace(events));
        console.log(summariseProfile(profile));
        console.log(`\nkept: ${path.relative(process.cwd(), o.out)}/trace.json and runtime.cpuprofile`);
    } finally {
        for (const f of cleanups.reverse()) await f();
    }
}

/** The page's main thread: the renderer process's main thread with the
 * most events (the first renderer may be a spare one). */
function mainThread(events) {
    const count = new Map();
    for (const e of events) count.set(`${e.pid}:${e.tid}`, (count.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
    const mains = events.filter(e => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
    mains.sort((a, b) => count.get(`${b.pid}:${b.tid}`) - count.get(`${a.pid}:${a.tid}`));
    const m = mains[0];
    return m ? events.filter(e => e.pid === m.pid && e.tid === m.tid && e.ph === 'X') : [];
}

/** CPU time by kind of work, and the ten longest tasks broken down. */
function summariseTrace(events) {
    const main = mainThread(events);
    const ms = us => (us ?? 0) / 1000;
    const byName = new Map();
    for (const e of main) {
        const s = byName.get(e.name) ?? { cpu: 0, n: 0 };
        s.cpu += ms(e.tdur);
        s.n++;
        byName.set(e.name, s);
    }
    const lines = ['Main thread CPU time by kind of work: ms in all (times, ms each; nested kinds count in their parents too):'];
    for (const [k, s] of [...byName].sort((a, b) => b[1].cpu - a[1].cpu).slice(0, 16)) {
        lines.push(`  ${s.cpu.toFixed(0).padStart(7)} (${String(s.n).padStart(5)} × ${(s.cpu / s.n).toFixed(2).padStart(6)})  ${k}`);
    }
    const tasks = main.filter(e => e.name === 'RunTask').sort((a, b) => b.dur - a.dur).slice(0, 10);
    lines.push('Longest tasks: wall (CPU) ms, then their parts (CPU ms):');
    for (const t of tasks) {
        const parts = new Map();
        for (const e of main) {
            if (e !== t && e.ts >= t.ts && e.ts + (e.dur ?? 0) <= t.ts + t.dur) parts.set(e.name, (parts.get(e.name) ?? 0) + ms(e.tdur));
        }
        const top = [...parts].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, v]) => `${k} ${v.toFixed(1)}`);
        lines.push(`  ${ms(t.dur).toFixed(0)} (${ms(t.tdur).toFixed(0)}): ${top.join(', ')}`);
    }
    return lines.join('\n');
}

/** Self time by function, the heaviest first. */
function summariseProfile(p) {
    const nodes = new Map(p.nodes.map(n => [n.id, n]));
    const self = new Map();
    p.samples.forEach((id, i) => {
        const f = nodes.get(id).callFrame;
        const key = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
        self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
    });
    const lines = ['Functions by self time (ms):'];
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) lines.push(`  ${v.toFixed(0).padStart(7)}  ${k}`);
    return lines.join('\n');
}

main().catch(e => {
    console.error(`error: ${e.message}`);
    process.exit(1);
});
