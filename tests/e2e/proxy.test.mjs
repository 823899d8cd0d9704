// The studio's proxy between the real reference server (hat-juggler 0.6.26
// from PyPI, tests/interop/reference_bench_server.py) and a page on the
// real @hat-open/juggler in headless Chromium: the page talks to the
// reference through `juggler-studio proxy`, both sides show in the studio's
// traffic log, and a what-if override changes what the page sees only.
//
// Environment: JUGGLER_STUDIO, CHROMIUM as in e2e.test.mjs; REFERENCE_PYTHON
// (default .venv/ref06/bin/python, made by scripts/test.sh).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { openControl as openSharedControl } from '../common/control.mjs';
import { freePort, startProcess, startStudio } from '../common/process.mjs';
import { launchChromium } from '../common/browser.mjs';
import { pageHead, servedDir } from './pages.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const studioBin = process.env.JUGGLER_STUDIO ?? path.join(root, 'target', 'debug', 'juggler-studio');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
const python = process.env.REFERENCE_PYTHON ?? path.join(root, '.venv', 'ref06', 'bin', 'python');
const artifacts = path.join(here, 'artifacts');
const WAIT_MS = 15000;

const cleanups = [];
let context;

before(async () => {
    for (const [file, fix] of [[studioBin, "run 'cargo build -p studio --bin juggler-studio'"],
                               [chromiumBin, 'apt-get install chromium'],
                               [python, 'run scripts/test.sh once: it makes .venv/ref06 with hat-juggler 0.6.26']]) {
        assert.ok(fs.existsSync(file), `${file} is missing: ${fix}`);
    }
    context = await launchChromium(chromium, chromiumBin, cleanups, { prefix: 'juggler-proxy-chromium-' });
});

after(async () => {
    await context?.close();
    for (const f of cleanups.reverse()) await f();
});


const openControl = url => openSharedControl(url, cleanups);

const PAGE = `${pageHead('proxied')}
<body><p id="status">connecting</p><pre id="state"></pre>
<script type="module">
import * as juggler from '@hat-open/juggler';
const conn = new juggler.Connection();
window.conn = conn;
conn.addEventListener('open', () => { document.getElementById('status').textContent = 'connected'; });
conn.addEventListener('change', e => { document.getElementById('state').textContent = JSON.stringify(e.detail); });
</script></body></html>`;

test('a page reaches the reference server through the proxy; both sides are logged; overrides show', { timeout: 90000 }, async () => {
    const port = await freePort();
    const reference = await startProcess(python, [path.join(root, 'tests', 'interop', 'reference_bench_server.py'),
        '--port', String(port)], cleanups, { ready: line => line.startsWith('READY'), what: 'the reference server' });
    const staticDir = servedDir('juggler-proxy-page-', cleanups);
    fs.writeFileSync(path.join(staticDir, 'index.html'), PAGE);
    const studio = await startStudio(studioBin, ['proxy', `ws://127.0.0.1:${port}/ws`, '--static-dir', staticDir,
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'juggler', 'control']);
    const control = await openControl(studio.control);
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', e => pageErrors.push(String(e)));
    try {
        await page.goto(studio.dashboard);
        await page.waitForFunction(() => document.getElementById('status').textContent === 'connected',
            null, { timeout: WAIT_MS });
        // A request through the proxy changes the reference's state, which
        // comes back to the page through the proxy.
        const answer = await page.evaluate(() => window.conn.send('state.set', { path: ['via'], value: 'proxy' }));
        assert.equal(answer, null);
        await page.waitForFunction(() => JSON.parse(document.getElementById('state').textContent || 'null')?.via === 'proxy',
            null, { timeout: WAIT_MS });
        assert.deepEqual(await page.evaluate(() => window.conn.send('echo', { a: [1, 'x'] })), { a: [1, 'x'] });
        const failure = await page.evaluate(() => window.conn.send('nope', 1).then(() => 'ok', e => String(e)));
        assert.match(failure, /not implemented/);

        const requests = await control.send('traffic.query', { filter: { kinds: ['request'], name: 'echo' } });
        const sides = new Set(requests.map(e => e.peer?.proxy?.side));
        assert.ok(sides.has('browser') && sides.has('upstream'), JSON.stringify(requests));
        const states = await control.send('traffic.query', { filter: { kinds: ['state'] } });
        assert.ok(states.some(e => e.peer?.proxy?.side === 'upstream' && e.direction === 'in'), 'upstream state diffs are logged');
        assert.ok(states.some(e => e.peer?.proxy?.side === 'browser' && e.direction === 'out'), 'browser state diffs are logged');

        const proxyId = requests.find(e => e.peer?.proxy)?.peer.proxy.proxy;
        await control.send('proxy.override', { id: proxyId, pointer: '/via', value: 'what if' });
        await page.waitForFunction(() => JSON.parse(document.getElementById('state').textContent || 'null')?.via === 'what if',
            null, { timeout: WAIT_MS });
        assert.deepEqual(pageErrors, []);
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, 'proxy-failure.png') }).catch(() => {});
        fs.writeFileSync(path.join(artifacts, 'proxy-failure.log'),
            [`error: ${e?.stack ?? e}`, '--- studio', ...studio.log, '--- reference', ...reference.log].join('\n'));
        throw e;
    } finally {
        await page.close();
    }
});
