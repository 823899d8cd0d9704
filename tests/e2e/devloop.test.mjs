// The dashboard author's loop in headless Chromium against `juggler-studio
// serve` of a folder made by `juggler-studio new`: a changed stylesheet is
// swapped in place (the page is not reloaded), a changed script reloads the
// page, each within 2 s of the write, with the juggler connection working
// after; a page's errors (thrown, console.error, a missing module) reach the
// studio's Console (the control model's /console) and `serve`'s output with
// their URL and line; 10,000 errors from one page stay bounded.
//
// Environment: JUGGLER_STUDIO, CHROMIUM as in e2e.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { launchChromium } from '../common/browser.mjs';
import { openControl } from '../common/control.mjs';
import { startStudio } from '../common/process.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const studioBin = process.env.JUGGLER_STUDIO ?? path.join(root, 'target', 'debug', 'juggler-studio');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
const artifacts = path.join(here, 'artifacts');
const WAIT_MS = 15000;
/** How soon after the write the page must show it (the bound). */
const LIVE_MS = 2000;

const cleanups = [];
let context;

before(async () => {
    for (const [file, fix] of [[studioBin, "run 'cargo build -p studio --bin juggler-studio'"],
                               [chromiumBin, 'apt-get install chromium']]) {
        assert.ok(fs.existsSync(file), `${file} is missing: ${fix}`);
    }
    context = await launchChromium(chromium, chromiumBin, cleanups, { prefix: 'juggler-devloop-chromium-' });
});

after(async () => {
    await context?.close();
    for (const f of cleanups.reverse()) await f();
});

/** A new dashboard folder, served by the studio with its control endpoint;
 * `dir` is its page's folder, the one the studio serves and watches. */
async function served(generation = '0.7') {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-devloop-'));
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    execFileSync(studioBin, ['new', dir, '--generation', generation, '--name', 'Live'], { encoding: 'utf8' });
    const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
    const control = await openControl(studio.control, cleanups);
    return { dir: path.join(dir, 'web'), studio, control };
}

async function withPage(label, studio, fn) {
    const page = await context.newPage();
    try {
        return await fn(page);
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, `devloop-${label}-failure.png`) }).catch(() => {});
        fs.writeFileSync(path.join(artifacts, `devloop-${label}-failure.log`),
            [`error: ${e?.stack ?? e}`, '--- studio', ...studio.log].join('\n'));
        throw e;
    } finally {
        await page.close();
    }
}

const connected = page => page.waitForFunction(() => document.querySelector('.status')?.textContent === 'connected',
    null, { timeout: WAIT_MS });

test('a stylesheet is swapped in place, a script reloads the page, and the connection works after', { timeout: 120000 }, async () => {
    const { dir, studio, control } = await served();
    await withPage('live', studio, async page => {
        await page.goto(studio.dashboard);
        await connected(page);
        await page.waitForFunction(() => window.__jugglerStudio?.connected === true, null, { timeout: WAIT_MS });
        await control.waitFor(m => m?.console?.openPages === 1, 'the page is open with the client');
        await page.evaluate(() => { window.__marker = 'kept'; });

        // The stylesheet: swapped in place, the page (and its marker) stay.
        fs.appendFileSync(path.join(dir, 'style.css'), '\n#title { color: rgb(1, 2, 3); }\n');
        const cssWritten = Date.now();
        await page.waitForFunction(() => getComputedStyle(document.getElementById('title')).color === 'rgb(1, 2, 3)',
            null, { timeout: WAIT_MS });
        const cssMs = Date.now() - cssWritten;
        assert.equal(await page.evaluate(() => window.__marker), 'kept', 'the page was not reloaded');
        assert.ok(cssMs <= LIVE_MS, `the new style showed ${cssMs} ms after the write`);
        const css = await control.waitFor(m => m?.console?.lastReload?.kind === 'css', 'the swap in the model');
        assert.deepEqual(css.console.lastReload.paths, ['/style.css']);
        assert.equal(css.console.lastReload.pages, 1);

        // A stylesheet the page pulls in with @import: a swap of the link
        // would keep the browser's copy of it, so the page reloads.
        fs.writeFileSync(path.join(dir, 'theme.css'), '#title { letter-spacing: 1px; }\n');
        const style = path.join(dir, 'style.css');
        fs.writeFileSync(style, '@import "./theme.css";\n' + fs.readFileSync(style, 'utf8'));
        await page.waitForFunction(() => { const t = document.getElementById('title'); return t && getComputedStyle(t).letterSpacing === '1px'; },
            null, { timeout: WAIT_MS });
        fs.writeFileSync(path.join(dir, 'theme.css'), '#title { letter-spacing: 3px; }\n');
        await page.waitForFunction(() => { const t = document.getElementById('title'); return t && getComputedStyle(t).letterSpacing === '3px'; },
            null, { timeout: WAIT_MS });
        await page.waitForFunction(() => window.__jugglerStudio?.connected === true, null, { timeout: WAIT_MS });
        await page.evaluate(() => { window.__marker = 'kept'; });

        // The script: the page reloads and shows the change.
        const app = path.join(dir, 'app.js');
        fs.writeFileSync(app, fs.readFileSync(app, 'utf8') + '\ndocument.documentElement.dataset.edited = "yes";\n');
        const jsWritten = Date.now();
        await page.waitForFunction(() => document.documentElement.dataset.edited === 'yes', null, { timeout: WAIT_MS });
        const jsMs = Date.now() - jsWritten;
        assert.equal(await page.evaluate(() => window.__marker), undefined, 'the page was reloaded');
        assert.ok(jsMs <= LIVE_MS, `the reloaded page showed the change ${jsMs} ms after the write`);
        const reload = await control.waitFor(m => m?.console?.lastReload?.kind === 'reload', 'the reload in the model');
        assert.deepEqual(reload.console.lastReload.paths, ['/app.js']);
        assert.ok(studio.log.some(l => /app\.js changed: reloaded 1 page/.test(l)), studio.log.join('\n'));

        // The juggler connection works after: a request and its effect.
        await connected(page);
        await page.click('#devices tbody tr:nth-child(2) button');
        await page.waitForSelector('#devices tbody tr:nth-child(2) .acknowledged', { timeout: WAIT_MS });
        assert.match(await page.textContent('#answer'), /device\.acknowledge → \{"acknowledged":2\}/);
    });
});

const BROKEN = `<!doctype html>
<html><head><meta charset="utf-8"><title>broken</title><link rel="stylesheet" href="./nope.css"></head>
<body><p>broken</p><img src="./missing.png" alt="">
<script>
console.error('the gauge has no value', 42);
fetch('./missing.json');
fetch('./broken.html');
const stop = new AbortController();
fetch('./slow.json', { signal: stop.signal }).catch(() => {});
stop.abort();
const xhr = new XMLHttpRequest();
xhr.open('POST', './nope.txt');
xhr.send('{}');
</script>
<script type="module" src="./broken.js"></script>
<script type="module">
import './missing.js';
</script>
</body></html>
`;

const BROKEN_JS = `// A view function that throws.
function view(state) {
    return state.nothing.here;
}
setTimeout(() => view({}), 0);
`;

test("a dashboard's errors reach the Console and serve's output, with URL and line", { timeout: 120000 }, async () => {
    const { dir, studio, control } = await served();
    fs.writeFileSync(path.join(dir, 'broken.html'), BROKEN);
    fs.writeFileSync(path.join(dir, 'broken.js'), BROKEN_JS);
    await withPage('console', studio, async page => {
        const url = new URL('broken.html', studio.dashboard).href;
        await page.goto(url);
        const loadOf = (m, file) => (m?.console?.entries ?? []).find(e => e.level === 'load' && e.source?.endsWith(file));
        const model = await control.waitFor(m => {
            const entries = m?.console?.entries ?? [];
            const levels = new Set(entries.map(e => e.level));
            return levels.has('error') && levels.has('uncaught') && loadOf(m, '/nope.css') && loadOf(m, '/missing.png')
                && entries.some(e => e.level === 'load' && /missing\.js/.test(`${e.source} ${e.message}`))
                && entries.some(e => /missing\.json/.test(e.message)) && entries.some(e => /nope\.txt/.test(e.message));
        }, 'an error, an exception and the failed loads in /console');
        const entries = model.console.entries;
        const logged = entries.find(e => e.level === 'error');
        assert.match(logged.message, /the gauge has no value 42/);
        assert.equal(logged.url, url);
        const thrown = entries.find(e => e.level === 'uncaught');
        assert.match(thrown.message, /nothing|undefined/);
        assert.equal(thrown.source, new URL('broken.js', studio.dashboard).href);
        assert.equal(thrown.line, 3);
        const load = entries.find(e => e.level === 'load' && /missing\.js/.test(`${e.source} ${e.message}`));
        assert.ok(load, JSON.stringify(entries));
        // A stylesheet's failure names that stylesheet, not every refused file.
        assert.doesNotMatch(loadOf(model, '/nope.css').message, /missing\.png/);
        assert.ok(model.console.errors >= 3);
        // Failed fetch and XMLHttpRequest calls, with the line that made
        // them; a request that succeeded or that the page aborted is not one.
        const fetched = entries.find(e => /missing\.json/.test(e.message));
        assert.equal(fetched.level, 'load');
        assert.equal(fetched.message, `GET ${new URL('missing.json', studio.dashboard).href} answered 404 Not Found`);
        assert.equal(fetched.source, url);
        assert.equal(fetched.line, 6);
        const posted = entries.find(e => /nope\.txt/.test(e.message));
        assert.match(posted.message, /^POST http:\/\/\S+\/nope\.txt answered 4\d\d/);
        assert.equal(posted.line, 13);
        assert.ok(!entries.some(e => /slow\.json|broken\.html answered/.test(e.message)), JSON.stringify(entries));
        // Newest first.
        assert.ok(entries.every((e, i) => i === 0 || entries[i - 1].seq > e.seq));
        // serve's output names the place.
        const place = new RegExp(`uncaught at ${thrown.source.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:`);
        await waitUntil(() => studio.log.some(l => place.test(l)), `serve's output names broken.js:3\n${studio.log.join('\n')}`);

        await control.send('console.clear');
        await control.waitFor(m => m?.console?.entries?.length === 0, 'the console cleared');

        // A scenario step fails when the dashboard logs an error meanwhile,
        // unless the scenario allows it.
        const during = { name: 'during', steps: [{ wait: { ms: 1500 } }] };
        for (const allow of [false, true]) {
            await control.send('scenarios.set', { scenarios: [allow ? { ...during, allowConsoleErrors: true } : during] });
            const run = control.send('scenario.run', { name: 'during' });
            await control.waitFor(m => m?.scenario?.running === true, 'the scenario runs');
            await page.evaluate(() => console.error('broken while the step ran'));
            const report = await run;
            assert.equal(report.passed, allow, JSON.stringify(report));
            if (!allow) {
                assert.match(report.results[0].message,
                    /the dashboard logged an error: error at http:\/\/[^ ]+broken\.html(:\d+:\d+)?: broken while the step ran/);
            }
        }
    });
});

test('10,000 errors from one page leave the console bounded', { timeout: 180000 }, async () => {
    const { dir, studio, control } = await served();
    fs.writeFileSync(path.join(dir, 'flood.html'), `<!doctype html><html><head><meta charset="utf-8"></head><body>
<script>
window.addEventListener('load', () => {
    let i = 0;
    function burst() {
        for (let n = 0; n < 500 && i < 10000; n++, i++) console.error('flood ' + i + ' ' + 'x'.repeat(1000));
        if (i < 10000) setTimeout(burst, 10); else document.body.dataset.done = 'yes';
    }
    burst();
});
</script></body></html>`);
    const rss = () => Number(fs.readFileSync(`/proc/${studio.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024;
    await withPage('flood', studio, async page => {
        await page.goto(new URL('flood.html', studio.dashboard).href);
        await control.waitFor(m => m?.console?.openPages === 1, 'the page is open with the client');
        const before = rss();
        await page.waitForFunction(() => document.body.dataset.done === 'yes', null, { timeout: 120000 });
        // Let the last reports arrive and the console publish.
        await new Promise(r => setTimeout(r, 1500));
        const model = await control.waitFor(m => (m?.console?.entries?.length ?? 0) > 0, 'the flood in the console');
        assert.ok(model.console.entries.length <= 300, `${model.console.entries.length} entries shown`);
        assert.ok(model.console.entries.every(e => e.message.length <= 4096));
        const grown = rss() - before;
        // The console keeps at most 200 entries of 4 KiB for the page: far
        // under this, whatever the page sends.
        assert.ok(grown < 64 * 1024 * 1024, `the studio grew by ${(grown / 1048576).toFixed(1)} MiB`);
    });
});

async function waitUntil(cond, what) {
    const end = Date.now() + WAIT_MS;
    while (!cond()) {
        if (Date.now() > end) throw new Error(`timed out: ${what}`);
        await new Promise(r => setTimeout(r, 50));
    }
}
