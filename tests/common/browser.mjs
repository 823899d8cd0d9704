// Headless Debian Chromium for the browser test suites, through the
// suite's own playwright-core (each suite folder has its node_modules, so
// the caller passes its `chromium`): the flags this machine needs (no
// sandbox as root, no background networking on a closed network) and a
// fresh profile removed by the suite's cleanups.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function launchChromium(chromium, executablePath, cleanups, { prefix = 'juggler-chromium-', viewport } = {}) {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    cleanups.push(() => fs.rmSync(userDataDir, { recursive: true, force: true }));
    return chromium.launchPersistentContext(userDataDir, {
        executablePath,
        headless: true,
        ...(viewport ? { viewport } : {}),
        args: [
            ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
            '--disable-gpu', '--disable-quic', '--no-first-run',
            '--disable-background-networking', '--disable-component-update', '--disable-sync',
        ],
    });
}
