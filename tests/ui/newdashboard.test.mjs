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

        // Listening where the studio listened is this run's, no edit of the
        // project: nothing to save, and Save keeps the project's port.
        const file = path.join(dir, 'workspace.json');
        const port = JSON.parse(fs.readFileSync(file, 'utf8')).server.port;
        assert.notEqual(model.server.settings.port, port, 'the studio listens elsewhere than the project says');
        assert.equal(control.state().workspace.unsaved, false);
        assert.equal(await page.getByTestId('workspace-unsaved').count(), 0);
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await page.getByText(/Saved/).first().waitFor({ timeout: WAIT_MS });
        assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).server.port, port);
    });
    await world.withPage(studio, 'new-dashboard-page', studio.dashboard, async dash => {
        await dash.waitForFunction(() => document.querySelector('.status')?.textContent === 'connected', null, { timeout: WAIT_MS });
        assert.equal(await dash.textContent('#level-value'), '42.5');
        await dash.click('#devices tbody tr:nth-child(2) button');
        await dash.waitForSelector('#devices tbody tr:nth-child(2) .acknowledged', { timeout: WAIT_MS });
    });
});

test('a port or folder given on the command line is no unsaved edit, and Save keeps the file\'s', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-override-'));
    world.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.mkdirSync(path.join(dir, 'site'));
    fs.mkdirSync(path.join(dir, 'other'));
    const file = path.join(dir, 'ws.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, server: { port: 8123, staticDir: 'site' }, initialState: { n: 1 } }));
    const studio = await world.startStudio([file, '--static-dir', path.join(dir, 'other')]);
    const control = await world.openControl(studio.control);
    const model = await control.waitFor(m => m.server?.status === 'running' && m.workspace?.path === file && m, 'the workspace served');
    assert.equal(model.server.settings.staticDir, 'other');
    await world.withUi(studio, 'override-not-unsaved', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        assert.equal(control.state().workspace.unsaved, false);
        assert.equal(await page.getByTestId('workspace-unsaved').count(), 0);
        await control.send('state.set', { path: ['n'], value: 2 });
        await page.getByTestId('workspace-unsaved').getByText('• unsaved').waitFor({ timeout: WAIT_MS });
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await page.getByTestId('workspace-unsaved').waitFor({ state: 'detached', timeout: WAIT_MS });
        const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
        assert.equal(saved.initialState.n, 2);
        assert.equal(saved.server.port, 8123);
        assert.equal(saved.server.staticDir, 'site');
    });
});
