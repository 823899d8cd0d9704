// The app shell: the UI connects to its engine, panes switch by click and
// by Alt+N, the help overlay lists the shortcuts, Ctrl+S's path prompt
// takes the focus, a page without the token says what to open instead.
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

test('Ctrl+S with no workspace file asks for a path, and Esc closes the question', async () => {
    await world.withUi(studio, 'shell-save-as', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        // The focus on a pane's button, as after any click: the prompt must take it all the same.
        await openPane(page, 'state');
        await page.keyboard.press('Control+s');
        const prompt = page.getByRole('dialog', { name: /^Save workspace as/ });
        await prompt.waitFor({ timeout: WAIT_MS });
        await page.waitForFunction(() => document.activeElement?.id === 'path-prompt', null, { timeout: WAIT_MS });
        await page.keyboard.press('Escape');
        await prompt.waitFor({ state: 'detached', timeout: WAIT_MS });
    });
});
