// The app shell: the UI connects to its engine, panes switch by click and
// by Alt+N, the help overlay lists the shortcuts, a page without the token
// says what to open instead.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, openPane, screenshot, WAIT_MS } from './harness.mjs';

let world;
let studio;
before(async () => {
    world = await setup();
    studio = await world.startStudio();
});
after(async () => world?.close());

test('the UI connects to its engine and switches panes', async () => {
    await world.withUi(studio, 'shell', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('server-status').getByText('running').waitFor({ timeout: WAIT_MS });
        for (const [key, pane] of [['2', 'state'], ['6', 'traffic'], ['1', 'server']]) {
            await page.keyboard.press(`Alt+${key}`);
            assert.match(await page.getByTestId(`nav-${pane}`).getAttribute('class'), /\bactive\b/);
        }
        await openPane(page, 'connections');
        await page.keyboard.press('?');
        await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ timeout: WAIT_MS });
        await screenshot(page, 'help');
        await page.keyboard.press('Escape');
    });
});

test('a page without the token says which address to open', async () => {
    const bare = studio.ui.replace(/#.*$/, '');
    await world.withPage(studio, 'no-token', bare, async page => {
        await page.getByTestId('problem').getByText('serve --ui').waitFor({ timeout: WAIT_MS });
    });
});
