// The Server pane: the settings form validates before sending, applies
// through `server.settings`, shows the engine's errors next to the field
// they name, keeps unsaved edits when the settings change elsewhere;
// Stop / Start drive the embedded server; the addresses are shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, openPane, screenshot, WAIT_MS } from './harness.mjs';

let world;
let studio;
let control;
/** Every `server.settings` request the UI pages sent to the engine. */
const settingsSent = [];

before(async () => {
    world = await setup();
    studio = await world.startStudio();
    control = await world.openControl(studio.control);
    await control.waitFor(m => m.server?.status === 'running', 'the server to run');
    // Watch the UI's control WebSocket from its first frame.
    world.context.on('page', page => page.on('websocket', ws => ws.on('framesent', frame => {
        if (typeof frame.payload !== 'string') return;
        const msg = JSON.parse(frame.payload);
        if (msg.type === 'request' && msg.name === 'server.settings') settingsSent.push(msg.data);
    })));
});
after(async () => world?.close());

const field = (page, key) => page.getByTestId(`setting-${key}`);
const fieldError = (page, key) => page.getByTestId(`setting-error-${key}`);

test('the Server pane validates, applies, keeps drafts, stops and starts', async () => {
    await world.withUi(studio, 'server', async page => {
        await openPane(page, 'server');
        const pane = page.getByTestId('server-pane');
        await pane.waitFor({ timeout: WAIT_MS });

        // The addresses of the running server.
        const running = control.state().server;
        await page.getByTestId('server-pane-status').getByText('running').waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('dashboard-url').textContent(), running.dashboardUrl);
        assert.equal(await page.getByTestId('juggler-url').textContent(), running.url);
        await page.getByTestId('open-dashboard').waitFor({ timeout: WAIT_MS });

        // Invalid values: shown next to the field, not sent.
        const port = running.settings.port;
        await field(page, 'port').fill('70000');
        await fieldError(page, 'port').getByText('65535').waitFor({ timeout: WAIT_MS });
        await field(page, 'wsPath').fill('ws');
        await fieldError(page, 'wsPath').getByText('start with /').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('settings-modified').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('settings-apply').click();
        await page.getByText(/Fix the 2 highlighted fields/).waitFor({ timeout: WAIT_MS });
        assert.deepEqual(settingsSent, [], 'invalid settings were sent');
        assert.equal(control.state().server.settings.port, port);

        // Revert takes the engine's values back.
        await page.getByTestId('settings-revert').click();
        assert.equal(await field(page, 'port').inputValue(), String(port));
        assert.equal(await field(page, 'wsPath').inputValue(), '/ws');
        assert.equal(await page.getByTestId('setting-error-port').count(), 0);
        assert.equal(await page.getByTestId('settings-modified').count(), 0);

        // An error only the engine finds shows next to the field it names.
        await field(page, 'staticDir').fill('no-such-folder-for-the-test');
        await page.getByTestId('settings-apply').click();
        await fieldError(page, 'staticDir').getByText('does not exist').waitFor({ timeout: WAIT_MS });
        assert.equal(settingsSent.length, 1);
        assert.equal(control.state().server.settings.staticDir, running.settings.staticDir);
        await page.getByTestId('settings-revert').click();

        // A valid change is applied: the control model shows it.
        await field(page, 'maxConnections').fill('42');
        await field(page, 'noCache').uncheck();
        await page.getByTestId('modified-maxConnections').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('settings-apply').click();
        const applied = await control.waitFor(
            m => m.server.settings.maxConnections === 42 && m.server.settings.noCache === false,
            'the applied settings');
        assert.equal(applied.server.settings.port, port === 0 ? 0 : port);
        await page.getByTestId('settings-modified').waitFor({ state: 'detached', timeout: WAIT_MS });
        await control.waitFor(m => m.server.status === 'running', 'the server to run again');

        // An unsaved edit survives a change made elsewhere; other fields follow.
        await field(page, 'pingDelay').fill('12');
        const settings = { ...control.state().server.settings, sendQueueSize: 77 };
        await control.send('server.settings', { settings });
        await page.waitForFunction(() =>
            document.querySelector('[data-testid="setting-sendQueueSize"]')?.value === '77', null, { timeout: WAIT_MS });
        assert.equal(await field(page, 'pingDelay').inputValue(), '12');
        await page.getByTestId('modified-pingDelay').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('settings-revert').click();
        assert.equal(await field(page, 'pingDelay').inputValue(), '30');

        // Stop, then Start.
        await page.getByTestId('server-stop').click();
        await control.waitFor(m => m.server.status === 'stopped', 'the server to stop');
        await page.getByTestId('server-pane-status').getByText('stopped').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('server-empty').getByText('Press Start').waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('dashboard-url').count(), 0);
        await page.getByTestId('server-start').click();
        const started = await control.waitFor(m => m.server.status === 'running' && m.server.dashboardUrl, 'the server to start');
        await page.getByTestId('server-pane-status').getByText('running').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('dashboard-url').getByText(started.server.dashboardUrl).waitFor({ timeout: WAIT_MS });

        await screenshot(page, 'server');
    });
});
