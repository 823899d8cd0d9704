// The benchmark's load: the dashboard folder and the state changes that
// drive it (run.mjs measures, profile.mjs profiles).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { change, dashboard, initialState } from './dashboard.mjs';

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

/** A builder dashboard folder for `generation` holding the benchmark's
 * dashboard and state; checked by `juggler-studio check`. With
 * `runtimeFrom`, its runtime/ is that folder's (the sources, not the
 * binary's copy). */
export function makeFolder(studioBin, generation, widgets, cleanups, { runtimeFrom = null } = {}) {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-runtime-bench-'));
    cleanups.push(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    execFileSync(studioBin, ['new', dir, '--builder', '--generation', generation], { stdio: 'ignore' });
    if (runtimeFrom) fs.cpSync(runtimeFrom, path.join(dir, 'runtime'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'dashboard.json'), JSON.stringify(dashboard(widgets), null, 2) + '\n');
    const wsFile = path.join(dir, 'workspace.json');
    const ws = JSON.parse(fs.readFileSync(wsFile, 'utf8'));
    // Every change goes out at once: the page sees each of them.
    ws.server.autoflush = 0;
    ws.initialState = initialState(widgets);
    fs.writeFileSync(wsFile, JSON.stringify(ws, null, 2) + '\n');
    execFileSync(studioBin, ['check', path.join(dir, 'dashboard.json')], { stdio: 'ignore' });
    return dir;
}

/** Sends `count` changes at `rate` a second from change number `first`;
 * at most 64 in flight, so that a slow studio slows the load instead of
 * queueing it. */
export async function drive(control, changes, widgets, first, count, rate) {
    const start = performance.now();
    const inFlight = new Set();
    for (let k = 0; k < count; k++) {
        const due = start + k * 1000 / rate;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        if (inFlight.size >= 64) await Promise.race(inFlight);
        const p = control.send('state.patch', { diff: change(changes, first + k, widgets) })
            .finally(() => inFlight.delete(p));
        inFlight.add(p);
    }
    await Promise.all(inFlight);
}
