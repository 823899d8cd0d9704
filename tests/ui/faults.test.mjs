// Fault injection in the Connections pane: hold state for the demo
// dashboard (a change reaches another client but not the dashboard until
// Clear), Drop (the dashboard reconnects as a new connection), Refuse new
// connections (the countdown), Clear all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupWithStudio, openPane, screenshot, WAIT_MS, dismissToasts } from './harness.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio({ demo: true })));
after(async () => world?.close());

const ids = model => Object.keys(model.connections).map(Number);
const stateText = dash => dash.evaluate(() => document.getElementById('state').textContent);

test('holds state, drops a connection and refuses new ones', async () => {
    await world.withPage(studio, 'faults-dashboard', studio.dashboard, async dash => {
        await dash.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
        const [id] = ids(await control.waitFor(m => ids(m).length === 1, 'the dashboard to connect'));
        // A witness without faults: it shows when the server has sent a change.
        const witness = await world.openControl(studio.juggler);
        const witnessId = ids(await control.waitFor(m => ids(m).length === 2, 'the witness to connect')).find(x => x !== id);

        await world.withUi(studio, 'faults', async page => {
            await openPane(page, 'connections');
            const row = page.locator(`[data-testid="connection-row"][data-id="${id}"]`);
            await row.click();
            const faults = page.locator(`[data-testid="connection-faults"][data-id="${id}"]`);
            await faults.waitFor({ timeout: WAIT_MS });

            // A bad delay keeps Apply disabled.
            await faults.getByTestId('faults-conn-delay-state').fill('-5');
            assert.equal(await faults.getByTestId('faults-conn-apply').isDisabled(), true);
            await faults.getByTestId('faults-conn-delay-state').fill('');

            // Hold state.
            await faults.getByTestId('faults-conn-hold').check();
            await faults.getByTestId('faults-conn-apply').click();
            const answer = page.locator('[data-testid^="toast-"]').first();
            await answer.waitFor({ timeout: WAIT_MS });
            assert.equal(await answer.getAttribute('data-testid'), 'toast-success', await answer.textContent());
            await control.waitFor(m => m.faults?.connections?.[id]?.holdState === true, 'holdState in /faults');
            await row.getByTestId('connection-faults-badge').waitFor({ timeout: WAIT_MS });

            await control.send('state.set', { path: ['counter'], value: 42 });
            await witness.waitFor(s => s.counter === 42, 'the witness to get the change');
            // A notification sent after it reaches the dashboard; the held state did not.
            await control.send('notify.send', { name: 'after-hold', data: null, connections: [id] });
            await dash.locator('#notifications [data-name="after-hold"]').waitFor({ timeout: WAIT_MS });
            assert.doesNotMatch(await stateText(dash), /"counter": 42/, 'the held change reached the dashboard');

            // Clear: the held change goes out.
            await faults.getByTestId('faults-conn-clear').click();
            await control.waitFor(m => !m.faults.connections[id]?.holdState, 'the faults to clear');
            await dash.waitForFunction(() => document.getElementById('state').textContent.includes('"counter": 42'), null, { timeout: WAIT_MS });
            await row.getByTestId('connection-faults-badge').waitFor({ state: 'detached', timeout: WAIT_MS });

            // Drop: the dashboard reconnects as a new id.
            await faults.getByTestId('connection-drop').click();
            const after = await control.waitFor(m => !ids(m).includes(id) && ids(m).length === 2, 'the dashboard to come back');
            const second = ids(after).find(x => x !== witnessId);
            assert.ok(second > witnessId, `the dashboard came back as a new id (${second})`);
            assert.match(after.connections[second].userAgent ?? '', /Chrome/);
            await dash.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });

            // Refuse new connections for 30 s: the countdown shows.
            await page.getByTestId('refuse-seconds').fill('30');
            await page.getByTestId('refuse-start').click();
            const refusing = await control.waitFor(m => m.faults.refuseUntil !== null, '/faults/refuseUntil');
            assert.ok(refusing.faults.refuseUntil > Date.now() + 20000);
            await page.getByTestId('refuse-countdown').getByText(/refusing new connections for (30|29|28) s/).waitFor({ timeout: WAIT_MS });

            // Faults for every connection, shown with a badge; the new dashboard has them.
            await page.getByTestId('faults-all-toggle').click();
            await page.getByTestId('faults-all-delay-notify').fill('250');
            await page.getByTestId('faults-all-apply').click();
            await control.waitFor(m => m.faults.all?.delayNotifyMs === 250, '/faults/all');
            await page.getByTestId('faults-all-badge').getByText('notify +250 ms').waitFor({ timeout: WAIT_MS });
            const row2 = page.locator(`[data-testid="connection-row"][data-id="${second}"]`);
            await row2.getByTestId('connection-faults-badge').waitFor({ timeout: WAIT_MS });
            await row2.click();
            const faults2 = page.locator(`[data-testid="connection-faults"][data-id="${second}"]`);
            await faults2.getByTestId('faults-conn-hold').check();
            await faults2.getByTestId('faults-conn-apply').click();
            await control.waitFor(m => m.faults.connections[second]?.holdState === true, 'hold state for the new connection');
            await dismissToasts(page);
            await screenshot(page, 'faults');

            // Clear all: the refusal and the faults go.
            await page.getByTestId('faults-clear-all').click();
            await control.waitFor(m => m.faults.refuseUntil === null && m.faults.all === null, 'everything to clear');
            await page.getByTestId('refuse-countdown').waitFor({ state: 'detached', timeout: WAIT_MS });
            await page.getByTestId('refuse-start').waitFor({ timeout: WAIT_MS });
        });
    });
});
