// The Proxy pane: a proxy started in the UI to the studio's own embedded
// server; a juggler 0.6 client (Node's WebSocket) connects to the proxy and
// gets the upstream's state; an override set in the UI changes what it
// sees, removing it restores the upstream's value; Stop removes the proxy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setupWithStudio, openPane, screenshot, WAIT_MS, dismissToasts } from './harness.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio({ demo: true })));
after(async () => world?.close());

test('starts a proxy, passes the state through and overrides a value', async () => {
    const title = control.state().state.title;
    await world.withUi(studio, 'proxy', async page => {
        await openPane(page, 'proxy');
        await page.getByTestId('proxy-empty').waitFor({ timeout: WAIT_MS });

        // A bad URL is refused in the form.
        await page.getByTestId('proxy-url').fill('http://example.com/ws');
        await page.getByTestId('proxy-url-error').getByText('Use ws:// or wss://').waitFor({ timeout: WAIT_MS });

        await page.getByTestId('proxy-use-studio').click();
        assert.equal(await page.getByTestId('proxy-url').inputValue(), studio.juggler);
        await page.getByTestId('proxy-start').click();
        const m = await control.waitFor(m => Object.keys(m.proxies ?? {}).length === 1, 'the proxy to start');
        const proxy = Object.values(m.proxies)[0];
        assert.equal(proxy.upstream.url, studio.juggler);
        const card = page.locator(`[data-testid="proxy-card"][data-id="${proxy.id}"]`);
        await card.waitFor({ timeout: WAIT_MS });
        assert.equal((await card.getByTestId('proxy-endpoint').textContent()).trim(), proxy.url);
        // The override's value field, untouched, is not shown wrong yet (it
        // was red with "empty: write a JSON value" before anything was typed);
        // left blank once visited, it is.
        const value = card.getByTestId('proxy-override-value');
        assert.equal(await value.getAttribute('aria-invalid'), 'false');
        await value.focus();
        await value.blur();
        await card.locator('textarea[data-testid="proxy-override-value"][aria-invalid="true"]').waitFor({ timeout: WAIT_MS });

        // A browser-side client through the proxy sees the upstream's state.
        const client = await world.openControl(proxy.url);
        await client.waitFor(s => s.title === title, 'the proxied state');
        await card.getByTestId('proxy-connections').getByText('1 browser').waitFor({ timeout: WAIT_MS });

        // Record what the proxy sends that browser.
        const browserId = (await control.waitFor(m => m.proxies[proxy.id].browsers.length === 1, 'the browser id')).proxies[proxy.id].browsers[0];
        const row = card.locator(`[data-testid="proxy-browser"][data-connection="${browserId}"]`);
        await row.getByTestId('record-begin').click();
        const recPath = path.join(os.tmpdir(), `juggler-ui-proxy-${process.pid}.ndjson`);
        world.defer(() => fs.rmSync(recPath, { force: true }));
        await row.getByTestId('record-path').fill(recPath);
        await row.getByTestId('record-start').click();
        await control.waitFor(m => Object.values(m.recordings).some(r => r.peer.proxy?.proxy === proxy.id && r.peer.proxy.connection === browserId && r.path === recPath), 'the proxy recording');
        await row.getByTestId('record-active').waitFor({ timeout: WAIT_MS });

        // Override /title in the UI: the client sees the override, the upstream does not change.
        await card.getByTestId('proxy-override-pointer').fill('/title');
        await card.getByTestId('proxy-override-value').fill('"Overridden by the proxy"');
        await card.getByTestId('proxy-override-set').click();
        await client.waitFor(s => s.title === 'Overridden by the proxy', 'the override to reach the client');
        await control.waitFor(m => m.proxies[proxy.id].overrides['/title'] === 'Overridden by the proxy', 'the override in the model');
        assert.equal(control.state().state.title, title);
        await card.locator('[data-testid="proxy-override"][data-pointer="/title"]').waitFor({ timeout: WAIT_MS });

        // Upstream changes still pass; the override stays on top.
        await control.send('state.set', { path: ['counter'], value: 5 });
        const s = await client.waitFor(s => s.counter === 5, 'an upstream change through the proxy');
        assert.equal(s.title, 'Overridden by the proxy');
        await dismissToasts(page);
        await screenshot(page, 'proxy');

        // The recording holds the override the browser saw.
        await row.getByTestId('record-stop').click();
        await control.waitFor(m => Object.keys(m.recordings).length === 0, 'the recording to stop');
        const recorded = fs.readFileSync(recPath, 'utf8');
        assert.match(recorded, /Overridden by the proxy/);

        // Remove it: the upstream's value comes back.
        await card.locator('[data-testid="proxy-override"][data-pointer="/title"]').getByTestId('proxy-override-remove').click();
        await client.waitFor(s => s.title === title, 'the upstream title to come back');
        await card.getByTestId('proxy-overrides-empty').waitFor({ timeout: WAIT_MS });

        // Traffic of both sides is in the log, labelled with the proxy.
        await card.getByTestId('proxy-traffic').click();
        await page.locator('td', { hasText: `proxy ${proxy.id} ` }).first().waitFor({ timeout: WAIT_MS });

        await openPane(page, 'proxy');
        await card.getByTestId('proxy-stop').click();
        await control.waitFor(m => Object.keys(m.proxies).length === 0, 'the proxy to stop');
        await page.getByTestId('proxy-empty').waitFor({ timeout: WAIT_MS });
    });
});

const ROW = '[data-testid="traffic-row"]';

/** The visible rows of the Traffic pane: `{peer, name}` each. */
function visibleRows(page) {
    return page.evaluate(sel => [...document.querySelectorAll(sel)]
        .filter(r => !r.closest('[hidden]'))
        .map(r => ({ peer: r.dataset.peer, name: r.querySelector('td.name')?.textContent ?? '' })), ROW);
}

/** Waits until `pred(rows)` holds for the visible rows; returns them. */
async function waitRows(page, pred, what) {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        const rows = await visibleRows(page);
        if (pred(rows)) return rows;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; rows: ${JSON.stringify(rows)}`);
        await page.evaluate(() => new Promise(r => requestAnimationFrame(() => r())));
    }
}

test('the Traffic button shows that proxy’s traffic only, both sides', async () => {
    // A proxy to the studio's own server, a client through it and one
    // connected directly, each sending a request of its own name.
    const proxy = await control.send('proxy.start', { upstream: { url: studio.juggler } });
    world.defer(() => control.send('proxy.stop', { id: proxy.id }).catch(() => {}));
    const proxied = await world.openControl(proxy.url);
    const direct = await world.openControl(studio.juggler);
    await proxied.waitFor(s => !!s.title, 'the proxied state');
    await direct.waitFor(s => !!s.title, 'the direct state');
    await proxied.send('viaProxy', { n: 1 }).catch(() => {});
    await direct.send('directOnly', { n: 2 }).catch(() => {});
    const inLog = async () => {
        const entries = await control.send('traffic.query', { filter: { kinds: ['request'] } });
        return ['viaProxy', 'directOnly'].every(n => entries.some(e => e.name === n));
    };
    for (const deadline = Date.now() + WAIT_MS; !(await inLog());) {
        if (Date.now() > deadline) throw new Error('the requests never reached the traffic log');
        await new Promise(r => setTimeout(r, 50));
    }
    const isMine = peer => peer?.startsWith(`p:${proxy.id}:`);

    await world.withUi(studio, 'proxy-traffic', async page => {
        // Unfiltered, the Traffic pane shows both clients' requests; a text
        // filter left set is cleared by the button.
        await openPane(page, 'traffic');
        await waitRows(page, rows => rows.some(r => r.name === 'directOnly') && rows.some(r => r.name === 'viaProxy' && isMine(r.peer)),
            'both clients’ requests');
        await page.getByTestId('filter-text').fill('directOnly');
        await waitRows(page, rows => rows.length > 0 && rows.every(r => r.name === 'directOnly'), 'only the direct request');

        await openPane(page, 'proxy');
        const card = page.locator(`[data-testid="proxy-card"][data-id="${proxy.id}"]`);
        await card.getByTestId('proxy-traffic').click();
        const peerSelected = value => page.waitForFunction(
            v => document.querySelector('[data-testid="filter-peer"]')?.value === v, value, { timeout: WAIT_MS });
        await peerSelected(`proxy:${proxy.id}`);

        // Only this proxy's rows, both sides; the direct client's request is not shown.
        const select = page.getByTestId('filter-peer');
        assert.ok(await page.getByTestId('traffic-export').isVisible(), 'the Traffic pane is shown');
        assert.equal((await select.locator('option:checked').textContent()).trim(), `proxy ${proxy.id} (all)`);
        assert.equal(await page.getByTestId('filter-text').inputValue(), '');
        const rows = await waitRows(page,
            rows => rows.some(r => r.name === 'viaProxy' && r.peer.endsWith(':browser'))
                && rows.some(r => r.name === 'viaProxy' && r.peer.endsWith(':upstream')),
            'the proxied request on both sides');
        assert.ok(rows.every(r => isMine(r.peer)), `only ${proxy.id}'s rows: ${JSON.stringify(rows)}`);
        assert.ok(!rows.some(r => r.name === 'directOnly'), 'the direct connection’s request is not shown');
        await screenshot(page, 'proxy-traffic');

        // Export sends the filter: only this proxy's entries.
        const [download] = await Promise.all([
            page.waitForEvent('download', { timeout: WAIT_MS }),
            page.getByTestId('traffic-export').click(),
        ]);
        const lines = fs.readFileSync(await download.path(), 'utf8').trim().split('\n').map(l => JSON.parse(l));
        assert.ok(lines.length >= 2, `exported ${lines.length} entries`);
        assert.ok(lines.every(e => e.peer.proxy?.proxy === proxy.id), 'the export has only the proxy’s entries');
        assert.ok(lines.some(e => e.name === 'viaProxy'));

        // Reset shows everything again.
        await page.locator('.traffic-pane').getByRole('button', { name: 'Reset', exact: true }).click();
        await peerSelected('');
        await waitRows(page, rows => rows.some(r => r.name === 'directOnly'), 'the direct request again');
    });
});

// "Make a workspace from this session": a browser talks to the (demo) back
// end through the proxy, unrecorded; the Proxy card writes the mock from the
// traffic log; opened, it answers as the back end did, and a request it
// never saw gets null with a warning on its row in the Traffic pane.
test('makes a workspace from a live proxy session; an unanswered request is flagged in the traffic log', async () => {
    const out = path.join(os.tmpdir(), `juggler-ui-proxy-mock-${process.pid}.json`);
    world.defer(() => fs.rmSync(out, { force: true }));
    await world.withUi(studio, 'proxy-mock', async page => {
        await openPane(page, 'proxy');
        const before = new Set(Object.keys(control.state().proxies ?? {}));
        await page.getByTestId('proxy-use-studio').click();
        await page.getByTestId('proxy-start').click();
        const m = await control.waitFor(m => Object.keys(m.proxies ?? {}).some(id => !before.has(id)), 'the proxy to start');
        const proxy = Object.values(m.proxies).find(p => !before.has(p.id));
        const client = await world.openControl(proxy.url);
        const hello = await client.send('hello', { who: 'proxy' });
        assert.match(hello.greeting, /hello proxy/);
        await client.send('pump.toggle', { index: 0, running: false });
        // An answer larger than the traffic log keeps of one message (1 MiB):
        // no rule can be made from it, and the card says so and what to do
        // (it was dropped with no word but the answer's "unanswered").
        const big = await client.send('hello', { who: 'x'.repeat(1_200_000) });
        assert.ok(big.greeting.length > 1_200_000);

        const card = page.locator(`[data-testid="proxy-card"][data-id="${proxy.id}"]`);
        await card.getByTestId('proxy-mock-out').fill(out);
        // The proxy's entry changes (a second browser) while the path is
        // typed in: what the user typed stays (a model update once reset
        // it to the suggested name).
        const second = await world.openControl(proxy.url);
        await second.send('', null);
        await card.getByTestId('proxy-mock-browser').waitFor({ timeout: WAIT_MS });
        assert.equal(await card.getByTestId('proxy-mock-out').inputValue(), out);
        await card.getByTestId('proxy-mock-browser').selectOption({ label: 'browser #1' });
        await card.getByTestId('proxy-mock').click();
        await card.getByTestId('proxy-mock-open').waitFor({ timeout: WAIT_MS });
        const note = await card.getByTestId('proxy-mock-note').textContent();
        assert.match(note, /left out the data or the answer of a request named hello/);
        assert.match(note, /proxy --record FILE/);
        const ws = JSON.parse(fs.readFileSync(out, 'utf8'));
        const names = ws.rules.map(r => r.match.name.exact).filter(Boolean);
        assert.ok(names.includes('hello') && names.includes('pump.toggle'), JSON.stringify(ws.rules));
        assert.equal(ws.unanswered, 'null');
        // Made again over the same file: refused unless "overwrite".
        await card.getByTestId('proxy-mock').click();
        await page.getByTestId('toast-error').filter({ hasText: 'exists' }).first().waitFor({ timeout: WAIT_MS });
        await card.getByTestId('proxy-mock-force').check();
        // The overwrite is waited for: read before it lands, the port set
        // below would be written over again (the mock then opened on 8080).
        const writtenAt = fs.statSync(out).mtimeMs;
        await card.getByTestId('proxy-mock').click();
        for (const until = Date.now() + WAIT_MS; fs.statSync(out).mtimeMs === writtenAt;) {
            assert.ok(Date.now() < until, 'the overwrite never came');
            await new Promise(r => setTimeout(r, 50));
        }
        await dismissToasts(page);

        // Open it (on a free port: a test binds no fixed one): a dashboard
        // gets the recorded answer, and null for the unknown.
        const made = JSON.parse(fs.readFileSync(out, 'utf8'));
        fs.writeFileSync(out, JSON.stringify({ ...made, server: { ...made.server, port: 0 } }));
        await card.getByTestId('proxy-mock-open').click();
        await control.waitFor(m => m.workspace.path === out, 'the mock to open');
        const juggler = (await control.waitFor(m => m.server.status === 'running' && m.server.url, 'the server')).server.url;
        const dashboard = await world.openControl(juggler);
        assert.deepEqual(await dashboard.send('hello', { who: 'proxy' }), hello);
        assert.equal(await dashboard.send('never.seen', { x: 1 }), null);
        await openPane(page, 'traffic');
        const flagged = page.locator('[data-testid="traffic-row"]', { has: page.getByTestId('traffic-note') });
        await flagged.first().waitFor({ timeout: WAIT_MS });
        await flagged.first().click();
        await page.getByTestId('traffic-details-note').getByText('answered null').waitFor({ timeout: WAIT_MS });
    });
});

test('a studio that only proxies shows the proxy in its status bar, not a stopped server', async () => {
    const { startStudio } = await import('../common/process.mjs');
    const { studioBin } = await import('./harness.mjs');
    const cleanups = [];
    world.defer(async () => { for (const f of cleanups.reverse()) await f(); });
    const upstream = await world.startStudio();
    const proxy = await startStudio(studioBin, ['proxy', upstream.juggler, '--ui', '--port', '0', '--control-port', '0'],
        cleanups, ['juggler', 'control', 'ui']);
    await world.withUi(proxy, 'proxy-only', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        const status = page.getByTestId('proxy-status');
        await status.waitFor({ timeout: WAIT_MS });
        assert.match(await status.textContent(), /0 browsers/);
        assert.ok((await status.textContent()).includes(upstream.juggler), await status.textContent());
        assert.equal(await page.getByTestId('server-status').count(), 0, 'no server of its own to show');
        // It opens on the Proxy pane, not on a stopped demo server's Start button.
        await page.locator('#tab-proxy[aria-selected="true"]').waitFor({ timeout: WAIT_MS });
    });
});

// A proxy whose back end is down showed "0 browsers" and the upstream as if
// all was well, while pages only said "connecting…": the card and the status
// bar say it cannot reach it, and why.
test('a proxy whose upstream is down says so on its card and in the status bar', async () => {
    const { startStudio, freePort } = await import('../common/process.mjs');
    const { studioBin } = await import('./harness.mjs');
    const cleanups = [];
    world.defer(async () => { for (const f of cleanups.reverse()) await f(); });
    const dead = `ws://127.0.0.1:${await freePort()}/ws`;
    const proxy = await startStudio(studioBin, ['proxy', dead, '--generation', '0.7', '--ui', '--port', '0', '--control-port', '0'],
        cleanups, ['juggler', 'control', 'ui']);
    const browser = new WebSocket(proxy.juggler);
    world.defer(() => browser.close());
    await world.withUi(proxy, 'proxy-upstream-down', async page => {
        await openPane(page, 'proxy');
        const down = page.getByTestId('proxy-upstream-down');
        await down.waitFor({ timeout: WAIT_MS });
        assert.match(await down.textContent(), /cannot reach it/);
        await page.getByTestId('proxy-status-down').waitFor({ timeout: WAIT_MS });
    });
});
