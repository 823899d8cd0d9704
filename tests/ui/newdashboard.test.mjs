// "New dashboard…" in the UI (served mode: a path field): the folder gets a
// working dashboard project, its workspace opens and is served where the
// studio served before; the page shows the state and its button works.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, openPane, WAIT_MS } from './harness.mjs';

let world;
before(async () => { world = await setup(); });
after(async () => world?.close());

test('New dashboard… creates a project and serves it', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-new-'));
    world.defer(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'my-dash');
    const studio = await world.startStudio();
    const control = await world.openControl(studio.control);
    await control.waitFor(m => m.server?.status === 'running', 'the demo to run');
    const before = control.state().server.dashboardUrl;

    await world.withUi(studio, 'new-dashboard', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('new-dashboard').click();
        const field = page.locator('#path-prompt');
        await field.fill(dir);
        await field.press('Enter');
        await page.getByText(/Created \d+ files in/).waitFor({ timeout: WAIT_MS });
        await openPane(page, 'server');
        const model = await control.waitFor(m => m.workspace?.path === path.join(dir, 'workspace.json')
            && m.server?.status === 'running', 'the new workspace served');
        assert.equal(model.server.dashboardUrl, before, 'served where the studio served before');
        // The page in web/, the project beside it (not served).
        for (const f of ['web/index.html', 'web/app.js', 'web/style.css', 'workspace.json', 'server.py', 'README.md']) {
            assert.ok(fs.existsSync(path.join(dir, f)), `${f} written`);
        }
        assert.equal(model.server.settings.staticDir, 'web');
    });
    await world.withPage(studio, 'new-dashboard-page', studio.dashboard, async dash => {
        await dash.waitForFunction(() => document.querySelector('.status')?.textContent === 'connected', null, { timeout: WAIT_MS });
        assert.equal(await dash.textContent('#level-value'), '42.5');
        await dash.click('#devices tbody tr:nth-child(2) button');
        await dash.waitForSelector('#devices tbody tr:nth-child(2) .acknowledged', { timeout: WAIT_MS });
    });
});
