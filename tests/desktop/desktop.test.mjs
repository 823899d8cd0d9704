// The desktop app's real window: juggler-studio-desktop under Xvfb, driven
// over plain W3C WebDriver (fetch) through tauri-driver, which starts
// WebKitWebDriver on the app. A dashboard page of the app's embedded server
// in headless Chromium (playwright-core, Debian's /usr/bin/chromium) checks
// that an edit typed into the window (State pane) reaches the app's own
// juggler clients.
//
// Environment (scripts/desktop-test.sh sets them): DESKTOP_APP (absolute
// path of the app binary), TAURI_DRIVER, CHROMIUM. Ports are all free ones
// (the app runs with --port 0 and a control port of 0). The screenshot of
// the window, the app's log and tauri-driver's go to artifacts/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const artifacts = path.join(here, 'artifacts');
const app = process.env.DESKTOP_APP ?? path.join(root, 'target', 'debug', 'juggler-studio-desktop');
const tauriDriver = process.env.TAURI_DRIVER ?? path.join(root, '.tools', 'bin', 'tauri-driver');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
const WAIT_MS = 30000;
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

const sleep = ms => new Promise(r => setTimeout(r, ms));

function freePort() {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => {
            const { port } = s.address();
            s.close(() => resolve(port));
        });
    });
}

async function until(what, fn, ms = WAIT_MS) {
    const end = Date.now() + ms;
    let last;
    for (;;) {
        try {
            const v = await fn();
            if (v) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
        await sleep(200);
    }
}

let driver;      // the xvfb-run + tauri-driver process group
let base;        // http://127.0.0.1:PORT of tauri-driver
let session;     // WebDriver session id
let browser;     // headless Chromium for the dashboard
let tmp;

async function wd(method, route, body) {
    const res = await fetch(`${base}${route}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok || json.value?.error) {
        throw new Error(`WebDriver ${method} ${route}: ${res.status} ${JSON.stringify(json.value)}`);
    }
    return json.value;
}
const s = route => `/session/${session}${route}`;
async function find(css) {
    return (await wd('POST', s('/element'), { using: 'css selector', value: css }))[ELEMENT];
}
async function text(css) {
    return wd('GET', s(`/element/${await find(css)}/text`));
}
async function click(css) {
    await wd('POST', s(`/element/${await find(css)}/click`), {});
}
/** Replaces the text of an input or textarea, as typed. */
async function type(css, value) {
    const el = await find(css);
    await wd('POST', s(`/element/${el}/clear`), {});
    await wd('POST', s(`/element/${el}/value`), { text: value });
}
/** Runs `body` in the window as an async function; its result comes back. */
async function inWindow(body, ...args) {
    const value = await wd('POST', s('/execute/async'), {
        script: `const done = arguments[arguments.length - 1];
                 (async (...args) => { ${body} })(...Array.from(arguments).slice(0, -1))
                   .then(v => done({ ok: v }), e => done({ err: e && typeof e === 'object' ? e : String(e) }));`,
        args,
    });
    return value;
}

before(async () => {
    for (const [what, p] of [['the app', app], ['tauri-driver', tauriDriver], ['Chromium', chromiumBin]]) {
        assert.ok(fs.existsSync(p), `${what} is missing at ${p}: run scripts/desktop-test.sh`);
    }
    fs.mkdirSync(artifacts, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-desktop-e2e-'));
    const port = await freePort();
    const nativePort = await freePort();
    base = `http://127.0.0.1:${port}`;
    const log = fs.openSync(path.join(artifacts, 'tauri-driver.log'), 'w');
    driver = spawn('xvfb-run', ['-a', '-s', '-screen 0 1280x800x24',
        tauriDriver, '--port', String(port), '--native-port', String(nativePort)], {
        detached: true,
        stdio: ['ignore', log, log],
        env: {
            ...process.env,
            // The window-state file and any other app config: a fresh folder.
            XDG_CONFIG_HOME: path.join(tmp, 'config'),
            XDG_DATA_HOME: path.join(tmp, 'data'),
            GSETTINGS_BACKEND: 'memory',
            RUST_LOG: 'info',
            NO_COLOR: '1',
        },
    });
    await until('tauri-driver to listen', async () => (await fetch(`${base}/status`)).ok);
    const created = await wd('POST', '/session', {
        capabilities: { alwaysMatch: { 'tauri:options': { application: app, args: ['--port', '0'] } } },
    });
    session = created.sessionId;
    browser = await chromium.launch({
        executablePath: chromiumBin,
        headless: true,
        args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--no-first-run'],
    });
});

after(async () => {
    if (session) {
        try {
            const png = await wd('GET', s('/screenshot'));
            fs.writeFileSync(path.join(artifacts, 'window-last.png'), Buffer.from(png, 'base64'));
        } catch { /* the window is gone */ }
        await wd('DELETE', s('')).catch(() => {});
    }
    await browser?.close();
    if (driver?.pid) {
        try { process.kill(-driver.pid, 'SIGTERM'); } catch { /* already gone */ }
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the window connects to its engine and tells the UI where it is', async () => {
    await until('"engine connected" in the footer',
        async () => (await text('[data-testid=link-status]')).includes('engine connected'));
    await until('the embedded server running',
        async () => (await text('[data-testid=server-status]')).includes('running'));
    assert.equal(await wd('GET', s('/title')), 'Juggler Studio');
    const r = await inWindow(`return window.__TAURI_INTERNALS__.invoke('control_address');`);
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.ok.url, /^ws:\/\/127\.0\.0\.1:\d+\/control$/);
    assert.match(r.ok.token, /^[0-9a-f]{64}$/);
});

test('menu items reach the UI as studio-menu events', async () => {
    // The native menu cannot be clicked over WebDriver: this sends what
    // src-tauri/src/menu.rs evaluates for View › Traffic, then for Help.
    for (const [id, css] of [['traffic', '[data-testid=nav-traffic]'], ['server', '[data-testid=nav-server]']]) {
        await wd('POST', s('/execute/sync'), {
            script: `window.dispatchEvent(new CustomEvent('studio-menu', {detail: arguments[0]}))`, args: [id],
        });
        await until(`the ${id} pane`, async () =>
            / active/.test(` ${await wd('GET', s(`/element/${await find(css)}/attribute/class`))}`));
    }
});

test('open_url refuses anything but http(s)', async () => {
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'not a url']) {
        const r = await inWindow(`return window.__TAURI_INTERNALS__.invoke('open_url', { url: args[0] });`, url);
        assert.ok(r.err, `${url}: ${JSON.stringify(r)}`);
        assert.ok(['notWeb', 'badUrl'].includes(r.err.code), `${url}: ${JSON.stringify(r.err)}`);
    }
});

test('a state edit typed into the window reaches a dashboard in a browser', async () => {
    // The Server pane (the first one) shows the dashboard address.
    const link = await find('[data-testid=dashboard-url]');
    const dashboard = await wd('GET', s(`/element/${link}/text`));
    assert.match(dashboard, /^http:\/\/127\.0\.0\.1:\d+\//);

    const page = await browser.newPage();
    try {
        await page.goto(dashboard);
        await page.waitForFunction(() => JSON.parse(document.getElementById('state')?.textContent || 'null') !== null,
            null, { timeout: WAIT_MS });

        // The edit, typed into the window: State pane › Set at path….
        const value = { by: 'the desktop window', at: Date.now() };
        await click('[data-testid=nav-state]');
        await until('the state editor', () => find('[data-testid=state-editor]'));
        await click('[data-testid=state-set-open]');
        await type('[data-testid=json-dialog-path]', '/desktopE2e');
        await type('[data-testid=json-dialog-text]', JSON.stringify(value));
        await click('[data-testid=json-dialog-submit]');

        await page.waitForFunction(
            at => JSON.parse(document.getElementById('state').textContent).desktopE2e?.at === at,
            value.at, { timeout: WAIT_MS });
        await page.screenshot({ path: path.join(artifacts, 'dashboard.png') });

        // svelte-jsoneditor renders under the app's CSP and shows the edit.
        await until('the new member in the state editor', async () =>
            (await text('[data-testid=state-editor]')).includes('desktopE2e'));
        const png = await wd('GET', s('/screenshot'));
        fs.writeFileSync(path.join(artifacts, 'window.png'), Buffer.from(png, 'base64'));
    } finally {
        await page.close();
    }
});
