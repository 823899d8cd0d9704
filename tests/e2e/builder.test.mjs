// `juggler-studio new DIR --builder`: the dashboard runtime draws the
// folder's dashboard.json against the live state, served by the studio
// and, unchanged, by the reference Python server (hat.juggler.listen with
// static_dir) of the same generation, 0.6 and 0.7. In headless Chromium:
// every widget shows the state and follows its edits, the trend gains
// points, a path the state lacks marks its widget, and the toggle's,
// setpoint's, button's and table row's requests arrive with their data
// and their answers show. The studio and the folder's own server.py (run
// from another working folder) serve only the page's folder (web/): the
// back end, workspace, README, .gitignore and .venv/ answer 404. A builder
// project made before web/ (the page at the top level) still checks, opens
// in the Builder and serves.
//
// Environment: see suite.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openControl } from '../common/control.mjs';
import { freePort, startProcess, startStudio } from '../common/process.mjs';
import { waitText } from './pages.mjs';
import {
    WAIT_MS, artifacts, assertOnlyThePageServed, browserSuite, makeVenv, pageWithProblems, pythons, startReference,
    studioBin, toOldLayout,
} from './suite.mjs';

const suite = browserSuite({ prefix: 'juggler-builder-chromium-', viewport: { width: 1280, height: 1000 } });
const { cleanups } = suite;

/** The widget `id`'s element, `sel` inside it. */
const w = (id, sel = '') => `[data-widget="${id}"] ${sel}`.trim();

/** How many points the trend's first line has. */
function trendPoints(page) {
    return page.evaluate(s => (document.querySelector(s)?.getAttribute('points') ?? '').split(' ').filter(Boolean).length,
        w('level-trend', 'polyline'));
}

/** Opens the dashboard at `url` and checks every widget against the
 * back end `backend` ({set(path, value), notify(name, data)}). */
async function exercise(url, backend, label) {
    const { page, problems } = await pageWithProblems(suite);
    const questions = [];
    page.on('dialog', d => { questions.push(d.message()); d.accept(); });
    try {
        await page.goto(url);
        await waitText(page, '.status', 'connected');
        // The state as the workspace starts it.
        await waitText(page, w('level', '.number'), '42.5');
        await waitText(page, w('level-gauge', '.gauge-value .number'), '43');
        await waitText(page, w('pump-running', '.lamp-label'), 'running');
        await waitText(page, w('alarm', '.lamp-label'), 'alarm');
        await waitText(page, w('setpoint', '.value .number'), '60');
        assert.equal(await page.getAttribute(w('pump-switch', '.switch'), 'aria-checked'), 'true');
        assert.deepEqual(await page.$$eval(w('devices', 'tbody tr'), rows => rows.map(r => r.cells[0].textContent)),
            ['Pump 1', 'Pump 2', 'Valve 1']);
        assert.equal(await page.$$eval('.widget.unbound', els => els.length), 0, 'every widget is bound');

        // Edits of the state show in every widget; the trend gains points.
        const pointsBefore = await trendPoints(page);
        for (const [i, v] of [61.5, 64.25, 70, 77.5].entries()) {
            await backend.set(['level', 'value'], v);
            await waitText(page, w('level', '.number'), v.toFixed(1));
            if (i === 0) await page.waitForTimeout(300);
        }
        await waitText(page, w('level-gauge', '.gauge-value .number'), '78');
        await waitText(page, w('level-trend', '.legend li:first-child .number'), '77.5');
        assert.ok(await trendPoints(page) > pointsBefore, 'the trend gained points');
        await backend.set(['pump', 'running'], false);
        await waitText(page, w('pump-running', '.lamp-label'), 'stopped');
        await page.waitForSelector(`${w('pump-switch', '.switch')}[aria-checked="false"]`, { timeout: WAIT_MS });
        await backend.set(['devices', 3], { id: 4, name: 'Valve 2', status: 'closed' });
        await waitText(page, w('devices', 'tbody tr:nth-child(4) td:nth-child(2)'), 'closed');
        await backend.set(['acknowledged'], { id: 9 });
        await waitText(page, w('acknowledged', '.json'), /"id": 9/);
        await backend.notify('alarm', { device: 2, text: 'Pump 2: pressure low' });
        await waitText(page, w('notifications', 'li strong'), 'alarm');
        // A path the state lacks marks the widget; the rest stay as they are.
        await backend.set(['level'], { value: 77.5, unit: '%' });
        await page.waitForSelector(`${w('setpoint')}.unbound`, { timeout: WAIT_MS });
        await waitText(page, w('setpoint', '.unbound-note'), 'no value at /level/setpoint');
        await backend.set(['level', 'setpoint'], 60);
        await page.waitForSelector(`${w('setpoint')}:not(.unbound)`, { timeout: WAIT_MS });

        // Requests: each arrives with the configured data, its answer shows
        // and its effect on the state too.
        await page.click(w('pump-switch', '.switch'));
        await waitText(page, w('pump-switch', '.answer'), '✓ {"running":true}');
        await waitText(page, w('pump-running', '.lamp-label'), 'running');

        await page.fill(w('setpoint', 'input'), '75');
        await page.click(w('setpoint', 'button'));
        await waitText(page, w('setpoint', '.answer'), '✓ {"setpoint":75}');
        await waitText(page, w('setpoint', '.value .number'), '75');
        await page.fill(w('setpoint', 'input'), '150');
        await page.click(w('setpoint', 'button'));
        await waitText(page, w('setpoint', '.answer'), '✗ enter 100 or less');

        await page.click(w('reset', 'button'));
        await waitText(page, w('reset', '.answer'), /^✓ \{"reset":true,"at":"\d{4}-\d\d-\d\dT[\d:.]+Z"\}$/);
        await waitText(page, w('alarm', '.lamp-label'), 'normal');
        assert.deepEqual(questions, ['Reset the high level alarm?']);

        await page.click(w('devices', 'tbody tr:nth-child(2) button'));
        await waitText(page, w('devices', '.answer'), '✓ {"acknowledged":2}');
        await waitText(page, w('acknowledged', '.json'), /"id": 2/);

        assert.deepEqual(problems, [], `${label}: the page logged errors`);
        if (process.env.E2E_SCREENSHOTS) {
            fs.mkdirSync(artifacts, { recursive: true });
            await page.screenshot({ path: path.join(artifacts, `builder-${label}.png`) });
        }
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, `builder-${label}-failure.png`) }).catch(() => {});
        throw new Error(`${label}: ${e.message}\npage problems: ${JSON.stringify(problems)}`, { cause: e });
    } finally {
        await page.close();
    }
}

/** The page's files, as `new --builder` writes them. */
const PAGE_FILES = ['', 'index.html', 'dashboard.json', 'runtime/main.js', 'vendor/@hat-open/juggler/index.js',
    'vendor/@hat-open/renderer/LICENSE'];

/** Opens the dashboard at `url` and waits until it is connected and
 * shows the level of the workspace's initial state. */
async function showsTheLevel(url, label) {
    const { page, problems } = await pageWithProblems(suite);
    try {
        await page.goto(url);
        await waitText(page, '.status', 'connected');
        await waitText(page, w('level', '.number'), '42.5');
        assert.deepEqual(problems, [], `${label}: the page logged errors`);
    } finally {
        await page.close();
    }
}

/** Every file under `dir` with its size and time. */
function listing(dir) {
    return fs.readdirSync(dir, { recursive: true }).sort().map(f => {
        const s = fs.statSync(path.join(dir, f));
        return `${f} ${s.size} ${s.mtimeMs}`;
    });
}

for (const generation of ['0.6', '0.7']) {
    test(`new --builder --generation ${generation}: the runtime draws dashboard.json, served by the studio and by the reference`, { timeout: 180000 }, async () => {
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-builder-'));
        cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
        const dir = path.join(parent, 'dash');
        const out = execFileSync(studioBin, ['new', dir, '--builder', '--generation', generation, '--name', 'Tank farm'],
            { encoding: 'utf8' });
        assert.match(out, /Created .*dash/);
        makeVenv(dir);
        const checked = execFileSync(studioBin, ['check', path.join(dir, 'web', 'dashboard.json')], { encoding: 'utf8' });
        assert.match(checked, /ok \(dashboard version 1, 11 widgets\)/);
        const before = listing(dir);

        const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
            '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
        const control = await openControl(studio.control, cleanups);
        await assertOnlyThePageServed(studio.dashboard, `studio-${generation}`, PAGE_FILES);
        await exercise(studio.dashboard, {
            set: (p, value) => control.send('state.set', { path: p, value }),
            notify: (name, data) => control.send('notify.send', { name, data }),
        }, `studio-${generation}`);

        const reference = await startReference(generation, dir, cleanups);
        await exercise(reference.url, reference, `reference-${generation}`);
        assert.deepEqual(listing(dir), before, 'the folder is served as it is');

        // The folder's own server.py, started from elsewhere.
        const port = await freePort();
        await startProcess(pythons[generation], [path.join(dir, 'server.py'), '--port', String(port)], cleanups, {
            ready: line => line.startsWith('serving '), what: `server.py (hat-juggler ${generation})`, cwd: os.tmpdir(),
        });
        const own = `http://127.0.0.1:${port}/`;
        await assertOnlyThePageServed(own, `server.py-${generation}`, PAGE_FILES);
        await showsTheLevel(own, `server.py-${generation}`);
    });
}

test('a bar gauge two rows high keeps its bar (the flex layout once shrank it to nothing)', { timeout: 60000 }, async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-builder-bar-'));
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    execFileSync(studioBin, ['new', dir, '--builder', '--name', 'Bars'], { encoding: 'utf8' });
    const file = path.join(dir, 'web', 'dashboard.json');
    const dashboard = JSON.parse(fs.readFileSync(file, 'utf8'));
    const bar = { type: 'gauge', style: 'bar', path: '/level/value', min: 0, max: 100, unit: '%', decimals: 0, w: 3, x: 0, y: 30 };
    dashboard.widgets.push({ ...bar, id: 'bar-2', title: 'Two rows', h: 2 }, { ...bar, id: 'bar-3', title: 'Three rows', x: 3, h: 3 });
    fs.writeFileSync(file, JSON.stringify(dashboard, null, 2));
    const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
    const { page, problems } = await pageWithProblems(suite);
    try {
        await page.goto(studio.dashboard);
        await waitText(page, '.status', 'connected');
        for (const id of ['bar-2', 'bar-3']) {
            // Below the fold: the runtime draws only the widgets in view.
            await page.locator(w(id)).scrollIntoViewIfNeeded();
            await waitText(page, w(id, '.gauge-value .number'), '43');
            const box = await page.$eval(w(id), el => {
                const size = sel => el.querySelector(sel).getBoundingClientRect();
                return { bar: size('.bar').height, fill: size('.fill').width / size('.bar').width };
            });
            assert.ok(box.bar >= 10, `${id}: the bar is ${box.bar}px high`);
            assert.ok(Math.abs(box.fill - 0.425) < 0.01, `${id}: the fill is ${box.fill} of the bar, not 42.5 %`);
        }
        assert.deepEqual(problems, []);
    } finally {
        await page.close();
    }
});

test('on a narrow screen the widgets stack without covering each other; the builder canvas keeps the grid', { timeout: 60000 }, async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-builder-narrow-'));
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    execFileSync(studioBin, ['new', dir, '--builder', '--name', 'Narrow'], { encoding: 'utf8' });
    const { widgets } = JSON.parse(fs.readFileSync(path.join(dir, 'web', 'dashboard.json'), 'utf8'));
    const reading = [...widgets].sort((a, b) => a.y - b.y || a.x - b.x).map(x => x.id);
    const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
    const { page, problems } = await pageWithProblems(suite);
    const boxes = () => page.$$eval('.widget', els => els.map(el => {
        const r = el.getBoundingClientRect();
        return { id: el.dataset.widget, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }));
    try {
        await page.setViewportSize({ width: 400, height: 800 });
        await page.goto(studio.dashboard);
        await waitText(page, '.status', 'connected');
        const stacked = await boxes();
        assert.equal(stacked.length, widgets.length);
        // Widgets of one grid row were drawn over each other, only the last seen.
        for (const a of stacked) {
            for (const b of stacked) {
                if (a.id < b.id) {
                    const overlap = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    assert.ok(overlap <= 0, `${a.id} and ${b.id} overlap by ${overlap}px`);
                }
            }
        }
        assert.deepEqual([...stacked].sort((a, b) => a.top - b.top).map(b => b.id), reading, 'top to bottom as on the grid');
        // Each keeps its height in grid rows.
        const row = stacked.find(b => b.id === reading[0]);
        assert.ok(row.bottom - row.top > 20, JSON.stringify(row));

        // The builder's canvas (a narrow iframe in a small window) keeps the
        // grid under its editing layer: widgets of one row side by side.
        await page.goto(`${studio.dashboard}?builder`);
        await page.waitForSelector('body.editing .widget');
        const canvas = await boxes();
        const byRow = new Map();
        for (const b of canvas) byRow.set(Math.round(b.top), (byRow.get(Math.round(b.top)) ?? 0) + 1);
        assert.ok([...byRow.values()].some(n => n > 1), `no two widgets side by side on the canvas: ${JSON.stringify(canvas)}`);
        assert.deepEqual(problems, []);
    } finally {
        await page.close();
    }
});

test('a builder project made before web/ (its page at the top level) still checks, opens in the Builder and serves', { timeout: 120000 }, async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-builder-old-'));
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    execFileSync(studioBin, ['new', dir, '--builder', '--generation', '0.7', '--name', 'Old'], { encoding: 'utf8' });
    toOldLayout(dir);
    const file = path.join(dir, 'dashboard.json');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('"/level/value"', '"/level/nope"'));
    const checked = execFileSync(studioBin, ['check', file], { encoding: 'utf8' });
    assert.match(checked, /ok \(dashboard version 1, 11 widgets\)/);
    assert.ok(checked.includes(`/level/nope is not in the initialState of ${path.join(dir, 'workspace.json')}`), checked);
    fs.writeFileSync(file, text);

    const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard', 'control']);
    const control = await openControl(studio.control, cleanups);
    const opened = await control.send('dashboard.load', {});
    assert.equal(path.resolve(opened.dir), dir);
    assert.ok(opened.runtime && opened.dashboard?.widgets.length === 11, JSON.stringify(opened).slice(0, 300));
    await showsTheLevel(studio.dashboard, 'old-layout-studio');
    const reference = await startReference('0.7', dir, cleanups);
    await showsTheLevel(reference.url, 'old-layout-reference');
});
