#!/usr/bin/env node
// The studio UI benchmark: `juggler-studio serve --ui` in headless Chromium
// (playwright-core, Debian's /usr/bin/chromium) under big states and bursts,
// measured with the browser's own timeline. Not a test: it reports numbers
// and whether they meet the targets, and writes them into the UI section of
// BENCHMARKS.md. See `bench/ui/README.md`.
//
//   npm ci --prefix bench/ui && node bench/ui/run.mjs
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Node 20 has WebSocket behind a flag: run again with it.
if (typeof WebSocket === 'undefined') {
    const r = spawnSync(process.execPath, ['--experimental-websocket', ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
}

const { chromium } = await import('playwright-core');
const { SCENARIOS, runScenario } = await import('./scenarios.mjs');
const { renderSection, writeSection } = await import('./report.mjs');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

const USAGE = `usage: node bench/ui/run.mjs [options]

  --runs N          runs of each scenario (default 3)
  --records N       records of the big state (default 100000, about 10.8 MB)
  --seconds S       seconds of 100 leaf changes a second (default 10)
  --requests N      requests of the traffic burst (default 100000)
  --only A[,B…]     only these scenarios: ${SCENARIOS.join(', ')}
  --no-build        use the existing builds (ui/dist, release juggler-studio and bench_server)
  --out FILE        write the section into FILE instead of BENCHMARKS.md
  --ui-dir DIR      serve this built UI (default ui/dist, built first)

A run with the defaults writes its section of BENCHMARKS.md; any other
writes target/bench/ui.md (unless --out says otherwise).`;

function parseArgs(argv) {
    const o = { runs: 3, records: 100000, seconds: 10, requests: 100000, only: SCENARIOS, build: true, out: null, uiDir: null };
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        const next = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        const num = () => {
            const n = Number(next());
            if (!Number.isFinite(n) || n <= 0) throw new Error(`${a} takes a positive number`);
            return n;
        };
        if (a === '--runs') o.runs = num();
        else if (a === '--records') o.records = num();
        else if (a === '--seconds') o.seconds = num();
        else if (a === '--requests') o.requests = num();
        else if (a === '--only') {
            o.only = next().split(',');
            for (const s of o.only) if (!SCENARIOS.includes(s)) throw new Error(`no scenario ${s}: ${SCENARIOS.join(', ')}`);
        } else if (a === '--no-build') o.build = false;
        else if (a === '--out') o.out = path.resolve(next());
        else if (a === '--ui-dir') o.uiDir = path.resolve(next());
        else if (a === '--help' || a === '-h') {
            console.log(USAGE);
            process.exit(0);
        } else throw new Error(`unknown option ${a}\n${USAGE}`);
    }
    o.full = o.runs >= 3 && o.records === 100000 && o.seconds === 10 && o.requests === 100000 && o.only.length === SCENARIOS.length && !o.uiDir;
    return o;
}

function build() {
    const run = (cmd, args) => {
        console.log(`$ ${cmd} ${args.join(' ')}`);
        execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
    };
    run('npm', ['--prefix', 'ui', 'run', 'build', '--silent']);
    run('cargo', ['build', '--release', '-p', 'studio', '--bin', 'juggler-studio']);
    run('cargo', ['build', '--release', '-p', 'juggler', '--example', 'bench_server']);
}

function machine() {
    const cpus = os.cpus();
    let chromiumVersion = '?';
    try {
        chromiumVersion = execFileSync(process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
        /* reported as unknown */
    }
    let commit = '?';
    try {
        commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
        if (execFileSync('git', ['status', '--porcelain', '--', 'ui/src', 'crates/studio/src'], { cwd: root, encoding: 'utf8' }).trim()) {
            commit += ' (with uncommitted changes)';
        }
    } catch {
        /* not a git checkout */
    }
    return {
        cpus: cpus.length,
        cpuModel: cpus[0]?.model ?? '?',
        memGiB: os.totalmem() / 2 ** 30,
        chromium: chromiumVersion,
        node: process.version,
        commit,
        date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
    };
}

async function main() {
    let opts;
    try {
        opts = parseArgs(process.argv.slice(2));
    } catch (e) {
        console.error(String(e.message));
        process.exit(2);
    }
    if (opts.build) build();
    const bins = {
        studio: process.env.JUGGLER_STUDIO ?? path.join(root, 'target', 'release', 'juggler-studio'),
        benchServer: process.env.JUGGLER_BENCH_SERVER ?? path.join(root, 'target', 'release', 'examples', 'bench_server'),
        uiDir: opts.uiDir ?? path.join(root, 'ui', 'dist'),
        chromium: process.env.CHROMIUM ?? '/usr/bin/chromium',
    };
    const needed = { studio: bins.studio, uiDir: bins.uiDir, chromium: bins.chromium };
    if (opts.only.includes('client')) needed.benchServer = bins.benchServer;
    for (const [what, p] of Object.entries(needed)) {
        if (!fs.existsSync(p)) {
            console.error(`${what}: ${p} is missing; run without --no-build (or build it)`);
            process.exit(2);
        }
    }
    const results = {};
    for (const name of opts.only) {
        results[name] = [];
        for (let run = 1; run <= opts.runs; run++) {
            console.log(`\n== ${name}, run ${run}/${opts.runs}`);
            const r = await runScenario(name, { ...opts, bins, chromium });
            console.log(JSON.stringify(r, null, 1));
            results[name].push(r);
        }
    }
    const raw = path.join(root, 'target', 'bench', 'ui-results.json');
    fs.mkdirSync(path.dirname(raw), { recursive: true });
    fs.writeFileSync(raw, JSON.stringify({ opts, results }, null, 1));
    console.log(`every run's numbers: ${path.relative(process.cwd(), raw)}`);
    const section = renderSection({ opts, machine: machine(), results });
    console.log('\n' + section);
    const out = opts.out ?? (opts.full ? path.join(root, 'BENCHMARKS.md') : path.join(root, 'target', 'bench', 'ui.md'));
    writeSection(out, section);
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
}

await main();
