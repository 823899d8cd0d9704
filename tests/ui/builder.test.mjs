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

/** A builder folder (`new --builder`: a value `level`, a gauge…) served by
 * a studio whose UI shows the Builder pane; `prepare(dir)` may change the
 * folder first, `beforeUi(studio)` the browser before the UI opens.
 * `body(page, dir, studio)` runs once the pane has asked for the dashboard. */
async function withBuilder(name, body, { prepare, beforeUi, opened = true } = {}) {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-builder-'));
    world.defer(() => fs.rmSync(parent, { recursive: true, force: true }));
    const dir = path.join(parent, 'dash');
    execFileSync(studioBin, ['new', dir, '--name', 'Mine', '--builder'], { encoding: 'utf8' });
    prepare?.(dir);
    const studio = await world.startStudio([path.join(dir, 'workspace.json')]);
    await beforeUi?.(studio);
    await world.withUi(studio, name, async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'builder');
        if (opened) await page.getByTestId('builder-title').waitFor({ timeout: WAIT_MS });
        await body(page, dir, studio);
    });
}

const box = (page, id) => page.locator(`[data-testid="builder-box"][data-id="${id}"]`);
const readDashboard = dir => JSON.parse(fs.readFileSync(path.join(dir, 'web', 'dashboard.json'), 'utf8'));

/** Waits until the saved dashboard.json passes `ok`. */
async function savedWhen(dir, ok, what) {
    const until = Date.now() + WAIT_MS;
    for (;;) {
        const d = readDashboard(dir);
        if (ok(d)) return d;
        if (Date.now() > until) assert.fail(`dashboard.json never ${what}: ${JSON.stringify(d)}`);
        await new Promise(r => setTimeout(r, 100));
    }
}

test('Ctrl+S in a property field saves what is typed in it', async () => {
    await withBuilder('builder-save-typing', async (page, dir) => {
        await box(page, 'level').click();
        const unit = page.getByTestId('builder-field-unit');
        await unit.fill('kPa');
        await page.keyboard.press('Control+s');
        assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'builder-field-unit', 'the field keeps the focus');
        await savedWhen(dir, d => d.widgets.find(w => w.id === 'level')?.unit === 'kPa', 'took the typed unit');
        await page.getByTestId('builder-title').fill('Plant');
        await page.keyboard.press('Control+s');
        await savedWhen(dir, d => d.title === 'Plant', 'took the typed title');
        // The field's own change on blur is no second edit to undo.
        await page.getByRole('heading', { name: 'Palette' }).click();
        await page.getByTestId('builder-undo').click();
        assert.equal(await page.getByTestId('builder-title').inputValue(), 'Mine');
    });
});

// On a slow link to the engine, a Save pressed while the one before was on
// its way sent the base that one replaced: refused as a change on disk; then
// the first answer marked every edit saved, the one made meanwhile too.
test('a Save pressed while the one before is on its way saves the edit made meanwhile', async () => {
    let holding = true;
    const held = [];
    await withBuilder('builder-save-in-flight', async (page, dir) => {
        await box(page, 'level').click();
        await page.getByTestId('builder-field-unit').fill('kPa');
        await page.keyboard.press('Control+s');
        await savedWhen(dir, d => d.widgets.find(w => w.id === 'level')?.unit === 'kPa', 'took the typed unit');
        await page.getByTestId('builder-title').fill('Plant');
        await page.keyboard.press('Control+s');
        await page.getByTestId('builder-save').getByText('Save •').waitFor({ timeout: WAIT_MS });
        holding = false;
        for (const answer of held.splice(0)) answer();
        await savedWhen(dir, d => d.title === 'Plant' && d.widgets.find(w => w.id === 'level')?.unit === 'kPa',
            'took the title typed while the unit was being saved');
        await page.getByTestId('builder-save').getByText('Save', { exact: true }).waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('toast-error').count(), 0);
    }, {
        // The engine's answers to dashboard.save reach the page when the test says.
        async beforeUi(studio) {
            const port = new URL(studio.ui).port;
            await world.context.routeWebSocket(new RegExp(`^ws://127\\.0\\.0\\.1:${port}/control`), ws => {
                const server = ws.connectToServer();
                const saves = new Set();
                ws.onMessage(m => {
                    const msg = JSON.parse(m);
                    if (msg.name === 'dashboard.save') saves.add(msg.id);
                    server.send(m);
                });
                server.onMessage(m => {
                    const msg = JSON.parse(m);
                    if (holding && msg.type === 'response' && saves.has(msg.id)) held.push(() => ws.send(m));
                    else ws.send(m);
                });
            });
        },
    });
});

test("the builder's keys work with the focus anywhere in its pane, and Ctrl+S saves the dashboard", async () => {
    await withBuilder('builder-keys-focus', async (page, dir) => {
        const workspace = fs.readFileSync(path.join(dir, 'workspace.json'), 'utf8');
        await box(page, 'level').click();
        // A click on a heading leaves the focus on the page's body.
        await page.getByRole('heading', { name: 'Palette' }).click();
        assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'BODY');
        await page.keyboard.press('Delete');
        await box(page, 'level').waitFor({ state: 'detached', timeout: WAIT_MS });
        await page.keyboard.press('Control+s');
        await savedWhen(dir, d => !d.widgets.some(w => w.id === 'level'), 'lost the deleted widget');
        assert.equal(fs.readFileSync(path.join(dir, 'workspace.json'), 'utf8'), workspace, 'the workspace is not saved');
        await page.keyboard.press('Control+z');
        await box(page, 'level').waitFor({ timeout: WAIT_MS });
        // Typing in a field is not the builder's: Delete deletes a character.
        await page.getByTestId('builder-title').click();
        await page.keyboard.press('End');
        await page.keyboard.press('Backspace');
        assert.equal(await page.getByTestId('builder-title').inputValue(), 'Min');
    });
});

test('a broken dashboard.json is named in the pane until it is fixed', async () => {
    let good;
    await withBuilder('builder-broken-file', async (page, dir) => {
        const error = page.getByTestId('builder-load-error');
        await error.waitFor({ timeout: WAIT_MS });
        assert.match(await error.textContent(), /dashboard\.json:\d+:\d+: .*trailing comma/);
        assert.equal(await page.getByTestId('palette-value').isDisabled(), true, 'the palette waits for a dashboard');
        fs.writeFileSync(path.join(dir, 'web', 'dashboard.json'), good);
        await page.getByTestId('builder-retry').click();
        await page.getByTestId('builder-title').waitFor({ timeout: WAIT_MS });
        assert.equal(await error.count(), 0);
        assert.equal(await page.getByTestId('palette-value').isDisabled(), false);
        await box(page, 'level').waitFor({ timeout: WAIT_MS });
    }, {
        opened: false,
        prepare(dir) {
            const file = path.join(dir, 'web', 'dashboard.json');
            good = fs.readFileSync(file, 'utf8');
            fs.writeFileSync(file, good.replace('"decimals": 1\n', '"decimals": 1,\n'));
        },
    });
});

test("a gauge's threshold rows stay in place while edited, and take only colours", async () => {
    await withBuilder('builder-thresholds', async (page, dir) => {
        await box(page, 'level-gauge').click();
        const from = i => page.getByTestId(`threshold-from-${i}`);
        const color = i => page.getByTestId(`threshold-color-${i}`);
        assert.deepEqual([await from(0).inputValue(), await from(1).inputValue()], ['80', '95']);
        await from(0).fill('99');
        await from(0).press('Tab');
        assert.deepEqual([await from(0).inputValue(), await from(1).inputValue()], ['99', '95'], 'the row edited stays first');
        await color(0).fill('banana');
        await color(0).press('Tab');
        assert.equal(await color(0).getAttribute('aria-invalid'), 'true');
        assert.match(await page.getByTestId('threshold-color-0-error').textContent(), /"banana" is not a CSS colour/);
        assert.deepEqual(JSON.parse(await page.getByTestId('builder-json').inputValue()).thresholds,
            [{ from: 99, color: '#d97706' }, { from: 95, color: '#dc2626' }], 'banana is not taken');
        await color(0).fill('purple');
        await color(0).press('Tab');
        assert.equal(await color(0).getAttribute('aria-invalid'), 'false');
        // The focus leaves the editor: the rows go in order.
        await page.getByRole('heading', { name: 'Palette' }).click();
        assert.deepEqual([await from(0).inputValue(), await from(1).inputValue()], ['95', '99']);
        await page.keyboard.press('Control+s');
        await savedWhen(dir, d => d.widgets.find(w => w.id === 'level-gauge').thresholds[1]?.color === 'purple', 'took the thresholds');
        assert.deepEqual(readDashboard(dir).widgets.find(w => w.id === 'level-gauge').thresholds,
            [{ from: 95, color: '#dc2626' }, { from: 99, color: 'purple' }]);
    });
});

test('edits not saved are not lost to Reopen or a reload without asking', async () => {
    await withBuilder('builder-unsaved', async page => {
        const unloadAsks = () => page.evaluate(() => {
            const e = new Event('beforeunload', { cancelable: true });
            window.dispatchEvent(e);
            return e.defaultPrevented;
        });
        assert.equal(await unloadAsks(), false, 'nothing to lose yet');
        await box(page, 'level').click();
        await page.keyboard.press('Delete');
        await box(page, 'level').waitFor({ state: 'detached', timeout: WAIT_MS });
        assert.equal(await unloadAsks(), true, 'a reload asks first');
        const asked = [];
        let answer = false;
        const onDialog = d => { asked.push(d.type()); return answer ? d.accept() : d.dismiss(); };
        page.on('dialog', onDialog);
        await page.getByTestId('builder-reopen').click();
        assert.deepEqual(asked, ['confirm']);
        assert.equal(await box(page, 'level').count(), 0, 'the edit is kept when the author says no');
        answer = true;
        await page.getByTestId('builder-reopen').click();
        await box(page, 'level').waitFor({ timeout: WAIT_MS });
        assert.deepEqual(asked, ['confirm', 'confirm']);
        assert.equal(await unloadAsks(), false, 'reopened, nothing to lose');
        await page.getByTestId('builder-reopen').click();
        assert.equal(asked.length, 2, 'nothing to lose, Reopen does not ask');
        page.off('dialog', onDialog);
    });
});

test('a number field with text that is no number says so until corrected', async () => {
    await withBuilder('builder-number-field', async page => {
        await box(page, 'level').click();
        const decimals = page.getByTestId('builder-field-decimals');
        const widget = async () => JSON.parse(await page.getByTestId('builder-json').inputValue());
        await decimals.fill('abc');
        await decimals.press('Tab');
        assert.equal(await decimals.getAttribute('aria-invalid'), 'true');
        assert.match(await page.getByTestId('builder-field-decimals-error').textContent(), /"abc" is not a number/);
        assert.equal((await widget()).decimals, 1, 'the widget keeps its value');
        await decimals.fill('2');
        await decimals.press('Tab');
        assert.equal(await decimals.getAttribute('aria-invalid'), 'false');
        assert.equal(await page.getByTestId('builder-field-decimals-error').count(), 0);
        assert.equal((await widget()).decimals, 2);
    });
});

test('a big object in the State tree shows its children a page at a time, every one reachable', async () => {
    await withBuilder('builder-state-pages', async page => {
        const nodes = page.locator('[data-testid="builder-node"][data-path^="/many/"]');
        await page.locator('[data-testid="builder-node"][data-path="/many"] .twist').click();
        await nodes.nth(199).waitFor({ timeout: WAIT_MS });
        assert.equal(await nodes.count(), 200);
        // The rest were left out with no word and could not be dragged.
        const more = page.getByTestId('builder-node-more');
        assert.match(await more.textContent(), /^250 more… \(show 200\)$/);
        await more.click();
        await nodes.nth(399).waitFor({ timeout: WAIT_MS });
        await more.click();
        await page.locator('[data-testid="builder-node"][data-path="/many/k449"]').waitFor({ timeout: WAIT_MS });
        assert.equal(await nodes.count(), 450);
        assert.equal(await more.count(), 0);
    }, {
        prepare: dir => {
            const file = path.join(dir, 'workspace.json');
            const ws = JSON.parse(fs.readFileSync(file, 'utf8'));
            ws.initialState.many = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`k${i}`, i]));
            fs.writeFileSync(file, JSON.stringify(ws, null, 2));
        },
    });
});

// On a window beside the browser the three columns left the dashboard a
// sliver (140 px of a 700 px window): the side panels can be hidden, the
// canvas takes their room, and the choice outlives a reload.
test('the side panels hide and show, the canvas takes their room, and the choice is kept', async () => {
    await withBuilder('builder-panels', async page => {
        await page.setViewportSize({ width: 700, height: 760 });
        const center = page.getByTestId('builder-center');
        const width = async () => (await center.boundingBox()).width;
        const narrow = await width();
        for (const which of ['palette', 'properties']) {
            const toggle = page.getByTestId(`builder-show-${which}`);
            assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
            await toggle.click();
            await page.getByTestId(`builder-${which}-panel`).waitFor({ state: 'detached', timeout: WAIT_MS });
            assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
        }
        const wide = await width();
        assert.ok(wide > 600 && wide > narrow * 2, `the canvas grew from ${narrow} to ${wide} px`);
        await page.reload();
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'builder');
        await page.getByTestId('builder-title').waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('builder-palette-panel').count(), 0, 'still hidden after a reload');
        assert.equal(await page.getByTestId('builder-properties-panel').count(), 0);
        await page.getByTestId('builder-show-palette').click();
        await page.getByTestId('builder-palette-panel').getByTestId('palette-value').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('builder-show-properties').click();
        await page.getByTestId('builder-properties-panel').waitFor({ timeout: WAIT_MS });
    });
});

test('Save with a palette widget not bound yet names it and selects it; nothing is written', async () => {
    await withBuilder('builder-unbound-save', async (page, dir) => {
        const before = fs.readFileSync(path.join(dir, 'web', 'dashboard.json'), 'utf8');
        await page.getByTestId('palette-value').click();
        await page.getByTestId('builder-save').click();
        const told = page.getByText(/^Not saved: \S+ \(value\) reads no place in the state yet\./);
        await told.waitFor({ timeout: WAIT_MS });
        const id = (await told.textContent()).match(/^Not saved: (\S+) /)[1];
        await page.locator(`[data-testid="builder-box"][data-id="${id}"].selected`).waitFor({ timeout: WAIT_MS });
        assert.equal(fs.readFileSync(path.join(dir, 'web', 'dashboard.json'), 'utf8'), before);
    });
});

test('dashboard.json changed on disk while open is told at once: reload it, or keep mine and Save over it', async () => {
    await withBuilder('builder-disk-changed', async (page, dir) => {
        const file = path.join(dir, 'web', 'dashboard.json');
        const banner = page.getByTestId('builder-disk-changed');
        assert.equal(await banner.count(), 0, 'nothing changed yet');
        await box(page, 'level').click();
        await page.keyboard.press('Delete');
        await box(page, 'level').waitFor({ state: 'detached', timeout: WAIT_MS });
        // Another tab (or an editor) saves first.
        const other = JSON.parse(fs.readFileSync(file, 'utf8'));
        fs.writeFileSync(file, JSON.stringify({ ...other, title: 'Theirs' }));
        await banner.waitFor({ timeout: WAIT_MS });
        assert.match(await banner.textContent(), /changed on disk/);
        await page.getByTestId('builder-disk-keep').click();
        await banner.waitFor({ state: 'detached', timeout: WAIT_MS });
        await page.getByTestId('builder-save').click();
        await savedWhen(dir, d => d.title === 'Mine' && !d.widgets.some(w => w.id === 'level'), 'took the kept edits');
        // Saved by the builder itself: no notice.
        await new Promise(r => setTimeout(r, 1500));
        assert.equal(await banner.count(), 0, "the builder's own save is no change on disk");
        // Changed again, and this time the file wins (after asking: an edit is pending).
        await page.getByTestId('builder-title').fill('Pending');
        await page.getByRole('heading', { name: 'Palette' }).click();
        fs.writeFileSync(file, JSON.stringify({ ...other, title: 'Theirs again' }));
        await banner.waitFor({ timeout: WAIT_MS });
        const asked = [];
        const onDialog = d => { asked.push(d.type()); return d.accept(); };
        page.on('dialog', onDialog);
        await page.getByTestId('builder-disk-reload').click();
        await box(page, 'level').waitFor({ timeout: WAIT_MS });
        page.off('dialog', onDialog);
        assert.deepEqual(asked, ['confirm']);
        assert.equal(await page.getByTestId('builder-title').inputValue(), 'Theirs again');
        assert.equal(await banner.count(), 0);
    });
});

test('a toggle whose request no rule answers says so; Add a rule makes the rule, and the toggle then flips the state on the served page', async () => {
    await withBuilder('builder-add-rule', async (page, dir, studio) => {
        await page.getByTestId('palette-toggle').click();
        const path = page.getByTestId('builder-field-path');
        await path.fill('/alarm');
        await path.press('Enter');
        const json = page.getByTestId('builder-json');
        await page.waitForFunction(() => document.querySelector('[data-testid="builder-json"]')?.value.includes('/alarm'), null, { timeout: WAIT_MS });
        const widget = JSON.parse(await json.inputValue());
        widget.send = { name: 'alarm.set', data: { on: '{{value}}', by: 'builder' } };
        await json.fill(JSON.stringify(widget, null, 2));
        await page.getByTestId('builder-json-apply').click();

        // The palette toggle's own request (toggle.set) has no rule either:
        // its warning shows until the engine has judged the applied widget.
        const warning = page.getByTestId('builder-unanswered');
        await warning.filter({ hasText: '"alarm.set"' }).waitFor({ timeout: WAIT_MS });
        assert.match(await warning.textContent(), /No enabled rule of the workspace answers the request "alarm\.set" with data \{"on":"\{\{value\}\}","by":"builder"\}/);
        assert.match(await warning.textContent(), /sets \/alarm to the value sent, then answers null/);
        const flag = box(page, widget.id).getByTestId('builder-no-rule');
        await flag.waitFor({ timeout: WAIT_MS });
        // The scaffold's own toggle has its rule: no mark.
        assert.equal(await box(page, 'pump-switch').getByTestId('builder-no-rule').count(), 0);
        assert.equal(await page.getByTestId('workspace-unsaved').count(), 0, 'the workspace starts saved');

        await page.getByTestId('builder-add-rule').click();
        await warning.waitFor({ state: 'detached', timeout: WAIT_MS });
        await flag.waitFor({ state: 'detached', timeout: WAIT_MS });
        assert.match(await page.getByTestId('builder-rule-added').textContent(), new RegExp(`The rule ${widget.id} answers this request`));
        await page.getByTestId('workspace-unsaved').waitFor({ timeout: WAIT_MS });

        await page.getByTestId('builder-save').click();
        await savedWhen(dir, d => d.widgets.some(w => w.id === widget.id && w.send?.name === 'alarm.set'), 'took the toggle');
        await world.withPage(studio, 'builder-add-rule-page', studio.dashboard, async dash => {
            const sw = dash.locator(`[data-widget="${widget.id}"] button.switch`);
            await dash.waitForFunction(id => document.querySelector(`[data-widget="${id}"] button.switch`)?.getAttribute('aria-checked') === 'true', widget.id, { timeout: WAIT_MS });
            await sw.click();
            await dash.waitForFunction(id => document.querySelector(`[data-widget="${id}"] button.switch`)?.getAttribute('aria-checked') === 'false', widget.id, { timeout: WAIT_MS });
        });

        // Undo takes the rule out: the request is unanswered again.
        await box(page, widget.id).click();
        await page.getByTestId('builder-rule-undo').click();
        await warning.waitFor({ timeout: WAIT_MS });
        await page.getByTestId('builder-add-rule').click();
        await warning.waitFor({ state: 'detached', timeout: WAIT_MS });

        await openPane(page, 'requests');
        const rule = page.locator(`[data-testid="rule-item"][data-rule="${widget.id}"]`);
        await rule.waitFor({ timeout: WAIT_MS });
        assert.match(await rule.textContent(), /alarm\.set/);
        assert.equal(await page.getByTestId('rules-modified').count(), 0, 'the rule is the engine’s, not a draft');
        assert.equal(await page.locator(`[data-testid="rule-item"][data-rule^="${widget.id}"]`).count(), 1, 'one rule for the toggle: Undo took the first out');
    });
});
