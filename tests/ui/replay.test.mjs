// The Replay pane: a recording made through the control client (a demo
// dashboard's connection, a few state changes and a notification) is
// loaded in the UI, stepped, scrubbed and played at 10×; a dashboard page
// follows the replay; the per-path history of /counter lists its values.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dragOntoBuilder } from '../common/builder.mjs';
import { setupWithStudio, openPane, screenshot, WAIT_MS, dismissToasts } from './harness.mjs';

let world;
let studio;
let control;
let dir;
before(async () => {
    ({ world, studio, control } = await setupWithStudio({ demo: true }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-replay-'));
    world.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
});
after(async () => world?.close());

const ids = model => Object.keys(model.connections).map(Number);

/** Waits until the dashboard's #state, parsed, satisfies `fn`. */
const dashboardState = (dash, fn, what) => dash.waitForFunction(
    src => { try { return new Function('s', `return ${src}`)(JSON.parse(document.getElementById('state').textContent)); } catch { return false; } },
    fn, { timeout: WAIT_MS }).catch(e => { throw new Error(`dashboard: ${what}: ${e.message}`); });

test('loads a recording, steps, scrubs, plays at 10× and shows a path’s history', async () => {
    const file = path.join(dir, 'rec.ndjson');
    await world.withPage(studio, 'replay-dashboard', studio.dashboard, async dash => {
        await dash.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
        const [id] = ids(await control.waitFor(m => ids(m).length === 1, 'the dashboard to connect'));

        // The page has its first state (sent after the autoflush delay):
        // else that first sync would be recorded as a second whole state.
        await dashboardState(dash, 's && typeof s.title === "string"', 'the first state');
        // Record: the whole state, counter 1, 2, 3 and a notification.
        const { id: rec } = await control.send('record.start', { connection: id, path: file });
        for (const n of [1, 2, 3]) {
            await control.send('state.set', { path: ['counter'], value: n });
            await dashboardState(dash, `s.counter === ${n}`, `counter ${n}`);
        }
        await control.send('notify.send', { name: 'alarm', data: { level: 2 } });
        await dash.locator('#notifications [data-name="alarm"]').waitFor({ timeout: WAIT_MS });
        await control.waitFor(m => m.recordings[rec]?.entries >= 5, 'the recording to hold 5 entries');
        const info = await control.send('record.stop', { id: rec });
        assert.equal(info.entries, 5);
        // The live state moves on: the replay must bring the recorded values back.
        await control.send('state.set', { path: ['counter'], value: 99 });
        await dashboardState(dash, 's.counter === 99', 'counter 99');

        await world.withUi(studio, 'replay', async page => {
            await openPane(page, 'replay');
            await page.getByTestId('replay-empty').getByText('Record a session').waitFor({ timeout: WAIT_MS });
            await page.getByTestId('replay-path').fill(file);
            await page.getByTestId('replay-load').click();
            await page.getByTestId('replay-info').waitFor({ timeout: WAIT_MS });
            assert.match(await page.getByTestId('replay-length').textContent(), /^5 entries/);
            assert.match(await page.getByTestId('replay-source').textContent(), new RegExp(`connection ${id}`));
            // The list is asked for once the loaded replay shows: it comes a moment later.
            await page.getByTestId('replay-entry').nth(4).waitFor({ timeout: WAIT_MS });
            assert.equal(await page.getByTestId('replay-entry').count(), 5);
            assert.match(await page.getByTestId('replay-entries').textContent(), /notify[\s\S]*alarm/);

            // Step twice: the whole state, then counter 1.
            await page.getByTestId('replay-step').click();
            await control.waitFor(m => m.replay?.step === 1, 'step 1');
            await page.getByTestId('replay-step').click();
            await control.waitFor(m => m.replay?.step === 2, 'step 2');
            await dashboardState(dash, 's.counter === 1', 'the replayed counter 1');
            await page.getByTestId('replay-diff').getByText('/counter').waitFor({ timeout: WAIT_MS });
            await page.getByTestId('replay-position').getByText('step 2 / 5').waitFor({ timeout: WAIT_MS });

            // Scrub to step 4: counter 3.
            await page.getByTestId('replay-scrubber').fill('4');
            await control.waitFor(m => m.replay?.step === 4, 'the scrubber to seek to step 4');
            await dashboardState(dash, 's.counter === 3', 'the scrubbed counter 3');
            const counter = page.getByTestId('replay-tree').locator(`[data-path="${encodeURIComponent('/counter')}"]`);
            await counter.getByText('3').waitFor({ timeout: WAIT_MS });
            // Sought: the tree follows the served state, which is the recording's.
            assert.equal((await control.waitFor(m => m.replay?.served, 'a seek to serve the recording\'s state')).replay.step, 4);

            // Edited meanwhile, the served state is no longer the recording's:
            // the tree shows the recording's state at step 4, not the edit.
            await control.send('state.set', { path: ['counter'], value: 42 });
            await control.waitFor(m => m.replay?.served === false && m.state.counter === 42, 'the edit to end it');
            await dashboardState(dash, 's.counter === 42', 'the edited counter');
            await page.waitForFunction(() => document.querySelector('.replay-pane h3')?.textContent.trim() === 'State at step 4',
                null, { timeout: WAIT_MS });
            await counter.getByText('3').waitFor({ timeout: WAIT_MS });
            assert.equal((await counter.textContent()).includes('42'), false);

            // The history of /counter: 1, 2, 3 at their times.
            await page.getByTestId('replay-pointer').fill('/counter');
            await page.getByTestId('replay-pointer-go').click();
            const rows = page.getByTestId('replay-history-row');
            await rows.nth(2).waitFor({ timeout: WAIT_MS });
            const texts = (await rows.allTextContents()).map(t => t.split('·').pop().trim());
            assert.deepEqual(texts, ['1', '2', '3']);
            await dismissToasts(page);
            await screenshot(page, 'timeline');

            // A history row seeks to just after that change.
            await rows.nth(1).click();
            await control.waitFor(m => m.replay?.step === 3, 'the history row to seek to step 3');
            await dashboardState(dash, 's.counter === 2', 'the counter 2 of the history row');

            // Play at 10× to the end: the dashboard follows to counter 3.
            await page.getByTestId('replay-speed').selectOption('10');
            await page.getByTestId('replay-play').click();
            const end = await control.waitFor(m => m.replay?.step === 5 && !m.replay.playing, 'the replay to play to the end');
            assert.equal(end.replay.speed, 10);
            await dashboardState(dash, 's.counter === 3', 'the played counter 3');
            await page.getByTestId('replay-position').getByText('step 5 / 5').waitFor({ timeout: WAIT_MS });

            // The path chosen has a handle that drags it, over the Builder's
            // tab, onto the canvas: the recording's number proposes a gauge.
            const handle = page.locator('[data-testid="path-drag"][data-path="/counter"]');
            await dragOntoBuilder(page, handle, { x: 40, y: 120 }, WAIT_MS);
            const added = page.locator('[data-testid="builder-box"][data-type="gauge"]');
            await added.waitFor({ timeout: WAIT_MS });
            const widget = JSON.parse(await page.getByTestId('builder-json').inputValue());
            assert.equal(widget.path, '/counter');
            assert.equal(widget.max, 100);
            await openPane(page, 'replay');

            // Stop unloads; the recording can be loaded again.
            await page.getByTestId('replay-stop').click();
            await control.waitFor(m => m.replay === null, 'the replay to unload');
            await page.getByTestId('replay-empty').waitFor({ timeout: WAIT_MS });
        });
    });
});

test('records a connection from the Connections pane and opens it in replay', async () => {
    const file = path.join(dir, 'from-ui.ndjson');
    // This test's dashboard is the connection not listed before it: the
    // control client's model may still list an earlier test's one that
    // closed, with this one not there yet (then "the one" was the old).
    const before = control.state()?.connections ? ids(control.state()) : [];
    await world.withPage(studio, 'replay-record-dashboard', studio.dashboard, async dash => {
        await dash.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
        await world.withUi(studio, 'replay-record', async page => {
            const fresh = m => ids(m).filter(i => !before.includes(i));
            const [id] = fresh(await control.waitFor(m => fresh(m).length === 1, 'this dashboard'));
            await openPane(page, 'connections');
            await page.locator(`[data-testid="connection-row"][data-id="${id}"]`).click();
            const faults = page.locator(`[data-testid="connection-faults"][data-id="${id}"]`);
            await faults.getByTestId('record-begin').click();
            await faults.getByTestId('record-path').fill(file);
            await faults.getByTestId('record-start').click();
            const m = await control.waitFor(m => Object.values(m.recordings).some(r => r.path === file), 'the recording to start');
            const rec = Object.values(m.recordings).find(r => r.path === file);
            await faults.getByTestId('record-active').waitFor({ timeout: WAIT_MS });
            await control.send('state.set', { path: ['counter'], value: 7 });
            await control.waitFor(m => m.recordings[rec.id]?.entries >= 2, 'the change to be recorded');

            // The Replay pane lists it live, stops it, and opens it.
            await openPane(page, 'replay');
            const row = page.locator(`[data-testid="recording-row"][data-id="${rec.id}"]`);
            await row.getByTestId('recording-entries').getByText('2').waitFor({ timeout: WAIT_MS });
            await row.getByTestId('recording-stop').click();
            await control.waitFor(m => !m.recordings[rec.id], 'the recording to stop');
            await page.getByTestId('recording-finished').first().getByTestId('recording-open').click();
            const loaded = await control.waitFor(m => m.replay?.path === file, 'the recording to load');
            assert.equal(loaded.replay.entries, 2);
            await control.send('replay.stop');
        });
    });
});
