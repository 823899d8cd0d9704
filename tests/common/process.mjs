// Starting the programs under test (juggler-studio, the reference server)
// for the browser test suites: a child process whose stdout says when it
// is ready, stopped (SIGTERM, then SIGKILL) by the suite's cleanups.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';

/**
 * Starts `cmd args`; resolves once `ready(line, found)` is true for a line
 * of its stdout (it may fill `found`). `stdin: 'pipe'` keeps its standard
 * input open for the caller (`proc.stdin`); `cwd` is its working folder.
 * Returns `{proc, log, ...found}`; `log` holds stdout and stderr. Rejects,
 * with the log, when the program exits or is not ready in 30 s.
 */
export async function startProcess(cmd, args, cleanups, { ready, what, env = process.env, stdin = 'ignore', cwd }) {
    const proc = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'], env, cwd });
    const log = [];
    const exited = new Promise(resolve => proc.on('exit', resolve));
    cleanups.push(async () => {
        if (proc.exitCode === null && proc.signalCode === null) {
            proc.kill('SIGTERM');
            const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
            await exited;
            clearTimeout(timer);
        }
    });
    createInterface({ input: proc.stderr }).on('line', line => log.push(line));
    const found = {};
    await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(
            `${what} was not ready in 30 s:\n${log.join('\n')}`)), 30000);
        proc.on('error', e => { clearTimeout(timer); reject(e); });
        proc.on('exit', code => {
            clearTimeout(timer);
            reject(new Error(`${what} exited with ${code}:\n${log.join('\n')}`));
        });
        createInterface({ input: proc.stdout }).on('line', line => {
            log.push(line);
            if (ready(line, found)) { clearTimeout(timer); resolve(); }
        });
    });
    return { proc, log, ...found };
}

/**
 * Starts `juggler-studio ARGS` and resolves once it printed each of the
 * addresses `labels` (`dashboard`, `juggler`, `control`, `ui`), as
 * `{proc, log, dashboard, juggler, control, ui}`.
 */
export function startStudio(bin, args, cleanups, labels) {
    return startProcess(bin, args, cleanups, {
        what: 'juggler-studio',
        env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info' },
        ready(line, found) {
            const m = /^\s*(dashboard|juggler|control|ui):\s*(\S+)\s*$/.exec(line);
            if (m) found[m[1]] = m[2];
            return labels.every(l => found[l]);
        },
    });
}

/** A loopback port free right now (for programs that need a number, as the
 * reference server). */
export function freePort() {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.on('error', reject);
        srv.listen(0, '127.0.0.1', () => {
            const { port } = srv.address();
            srv.close(() => resolve(port));
        });
    });
}
