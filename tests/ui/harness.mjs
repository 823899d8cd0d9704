// Shared harness of the UI end-to-end tests: starts `juggler-studio serve
// --ui` (the UI embedded in the binary), opens the printed UI address in
// headless Chromium (Debian's /usr/bin/chromium driven by playwright-core),
// and gives tests a control client of their own (juggler 0.6 JSON over
// Node's WebSocket) to set things up and to check what the UI did.
//
// Environment: JUGGLER_STUDIO (default target/debug/juggler-studio),
// CHROMIUM (default /usr/bin/chromium). Screenshots of every pane go to
// artifacts/screenshots/ (the README shows some); a failing test leaves a
// screenshot, the page console and the studio's log in artifacts/.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const artifacts = path.join(here, 'artifacts');
export const screenshots = path.join(artifacts, 'screenshots');
const studioBin = process.env.JUGGLER_STUDIO ?? path.join(root, 'target', 'debug', 'juggler-studio');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const WAIT_MS = 15000;

/** One test file's world: call in `before`, `close()` in `after`. */
export async function setup() {
    assert.ok(fs.existsSync(studioBin),
        `${studioBin} is missing: run 'cargo build -p studio --bin juggler-studio' first`);
    assert.ok(fs.existsSync(chromiumBin),
        `${chromiumBin} is missing: install Debian's chromium package (apt-get install chromium)`);
    const cleanups = [];
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-chromium-'));
    cleanups.push(() => fs.rmSync(userDataDir, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: chromiumBin,
        headless: true,
        viewport: { width: 1280, height: 800 },
        args: [
            ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
            '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
    });
    cleanups.push(() => context.close());

    const world = {
        context,
        /** Registers a cleanup, run in reverse order by `close`. */
        defer(fn) { cleanups.push(fn); },
        async close() {
            for (const f of cleanups.reverse()) await f();
        },
        /** Starts `juggler-studio serve --ui ARGS`; resolves with its
         * printed addresses `{dashboard, juggler, control, ui, log, proc}`. */
        startStudio: (args = []) => startStudio(args, cleanups),
        /** A control client: `send(name, data)`, `state()` (the model),
         * `waitFor(fn)` (until fn(model) is true), `events` (received). */
        openControl: (url) => openControl(url, cleanups),
        /** Opens the studio UI of `studio` in a new page; `body(page)` runs
         * with it. Page errors fail the test; a failure leaves artifacts. */
        withUi: (studio, name, body) => withPage(context, studio, name, studio.ui, body),
        /** Opens any URL (a dashboard) in a new page around `body(page)`. */
        withPage: (studio, name, url, body) => withPage(context, studio, name, url, body),
    };
    return world;
}

async function startStudio(args, cleanups) {
    const proc = spawn(studioBin, ['serve', '--ui', '--port', '0', '--control-port', '0', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' },
    });
    const studio = { proc, log: [], dashboard: null, juggler: null, control: null, ui: null };
    const exited = new Promise(resolve => proc.on('exit', resolve));
    cleanups.push(async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
            proc.kill('SIGTERM');
            const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
        }
    });
    createInterface({ input: proc.stderr }).on('line', line => studio.log.push(line));
    await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(
            `juggler-studio did not print its addresses in 30 s:\n${studio.log.join('\n')}`)), 30000);
        proc.on('error', e => { clearTimeout(timer); reject(e); });
        proc.on('exit', code => {
            clearTimeout(timer);
            reject(new Error(`juggler-studio exited with ${code}:\n${studio.log.join('\n')}`));
        });
        createInterface({ input: proc.stdout }).on('line', line => {
            studio.log.push(line);
            const m = /^\s*(dashboard|juggler|control|ui):\s*(\S+)\s*$/.exec(line);
            if (m) studio[m[1]] = m[2];
            if (studio.dashboard && studio.control && studio.ui) { clearTimeout(timer); resolve(); }
        });
    });
    assert.match(studio.ui, /^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
    return studio;
}

/** Applies a juggler diff (add/remove/replace, in order) to a plain copy. */
function applyDiff(doc, diff) {
    const clone = structuredClone(doc);
    let root = { '': clone };
    for (const op of diff) {
        const tokens = op.path === '' ? [] : op.path.slice(1).split('/').map(t => t.replace(/~1/g, '/').replace(/~0/g, '~'));
        let parent = root, key = '';
        for (const t of tokens) { parent = parent[key]; key = Array.isArray(parent) && t !== '-' ? Number(t) : t; }
        if (op.op === 'remove') {
            if (Array.isArray(parent)) parent.splice(key, 1); else delete parent[key];
        } else if (op.op === 'add' && Array.isArray(parent)) {
            parent.splice(key === '-' ? parent.length : key, 0, op.value);
        } else {
            parent[key] = op.value;
        }
    }
    return root[''];
}

async function openControl(url, cleanups) {
    const ws = new WebSocket(url);
    const pending = new Map();
    const waiters = new Set();
    let nextId = 1;
    let model = null;
    const events = [];
    ws.addEventListener('message', evt => {
        const msg = JSON.parse(evt.data);
        if (msg.type === 'state') {
            model = applyDiff(model, msg.diff);
            for (const w of [...waiters]) if (w.fn(model)) { waiters.delete(w); w.resolve(model); }
        } else if (msg.type === 'notify') {
            events.push({ name: msg.name, data: msg.data });
        } else if (msg.type === 'response') {
            const p = pending.get(msg.id);
            if (!p) return;
            pending.delete(msg.id);
            if (msg.success) p.resolve(msg.data);
            else p.reject(new Error(`control request ${p.name} failed: ${JSON.stringify(msg.data)}`));
        }
    });
    ws.addEventListener('close', () => {
        for (const p of pending.values()) p.reject(new Error('control connection closed'));
        pending.clear();
    });
    await new Promise((resolve, reject) => {
        ws.addEventListener('open', resolve, { once: true });
        ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
    });
    cleanups.push(() => ws.close());
    return {
        events,
        state: () => model,
        send(name, data = null) {
            const id = nextId++;
            ws.send(JSON.stringify({ type: 'request', id, name, data }));
            return new Promise((resolve, reject) => pending.set(id, { name, resolve, reject }));
        },
        waitFor(fn, what = 'the model to change', timeout = WAIT_MS) {
            if (model !== null && fn(model)) return Promise.resolve(model);
            return new Promise((resolve, reject) => {
                const w = { fn: m => m !== null && fn(m), resolve };
                waiters.add(w);
                setTimeout(() => {
                    if (waiters.delete(w)) reject(new Error(`timed out waiting for ${what}; model: ${JSON.stringify(model)?.slice(0, 2000)}`));
                }, timeout);
            });
        },
    };
}

async function withPage(context, studio, name, url, body) {
    const page = await context.newPage();
    const consoleLines = [];
    const pageErrors = [];
    page.on('console', m => consoleLines.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', e => pageErrors.push(String(e?.stack ?? e)));
    try {
        await page.goto(url);
        await body(page);
        assert.deepEqual(pageErrors, [], 'the page threw');
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, `${name}-failure.png`), fullPage: true }).catch(() => {});
        fs.writeFileSync(path.join(artifacts, `${name}-failure.log`),
            [`error: ${e?.stack ?? e}`, '', '--- page console', ...consoleLines,
             '--- page errors', ...pageErrors, '--- juggler-studio', ...studio.log].join('\n') + '\n');
        console.error(`ui e2e: ${name} failed: screenshot and logs in ${path.relative(root, artifacts)}/`);
        if (pageErrors.length) e.message += `\npage errors:\n${pageErrors.join('\n')}`;
        throw e;
    } finally {
        await page.close();
    }
}

/** Saves `page` as artifacts/screenshots/NAME.png (and NAME-dark.png). */
export async function screenshot(page, name, { dark = true } = {}) {
    fs.mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: path.join(screenshots, `${name}.png`) });
    if (dark) {
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.screenshot({ path: path.join(screenshots, `${name}-dark.png`) });
        await page.emulateMedia({ colorScheme: 'light' });
    }
}

/** Waits until the UI is connected to its engine and shows `pane`. */
export async function openPane(page, pane) {
    await page.getByTestId(`nav-${pane}`).click({ timeout: WAIT_MS });
}
