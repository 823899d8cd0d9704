// The Builder pane on a folder whose page is the author's own (no builder
// runtime): it says that the page does not draw dashboard.json and how to
// start a builder dashboard, instead of letting widgets go where nothing
// draws them; on a builder folder it says nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, openPane, studioBin, WAIT_MS } from './harness.mjs';

let world;
before(async () => { world = await setup(); });
after(async () => world?.close());

for (const builder of [false, true]) {
    test(`the Builder on a ${builder ? 'builder' : 'hand-written'} dashboard folder`, async () => {
        const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-builder-'));
        world.defer(() => fs.rmSync(parent, { recursive: true, force: true }));
        const dir = path.join(parent, 'dash');
        execFileSync(studioBin, ['new', dir, '--name', 'Mine', ...(builder ? ['--builder'] : [])], { encoding: 'utf8' });
        const studio = await world.startStudio([path.join(dir, 'workspace.json')]);
        await world.withUi(studio, `builder-${builder}`, async page => {
            await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
            await openPane(page, 'builder');
            await page.getByTestId('builder-title').waitFor({ timeout: WAIT_MS });
            const notice = page.getByTestId('builder-no-runtime');
            if (builder) {
                assert.equal(await notice.count(), 0, 'a builder folder gets no notice');
            } else {
                await notice.waitFor({ timeout: WAIT_MS });
                assert.match(await notice.textContent(), /juggler-studio new DIR --builder/);
            }
        });
    });
}
