// The Traffic pane: a dashboard's state diffs, notifications, requests and
// responses show up as rows; the kind filter and the search narrow them; a
// request shows its response; Pause, Export and Clear drive the engine's log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setupWithStudio, openPane, screenshot, WAIT_MS } from './harness.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio()));
after(async () => world?.close());

const ROW = '[data-testid="traffic-row"]';

/** Waits until `pred(counts)` holds, counts being the visible rows by kind. */
async function waitRows(page, pred, what) {
    const counts = () => page.evaluate(sel => {
        const c = { request: 0, response: 0, state: 0, notify: 0, total: 0, names: [] };
        for (const r of document.querySelectorAll(sel)) {
            if (r.closest('[hidden]')) continue;
            c[r.dataset.kind] += 1;
            c.total += 1;
            c.names.push(r.querySelector('td.name')?.textContent ?? '');
        }
        return c;
    }, ROW);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
        // Re-checked on each animation frame the page renders.
        const c = await counts();
        if (pred(c)) return c;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; rows: ${JSON.stringify(c)}`);
        await page.evaluate(() => new Promise(r => requestAnimationFrame(() => r())));
    }
}

test('shows, filters, pauses, exports and clears the traffic', async () => {
    const dashboard = await world.context.newPage();
    world.defer(() => dashboard.close().catch(() => {}));
    await dashboard.goto(studio.dashboard);
    await dashboard.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
    await control.waitFor(m => Object.keys(m.connections).length === 1, 'the dashboard to connect');

    await world.withUi(studio, 'traffic', async page => {
        await openPane(page, 'traffic');
        await control.send('state.set', { path: ['trafficTest'], value: 1 });
        await control.send('notify.send', { name: 'trafficNote', data: { text: 'hello from the traffic test' } });
        await dashboard.getByRole('button', { name: 'hello', exact: true }).click();
        await dashboard.locator('#answers li:not(.empty)').first().waitFor({ timeout: WAIT_MS });

        await waitRows(page, c => c.state >= 1 && c.notify >= 1 && c.request >= 1 && c.response >= 1,
            'state, notify, request and response rows');
        await screenshot(page, 'traffic');

        // A request shows its answer and the rtt; the link goes to the response.
        await page.locator(`${ROW}[data-kind="request"]`).filter({ hasText: 'hello' }).first().click();
        const details = page.getByTestId('traffic-details');
        await details.getByTestId('traffic-rtt').waitFor({ timeout: WAIT_MS });
        assert.match(await details.textContent(), /greeting/);
        await details.getByTestId('traffic-jump').click();
        await page.locator(`${ROW}.selected[data-kind="response"]`).waitFor({ timeout: WAIT_MS });

        // A request answered 400 ms later (the demo's `flaky` rule): its row
        // gets the rtt and its response row the request's name once the answer comes.
        await dashboard.getByRole('button', { name: 'flaky', exact: true }).click();
        const flaky = page.locator(`${ROW}[data-kind="request"]`).filter({ hasText: 'flaky' });
        await flaky.locator('td').last().getByText(/^\d+ ms$/).waitFor({ timeout: WAIT_MS });
        assert.ok(Number(/\d+/.exec(await flaky.locator('td').last().textContent())[0]) >= 400, 'the rtt covers the rule delay');
        await page.locator(`${ROW}[data-kind="response"]`).filter({ hasText: 'flaky' }).waitFor({ timeout: WAIT_MS });

        // A diff's size says its ops and bytes in full, not "diff 2 ops, 1…".
        await control.send('state.patch', { diff: [
            { op: 'add', path: '/wide', value: 'x'.repeat(1200) },
            { op: 'add', path: '/wider', value: 1 },
        ] });
        const size = page.locator(`${ROW}[data-kind="state"]`).filter({ hasText: /diff 2 ops, 1(\.\d)? KiB/ }).locator('td.size');
        await size.waitFor({ timeout: WAIT_MS });
        const fits = await size.evaluate(td => ({ scroll: td.scrollWidth, client: td.clientWidth }));
        assert.ok(fits.scroll <= fits.client, `the size cell is cut: ${JSON.stringify(fits)}`);

        // Kind filter: only notifications.
        for (const k of ['request', 'response', 'state']) await page.getByTestId(`kind-${k}`).uncheck();
        await waitRows(page, c => c.notify >= 1 && c.total === c.notify, 'only notify rows');
        for (const k of ['request', 'response', 'state']) await page.getByTestId(`kind-${k}`).check();
        await waitRows(page, c => c.state >= 1 && c.request >= 1, 'every kind again');

        // Search: the name (any case) and the data.
        await page.getByTestId('filter-text').fill('TRAFFICNOTE');
        await waitRows(page, c => c.total >= 1 && c.names.every(n => n === 'trafficNote'), 'only trafficNote');
        assert.equal(await page.getByTestId('traffic-matching').textContent(), '1 entry matches');
        await page.getByTestId('filter-text').fill('trafficTest');
        await waitRows(page, c => c.total >= 1 && c.total === c.state, 'the state diff that sets trafficTest');
        await page.getByTestId('filter-text').fill('');
        await waitRows(page, c => c.request >= 1 && c.notify >= 1, 'every row again');

        // Pause: the engine stops recording.
        await page.getByTestId('traffic-pause').click();
        await control.waitFor(m => m.traffic.paused === true, '/traffic/paused to be true');
        await page.getByTestId('traffic-paused').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('traffic-pause').getByText('Resume').waitFor({ timeout: WAIT_MS });
        await control.send('notify.send', { name: 'whilePaused', data: null });
        await control.waitFor(m => m.traffic.dropped >= 1, 'a frame dropped while paused');
        await page.getByTestId('traffic-dropped').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('traffic-pause').click();
        await control.waitFor(m => m.traffic.paused === false, '/traffic/paused to be false');

        // Export: an NDJSON download, one entry per line.
        const [download] = await Promise.all([
            page.waitForEvent('download', { timeout: WAIT_MS }),
            page.getByTestId('traffic-export').click(),
        ]);
        assert.match(download.suggestedFilename(), /^traffic-\d{8}-\d{6}\.ndjson$/);
        const text = fs.readFileSync(await download.path(), 'utf8');
        assert.ok(text.endsWith('\n'), 'NDJSON ends with a newline');
        const lines = text.slice(0, -1).split('\n').map(l => JSON.parse(l));
        assert.ok(lines.length >= 4, `exported ${lines.length} entries`);
        for (const kind of ['state', 'notify', 'request', 'response']) {
            assert.ok(lines.some(e => e.kind === kind), `the export has a ${kind} entry`);
        }

        // Clear: the engine's log and the list empty.
        await page.getByTestId('traffic-clear').click();
        await control.waitFor(m => m.traffic.entries === 0, 'the log to be cleared');
        await page.getByTestId('traffic-empty').waitFor({ timeout: WAIT_MS });
        await waitRows(page, c => c.total === 0, 'no rows');
        // The count of frames dropped while paused was about the log: it goes with it.
        assert.equal(control.state().traffic.dropped, 0);
        await page.getByTestId('traffic-dropped').waitFor({ state: 'detached', timeout: WAIT_MS });
    });
});

test('at 900 px the list keeps its name, size and rtt columns; the frame opens below it', async () => {
    // A notification needs a dashboard to go to.
    const dashboard = await world.context.newPage();
    world.defer(() => dashboard.close().catch(() => {}));
    await dashboard.goto(studio.dashboard);
    await dashboard.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
    await world.withUi(studio, 'traffic-900', async page => {
        // A studio window beside a browser.
        await page.setViewportSize({ width: 900, height: 800 });
        await openPane(page, 'traffic');
        await control.send('notify.send', { name: 'narrowNote', data: { text: 'seen at 900 px' } });
        const row = page.locator(`${ROW}[data-kind="notify"]`).filter({ hasText: 'narrowNote' }).first();
        await row.waitFor({ timeout: WAIT_MS });
        const list = page.locator('.listbox');
        /** The header cells' right edges against the list's: a cell past it is cut off. */
        const columns = () => list.evaluate(box => {
            const right = box.getBoundingClientRect().right;
            const cells = [...box.querySelectorAll('thead th')].map(th => ({ text: th.textContent.trim(), ...th.getBoundingClientRect().toJSON() }));
            return { right, cells };
        });
        const assertColumns = async (when) => {
            const { right, cells } = await columns();
            for (const name of ['name', 'size', 'rtt']) {
                const cell = cells.find(c => c.text === name);
                assert.ok(cell && cell.right <= right + 1 && cell.width >= 40, `${when}: the ${name} column shows (${JSON.stringify(cell)}, list ends at ${right})`);
            }
        };
        // Nothing selected: the frame takes no room (an empty panel took 40 %).
        await assertColumns('nothing selected');
        const search = await page.getByTestId('filter-text').boundingBox();
        assert.ok(search.width >= 120, `the search box is ${search.width} px wide`);
        await page.getByTestId('traffic-hint').waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('traffic-side').count(), 0);

        // Selected: the frame shows below the list, which keeps its columns.
        await row.click();
        const details = page.getByTestId('traffic-details');
        await details.getByText('narrowNote').waitFor({ timeout: WAIT_MS });
        await assertColumns('a row selected');
        const [listBox, sideBox] = [await list.boundingBox(), await page.getByTestId('traffic-side').boundingBox()];
        assert.ok(sideBox.y >= listBox.y + listBox.height, `the frame (${JSON.stringify(sideBox)}) is below the list (${JSON.stringify(listBox)})`);
        await screenshot(page, 'traffic-900');

        // Closed, the list takes the room back.
        await page.getByTestId('traffic-details-close').click();
        await page.getByTestId('traffic-side').waitFor({ state: 'detached', timeout: WAIT_MS });
        await page.getByTestId('traffic-hint').waitFor({ timeout: WAIT_MS });
    });
});
