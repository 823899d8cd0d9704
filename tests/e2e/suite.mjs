// What the dashboard suites that run the reference back end share: the
// programs under test (from the environment, else the repository's
// builds), and one headless Chromium per suite with its cleanups.
//
// Environment: JUGGLER_STUDIO (default target/debug/juggler-studio),
// CHROMIUM (default /usr/bin/chromium), REFERENCE_PYTHON (hat-juggler 0.6,
// default .venv/ref06/bin/python) and REFERENCE_PYTHON_07 (hat-juggler
// 0.7, default .venv/ref07/bin/python).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { launchChromium } from '../common/browser.mjs';
import { freePort, startProcess } from '../common/process.mjs';

export const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
export const studioBin = process.env.JUGGLER_STUDIO ?? path.join(root, 'target', 'debug', 'juggler-studio');
export const chromiumBin = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const pythons = {
    '0.6': process.env.REFERENCE_PYTHON ?? path.join(root, '.venv', 'ref06', 'bin', 'python'),
    '0.7': process.env.REFERENCE_PYTHON_07 ?? path.join(root, '.venv', 'ref07', 'bin', 'python'),
};
export const artifacts = path.join(here, 'artifacts');
export const WAIT_MS = 15000;

/** Registers the suite's hooks: the programs must be there, Chromium is
 * started before the tests and everything in `suite.cleanups` runs after
 * them. Returns `suite` ({context, cleanups}). */
export function browserSuite(launchOptions) {
    const suite = { context: null, cleanups: [] };
    before(async () => {
        for (const [file, fix] of [[studioBin, "run 'cargo build -p studio --bin juggler-studio'"],
                                   [chromiumBin, 'apt-get install chromium'],
                                   ...Object.values(pythons).map(p => [p, 'run scripts/test.sh once: it makes .venv/ref06 and .venv/ref07'])]) {
            assert.ok(fs.existsSync(file), `${file} is missing: ${fix}`);
        }
        suite.context = await launchChromium(chromium, chromiumBin, suite.cleanups, launchOptions);
    });
    after(async () => {
        await suite.context?.close();
        for (const f of suite.cleanups.reverse()) await f();
    });
    return suite;
}

/** A new page of `suite` and the list its errors (thrown, or logged as
 * errors) are collected in. */
export async function pageWithProblems(suite) {
    const page = await suite.context.newPage();
    const problems = [];
    page.on('pageerror', e => problems.push(`pageerror: ${e}`));
    page.on('console', m => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    return { page, problems };
}

/** The reference back end of a builder folder (reference_dashboard.py) on
 * hat-juggler `generation`: its address and a backend {set, notify}. */
export async function startReference(generation, dir, cleanups) {
    const port = await freePort();
    const reference = await startProcess(pythons[generation],
        [path.join(here, 'reference_dashboard.py'), dir, String(port)], cleanups, {
            ready: line => line.startsWith('serving '),
            what: `the reference back end (hat-juggler ${generation})`,
            stdin: 'pipe',
        });
    const command = c => reference.proc.stdin.write(JSON.stringify(c) + '\n');
    return {
        url: `http://127.0.0.1:${port}/`,
        set: (p, value) => command({ set: [p, value] }),
        notify: (name, data) => command({ notify: [name, data] }),
    };
}

/** What `juggler-studio new` puts beside the page and no browser may read:
 * the back end, the workspace, the README, the user's virtual environment
 * (the README makes `.venv/` there). */
export const PROJECT_FILES = ['server.py', 'workspace.json', 'workspace.schema.json', 'README.md', '.gitignore',
    '.venv/pyvenv.cfg'];

/** Makes the `.venv/pyvenv.cfg` the README has the user create in `dir`. */
export function makeVenv(dir) {
    fs.mkdirSync(path.join(dir, '.venv'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.venv', 'pyvenv.cfg'), 'home = /usr/bin\n');
}

/** Checks that the server at `base` answers 404 for each of the project's
 * own files and 200 for the page's `pageFiles`. */
export async function assertOnlyThePageServed(base, label, pageFiles) {
    for (const [files, status] of [[PROJECT_FILES, 404], [pageFiles, 200]]) {
        for (const file of files) {
            const res = await fetch(new URL(file, base));
            await res.arrayBuffer();
            assert.equal(res.status, status, `${label}: GET /${file} answered ${res.status}`);
        }
    }
}

/** Turns a project of `juggler-studio new` into the layout it had before the
 * page had its own folder: the page at the top level, the workspace's
 * `staticDir` ".", `server.py` serving its own folder. */
export function toOldLayout(dir) {
    const web = path.join(dir, 'web');
    for (const name of fs.readdirSync(web)) fs.renameSync(path.join(web, name), path.join(dir, name));
    fs.rmdirSync(web);
    const workspace = path.join(dir, 'workspace.json');
    const ws = fs.readFileSync(workspace, 'utf8');
    assert.match(ws, /"staticDir": "web"/);
    fs.writeFileSync(workspace, ws.replace('"staticDir": "web"', '"staticDir": "."'));
    const server = path.join(dir, 'server.py');
    const py = fs.readFileSync(server, 'utf8');
    assert.match(py, /static_dir=STATIC_DIR,/);
    fs.writeFileSync(server, py.replace('static_dir=STATIC_DIR,', 'static_dir=HERE,'));
}
