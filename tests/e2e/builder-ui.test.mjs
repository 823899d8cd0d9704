// The Builder pane end to end: in the studio's UI (`serve --ui`), a
// dashboard is built by dragging nodes of the State tree onto the canvas
// (a Value, a Lamp, a Gauge, a Table with a row action, a Trend, a Button
// and a Setpoint), laid out with the mouse and the keyboard, saved, saved
// again unchanged (the same bytes) and reopened. The saved folder is then
// opened in Chromium served by the studio and by the reference Python
// server of each generation (the same dashboard.json in a 0.7 folder):
// state edits show in every widget, the trend gains points, the button's,
// setpoint's and row action's requests arrive and their answers show.
//
// Environment: see suite.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { dragOntoBuilder } from '../common/builder.mjs';
import { openControl } from '../common/control.mjs';
import { startStudio } from '../common/process.mjs';
import { waitText } from './pages.mjs';
import { WAIT_MS, artifacts, browserSuite, pageWithProblems, startReference, studioBin } from './suite.mjs';

const suite = browserSuite({ prefix: 'juggler-builder-ui-chromium-', viewport: { width: 1600, height: 1000 } });
const { cleanups } = suite;

/** Where the pictures for the README go (scripts/update-screenshots.sh). */
const screenshots = path.join(artifacts, 'screenshots');
const w = (id, sel = '') => `[data-widget="${id}"] ${sel}`.trim();
const box = id => `[data-testid="builder-box"][data-id="${id}"]`;

/** A new builder folder of `generation` without its sample dashboard. */
function newFolder(parent, generation) {
    const dir = path.join(parent, `dash-${generation}`);
    execFileSync(studioBin, ['new', dir, '--builder', '--generation', generation, '--name', 'Built'], { encoding: 'utf8' });
    fs.rmSync(path.join(dir, 'web', 'dashboard.json'));
    return dir;
}

/** Drags the State tree's node at `pointer` onto the canvas, near
 * (x, y) of the canvas; resolves with the new widget's id (it is selected). */
async function dropPath(page, pointer, x, y) {
    const count = await page.locator('[data-testid="builder-box"]').count();
    await page.dragAndDrop(`[data-testid="builder-node"][data-path="${pointer}"]`, '[data-testid="builder-canvas"]',
        { targetPosition: { x, y } });
    await page.waitForFunction(n => document.querySelectorAll('[data-testid="builder-box"]').length === n + 1, count,
        { timeout: WAIT_MS });
    return page.locator('[data-testid="builder-props"] h3').textContent();
}

/** The ids of the selected boxes, sorted. */
async function selectedIds(page) {
    return (await page.$$eval('[data-testid="builder-box"].selected', els => els.map(e => e.dataset.id))).sort();
}

/** Drags a band on the canvas from just above and left of the box `from`
 * (empty canvas there) to the middle of the box `to`. */
async function band(page, from, to, { shift = false } = {}) {
    const a = await page.locator(from).boundingBox();
    const b = await page.locator(to).boundingBox();
    if (shift) await page.keyboard.down('Shift');
    await page.mouse.move(a.x - 3, a.y - 3);
    await page.mouse.down();
    await page.mouse.move((a.x + b.x + b.width / 2) / 2, (a.y + b.y + b.height / 2) / 2, { steps: 3 });
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 3 });
    await page.mouse.up();
    if (shift) await page.keyboard.up('Shift');
}

/** Opens a State tree node (by its pointer) so its children show. */
async function expand(page, pointer) {
    await page.click(`[data-testid="builder-node"][data-path="${pointer}"] .twist`);
}

/** Changes an input of the property panel and commits it (change event). */
async function setField(page, testid, value) {
    await page.fill(`[data-testid="${testid}"]`, String(value));
    await page.press(`[data-testid="${testid}"]`, 'Enter');
}

/** The selected widget as the property panel's JSON shows it. */
async function selectedJson(page) {
    return JSON.parse(await page.inputValue('[data-testid="builder-json"]'));
}

/** Changes the selected widget with `fn` through the property panel's JSON. */
async function editJson(page, fn) {
    const text = await page.inputValue('[data-testid="builder-json"]');
    await page.fill('[data-testid="builder-json"]', JSON.stringify(fn(JSON.parse(text)), null, 2));
    await page.click('[data-testid="builder-json-apply"]');
}

/** A node of a remote session's tree (the Client pane, connected to the
 * studio's own server) dragged by its handle over the Builder's tab and
 * onto the canvas: the same proposal as from the State tree. Removed
 * again. */
async function fromClientPane(page, studio) {
    const count = await page.locator('[data-testid="builder-box"]').count();
    await page.click('[data-testid="nav-client"]');
    await page.click('[data-testid="client-use-studio"]');
    await page.click('[data-testid="client-connect"]');
    const session = page.locator('[data-testid^="session-"]').first();
    await session.getByTestId('client-status').getByText('connected', { exact: true }).waitFor({ timeout: WAIT_MS });
    await session.getByTestId('remote-tree').getByText('devices', { exact: true }).click();
    const handle = session.locator('[data-testid="path-drag"][data-path="/devices"]');
    await dragOntoBuilder(page, handle, { x: 40, y: 500 }, WAIT_MS);
    await page.waitForFunction(n => document.querySelectorAll('[data-testid="builder-box"]').length === n + 1, count, { timeout: WAIT_MS });
    const added = await selectedJson(page);
    assert.equal(added.type, 'table', 'an array of objects of the remote state proposes a table');
    assert.equal(added.path, '/devices');
    assert.deepEqual(added.columns.map(col => col.key), ['id', 'name', 'status']);
    await page.click(box(added.id));
    await page.keyboard.press('Delete');
    await page.waitForFunction(n => document.querySelectorAll('[data-testid="builder-box"]').length === n, count, { timeout: WAIT_MS });
}

/** Builds the dashboard in the Builder pane; answers the ids by role. */
async function build(page, studio) {
    await page.click('[data-testid="nav-builder"]');
    await page.waitForSelector('[data-testid="builder-canvas"]', { timeout: WAIT_MS });
    const frame = await (await page.waitForSelector('[data-testid="builder-frame"]')).contentFrame();
    await expand(page, '/level');
    await expand(page, '/pump');

    // Each node proposes the widget that fits its value.
    const gauge = await dropPath(page, '/level/value', 30, 90);
    assert.equal(await page.getAttribute(box(gauge), 'data-type'), 'gauge', 'a number proposes a gauge');
    // Thresholds through their editor: two rows, the first changed.
    await page.click('[data-testid="threshold-add"]');
    await page.click('[data-testid="threshold-add"]');
    await setField(page, 'threshold-from-0', 50);
    await setField(page, 'threshold-color-0', '#d97706');
    await setField(page, 'threshold-color-1', '#dc2626');
    assert.deepEqual((await selectedJson(page)).thresholds, [{ from: 50, color: '#d97706' }, { from: 85, color: '#dc2626' }]);
    // A threshold moved above another keeps its row while the editor has
    // the focus; they go in order when the focus leaves it.
    await setField(page, 'threshold-from-0', 90);
    assert.deepEqual((await selectedJson(page)).thresholds, [{ from: 90, color: '#d97706' }, { from: 85, color: '#dc2626' }]);
    await page.click('[data-testid="builder-json"]');
    assert.deepEqual((await selectedJson(page)).thresholds, [{ from: 85, color: '#dc2626' }, { from: 90, color: '#d97706' }]);
    await page.click('[data-testid="threshold-remove-1"]');
    await page.click('[data-testid="threshold-add"]');
    await setField(page, 'threshold-color-1', '#16a34a');
    await setField(page, 'threshold-from-1', 60);
    await page.click('[data-testid="builder-json"]');
    assert.deepEqual((await selectedJson(page)).thresholds, [{ from: 60, color: '#16a34a' }, { from: 85, color: '#dc2626' }]);
    const lamp = await dropPath(page, '/pump/running', 30, 90);
    assert.equal(await page.getAttribute(box(lamp), 'data-type'), 'lamp', 'a boolean proposes a lamp');
    const table = await dropPath(page, '/devices', 30, 300);
    assert.equal(await page.getAttribute(box(table), 'data-type'), 'table', 'an array of objects proposes a table');
    // Columns through their editor: the rows' keys as checkboxes, a
    // header, a format, the order.
    await page.uncheck('[data-testid="column-check-status"]');
    await setField(page, 'column-label-name', 'Device');
    await page.click('[data-testid="column-up-name"]');
    await page.selectOption('[data-testid="column-format-id"]', 'number');
    await page.check('[data-testid="column-check-status"]');
    assert.deepEqual((await selectedJson(page)).columns,
        [{ key: 'name', label: 'Device' }, { key: 'id', format: 'number' }, { key: 'status' }]);
    await waitText(frame, w(table, 'thead th:first-child'), 'Device');
    await editJson(page, t => ({ ...t, rowAction: { label: 'Ack', send: { name: 'device.acknowledge', data: { id: '{{row.id}}' } } } }));

    // Another kind that fits, picked in the property panel.
    const value = await dropPath(page, '/level/value', 30, 90);
    await page.selectOption('[data-testid="builder-type"]', 'value');
    assert.equal(await page.getAttribute(box(value), 'data-type'), 'value');
    const trend = await dropPath(page, '/level/value', 30, 300);
    await page.selectOption('[data-testid="builder-type"]', 'trend');
    const setpoint = await dropPath(page, '/level/setpoint', 30, 90);
    await page.selectOption('[data-testid="builder-type"]', 'setpoint');
    await editJson(page, s => ({ ...s, max: 100, send: { name: 'level.setpoint', data: { value: '{{value}}' } } }));
    const button = await dropPath(page, '/alarm', 30, 90);
    await page.selectOption('[data-testid="builder-type"]', 'button');
    await editJson(page, b => ({ ...b, label: 'Reset', send: { name: 'alarm.reset', data: { at: '{{now}}' } } }));

    // The canvas is the dashboard itself, drawn with the live state.
    await waitText(frame, w(value, '.number'), '42.5');
    await waitText(frame, w(lamp, '.lamp-label'), /\S/);
    await waitText(frame, w(gauge, '.gauge-value .number'), '42.5');

    // Layout: the keyboard nudges and undoes; copy and paste; a path that
    // is not in the state marks its widget.
    const x0 = (await page.locator(box(value)).boundingBox()).x;
    await page.click(box(value));
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(([s, x]) => document.querySelector(s).getBoundingClientRect().x > x + 20, [box(value), x0]);
    await page.keyboard.press('Control+z');
    await page.waitForFunction(([s, x]) => Math.abs(document.querySelector(s).getBoundingClientRect().x - x) < 2, [box(value), x0]);
    // A band drawn on the empty canvas selects what it touches; Shift adds.
    await band(page, box(gauge), box(lamp));
    assert.deepEqual(await selectedIds(page), [gauge, lamp].sort(), 'the band selects the widgets it touches');
    await band(page, box(value), box(value), { shift: true });
    assert.deepEqual(await selectedIds(page), [gauge, lamp, value].sort(), 'Shift adds to the selection');
    await page.keyboard.press('Escape');
    await page.click(box(value));
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    const copies = await page.locator('[data-testid="builder-box"]').count();
    assert.equal(copies, 8, 'the pasted copy');
    await page.fill('[data-testid="builder-field-path"]', '/nowhere');
    await page.press('[data-testid="builder-field-path"]', 'Enter');
    await page.waitForSelector('[data-testid="builder-box"].missing', { timeout: WAIT_MS });
    await page.click('[data-testid="builder-canvas"]', { position: { x: 5, y: 5 } });
    await page.click('[data-testid="builder-undo"]');
    await page.click('[data-testid="builder-undo"]');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="builder-box"]').length === 7);
    await fromClientPane(page, studio);
    // For the README (scripts/update-screenshots.sh).
    fs.mkdirSync(screenshots, { recursive: true });
    await page.click(box(trend));
    await page.screenshot({ path: path.join(screenshots, 'builder.png') });
    return { gauge, lamp, table, value, trend, setpoint, button };
}

/** How many points the trend's first line has. */
function trendPoints(page, id) {
    return page.evaluate(s => (document.querySelector(s)?.getAttribute('points') ?? '').split(' ').filter(Boolean).length,
        w(id, 'polyline'));
}

/** Opens the built dashboard at `url` against `backend` and checks it. */
async function exercise(url, backend, ids, label) {
    const { page, problems } = await pageWithProblems(suite);
    try {
        await page.goto(url);
        await waitText(page, '.status', 'connected');
        await waitText(page, w(ids.value, '.number'), '42.5');
        await waitText(page, w(ids.gauge, '.gauge-value .number'), '42.5');
        await waitText(page, w(ids.lamp, '.lamp-label'), /\S/);
        await waitText(page, w(ids.setpoint, '.value .number'), '60');
        assert.equal(await page.$$eval('.widget.unbound', els => els.length), 0, 'every widget is bound');

        const pointsBefore = await trendPoints(page, ids.trend);
        for (const [i, v] of [61.5, 64.25, 70, 77.5].entries()) {
            await backend.set(['level', 'value'], v);
            await waitText(page, w(ids.value, '.number'), v.toFixed(1));
            if (i === 0) await page.waitForTimeout(300);
        }
        await waitText(page, w(ids.gauge, '.gauge-value .number'), '77.5');
        // 77.5: the threshold from 60 up colours the gauge.
        assert.equal(await page.getAttribute(w(ids.gauge, 'path.level'), 'stroke'), '#16a34a');
        await waitText(page, w(ids.table, 'thead th:first-child'), 'Device');
        assert.ok(await trendPoints(page, ids.trend) > pointsBefore, 'the trend gained points');
        const lampBefore = await page.textContent(w(ids.lamp, '.lamp-label'));
        await backend.set(['pump', 'running'], false);
        await page.waitForFunction(([s, t]) => document.querySelector(s)?.textContent !== t, [w(ids.lamp, '.lamp-label'), lampBefore]);
        await backend.set(['devices', 3], { id: 4, name: 'Valve 2', status: 'closed' });
        await page.waitForSelector(w(ids.table, 'tbody tr:nth-child(4)'), { timeout: WAIT_MS });

        await page.fill(w(ids.setpoint, 'input'), '75');
        await page.click(w(ids.setpoint, 'button'));
        await waitText(page, w(ids.setpoint, '.answer'), '✓ {"setpoint":75}');
        await waitText(page, w(ids.setpoint, '.value .number'), '75');
        // Typed and sent in one go, before the renderer took the keystroke.
        await page.evaluate(sel => {
            const input = document.querySelector(sel);
            input.value = '76';
            input.dispatchEvent(new Event('input', {bubbles: true}));
            input.form.requestSubmit();
        }, w(ids.setpoint, 'input'));
        await waitText(page, w(ids.setpoint, '.answer'), '✓ {"setpoint":76}');
        await page.click(w(ids.button, 'button'));
        await waitText(page, w(ids.button, '.answer'), /^✓ \{"reset":true,"at":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/);
        await page.click(w(ids.table, 'tbody tr:nth-child(2) button'));
        await waitText(page, w(ids.table, '.answer'), '✓ {"acknowledged":2}');
        assert.deepEqual(problems, [], `${label}: the page logged errors`);
        if (label === 'studio-0.6') {
            fs.mkdirSync(screenshots, { recursive: true });
            await page.screenshot({ path: path.join(screenshots, 'built-dashboard.png') });
        }
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, `builder-ui-${label}-failure.png`) }).catch(() => {});
        throw new Error(`${label}: ${e.message}\npage problems: ${JSON.stringify(problems)}`, { cause: e });
    } finally {
        await page.close();
    }
}

/** The folder served by the reference server of `generation`. */
async function exerciseReference(dir, generation, ids) {
    const reference = await startReference(generation, dir, cleanups);
    await exercise(reference.url, reference, ids, `reference-${generation}`);
}

test('the Builder pane builds a dashboard from the State tree that the studio and the reference serve', { timeout: 300000 }, async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-builder-ui-'));
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = newFolder(parent, '0.6');
    fs.writeFileSync(path.join(dir, 'web', 'notes.md'), 'mine\n');
    const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'), '--ui',
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'juggler', 'control', 'ui']);
    const control = await openControl(studio.control, cleanups);

    const { page, problems } = await pageWithProblems(suite);
    let ids;
    try {
        await page.goto(studio.ui);
        ids = await build(page, studio);
        await page.click('[data-testid="builder-save"]');
        const file = path.join(dir, 'web', 'dashboard.json');
        await page.waitForFunction(() => !document.querySelector('[data-testid="builder-save"]').textContent.includes('•'));
        const saved = fs.readFileSync(file, 'utf8');
        assert.match(execFileSync(studioBin, ['check', file], { encoding: 'utf8' }), /ok \(dashboard version 1, 7 widgets\)/);
        assert.equal(fs.readFileSync(path.join(dir, 'web', 'notes.md'), 'utf8'), 'mine\n', 'other files are left alone');
        // Saved again unchanged, and reopened: the same bytes, the same layout.
        const mtime = fs.statSync(file).mtimeMs;
        await page.click('[data-testid="builder-reopen"]');
        await page.waitForFunction(() => document.querySelectorAll('[data-testid="builder-box"]').length === 7);
        await page.click('[data-testid="builder-save"]');
        await page.waitForSelector('text=already holds this dashboard', { timeout: WAIT_MS });
        assert.equal(fs.readFileSync(file, 'utf8'), saved);
        assert.equal(fs.statSync(file).mtimeMs, mtime);
        // A file changed behind the builder's back is not overwritten.
        fs.writeFileSync(file, `${saved}\n`);
        await page.click(box(ids.value));
        await page.keyboard.press('ArrowDown');
        await page.click('[data-testid="builder-save"]');
        await page.waitForSelector('text=changed on disk', { timeout: WAIT_MS });
        assert.equal(fs.readFileSync(file, 'utf8'), `${saved}\n`);
        fs.writeFileSync(file, saved);
        // The canvas's page asked for dashboard.json before there was one.
        assert.deepEqual(problems.filter(p => !p.includes('404 (Not Found)')), [], 'the studio UI threw');
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, 'builder-ui-failure.png') }).catch(() => {});
        throw e;
    } finally {
        await page.close();
    }

    // (a) served by the studio, (b) by the reference, each generation.
    await exercise(studio.dashboard, { set: (p, value) => control.send('state.set', { path: p, value }) }, ids, 'studio-0.6');
    await exerciseReference(dir, '0.6', ids);
    const dir07 = newFolder(parent, '0.7');
    fs.copyFileSync(path.join(dir, 'web', 'dashboard.json'), path.join(dir07, 'web', 'dashboard.json'));
    const studio07 = await startStudio(studioBin, ['serve', path.join(dir07, 'workspace.json'),
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
    const control07 = await openControl(studio07.control, cleanups);
    await exercise(studio07.dashboard, { set: (p, value) => control07.send('state.set', { path: p, value }) }, ids, 'studio-0.7');
    await exerciseReference(dir07, '0.7', ids);
});
