// A large-ish state (10,000 records, about 1 MB) in the State pane: it
// opens, a leaf changed elsewhere shows in the expanded record, the record
// the user expanded stays expanded (and moves with it when a record is
// inserted before it), and the size follows. Functional, not timed: how fast
// is the benchmark's business (bench/ui, BENCHMARKS.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupWithStudio, openPane, WAIT_MS } from './harness.mjs';
import { bigDocument } from '../common/documents.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio()));
after(async () => world?.close());

const RECORDS = 10_000;

const node = (page, pointer) =>
    page.getByTestId('state-editor').locator(`.jse-json-node[data-path="${encodeURIComponent(pointer)}"]`).first();

async function expand(page, pointer) {
    await node(page, pointer).locator('.jse-expand').first().click({ timeout: WAIT_MS });
    await page.getByTestId('state-editor')
        .locator(`.jse-json-node.jse-expanded[data-path="${encodeURIComponent(pointer)}"]`)
        .waitFor({ timeout: WAIT_MS });
}

test('a leaf change of a 1 MB state shows in the State pane', async () => {
    const state = bigDocument(RECORDS);
    assert.ok(JSON.stringify(state).length > 1_000_000, 'the state is over 1 MB');
    await control.send('state.replace', { value: state });
    await world.withUi(studio, 'bigstate', async page => {
        await openPane(page, 'state');
        await node(page, '/items').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('state-size').getByText(/^1\.\d MiB$/).waitFor({ timeout: WAIT_MS });
        await expand(page, '/items');
        await expand(page, '/items/3');

        // A change from elsewhere: the leaf shows it, the record stays expanded.
        await control.send('state.set', { path: ['items', 3, 'name'], value: 'changed by the test' });
        await node(page, '/items/3/name').getByText('changed by the test').waitFor({ timeout: WAIT_MS });
        assert.ok(await node(page, '/items/3').evaluate(el => el.classList.contains('jse-expanded')));

        // Many changes in a row: the last one is what shows.
        for (let n = 1; n <= 50; n++) {
            await control.send('state.set', { path: ['items', 3, 'value'], value: n });
        }
        await node(page, '/items/3/value').getByText('50', { exact: true }).waitFor({ timeout: WAIT_MS });

        // A record inserted before it: the expanded record moves with its data.
        await control.send('state.patch', { diff: [{ op: 'add', path: '/items/0', value: { id: -1, name: 'inserted' } }] });
        await node(page, '/items/4/name').getByText('changed by the test').waitFor({ timeout: WAIT_MS });
        assert.ok(await node(page, '/items/4').evaluate(el => el.classList.contains('jse-expanded')),
            'the record the user expanded is still expanded at its new index');

        // The size follows the patches (no whole print of the state).
        const size = await page.getByTestId('state-size').textContent();
        const engine = JSON.stringify((await control.waitFor(m => m.state.items.length === RECORDS + 1)).state).length;
        assert.equal(size, `${(engine / 1024 / 1024).toFixed(1)} MiB`);
    });
});
