// `juggler-studio new DIR --generation G`, as a new user would use it: the
// folder it writes is served by `juggler-studio serve DIR/workspace.json`
// and, unchanged, by the reference Python server of the same generation
// (the folder's own server.py on hat-juggler 0.6.x / 0.7.x, started from
// another working folder); in headless Chromium the page shows the same
// state from both, its button's request is answered and its effect shows,
// and the page logs no error. Both serve only the page's folder (web/):
// server.py, the workspace, the README, .gitignore and .venv/ answer 404.
// A project made before web/ (the page at the top level) still works.
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
import {
    WAIT_MS, artifacts, assertOnlyThePageServed, browserSuite, makeVenv, pageWithProblems, pythons, studioBin, toOldLayout,
} from './suite.mjs';

const suite = browserSuite({ prefix: 'juggler-new-chromium-' });
const { cleanups } = suite;

/** What the page shows of the state, once it shows it. */
async function shown(page) {
    await page.waitForSelector('#level-value', { timeout: WAIT_MS });
    await page.waitForFunction(() => document.querySelector('.status')?.textContent === 'connected',
        null, { timeout: WAIT_MS });
    return page.evaluate(() => ({
        title: document.getElementById('title').textContent,
        level: document.getElementById('level-value').textContent,
        devices: [...document.querySelectorAll('#devices tbody tr')].map(tr =>
            [...tr.querySelectorAll('td')].slice(0, 2).map(td => td.querySelector('.pill')?.textContent ?? td.textContent)),
    }));
}

/** Opens the dashboard at `url`, checks what it shows, presses the second
 * device's Acknowledge and waits for the answer and its effect. */
async function exercise(url, label) {
    const { page, problems } = await pageWithProblems(suite);
    try {
        await page.goto(url);
        const seen = await shown(page);
        await page.click('#devices tbody tr:nth-child(2) button');
        await page.waitForSelector('#devices tbody tr:nth-child(2) .acknowledged', { timeout: WAIT_MS });
        const answer = await page.textContent('#answer');
        assert.match(answer, /device\.acknowledge → \{"acknowledged":2\}/);
        assert.deepEqual(problems, [], `${label}: the page logged errors`);
        return seen;
    } catch (e) {
        fs.mkdirSync(artifacts, { recursive: true });
        await page.screenshot({ path: path.join(artifacts, `new-${label}-failure.png`) }).catch(() => {});
        throw e;
    } finally {
        await page.close();
    }
}

/** The page's files, as `new` writes them. */
const PAGE_FILES = ['', 'index.html', 'app.js', 'style.css', 'vendor/@hat-open/juggler/index.js',
    'vendor/@hat-open/juggler/LICENSE'];

/** Starts the project's own server.py on hat-juggler `generation`, from a
 * working folder that is not the project's; resolves with its address. */
async function startServerPy(generation, dir) {
    const port = await freePort();
    await startProcess(pythons[generation], [path.join(dir, 'server.py'), '--port', String(port)], cleanups, {
        ready: line => line.startsWith('serving '), what: `the reference back end (hat-juggler ${generation})`,
        cwd: os.tmpdir(),
    });
    return `http://127.0.0.1:${port}/`;
}

/** A new project of `generation` titled 'Tank farm' in a fresh folder. */
function newProject(generation) {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-new-'));
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    const out = execFileSync(studioBin, ['new', dir, '--generation', generation, '--name', 'Tank farm'],
        { encoding: 'utf8' });
    assert.match(out, /Created .*dash/);
    return { parent, dir };
}

for (const generation of ['0.6', '0.7']) {
    test(`new --generation ${generation}: served by the studio and by the reference, the same page works`, { timeout: 120000 }, async () => {
        const { parent, dir } = newProject(generation);
        makeVenv(dir);
        const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'web', 'vendor', '@hat-open', 'juggler', 'package.json'), 'utf8'));
        assert.equal(manifest.version, generation === '0.6' ? '0.6.18' : '0.7.0');

        const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
            '--port', '0', '--control-port', '0'], cleanups, ['dashboard']);
        await assertOnlyThePageServed(studio.dashboard, `studio-${generation}`, PAGE_FILES);
        const fromStudio = await exercise(studio.dashboard, `studio-${generation}`);
        assert.equal(fromStudio.title, 'Tank farm');
        assert.equal(fromStudio.level, '42.5');
        assert.deepEqual(fromStudio.devices, [['Pump 1', 'running'], ['Pump 2', 'alarm'], ['Valve 1', 'open']]);

        // The same folder, unchanged, behind the reference of its generation.
        const before = fs.readdirSync(dir, { recursive: true }).sort();
        const reference = await startServerPy(generation, dir);
        await assertOnlyThePageServed(reference, `reference-${generation}`, PAGE_FILES);
        const fromReference = await exercise(reference, `reference-${generation}`);
        assert.deepEqual(fromReference, fromStudio, 'the same state from both');
        assert.deepEqual(fs.readdirSync(dir, { recursive: true }).sort(), before, 'the folder is served as it is');

        // Told nothing of the generation, the studio tells it from the
        // reference: connect and record, and the proxy, whose browser side
        // then speaks it, so the page works behind the proxy unchanged.
        const ws = `${reference.replace('http:', 'ws:')}ws`;
        const answer = execFileSync(studioBin, ['connect', ws, '--json', '--send', 'device.acknowledge', '{"id": 3}'],
            { encoding: 'utf8' });
        assert.deepEqual(JSON.parse(answer), { acknowledged: 3 });
        const recording = path.join(parent, 'session.ndjson');
        execFileSync(studioBin, ['record', ws, '--out', recording, '--duration', '1'], { encoding: 'utf8', stdio: 'pipe' });
        const header = JSON.parse(fs.readFileSync(recording, 'utf8').split('\n')[0]);
        assert.equal(header.generation, generation, JSON.stringify(header));

        const proxy = await startStudio(studioBin, ['proxy', ws, '--static-dir', path.join(dir, 'web'), '--port', '0', '--control-port', '0'],
            cleanups, ['dashboard', 'control']);
        const fromProxy = await exercise(proxy.dashboard, `proxy-${generation}`);
        assert.deepEqual(fromProxy.devices, fromStudio.devices);
        assert.equal(fromProxy.level, fromStudio.level);
        const control = await openControl(proxy.control, cleanups);
        const requests = await control.send('traffic.query', { filter: { kinds: ['request'], name: 'device.acknowledge' } });
        const sides = new Set(requests.map(e => e.peer?.proxy?.side));
        assert.ok(sides.has('browser') && sides.has('upstream'), `both sides logged: ${JSON.stringify(requests)}`);
    });
}

test('a project made before web/ (its page at the top level) is served as before, and new --force completes it in place', { timeout: 120000 }, async () => {
    const { dir } = newProject('0.7');
    toOldLayout(dir);
    const studio = await startStudio(studioBin, ['serve', path.join(dir, 'workspace.json'),
        '--port', '0', '--control-port', '0'], cleanups, ['dashboard']);
    const fromStudio = await exercise(studio.dashboard, 'old-layout-studio');
    assert.equal(fromStudio.level, '42.5');
    const fromReference = await exercise(await startServerPy('0.7', dir), 'old-layout-reference');
    assert.deepEqual(fromReference, fromStudio);

    fs.rmSync(path.join(dir, 'style.css'));
    const out = execFileSync(studioBin, ['new', dir, '--force', '--generation', '0.7'], { encoding: 'utf8' });
    assert.match(out, /Created .*: 1 files/);
    assert.ok(fs.existsSync(path.join(dir, 'style.css')), 'the missing stylesheet is back where the page has it');
    assert.ok(!fs.existsSync(path.join(dir, 'web')), 'no second page');
});
