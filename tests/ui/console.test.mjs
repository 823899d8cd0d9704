// The Console in the Server pane: a dashboard page that throws, logs
// console.error and fails to load a module shows each, newest first, with
// its place and page, and a badge on the Server tab; Clear empties it; a
// changed script reloads the pages and the UI says how many.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, openPane, screenshot, dismissToasts, studioBin, WAIT_MS } from './harness.mjs';

let world;
before(async () => { world = await setup(); });
after(async () => world?.close());

const BROKEN = `<!doctype html>
<html><head><meta charset="utf-8"><title>broken</title></head>
<body><p>broken</p>
<script>console.error('the gauge has no value');</script>
<script type="module" src="./broken.js"></script>
<script type="module">import './missing.js';</script>
</body></html>
`;

/** A new project in a temporary folder whose web/broken.html reports
 * errors, served by a studio. */
async function brokenProject() {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-console-'));
    world.defer(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    execFileSync(studioBin, ['new', dir, '--name', 'Console'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(dir, 'web', 'broken.html'), BROKEN);
    fs.writeFileSync(path.join(dir, 'web', 'broken.js'), 'function view(s) {\n    return s.no.value;\n}\nview({});\n');
    const studio = await world.startStudio([path.join(dir, 'workspace.json')]);
    return { parent, dir, studio };
}

test("the dashboard's errors show in the Console; a reload is told", async () => {
    const { dir, studio } = await brokenProject();

    await world.withUi(studio, 'console', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'console');
        await page.getByTestId('console-empty').waitFor({ timeout: WAIT_MS });

        // A broken page of the dashboard (its errors are expected here).
        const broken = await world.context.newPage();
        world.defer(() => broken.close().catch(() => {}));
        broken.on('pageerror', () => {});
        await broken.goto(new URL('broken.html', studio.dashboard).href);

        const entries = page.getByTestId('console-entry');
        for (const level of ['error', 'uncaught', 'load']) {
            await page.locator(`[data-testid="console-entry"][data-level="${level}"]`).first().waitFor({ timeout: WAIT_MS });
        }
        const thrown = page.locator('[data-testid="console-entry"][data-level="uncaught"]');
        assert.match(await thrown.textContent(), /broken\.js:2:\d+/);
        assert.match(await page.locator('[data-testid="console-entry"][data-level="load"]').textContent(), /missing\.js/);
        const badge = Number(await page.getByTestId('console-nav-count').textContent());
        assert.ok(badge >= 3, `the Server tab's badge says ${badge}`);
        await page.getByTestId('console-pages').getByText('1 page open').waitFor({ timeout: WAIT_MS });
        // The list takes the pane's height (a 24rem box left the window blank below it).
        const list = await page.getByTestId('console-entries').boundingBox();
        assert.ok(list.height > 450, `the entries take ${list.height} px of an 800 px window`);
        await dismissToasts(page);
        await page.getByTestId('console-view').scrollIntoViewIfNeeded();
        await screenshot(page, 'console');

        // A changed script reloads the open page; the UI tells it.
        const app = path.join(dir, 'web', 'broken.js');
        fs.appendFileSync(app, '// edited\n');
        await page.getByText(/Reloaded 1 page: \/broken\.js changed/).waitFor({ timeout: WAIT_MS });
        await page.getByTestId('console-reload').getByText(/reloaded 1 page \(\/broken\.js\)/).waitFor({ timeout: WAIT_MS });

        // Closed, the page reports nothing more: Clear empties the view.
        await page.getByTestId('console-pages').getByText('1 page open').waitFor({ timeout: WAIT_MS });
        await broken.close();
        await page.getByTestId('console-pages').getByText('0 pages open').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('console-clear').click();
        await page.getByTestId('console-empty').waitFor({ timeout: WAIT_MS });
        // The tab's badge, the header and the Server pane agree: nothing
        // shown, nothing counted (the header said "13 errors" after Clear);
        // what was reported before stays named, apart.
        assert.equal(await page.getByTestId('console-nav-count').count(), 0);
        assert.equal(await page.getByTestId('console-errors').count(), 0);
        const total = (await page.getByTestId('console-total').textContent()).match(/^(\d+) since the studio started; the newest 200 of each page are kept$/);
        assert.ok(total && Number(total[1]) >= badge, `the Console's total: ${total}`);
        await openPane(page, 'server');
        assert.equal(await page.getByTestId('server-console-note').count(), 0);
    });
});

// Another workspace kept the previous project's errors: the Console's badge
// and the Server pane's note counted them as the new project's.
test('New dashboard… starts with an empty Console', async () => {
    const { parent, studio } = await brokenProject();

    await world.withUi(studio, 'console-new-dashboard', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        const broken = await world.context.newPage();
        world.defer(() => broken.close().catch(() => {}));
        broken.on('pageerror', () => {});
        await broken.goto(new URL('broken.html', studio.dashboard).href);
        await page.getByTestId('console-nav-count').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'server');
        await page.getByTestId('server-console-note').waitFor({ timeout: WAIT_MS });
        await broken.close();

        await page.getByTestId('new-dashboard').click();
        const field = page.locator('#path-prompt');
        await field.fill(path.join(parent, 'other'));
        await field.press('Enter');
        await page.getByText(/Created \d+ files in/).waitFor({ timeout: WAIT_MS });
        await page.getByTestId('console-nav-count').waitFor({ state: 'detached', timeout: WAIT_MS });
        await page.getByTestId('server-console-note').waitFor({ state: 'detached', timeout: WAIT_MS });
        await openPane(page, 'console');
        await page.getByTestId('console-empty').waitFor({ timeout: WAIT_MS });
    });
});
