// Browser end-to-end tests of `juggler-studio serve`: headless Chromium
// (Debian's /usr/bin/chromium, driven by playwright-core) opens a dashboard
// built on the real @hat-open/juggler from npm; the test drives the studio
// through its control endpoint (juggler 0.6 JSON over Node's WebSocket) and
// checks that the page follows, and clicks buttons whose requests the
// workspace's rules answer.
//
// Two runs: a workspace whose static_dir is the small page of dashboard/
// (with the packages of node_modules copied next to it), and the demo
// dashboard embedded in the binary (`serve` without a workspace).
//
// Environment: JUGGLER_STUDIO (default target/debug/juggler-studio),
// CHROMIUM (default /usr/bin/chromium), E2E_SCREENSHOTS=1 to keep a
// screenshot of every page (light and dark) in artifacts/, where a failing
// test always leaves its screenshot and the studio's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { openControl as openSharedControl } from '../common/control.mjs';
import { startStudio as startStudioProcess } from '../common/process.mjs';
import { launchChromium } from '../common/browser.mjs';
import { pageHead, servedDir } from './pages.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const studioBin = process.env.JUGGLER_STUDIO ?? path.join(root, 'target', 'debug', 'juggler-studio');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
const artifacts = path.join(here, 'artifacts');
const keepScreenshots = process.env.E2E_SCREENSHOTS === '1';
const WAIT_MS = 15000;


const cleanups = [];
let context;

before(async () => {
    assert.ok(fs.existsSync(studioBin),
        `${studioBin} is missing: run 'cargo build -p studio --bin juggler-studio' first`);
    assert.ok(fs.existsSync(chromiumBin),
        `${chromiumBin} is missing: install Debian's chromium package (apt-get install chromium)`);
    context = await launchChromium(chromium, chromiumBin, cleanups, { prefix: 'juggler-e2e-chromium-', viewport: { width: 1280, height: 900 } });
});

after(async () => {
    await context?.close();
    for (const f of cleanups.reverse()) await f();
});

// --- the studio -------------------------------------------------------------

/** Starts `juggler-studio serve ARGS` and reads the URLs it prints. */
async function startStudio(args) {
    const studio = await startStudioProcess(studioBin,
        ['serve', ...args, '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
    assert.match(studio.dashboard, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.match(studio.control, /^ws:\/\/127\.0\.0\.1:\d+\/control\?token=[0-9a-f]{64}$/);
    return studio;
}

/** The control client (tests/common/control.mjs), closed after the tests. */
const openControl = url => openSharedControl(url, cleanups);

// --- the browser ------------------------------------------------------------

/** Runs `body(page)` on a fresh page; on failure, saves a screenshot, the
 * page's console and the studio's log in artifacts/. */
async function withPage(name, studio, body) {
    const page = await context.newPage();
    const consoleLines = [];
    const pageErrors = [];
    page.on('console', m => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', e => pageErrors.push(String(e)));
    try {
        await body(page);
        assert.deepEqual(pageErrors, [], 'the page threw');
        if (keepScreenshots) {
            fs.mkdirSync(artifacts, { recursive: true });
            await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
            await page.emulateMedia({ colorScheme: 'dark' });
            await page.screenshot({ path: path.join(artifacts, `${name}-dark.png`), fullPage: true });
        }
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        const shot = path.join(artifacts, `${name}-failure.png`);
        await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
        fs.writeFileSync(path.join(artifacts, `${name}-failure.log`),
            [`error: ${e?.stack ?? e}`, '', '--- page console', ...consoleLines,
             '--- page errors', ...pageErrors, '--- juggler-studio', ...studio.log].join('\n') + '\n');
        console.error(`e2e: ${name} failed: screenshot and logs in ${path.relative(root, artifacts)}/`);
        if (pageErrors.length) e.message += `\npage errors:\n${pageErrors.join('\n')}`;
        throw e;
    } finally {
        await page.close();
    }
}

/** Waits until `fn(arg)`, run in the page, is true. */
async function waitIn(page, what, fn, arg) {
    try {
        await page.waitForFunction(fn, arg, { timeout: WAIT_MS, polling: 50 });
    } catch (e) {
        throw new Error(`timed out waiting for ${what}`, { cause: e });
    }
}

const textOf = (page, selector) => page.locator(selector).first().textContent();

// --- the tests --------------------------------------------------------------

test('a workspace dashboard on @hat-open/juggler follows the control endpoint', { timeout: 90000 }, async () => {
    const staticDir = servedDir('juggler-e2e-dashboard-', cleanups);
    fs.cpSync(path.join(here, 'dashboard'), staticDir, { recursive: true });
    const studio = await startStudio([path.join(here, 'workspace.json'), '--static-dir', staticDir]);
    const control = await openControl(studio.control);

    await withPage('workspace', studio, async page => {
        await page.goto(studio.dashboard);
        await waitIn(page, 'the page to connect',
            () => document.getElementById('status').textContent === 'connected');
        await waitIn(page, 'the initial state',
            () => JSON.parse(document.getElementById('state').textContent || 'null')?.label === 'initial');

        await control.send('state.set', { path: ['counter'], value: 42 });
        await waitIn(page, 'the counter set through the control endpoint',
            () => document.getElementById('counter').textContent === '42');
        await control.send('state.set', { path: ['label'], value: 'from the test' });
        await waitIn(page, 'the label set through the control endpoint',
            () => JSON.parse(document.getElementById('state').textContent).label === 'from the test');

        const sent = await control.send('notify.send', { name: 'e2e.note', data: { n: 1, text: 'héllo' } });
        assert.ok(sent && typeof sent === 'object', `notify.send answered ${JSON.stringify(sent)}`);
        await waitIn(page, 'the notification',
            () => [...document.querySelectorAll('#notifications li')]
                .some(li => li.textContent === 'e2e.note {"n":1,"text":"héllo"}'));

        await page.click('#hello');
        await waitIn(page, "the hello rule's answer",
            () => document.getElementById('answer').textContent === 'ok {"greeting":"hello e2e"}');
    });
});

test('the demo dashboard embedded in juggler-studio works in a browser', { timeout: 90000 }, async () => {
    const studio = await startStudio([]);
    const control = await openControl(studio.control);

    await withPage('demo', studio, async page => {
        await page.goto(studio.dashboard);
        await waitIn(page, 'the demo page to connect',
            () => document.getElementById('status').dataset.status === 'connected');
        await waitIn(page, 'the demo pumps',
            () => document.querySelectorAll('#pumps tbody tr[data-pump]').length === 3);
        assert.equal(await page.title(), 'Pump station (demo)');

        // State set through the control endpoint: an alarm appears.
        await control.send('state.set',
            { path: ['alarms'], value: [{ text: 'E2E pressure low', severity: 'critical' }] });
        await waitIn(page, 'the alarm set through the control endpoint',
            () => document.getElementById('alarms').textContent.includes('E2E pressure low'));
        await waitIn(page, 'the state view to follow',
            () => document.getElementById('state').textContent.includes('E2E pressure low'));

        // A notification sent through the control endpoint is listed.
        await control.send('notify.send', { name: 'e2e.alarm', data: { level: 3 } });
        await waitIn(page, 'the notification',
            () => document.querySelector('#notifications li[data-name="e2e.alarm"]')
                ?.textContent.includes('{"level":3}'));
        assert.equal(await textOf(page, '#notification-count'), '1');

        // Buttons send requests; the demo rules answer them.
        await page.click('button[data-request="hello"]');
        await waitIn(page, "the hello rule's answer",
            () => document.querySelector('#answers li[data-name="hello"][data-outcome="ok"]')
                ?.textContent.includes('"greeting":"hello studio"'));

        await page.click('button[data-request="fail"]');
        await waitIn(page, "the fail rule's error",
            () => document.querySelector('#answers li[data-name="fail"][data-outcome="error"]')
                ?.textContent.includes('demoError'));

        await page.click('button[data-request="no.such.request"]');
        await waitIn(page, 'the error for a request no rule answers',
            () => document.querySelector('#answers li[data-name="no.such.request"][data-outcome="error"]')
                ?.textContent.includes('no rule for'));

        await page.click('button[data-request="flaky"]');
        await waitIn(page, "the flaky rule's (slow) answer",
            () => document.querySelector('#answers li[data-name="flaky"][data-outcome="ok"]')
                ?.textContent.includes('"reading"'));

        // The pump button sends pump.toggle, whose rule sets the state.
        await page.click('#pumps tr[data-pump="P2"] button');
        await waitIn(page, 'P2 running after pump.toggle',
            () => document.querySelector('#pumps tr[data-pump="P2"] .dot')?.textContent === 'running');
        await waitIn(page, "pump.toggle's answer",
            () => document.querySelector('#answers li[data-name="pump.toggle"][data-outcome="ok"]')
                ?.textContent.includes('"running":true'));

        await page.click('button[data-request="click"]');
        await waitIn(page, 'lastClick in the state',
            () => JSON.parse(document.getElementById('state').textContent).lastClick?.at != null);
    });
});

// A page on @hat-open/juggler's Application (reconnect + keep-alive pings),
// with short delays so the test is quick.
const APP_PAGE = `${pageHead('faults')}
<body><p>connected: <span id="connected">0</span>, disconnected: <span id="disconnected">0</span></p>
<script type="module">
import * as juggler from '@hat-open/juggler';
const app = new juggler.Application(null, undefined, [juggler.getDefaultAddress()], 300, 200, 400);
for (const name of ['connected', 'disconnected']) {
    app.addEventListener(name, () => {
        const el = document.getElementById(name);
        el.textContent = String(Number(el.textContent) + 1);
    });
}
</script></body></html>`;

test('fault injection as @hat-open/juggler sees it: reconnect after a drop, close on unanswered pings, back-off while refused', { timeout: 90000 }, async () => {
    const staticDir = servedDir('juggler-e2e-faults-', cleanups);
    fs.writeFileSync(path.join(staticDir, 'index.html'), APP_PAGE);
    const studio = await startStudio([path.join(here, 'workspace.json'), '--static-dir', staticDir]);
    const control = await openControl(studio.control);
    const ids = m => Object.keys(m.connections).map(Number);
    const count = (page, which) => page.locator(`#${which}`).textContent().then(Number);

    await withPage('faults', studio, async page => {
        await page.goto(studio.dashboard);
        await waitIn(page, 'the first connection', () => document.getElementById('connected').textContent === '1');
        const [first] = ids(await control.waitFor(m => ids(m).length === 1, 'the page in /connections'));

        // Dropped without a close frame: the client notices and reconnects.
        await control.send('connection.drop', { id: first });
        await waitIn(page, 'a reconnect after the drop', () => document.getElementById('connected').textContent === '2');
        assert.equal(await count(page, 'disconnected'), 1);
        const [second] = ids(await control.waitFor(m => ids(m).length === 1 && !ids(m).includes(first), 'a new connection'));

        // Its keep-alive pings go unanswered: the client closes on its own,
        // then reconnects (a new connection has no faults).
        await control.send('faults.set', { connection: second, settings: { ignoreEmptyRequests: true } });
        await waitIn(page, 'the client to close on an unanswered ping', () => document.getElementById('disconnected').textContent === '2');
        await waitIn(page, 'a reconnect after the ping timeout', () => document.getElementById('connected').textContent === '3');
        const [third] = ids(await control.waitFor(m => ids(m).length === 1 && !ids(m).includes(second), 'a third connection'));

        // While refused, reconnects fail and the client keeps trying; once
        // the refusal ends it is back.
        await control.send('server.refuse', { ms: 60000 });
        await control.send('connection.drop', { id: third });
        await waitIn(page, 'the drop', () => document.getElementById('disconnected').textContent === '3');
        await control.waitFor(m => ids(m).length === 0, 'no connection while refused');
        await control.send('server.refuse', { ms: 0 });
        await waitIn(page, 'a reconnect once the refusal ends', () => document.getElementById('connected').textContent === '4');
    });
});
