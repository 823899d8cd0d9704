// The Connections pane: an empty state that says what to open, the demo
// dashboard listed with its address, selection, details, and closing it from
// the UI (the dashboard then reconnects as a new connection).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupWithStudio, openPane, screenshot, WAIT_MS } from './harness.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio()));
after(async () => world?.close());

const ids = model => Object.keys(model.connections).map(Number);

test('lists a dashboard, shows it, and closes it', async () => {
    await world.withUi(studio, 'connections', async page => {
        await openPane(page, 'connections');
        const empty = page.getByTestId('connections-empty');
        await empty.getByText('No dashboard is connected').waitFor({ timeout: WAIT_MS });
        const model0 = await control.waitFor(m => !!m.server?.dashboardUrl, 'the dashboard address in /server');
        assert.match(await empty.textContent(), new RegExp(model0.server.dashboardUrl.replace(/[.:/]/g, '\\$&')));

        const dashboard = await world.context.newPage();
        world.defer(() => dashboard.close().catch(() => {}));
        await dashboard.goto(studio.dashboard);
        await dashboard.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
        const model = await control.waitFor(m => ids(m).length === 1, 'the dashboard to connect');
        const [first] = ids(model);
        const info = model.connections[first];

        const row = page.locator(`[data-testid="connection-row"][data-id="${first}"]`);
        await row.waitFor({ timeout: WAIT_MS });
        assert.equal((await row.getByTestId('connection-remote').textContent()).trim(), info.remote);
        assert.match(await row.getByTestId('connection-age').textContent(), /^\d+ s$|min/);

        // Select it: the details show it, with the shared-state note.
        await row.getByTestId('connection-select').check();
        const details = page.locator(`[data-testid="connection-details"][data-id="${first}"]`);
        await details.waitFor({ timeout: WAIT_MS });
        await details.getByTestId('connection-shared-state').waitFor({ timeout: WAIT_MS });
        await screenshot(page, 'connections');

        // Close it from the UI: the engine drops it, the dashboard comes back as a new id.
        await details.getByTestId('connection-close').click();
        const after = await control.waitFor(m => !ids(m).includes(first) && ids(m).length === 1,
            'the closed connection to go and the dashboard to reconnect');
        const [second] = ids(after);
        assert.notEqual(second, first);
        await row.waitFor({ state: 'detached', timeout: WAIT_MS });
        await page.locator(`[data-testid="connection-row"][data-id="${second}"]`).waitFor({ timeout: WAIT_MS });
        // The closed connection dropped out of the selection: no details, the new one unselected.
        await details.waitFor({ state: 'detached', timeout: WAIT_MS });
        assert.equal(await page.locator(`[data-testid="connection-row"][data-id="${second}"] [data-testid="connection-select"]`).isChecked(), false);
        await dashboard.close();
    });
});
