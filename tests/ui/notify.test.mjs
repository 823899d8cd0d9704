// The Notify pane: a notification written in the UI (name + JSON data,
// Ctrl+Enter) reaches the demo dashboard and /notifyHistory; invalid JSON
// disables Send and says where; presets are saved in the workspace; a
// notification can go to a chosen connection only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupWithStudio, openPane, screenshot, WAIT_MS } from './harness.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio()));
after(async () => world?.close());

test('notifications written in the Notify pane reach the dashboard', async () => {
    await world.withPage(studio, 'notify-dashboard', studio.dashboard, async dash => {
        await dash.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
        const model = await control.waitFor(m => Object.keys(m.connections).length === 1, 'the dashboard to connect');
        const connId = Object.values(model.connections)[0].id;

        await world.withUi(studio, 'notify', async page => {
            await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
            await openPane(page, 'notify');
            // The dashboard's connection is listed as a possible target.
            await page.getByTestId(`notify-conn-${connId}`).waitFor({ timeout: WAIT_MS });

            await page.getByTestId('notify-name').fill('ui.ping');
            const data = page.getByTestId('notify-data');
            await data.fill('{"text": "hello from the UI", "n": 7}');
            await data.press('Control+Enter');

            await dash.locator('#notifications li[data-name="ui.ping"]').waitFor({ timeout: WAIT_MS });
            assert.match(await dash.locator('#notifications li[data-name="ui.ping"] .data').textContent(), /"n":7/);
            const sent = await control.waitFor(m => m.notifyHistory.some(n => n.name === 'ui.ping'), 'the notification in /notifyHistory');
            const entry = sent.notifyHistory.find(n => n.name === 'ui.ping');
            assert.deepEqual(entry.data, { text: 'hello from the UI', n: 7 });
            assert.deepEqual(entry.targets, []);
            assert.equal(entry.sent, 1);
            await page.getByTestId('notify-history').locator('tr[data-name="ui.ping"]').waitFor({ timeout: WAIT_MS });

            // Invalid JSON: Send is disabled and the error says where.
            await data.fill('{"text": "oops",\n  "n": }');
            const error = page.getByTestId('notify-data-error');
            await error.waitFor({ timeout: WAIT_MS });
            assert.match(await error.textContent(), /line 2, column 8/);
            assert.equal(await page.getByTestId('notify-send').isDisabled(), true);
            await data.press('Control+Enter');
            await data.fill('{"text": "to one", "n": 8}');
            assert.equal(await page.getByTestId('notify-send').isDisabled(), false);

            // A preset, saved with the workspace.
            await page.getByTestId('notify-name').fill('ui.preset');
            await page.getByTestId('notify-save-preset').click();
            const withPreset = await control.waitFor(m => m.workspace.notifyPresets.some(p => p.name === 'ui.preset'), 'the preset in /workspace/notifyPresets');
            assert.deepEqual(withPreset.workspace.notifyPresets.find(p => p.name === 'ui.preset').data, { text: 'to one', n: 8 });
            await page.getByTestId('presets').locator('li[data-name="ui.preset"]').waitFor({ timeout: WAIT_MS });

            // To the chosen connection only.
            await page.getByTestId(`notify-conn-${connId}`).check();
            await page.getByTestId('notify-send').click();
            const targeted = await control.waitFor(m => m.notifyHistory.some(n => n.name === 'ui.preset'), 'the targeted notification');
            assert.deepEqual(targeted.notifyHistory.find(n => n.name === 'ui.preset').targets, [connId]);
            await dash.locator('#notifications li[data-name="ui.preset"]').waitFor({ timeout: WAIT_MS });
            // Only two notifications were sent: the invalid Ctrl+Enter sent nothing.
            assert.equal(targeted.notifyHistory.filter(n => n.name.startsWith('ui.')).length, 2);

            // Loading a preset fills the editor.
            await page.getByTestId('presets').locator('li[data-name="alarm"] button.load').click();
            // Its text comes from the engine (notify.presetText): wait for it.
            await page.waitForFunction(() => document.querySelector('[data-testid="notify-name"]')?.value === 'alarm');
            assert.match(await data.inputValue(), /Pump P2 pressure low/);
            await screenshot(page, 'notify');
        });
    });
});

test('a notification typed in the Notify pane goes out with every number as typed', async () => {
    // What JSON.parse would change: an integer past 2^53 (two of them), -0.
    const typed = '{"big": 123456789012345678901234567890, "odd": 9007199254740993, "negz": -0}';
    await world.withPage(studio, 'notify-exact-dashboard', studio.dashboard, async dash => {
        await dash.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
        await world.withUi(studio, 'notify-exact', async page => {
            await openPane(page, 'notify');
            await page.getByTestId('notify-name').fill('ui.exact');
            await page.getByTestId('notify-data').fill(typed);
            await page.getByTestId('notify-send').click();
            await control.waitFor(m => m.notifyHistory.some(n => n.name === 'ui.exact'), 'the notification sent');
        });
    });
    // The traffic log holds the frame's data as the engine wrote it (a
    // string here, so this client's JSON.parse does not round it).
    const log = await control.send('traffic.export', {});
    const line = log.split('\n').find(l => l.includes('ui.exact'));
    assert.ok(line, `ui.exact in the traffic log:\n${log}`);
    assert.match(line, /"big":123456789012345678901234567890\b/);
    assert.match(line, /"odd":9007199254740993\b/);
    assert.match(line, /"negz":-0\b/);
});

test('a sent notification loads back from the history with every number, and goes out so again', async () => {
    const sent = '{"big": 123456789012345678901234567890, "odd": 9007199254740993, "negz": -0}';
    await world.withPage(studio, 'notify-exact-history-dashboard', studio.dashboard, async dash => {
        await dash.locator('body[data-status="connected"]').waitFor({ timeout: WAIT_MS });
        await control.send('notify.send', { name: 'ui.exactAgain', dataText: sent });
        await world.withUi(studio, 'notify-exact-history', async page => {
            await openPane(page, 'notify');
            await page.getByTestId('notify-history').locator('tr[data-name="ui.exactAgain"] button').click();
            await page.waitForFunction(() => document.querySelector('[data-testid="notify-data"]')?.value.includes('-0'));
            assert.equal(await page.getByTestId('notify-data').inputValue(),
                '{\n  "big": 123456789012345678901234567890,\n  "odd": 9007199254740993,\n  "negz": -0\n}');
            assert.equal(await page.getByTestId('notify-name').inputValue(), 'ui.exactAgain');
            await page.getByTestId('notify-send').click();
            await control.waitFor(m => m.notifyHistory.filter(n => n.name === 'ui.exactAgain').length === 2, 'sent again');
        });
    });
    const log = await control.send('traffic.export', {});
    const lines = log.split('\n').filter(l => l.includes('ui.exactAgain'));
    assert.equal(lines.length, 2, `two ui.exactAgain notifications in the traffic log:\n${log}`);
    for (const line of lines) assert.match(line, /"big":123456789012345678901234567890,"odd":9007199254740993,"negz":-0\b/);
});

test('presets keep every number: saved from the pane, loaded back, saved unchanged, beside others', async () => {
    const big = '123456789012345678901234567890';
    // A preset the pane does not touch: its copy in the model is rounded.
    await control.send('notify.presetSave', { name: 'untouched', dataText: `[${big}, -0]` });
    await world.withUi(studio, 'notify-presets-exact', async page => {
        await openPane(page, 'notify');
        const data = page.getByTestId('notify-data');
        await page.getByTestId('notify-name').fill('ui.exactPreset');
        await data.fill(`{"big": ${big}, "odd": 9007199254740993, "negz": -0}`);
        await page.getByTestId('notify-save-preset').click();
        const presets = page.getByTestId('presets');
        await presets.locator('li[data-name="ui.exactPreset"]').waitFor({ timeout: WAIT_MS });

        // Loaded back into the editor as held, and saved unchanged.
        await data.fill('null');
        await presets.locator('li[data-name="ui.exactPreset"] button.load').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="notify-data"]')?.value.includes('9007199254740993'));
        const shown = await data.inputValue();
        assert.match(shown, new RegExp(`"big": ${big}`));
        assert.match(shown, /"negz": -0\b/);
        await page.getByTestId('notify-save-preset').click();
        await page.getByText('Preset ui.exactPreset updated').waitFor({ timeout: WAIT_MS });

        // Deleting one leaves the others as held.
        await control.send('notify.presetSave', { name: 'ui.gone', data: 1 });
        await presets.locator('li[data-name="ui.gone"]').waitFor({ timeout: WAIT_MS });
        await presets.locator('li[data-name="ui.gone"] button.del').click();
        await presets.locator('li[data-name="ui.gone"]').waitFor({ state: 'detached', timeout: WAIT_MS });
    });
    const text = await control.send('notify.presetText', { name: 'ui.exactPreset' });
    assert.match(text, new RegExp(`"big": ${big},`));
    assert.match(text, /"odd": 9007199254740993,/);
    assert.match(text, /"negz": -0\n/);
    assert.equal(await control.send('notify.presetText', { name: 'untouched' }), `[\n  ${big},\n  -0\n]`);
});
