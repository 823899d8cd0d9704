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
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { openControl, WAIT_MS } from '../common/control.mjs';
import { startStudio as startStudioProcess } from '../common/process.mjs';

export const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '..', '..');
export const artifacts = path.join(here, 'artifacts');
export const screenshots = path.join(artifacts, 'screenshots');
export const studioBin = process.env.JUGGLER_STUDIO ?? path.join(root, 'target', 'debug', 'juggler-studio');
const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
export { WAIT_MS };

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

/** What most pane tests start from: a world, a studio serving the demo and a
 * control client; with `demo: true`, once the demo's state is served. The
 * world is closed again when a later step fails. */
export async function setupWithStudio({ demo = false } = {}) {
    const world = await setup();
    try {
        const studio = await world.startStudio();
        const control = await world.openControl(studio.control);
        if (demo) await control.waitFor(m => m.server?.status === 'running' && m.state?.title, 'the demo to run');
        return { world, studio, control };
    } catch (e) {
        await world.close();
        throw e;
    }
}

async function startStudio(args, cleanups) {
    const studio = await startStudioProcess(studioBin,
        ['serve', '--ui', '--port', '0', '--control-port', '0', ...args], cleanups,
        ['dashboard', 'juggler', 'control', 'ui']);
    assert.match(studio.ui, /^http:\/\/127\.0\.0\.1:\d+\/#token=[0-9a-f]{64}$/);
    return studio;
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

/** Dismisses the toasts, so that a screenshot shows the pane. */
/** Sends one juggler request to the server at `url` (raw frames, as any
 * generation takes them) and resolves with its response message. */
export async function jugglerRequest(url, name, data, dataText = JSON.stringify(data)) {
    const ws = new WebSocket(url);
    try {
        await new Promise((resolve, reject) => {
            ws.addEventListener('open', resolve, { once: true });
            ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
        });
        const answer = new Promise((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`no answer to ${name}`)), WAIT_MS);
            ws.addEventListener('message', evt => {
                const msg = JSON.parse(evt.data);
                if (msg.type === 'response' && msg.id === 1) { clearTimeout(timer); resolve(msg); }
            });
        });
        ws.send(`{"type": "request", "id": 1, "name": ${JSON.stringify(name)}, "data": ${dataText}}`);
        return await answer;
    } finally {
        ws.close();
    }
}

export async function dismissToasts(page) {
    const first = page.locator('[data-testid^="toast-"] button').first();
    for (let i = 0; i < 10 && await first.count(); i++) await first.click({ timeout: 1000 }).catch(() => {});
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
