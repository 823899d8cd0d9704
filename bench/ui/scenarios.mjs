// The scenarios of the UI benchmark. Each run starts its own programs and
// browser, so runs do not share caches or leftovers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
    LEAF_INDEX,
    LEAF_PATH,
    bigDocument,
    connect,
    displayDelays,
    frameStats,
    jsHeap,
    leafValue,
    behindEngine,
    maxBehind,
    quantile,
    rendererRss,
    sleep,
    startBenchServer,
    startStudio,
    writeRecording,
} from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const probeSource = fs.readFileSync(path.join(here, 'probe.js'), 'utf8');

export const SCENARIOS = ['state', 'client', 'replay', 'traffic'];

/** Leaf changes a second. */
const RATE = 100;
/** Longest a wait for the page may take before the run is reported as failed. */
const WAIT_MS = 180000;

let docCache = null;
/** The big document of `records` records (made once for all runs). */
function documentOf(records) {
    if (docCache?.records !== records) docCache = { records, doc: bigDocument(records) };
    return docCache;
}

async function withBrowser(chromium, bins, body) {
    const cleanups = [];
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-bench-'));
    cleanups.push(() => fs.rmSync(userDataDir, { recursive: true, force: true }));
    try {
        const context = await chromium.launchPersistentContext(userDataDir, {
            executablePath: bins.chromium,
            headless: true,
            viewport: { width: 1280, height: 900 },
            args: [
                ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
                '--disable-gpu',
                '--disable-background-networking',
                '--disable-component-update',
                '--disable-sync',
                '--no-first-run',
            ],
        });
        cleanups.push(() => context.close());
        const browserCdp = await context.browser()?.newBrowserCDPSession().catch(() => null);
        return await body({ context, browserCdp, cleanups });
    } finally {
        for (const f of cleanups.reverse()) await f();
    }
}

async function openUi(context, url) {
    // The persistent context opens with one tab: use it (one renderer to measure).
    const page = context.pages()[0] ?? (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.addInitScript(probeSource);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(url);
    return { page, cdp, errors };
}

/** Milliseconds from the last message over 1 MB that arrived before `shownAt` to `shownAt`: the page's own share of a first render. */
async function sinceBigMessage(page, shownAt) {
    const big = await page.evaluate(() => window.__bench.bigMessages);
    const before = big.filter(([t]) => t <= shownAt).map(([t]) => t);
    return before.length ? shownAt - Math.max(...before) : null;
}

/** Memory now: the JS heap and the renderer processes' RSS. */
async function memory(ui, browserCdp) {
    return { heapMB: mb(await jsHeap(ui.cdp)), rssMB: kbToMb(await rendererRss(browserCdp)) };
}

const mb = (bytes) => (bytes == null ? null : bytes / 2 ** 20);
const kbToMb = (kb) => (kb == null ? null : kb / 1024);

/** Samples memory every second until `stop()`; resolves with the peaks. */
function sampleMemory(ui, browserCdp) {
    let running = true;
    const peaks = { heapMB: 0, rssMB: 0 };
    const done = (async () => {
        while (running) {
            const m = await memory(ui, browserCdp).catch(() => null);
            if (m) {
                peaks.heapMB = Math.max(peaks.heapMB, m.heapMB ?? 0);
                peaks.rssMB = Math.max(peaks.rssMB, m.rssMB ?? 0);
            }
            await sleep(1000);
        }
    })();
    return async () => {
        running = false;
        await done;
        return peaks;
    };
}

async function expand(page, scope, tokens) {
    const pointer = '/' + tokens.join('/');
    const node = page.locator(`${scope} .jse-json-node[data-path="${encodeURIComponent(pointer)}"]`).first();
    await node.waitFor({ timeout: WAIT_MS });
    if (!(await node.evaluate((el) => el.classList.contains('jse-expanded')))) {
        await node.locator('.jse-expand').first().click({ timeout: WAIT_MS });
    }
    await page.locator(`${scope} .jse-json-node.jse-expanded[data-path="${encodeURIComponent(pointer)}"]`).first().waitFor({ timeout: WAIT_MS });
}

/**
 * With BENCH_UI_PROFILE=DIR, a CPU profile of the page (Chrome DevTools'
 * `.cpuprofile`) for each load, to find what a slow run spent its time on.
 */
async function profile(ui, label) {
    if (process.env.BENCH_UI_TRACE) return trace(ui, label, process.env.BENCH_UI_TRACE);
    const dir = process.env.BENCH_UI_PROFILE;
    if (!dir) return async () => {};
    await ui.cdp.send('Profiler.enable');
    await ui.cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await ui.cdp.send('Profiler.start');
    return async () => {
        const { profile: p } = await ui.cdp.send('Profiler.stop');
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${label.replace(/\W+/g, '_')}-${Date.now()}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(p));
        console.log(`profile: ${file}`);
    };
}

/** With BENCH_UI_TRACE=DIR, a Chrome trace (DevTools' Performance panel loads it) of each load instead. */
async function trace(ui, label, dir) {
    const events = [];
    const onData = ({ value }) => events.push(...value);
    ui.cdp.on('Tracing.dataCollected', onData);
    await ui.cdp.send('Tracing.start', {
        categories: process.env.BENCH_UI_TRACE_CATEGORIES ?? 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing',
        transferMode: 'ReportEvents',
    });
    return async () => {
        const done = new Promise((resolve) => ui.cdp.once('Tracing.tracingComplete', resolve));
        await ui.cdp.send('Tracing.end');
        await done;
        ui.cdp.off('Tracing.dataCollected', onData);
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${label.replace(/\W+/g, '_')}-${Date.now()}.trace.json`);
        fs.writeFileSync(file, JSON.stringify({ traceEvents: events }));
        console.log(`trace: ${file}`);
    };
}

/** Page time (performance.now) at which `selector`'s text first matches `pattern`. */
async function whenShown(page, selector, pattern) {
    const t = await page.evaluate(([s, p, ms]) => window.__bench.when(s, p, ms), [selector, pattern, WAIT_MS]);
    if (t === null) throw new Error(`${selector} did not show ${pattern} within ${WAIT_MS / 1000} s`);
    return t;
}

/** Progress on stderr, so that a slow run says where it is. */
function step(what) {
    console.error(`  ${new Date().toISOString().slice(11, 19)} ${what}`);
}

const now = (page) => page.evaluate(() => performance.now());

/**
 * Sends `RATE` leaf changes a second for `seconds` with `send(value)`,
 * recording the page's frames, long tasks and what it showed under
 * `watch`; returns the measures.
 */
async function leafLoad(ui, browserCdp, { watch, seconds, send, first }) {
    const { page } = ui;
    await page.evaluate((w) => {
        const b = window.__bench;
        b.watch = w;
        b.arrivals.length = 0;
        b.shown.length = 0;
        b.frames.length = 0;
        b.seen.clear();
        b.shownSet.clear();
        b.recording = true;
    }, watch);
    const from = await now(page);
    const stopMemory = sampleMemory(ui, browserCdp);
    const stopProfile = await profile(ui, watch);
    const total = Math.round(seconds * RATE);
    const started = Date.now();
    let sent = 0;
    while (sent < total) {
        const due = Math.min(total, Math.floor(((Date.now() - started) * RATE) / 1000) + 1);
        while (sent < due) send(leafValue(first + sent++));
        await sleep(2);
    }
    const sendSecs = (Date.now() - started) / 1000;
    const last = first + total - 1;
    // The last change shown (or not, within 10 s).
    await page
        .waitForFunction((n) => window.__bench.shownSet.has(n), last, { timeout: 10000, polling: 50 })
        .catch(() => {});
    await sleep(500);
    const to = await now(page);
    const peaks = await stopMemory();
    await stopProfile();
    const b = await page.evaluate(() => {
        const x = window.__bench;
        x.recording = false;
        return { arrivals: x.arrivals, shown: x.shown, frames: x.frames, longtasks: x.longtasks };
    });
    const tasks = b.longtasks.filter(([s]) => s >= from && s <= to);
    const { delays, missing } = displayDelays(b.arrivals, b.shown);
    const f = frameStats(b.frames, from, to);
    const end = await memory(ui, browserCdp);
    return {
        changes: total,
        sendRate: total / sendSecs,
        arrived: b.arrivals.length,
        lastShown: b.shown.some(([n]) => n === last),
        fps: f.fps,
        maxFrameGapMs: f.maxGapMs,
        longTasks: tasks.length,
        maxLongTaskMs: tasks.reduce((m, [, d]) => Math.max(m, d), 0),
        delayP50Ms: quantile(delays, 0.5),
        delayP95Ms: quantile(delays, 0.95),
        delayMaxMs: delays.length ? delays[delays.length - 1] : null,
        notShown: missing,
        heapMB: end.heapMB,
        rssMB: end.rssMB,
        peakHeapMB: peaks.heapMB,
        peakRssMB: peaks.rssMB,
    };
}

/**
 * Waits for the tree under `scope` to show the big state: the time since
 * `since` (page time) as `key`, the page's own share (since the big
 * document arrived) and the memory then.
 */
async function firstRender(ui, browserCdp, scope, since, key) {
    const shownAt = await whenShown(ui.page, `${scope} .jse-key`, '^items$');
    return { [key]: shownAt - since, fromArrivalMs: await sinceBigMessage(ui.page, shownAt), ...(await memory(ui, browserCdp)) };
}

/** A second after the first render, the loads (`send(value)` sets the leaf); the run's result. */
async function loadsAfter(ui, browserCdp, first, scope, seconds, send) {
    await sleep(1000);
    const load = await collapsedThenExpanded(ui, browserCdp, { scope, seconds, send });
    return { firstRender: first, ...load, pageErrors: ui.errors };
}

/** The load with the tree collapsed, then with the changed record expanded. */
async function collapsedThenExpanded(ui, browserCdp, { scope, seconds, send }) {
    const collapsed = await leafLoad(ui, browserCdp, { watch: scope, seconds, send, first: 1 });
    await expand(ui.page, scope, ['items']);
    await expand(ui.page, scope, ['items', String(LEAF_INDEX)]);
    const expanded = await leafLoad(ui, browserCdp, { watch: scope, seconds, send, first: 1 + collapsed.changes });
    return { collapsed, expanded };
}

// ---------------------------------------------------------------- scenarios

async function stateScenario({ chromium, bins, records, seconds }) {
    const { doc } = documentOf(records);
    return withBrowser(chromium, bins, async ({ context, browserCdp, cleanups }) => {
        const studio = await startStudio(bins.studio, bins.uiDir, cleanups);
        const control = await connect(studio.control, cleanups);
        const scope = '[data-testid="state-editor"]';
        // The tab with the demo's small state, for comparison.
        const ui = await openUi(context, studio.ui);
        await ui.page.getByTestId('nav-state').click({ timeout: WAIT_MS });
        await whenShown(ui.page, `${scope} .jse-key`, '^title$');
        await sleep(1000);
        const baseline = await memory(ui, browserCdp);
        await control.send('state.replace', { value: doc });
        await ui.page.reload();
        await ui.page.getByTestId('nav-state').click({ timeout: WAIT_MS });
        // From the page's navigation: the model, state included, comes over the control link.
        const first = { ...(await firstRender(ui, browserCdp, scope, 0, 'fromNavigationMs')), baseline };
        return loadsAfter(ui, browserCdp, first, scope, seconds, (value) =>
            control.fire('state.set', { path: LEAF_PATH, value }),
        );
    });
}

async function clientScenario({ chromium, bins, records, seconds }) {
    const { doc } = documentOf(records);
    return withBrowser(chromium, bins, async ({ context, browserCdp, cleanups }) => {
        const remote = await startBenchServer(bins.benchServer, cleanups);
        const setter = await connect(remote.url, cleanups);
        await setter.send('state.set', { path: [], value: doc });
        const studio = await startStudio(bins.studio, bins.uiDir, cleanups);
        const control = await connect(studio.control, cleanups);
        const ui = await openUi(context, studio.ui);
        await ui.page.getByTestId('nav-client').click({ timeout: WAIT_MS });
        await ui.page.waitForFunction(() => window.__bench.firstStateAt !== null, null, { timeout: WAIT_MS });
        const scope = '[data-testid="remote-tree"]';
        const sentAt = await now(ui.page);
        const { id } = await control.send('remote.connect', { target: { url: remote.url, generation: '0.6' } });
        // Connected from the control link, not the form: its tab is not chosen yet.
        await ui.page.getByTestId(`client-tab-${id}`).locator('.label').click({ timeout: WAIT_MS });
        const first = await firstRender(ui, browserCdp, scope, sentAt, 'fromConnectMs');
        return loadsAfter(ui, browserCdp, first, scope, seconds, (value) =>
            setter.fire('state.set', { path: LEAF_PATH, value }),
        );
    });
}

async function replayScenario({ chromium, bins, records, seconds }) {
    const { doc } = documentOf(records);
    const changes = Math.round(seconds * RATE);
    const file = path.join(os.tmpdir(), `juggler-ui-bench-${process.pid}.ndjson`);
    // Two loads (collapsed, expanded) play the recording twice.
    writeRecording(file, doc, changes);
    try {
        return await withBrowser(chromium, bins, async ({ context, browserCdp, cleanups }) => {
            const studio = await startStudio(bins.studio, bins.uiDir, cleanups);
            const control = await connect(studio.control, cleanups);
            const ui = await openUi(context, studio.ui);
            await ui.page.getByTestId('nav-replay').click({ timeout: WAIT_MS });
            await ui.page.waitForFunction(() => window.__bench.firstStateAt !== null, null, { timeout: WAIT_MS });
            step('replay.load');
            await control.send('replay.load', { path: file });
            step('replay.seek 1');
            const scope = '[data-testid="replay-tree"]';
            const sentAt = await now(ui.page);
            await control.send('replay.seek', { step: 1 });
            const first = await firstRender(ui, browserCdp, scope, sentAt, 'fromSeekMs');
            await sleep(1000);
            step('playing, collapsed');
            const collapsed = await replayLoad(ui, browserCdp, control, scope, seconds);
            step('expanding');
            await expand(ui.page, scope, ['items']);
            await expand(ui.page, scope, ['items', String(LEAF_INDEX)]);
            step('playing, expanded');
            const expanded = await replayLoad(ui, browserCdp, control, scope, seconds);
            return { firstRender: first, collapsed, expanded, pageErrors: ui.errors };
        });
    } finally {
        fs.rmSync(file, { force: true });
    }
}

/** Plays the recording from step 1 (its changes at 100 a second) and measures like `leafLoad`. */
async function replayLoad(ui, browserCdp, control, scope, seconds) {
    await control.send('replay.pause');
    await control.send('replay.seek', { step: 1 });
    await sleep(1000);
    let started = false;
    return leafLoad(ui, browserCdp, {
        watch: scope,
        seconds,
        first: 1,
        send: () => {
            if (!started) {
                started = true;
                control.fire('replay.play', { speed: 1 });
            }
        },
    });
}

async function trafficScenario({ chromium, bins, requests }) {
    return withBrowser(chromium, bins, async ({ context, browserCdp, cleanups }) => {
        const studio = await startStudio(bins.studio, bins.uiDir, cleanups);
        const control = await connect(studio.control, cleanups);
        await control.send('rules.set', {
            rules: [{ id: 'bench', enabled: true, match: { name: { exact: 'bench' } }, delayMs: 0, action: 'echo' }],
        });
        await control.send('traffic.clear');
        const ui = await openUi(context, studio.ui);
        await ui.page.getByTestId('nav-traffic').click({ timeout: WAIT_MS });
        await ui.page.waitForFunction(() => window.__bench.firstStateAt !== null, null, { timeout: WAIT_MS });
        const dashboard = await connect(studio.juggler, cleanups);
        await sleep(500);
        const watch = '.traffic-pane';
        await ui.page.evaluate((w) => {
            const b = window.__bench;
            b.watch = w;
            b.watchRows = true;
            b.seqArrivals.length = 0;
            b.seqShown.length = 0;
            b.seqTimes.length = 0;
            b.frames.length = 0;
            b.recording = true;
        }, watch);
        const from = await now(ui.page);
        const stopMemory = sampleMemory(ui, browserCdp);
        const stopProfile = await profile(ui, 'traffic');
        const started = Date.now();
        const WINDOW = 256;
        let sent = 0;
        let answered = 0;
        await new Promise((resolve, reject) => {
            const pump = () => {
                while (sent < requests && sent - answered < WINDOW) {
                    const i = sent++;
                    dashboard
                        .send('bench', { i, text: `bench-row-${i}` })
                        .then(() => {
                            answered += 1;
                            if (answered === requests) resolve();
                            else pump();
                        }, reject);
                }
            };
            pump();
        });
        const burstSecs = (Date.now() - started) / 1000;
        // Until the list shows the engine's newest entry (or 30 s).
        const lastSeq = (await control.send('traffic.query', { limit: 1 }))[0]?.seq ?? -1;
        const caughtUp = await ui.page
            .waitForFunction((s) => window.__bench.maxShownSeq >= s, lastSeq, { timeout: 30000, polling: 50 })
            .then(() => true, () => false);
        const to = await now(ui.page);
        const caughtUpAfterBurstMs = to - from - burstSecs * 1000;
        const peaks = await stopMemory();
        await stopProfile();
        const b = await ui.page.evaluate(() => {
            const x = window.__bench;
            x.recording = false;
            return {
                seqArrivals: x.seqArrivals,
                seqShown: x.seqShown,
                seqTimes: x.seqTimes,
                frames: x.frames,
                longtasks: x.longtasks,
                timeOrigin: performance.timeOrigin,
            };
        });
        const tasks = b.longtasks.filter(([s]) => s >= from && s <= to);
        const f = frameStats(b.frames, from, to);
        const burst = {
            requests,
            burstSecs,
            entries: lastSeq,
            caughtUp,
            caughtUpAfterBurstMs,
            maxBehindMs: behindEngine(b.seqTimes, b.seqShown, b.frames.filter((t) => t >= from && t <= to), b.timeOrigin),
            maxArrivedToShownMs: maxBehind(b.seqArrivals, b.seqShown, to),
            fps: f.fps,
            maxFrameGapMs: f.maxGapMs,
            longTasks: tasks.length,
            maxLongTaskMs: tasks.reduce((m, [, d]) => Math.max(m, d), 0),
            ...(await memory(ui, browserCdp)),
            peakHeapMB: peaks.heapMB,
            peakRssMB: peaks.rssMB,
        };
        const filter = await filterRun(ui.page, requests - 1);
        return { burst, filter, pageErrors: ui.errors };
    });
}

/** Types a search that matches the last request and its answer; measures until just those rows show. */
async function filterRun(page, i) {
    await page.evaluate(() => {
        const b = window.__bench;
        b.frames.length = 0;
        b.recording = true;
    });
    const from = await now(page);
    await page.getByTestId('filter-text').fill(`bench-row-${i}"`);
    const shownAt = await page.evaluate(
        () =>
            new Promise((resolve) => {
                const check = () => {
                    const rows = [...document.querySelectorAll('.traffic-pane [data-testid="traffic-row"]')];
                    if (rows.length === 2) resolve(performance.now());
                    else requestAnimationFrame(check);
                };
                check();
            }),
    );
    await sleep(300);
    const to = await now(page);
    const b = await page.evaluate(() => {
        const x = window.__bench;
        x.recording = false;
        return { frames: x.frames, longtasks: x.longtasks };
    });
    const tasks = b.longtasks.filter(([s]) => s >= from && s <= to);
    const f = frameStats(b.frames, from, to);
    return {
        filterMs: shownAt - from,
        fps: f.fps,
        maxFrameGapMs: f.maxGapMs,
        longTasks: tasks.length,
        maxLongTaskMs: tasks.reduce((m, [, d]) => Math.max(m, d), 0),
    };
}

const RUNNERS = { state: stateScenario, client: clientScenario, replay: replayScenario, traffic: trafficScenario };

/** One run of scenario `name`; a failure is reported in the result, not thrown. */
export async function runScenario(name, opts) {
    try {
        return await RUNNERS[name](opts);
    } catch (e) {
        return { failed: String(e?.stack ?? e).split('\n').slice(0, 6).join('\n') };
    }
}
