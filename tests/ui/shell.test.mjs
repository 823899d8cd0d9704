// The app shell: the UI connects to its engine, panes switch by click and
// by Alt+N, the help overlay lists the shortcuts, Ctrl+S's path prompt
// takes the focus, a page without the token says what to open instead;
// changes not saved are marked, and asked about before they are lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setup, openPane, screenshot, jugglerRequest, WAIT_MS } from './harness.mjs';

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

// The State pane's tree editor keeps the keys it is given to itself:
// Alt+C and Alt+1… did nothing until the focus left it.
test('pane shortcuts work from the State pane’s tree editor, whose own keys still work', async () => {
    await world.withUi(studio, 'shell-tree-keys', async page => {
        await openPane(page, 'state');
        const editor = page.getByTestId('state-editor');
        const value = editor.locator('.jse-value').first();
        await value.waitFor({ timeout: WAIT_MS });
        const active = pane => page.getByTestId(`nav-${pane}`).and(page.locator('.active')).waitFor({ timeout: WAIT_MS });

        // A node selected.
        await value.click();
        await editor.locator('.jse-selected-value').first().waitFor({ timeout: WAIT_MS });
        await page.keyboard.press('Alt+c');
        await active('console');

        // A value being edited: typing goes into it, Alt+2… still switch.
        await page.keyboard.press('Alt+2');
        await active('state');
        await value.dblclick();
        const editing = editor.locator('.jse-editable-div');
        await editing.waitFor({ timeout: WAIT_MS });
        await page.keyboard.press('Control+A');
        await page.keyboard.type('typed here');
        assert.equal(await editing.textContent(), 'typed here');
        await page.keyboard.press('Escape');
        await editing.waitFor({ state: 'detached', timeout: WAIT_MS });
        await value.dblclick();
        await editing.waitFor({ timeout: WAIT_MS });
        await page.keyboard.press('Alt+6');
        await active('traffic');
    });
});

// The tabs had no tab roles (a screen reader heard twelve buttons, Tab
// walked all of them) and a window under ~1,100 px cut the header's buttons
// and the last tabs off with no way to reach them.
test('the pane tabs are a tablist, and a narrow window reaches every button and tab', async () => {
    await world.withUi(studio, 'shell-narrow', async page => {
        await page.setViewportSize({ width: 480, height: 700 });
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        const tabs = page.getByRole('tablist', { name: 'Panes' });
        await tabs.getByRole('tab', { name: 'Server' }).click();
        assert.equal(await tabs.getByRole('tab', { selected: true }).getAttribute('id'), 'tab-server');
        await page.keyboard.press('ArrowRight');
        assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-state');
        await page.getByRole('tabpanel', { name: 'State' }).waitFor({ timeout: WAIT_MS });
        await page.keyboard.press('End');
        assert.equal(await tabs.getByRole('tab', { selected: true }).getAttribute('id'), 'tab-builder');
        await page.keyboard.press('ArrowRight');
        assert.equal(await tabs.getByRole('tab', { selected: true }).getAttribute('id'), 'tab-server');
        // One tab stop: the others are reached by the arrows.
        assert.equal(await tabs.locator('[role="tab"][tabindex="0"]').count(), 1);

        const inView = async locator => {
            const box = await locator.boundingBox();
            return box !== null && box.x >= 0 && box.x + box.width <= 480;
        };
        for (const name of ['New dashboard…', 'Open…', 'Save', 'Save as…', 'Help']) {
            assert.ok(await inView(page.getByRole('button', { name, exact: true })), `${name} is in the window`);
        }
        assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scroll of the page');
        // The last tab, out of the strip at first, is scrolled to when chosen.
        const builderInView = () => page.waitForFunction(() => {
            const tab = document.getElementById('tab-builder').getBoundingClientRect();
            return tab.left >= 0 && tab.right <= window.innerWidth;
        }, null, { timeout: WAIT_MS });
        await page.keyboard.press('Alt+b');
        await builderInView();
        // A badge appearing on a tab before it widens the strip: the chosen
        // tab stays in view (the Builder's preview connecting pushed it out).
        const warn = page.getByTestId('nav-requests').locator('.badge.warn');
        assert.equal(await warn.count(), 0);
        assert.equal((await jugglerRequest(studio.juggler, 'nobody.answers', null)).success, false);
        await warn.waitFor({ timeout: WAIT_MS });
        await builderInView();
        await screenshot(page, 'narrow');
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

// The header and the page title showed only the path, before and after
// edits; Open… dropped them without a word, and Save wrote over a file
// edited on disk meanwhile.
test('changes not saved show in the header and the title, and Open… and Save ask first', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-unsaved-'));
    world.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'other.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, server: { port: 0 }, initialState: { opened: true } }));
    const control = await world.openControl(studio.control);
    await world.withUi(studio, 'shell-unsaved', async page => {
        const questions = [];
        let answer = false;
        page.on('dialog', d => {
            questions.push(`${d.type()}: ${d.message()}`);
            return answer ? d.accept() : d.dismiss();
        });
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await control.waitFor(m => m.workspace?.unsaved === false, 'a clean workspace');
        assert.equal(await page.getByTestId('workspace-unsaved').count(), 0);
        assert.equal(await page.title(), 'Juggler Studio');

        await control.send('state.set', { path: ['edited'], value: 1 });
        await page.getByTestId('workspace-unsaved').getByText('• unsaved').waitFor({ timeout: WAIT_MS });
        await page.waitForFunction(() => document.title === '• Juggler Studio', null, { timeout: WAIT_MS });

        // Open… asks; No keeps the edits (no path is asked for).
        await page.getByRole('button', { name: 'Open…' }).click();
        await waitUntil(() => questions.length === 1, 'the question on Open…');
        assert.match(questions[0], /^confirm: .*changes not saved/);
        assert.equal(await page.getByRole('dialog', { name: /^Open workspace file/ }).count(), 0);
        assert.equal((await control.state()).state.edited, 1);
        // New dashboard… asks too.
        await page.getByTestId('new-dashboard').click();
        await waitUntil(() => questions.length === 2, 'the question on New dashboard…');
        assert.equal(await page.getByRole('dialog', { name: /^New dashboard/ }).count(), 0);

        // Yes opens the other file: clean again, its name in the title.
        answer = true;
        await page.getByRole('button', { name: 'Open…' }).click();
        const prompt = page.getByRole('dialog', { name: /^Open workspace file/ });
        await prompt.waitFor({ timeout: WAIT_MS });
        await page.locator('#path-prompt').fill(file);
        await page.keyboard.press('Enter');
        await control.waitFor(m => m.workspace?.path === file && m.state?.opened === true, 'the other file to open');
        await page.getByTestId('workspace-unsaved').waitFor({ state: 'detached', timeout: WAIT_MS });
        await page.waitForFunction(() => document.title === 'other.json — Juggler Studio', null, { timeout: WAIT_MS });

        // Edited here and on disk: Save asks before overwriting.
        await control.send('state.set', { path: ['mine'], value: 2 });
        await page.getByTestId('workspace-unsaved').waitFor({ timeout: WAIT_MS });
        const theirs = JSON.stringify({ version: 1, server: { port: 0 }, initialState: { theirs: true } });
        fs.writeFileSync(file, theirs);
        answer = false;
        const asked = questions.length;
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        await waitUntil(() => questions.length > asked, 'the overwrite question');
        assert.match(questions.at(-1), /^confirm: .*changed on disk.*Overwrite/s);
        assert.equal(fs.readFileSync(file, 'utf8'), theirs);
        answer = true;
        await page.getByRole('button', { name: 'Save', exact: true }).click();
        // Saved after the edit: the model before it was saved too.
        await control.waitFor(m => m.state?.mine === 2 && m.workspace?.unsaved === false, 'the overwrite to save');
        assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).initialState.mine, 2);
        await page.getByTestId('workspace-unsaved').waitFor({ state: 'detached', timeout: WAIT_MS });

        // Leaving the page with changes not saved asks.
        await control.send('state.set', { path: ['late'], value: 3 });
        await page.getByTestId('workspace-unsaved').waitFor({ timeout: WAIT_MS });
        const before = questions.length;
        answer = true;
        await page.close({ runBeforeUnload: true });
        await waitUntil(() => questions.length > before, 'the beforeunload question');
        assert.match(questions.at(-1), /^beforeunload:/);
    });
});

async function waitUntil(fn, what) {
    const end = Date.now() + WAIT_MS;
    while (!fn()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise(r => setTimeout(r, 50));
    }
}

// With the engine gone (its process killed), only a footer pill said so,
// while the panes and "server: running" went on as if all was well.
test('the UI says at once when the studio engine is gone, and what it shows is the last known', async () => {
    const doomed = await world.startStudio();
    await world.withUi(doomed, 'shell-engine-lost', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('server-status').getByText('running').waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('engine-lost').count(), 0);
        doomed.proc.kill('SIGKILL');
        const lost = page.getByTestId('engine-lost');
        await lost.waitFor({ timeout: WAIT_MS });
        assert.match(await lost.textContent(), /not reachable/);
        await page.getByTestId('server-status').getByText('(last known)').waitFor({ timeout: WAIT_MS });
    });
});
