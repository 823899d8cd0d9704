// The Scenarios pane: a workspace with two scenarios and a request schema.
// A raw juggler 0.6 client plays the dashboard (it answers nothing; it sends
// the expected request once it has seen the state and the notification and
// the run waits for it). "pass" runs from the UI to ✓ on every step and the
// pass banner; "fail" ends with ✗ and the missed request's message; a
// request with bad data is listed as a violation and flagged in the Traffic
// pane. The demo workspace (no scenarios, no schemas) shows the empty states.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyDiff } from '../common/control.mjs';
import { setup, openPane, screenshot, WAIT_MS } from './harness.mjs';

const workspace = {
    version: 1,
    server: { host: '127.0.0.1', port: 0 },
    initialState: { pumps: [{ name: 'P1', running: true }, { name: 'P2', running: false }] },
    scenarios: [
        {
            name: 'pass',
            description: 'P2 starts when the dashboard asks',
            steps: [
                { setState: { path: ['pumps', 1, 'running'], value: true } },
                { notify: { name: 'alarm', data: { text: 'P2 started' } } },
                { expectRequest: { name: 'pump.start', data: { index: 1 }, withinMs: WAIT_MS, respond: 'started' } },
            ],
        },
        {
            name: 'fail',
            steps: [{ expectRequest: { name: 'never.comes', withinMs: 500 } }],
        },
    ],
    schemas: {
        requests: {
            'pump.start': { type: 'object', required: ['index'], properties: { index: { type: 'integer', minimum: 0 } } },
        },
    },
};

let world;
let dir;
before(async () => {
    world = await setup();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'juggler-ui-scenarios-'));
    world.defer(() => fs.rmSync(dir, { recursive: true, force: true }));
});
after(async () => world?.close());

/** A raw juggler 0.6 dashboard: follows the state, keeps notifications, sends requests when told. */
async function openDashboard(url) {
    const ws = new WebSocket(url);
    let state = null;
    const notes = [];
    const waiters = new Set();
    const pending = new Map();
    let nextId = 1;
    const check = () => { for (const w of [...waiters]) if (w.fn()) { waiters.delete(w); w.resolve(); } };
    ws.addEventListener('message', evt => {
        const msg = JSON.parse(evt.data);
        if (msg.type === 'state') state = applyDiff(state, msg.diff);
        else if (msg.type === 'notify') notes.push({ name: msg.name, data: msg.data });
        else if (msg.type === 'response') { pending.get(msg.id)?.(msg); pending.delete(msg.id); }
        check();
    });
    await new Promise((resolve, reject) => {
        ws.addEventListener('open', resolve, { once: true });
        ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)), { once: true });
    });
    world.defer(() => ws.close());
    return {
        state: () => state,
        notes,
        waitFor(fn, what) {
            if (fn()) return Promise.resolve();
            return new Promise((resolve, reject) => {
                const w = { fn, resolve };
                waiters.add(w);
                setTimeout(() => { if (waiters.delete(w)) reject(new Error(`dashboard: timed out waiting for ${what}`)); }, WAIT_MS);
            });
        },
        request(name, data) {
            const id = nextId++;
            ws.send(JSON.stringify({ type: 'request', id, name, data }));
            return new Promise(resolve => pending.set(id, resolve));
        },
    };
}

test('runs scenarios from the pane, lists violations and flags their traffic rows', async () => {
    const file = path.join(dir, 'scenarios.workspace.json');
    fs.writeFileSync(file, JSON.stringify(workspace, null, 2));
    const studio = await world.startStudio([file]);
    const control = await world.openControl(studio.control);
    await control.waitFor(m => m.server?.status === 'running', 'the server to run');
    const dash = await openDashboard(studio.juggler);
    await control.waitFor(m => Object.keys(m.connections).length === 1, 'the dashboard connected');

    await world.withUi(studio, 'scenarios', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'scenarios');
        const pass = page.locator('[data-testid="scenario"][data-name="pass"]');
        const fail = page.locator('[data-testid="scenario"][data-name="fail"]');
        await pass.waitFor({ timeout: WAIT_MS });
        await fail.waitFor({ timeout: WAIT_MS });
        assert.match(await pass.textContent(), /P2 starts when the dashboard asks/);
        assert.match(await pass.textContent(), /3 steps/);
        const steps = pass.getByTestId('scenario-step');
        assert.deepEqual((await steps.locator('.summary').allTextContents()).map(s => s.trim()), [
            'setState /pumps/1/running = true',
            'notify alarm {"text": "P2 started"} to all',
            `expect request pump.start {"index": 1} within ${WAIT_MS / 1000} s, answer "started"`,
        ]);
        assert.equal(await fail.getByTestId('scenario-step').locator('.summary').textContent(), 'expect request never.comes within 500 ms');
        // Schemas but no violations yet.
        assert.match(await page.getByTestId('violations-empty').textContent(), /No violations/);

        // Run "pass": the run waits at expectRequest, highlighted, until the dashboard asks.
        await pass.getByTestId('scenario-run').click();
        await control.waitFor(m => m.scenario?.name === 'pass' && m.scenario.running && m.scenario.step === 2, 'the run at expectRequest');
        await pass.locator('[data-testid="scenario-step"][data-index="2"][data-phase="running"]').waitFor({ timeout: WAIT_MS });
        await pass.locator('[data-testid="scenario-step"][data-index="0"][data-phase="passed"]').waitFor({ timeout: WAIT_MS });
        await pass.getByTestId('scenario-stop').waitFor({ timeout: WAIT_MS });
        assert.equal(await fail.getByTestId('scenario-run').isDisabled(), true, 'one run at a time');
        await dash.waitFor(() => dash.state()?.pumps?.[1]?.running === true, 'P2 running');
        await dash.waitFor(() => dash.notes.some(n => n.name === 'alarm'), 'the alarm');
        const answer = await dash.request('pump.start', { index: 1 });
        assert.deepEqual([answer.success, answer.data], [true, 'started']);

        await pass.and(page.locator('[data-outcome="passed"]')).waitFor({ timeout: WAIT_MS });
        assert.deepEqual(await steps.evaluateAll(els => els.map(e => e.dataset.phase)), ['passed', 'passed', 'passed']);
        assert.deepEqual((await steps.locator('.mark').allTextContents()), ['✓', '✓', '✓']);
        assert.match(await pass.getByTestId('scenario-outcome').textContent(), /^✓ pass passed: 3 steps in /);
        assert.match(await page.getByTestId('scenario-banner').textContent(), /✓ pass passed/);
        assert.match(await steps.nth(2).getByTestId('step-message').textContent(), /pump\.start/);

        // Run "fail": ✗ with why; the last report stays.
        await fail.getByTestId('scenario-run').click();
        await fail.and(page.locator('[data-outcome="failed"]')).waitFor({ timeout: WAIT_MS });
        const failed = fail.locator('[data-testid="scenario-step"][data-phase="failed"]');
        assert.equal(await failed.locator('.mark').textContent(), '✗');
        const message = await failed.getByTestId('step-message').textContent();
        assert.match(message, /step 1 expectRequest never\.comes: .*500 ms/);
        assert.equal(await page.getByTestId('scenario-banner').getAttribute('data-kind'), 'failed');
        assert.match(await page.getByTestId('scenario-banner').textContent(), /✗ fail failed at step 1 of 1: step 1 expectRequest never\.comes/);
        assert.equal(await fail.getByTestId('scenario-outcome').textContent(), '✗ fail failed at step 1 of 1');
        // "pass" keeps its report.
        assert.equal(await pass.getAttribute('data-outcome'), 'passed');
        assert.deepEqual(await steps.evaluateAll(els => els.map(e => e.dataset.phase)), ['passed', 'passed', 'passed']);
        // The test's own control client hears of the run apart from the UI, maybe later.
        await control.waitFor(m => m.scenario?.name === 'fail' && m.scenario.passed === false, 'the failed run in /scenario');

        // A request with bad data: a violation, listed newest first.
        const bad = await dash.request('pump.start', { index: 'one' });
        assert.equal(bad.success, false, 'no rule answers it');
        const violation = page.locator('[data-testid="violation"][data-kind="request"][data-name="pump.start"]');
        await violation.waitFor({ timeout: WAIT_MS });
        assert.match(await violation.textContent(), /\/index/);
        const id = Number(Object.keys(control.state().connections)[0]);
        assert.match(await violation.textContent(), new RegExp(`#${id}`));
        assert.equal(await page.getByTestId('violations-nav-count').textContent(), '1');
        assert.equal(await page.getByTestId('violation-count').textContent(), '1');
        assert.equal(await page.getByTestId('scenario-nav-outcome').textContent(), '✗');
        await screenshot(page, 'scenarios');

        // …and its traffic row is flagged; the good request's is not.
        await openPane(page, 'traffic');
        const requests = page.locator('[data-testid="traffic-row"][data-kind="request"]');
        await requests.nth(1).waitFor({ timeout: WAIT_MS });
        assert.equal(await requests.count(), 2);
        const flag = requests.nth(1).getByTestId('schema-flag');
        await flag.waitFor({ timeout: WAIT_MS });
        assert.match(await flag.getAttribute('title'), /^\/index: /);
        assert.equal(await requests.nth(0).getByTestId('schema-flag').count(), 0);
    });
});

test('a workspace without scenarios or schemas says how to add them', async () => {
    const studio = await world.startStudio();
    await world.withUi(studio, 'scenarios-empty', async page => {
        await openPane(page, 'scenarios');
        const empty = page.getByTestId('scenarios-empty');
        await empty.waitFor({ timeout: WAIT_MS });
        assert.match(await empty.textContent(), /"scenarios": \[/);
        assert.match(await empty.textContent(), /juggler-studio run WORKSPACE --scenario NAME/);
        assert.match(await page.getByTestId('violations-empty').textContent(), /"schemas"/);
    });
});

test('edits scenarios and schemas in the pane, runs the new scenario, shows the engine\'s errors', async () => {
    const file = path.join(dir, 'edit.workspace.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, server: { host: '127.0.0.1', port: 0 }, initialState: { counter: 0 } }, null, 2));
    const studio = await world.startStudio([file]);
    const control = await world.openControl(studio.control);
    await control.waitFor(m => m.server?.status === 'running', 'the server to run');

    await world.withUi(studio, 'scenarios-edit', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'scenarios');
        await page.getByTestId('scenarios-empty').waitFor({ timeout: WAIT_MS });

        // A bad edit: the text is checked as typed; the engine's refusal shows and changes nothing.
        await page.getByTestId('scenarios-empty-edit').click();
        const text = page.getByTestId('scenarios-text');
        await text.waitFor({ timeout: WAIT_MS });
        assert.equal(await text.inputValue(), '[]');
        await text.fill('[{"name": "x", "steps": [{"sleep": {}}]}]');
        assert.match(await page.getByTestId('scenarios-text-error').textContent(), /scenarios\[0\]\.steps\[0\]\.sleep: not a kind of step/);
        assert.equal(await page.getByTestId('scenarios-save').isDisabled(), true);
        await text.fill(JSON.stringify([
            { name: 'ok', steps: [] },
            { name: 'late', steps: [{ wait: { ms: 'soon' } }] },
        ]));
        await page.getByTestId('scenarios-save').click();
        const engineError = page.getByTestId('scenarios-engine-error');
        await engineError.waitFor({ timeout: WAIT_MS });
        assert.match(await engineError.textContent(), /scenarios\[1\]\.steps\[0\]\.wait\.ms/);
        assert.deepEqual(control.state().workspace.scenarios, []);

        // Cancel discards the draft.
        await page.getByTestId('scenarios-cancel').click();
        await page.getByTestId('scenarios-empty').waitFor({ timeout: WAIT_MS });
        assert.deepEqual(control.state().workspace.scenarios, []);

        // A good edit: saved, listed, run, passed.
        await page.getByTestId('scenarios-edit').click();
        await text.fill(JSON.stringify([{
            name: 'counter moves',
            steps: [
                { setState: { path: ['counter'], value: 3 } },
                { expectState: { path: ['counter'], value: 3, withinMs: WAIT_MS } },
            ],
        }]));
        await page.getByTestId('scenarios-save').click();
        const card = page.locator('[data-testid="scenario"][data-name="counter moves"]');
        await card.waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('scenarios-editor').count(), 0);
        await control.waitFor(m => m.workspace.scenarios[0]?.name === 'counter moves', 'the scenario in /workspace/scenarios');
        await card.getByTestId('scenario-run').click();
        await card.and(page.locator('[data-outcome="passed"]')).waitFor({ timeout: WAIT_MS });
        assert.match(await page.getByTestId('scenario-banner').textContent(), /✓ counter moves passed/);

        // Schemas: a refused one shows the engine's error; a good one checks the state at once.
        await page.getByTestId('schemas-edit').click();
        const schemaText = page.getByTestId('schemas-text');
        assert.equal(await schemaText.inputValue(), 'null');
        await schemaText.fill('{"state": {"type": "nonsense"}}');
        await page.getByTestId('schemas-save').click();
        await page.getByTestId('schemas-engine-error').waitFor({ timeout: WAIT_MS });
        assert.match(await page.getByTestId('schemas-engine-error').textContent(), /schemas\.state/);
        await schemaText.fill('{"state": {"type": "object", "properties": {"counter": {"type": "string"}}}}');
        await page.getByTestId('schemas-save').click();
        await page.getByTestId('schemas-editor').waitFor({ state: 'detached', timeout: WAIT_MS });
        const violation = page.locator('[data-testid="violation"][data-kind="state"]');
        await violation.waitFor({ timeout: WAIT_MS });
        assert.match(await violation.textContent(), /\/counter/);
        await screenshot(page, 'scenarios-edit');

        // Saved with the workspace.
        await control.send('workspace.save', {});
        const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
        assert.equal(saved.scenarios[0].name, 'counter moves');
        assert.deepEqual(saved.schemas.state.properties.counter, { type: 'string' });
    });
});

// Integers past 2^53: a double (JSON.parse) holds 9007199254740993 as
// 9007199254740992, so an editor whose text went through one saved, showed
// and ran another number than the one typed.
test('a scenario and a schema with an integer past 2^53 keep it as typed: saved, shown again, run', async () => {
    const file = path.join(dir, 'big.workspace.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, server: { host: '127.0.0.1', port: 0 }, initialState: {} }, null, 2));
    const studio = await world.startStudio([file]);
    const control = await world.openControl(studio.control);
    await control.waitFor(m => m.server?.status === 'running', 'the server to run');
    const big = '9007199254740993';

    await world.withUi(studio, 'scenarios-big', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'scenarios');
        await page.getByTestId('scenarios-empty-edit').click();
        const text = page.getByTestId('scenarios-text');
        await text.fill(`[{"name":"big int","steps":[{"setState":{"path":["big"],"value":${big}}},`
            + `{"expectState":{"path":["big"],"value":${big},"withinMs":${WAIT_MS}}}]}]`);
        await page.getByTestId('scenarios-save').click();
        const card = page.locator('[data-testid="scenario"][data-name="big int"]');
        await card.waitFor({ timeout: WAIT_MS });

        await page.getByTestId('scenarios-edit').click();
        const shown = await text.inputValue();
        assert.equal(shown.split(big).length - 1, 2, `both values as typed in ${shown}`);
        await page.getByTestId('scenarios-cancel').click();

        await card.getByTestId('scenario-run').click();
        await card.and(page.locator('[data-outcome="passed"]')).waitFor({ timeout: WAIT_MS });
        assert.equal(await control.send('state.text', { path: ['big'] }), big);

        await page.getByTestId('schemas-edit').click();
        const schemaText = page.getByTestId('schemas-text');
        await schemaText.fill(`{"state": {"type": "object", "properties": {"big": {"maximum": ${big}}}}}`);
        await page.getByTestId('schemas-save').click();
        await page.getByTestId('schemas-editor').waitFor({ state: 'detached', timeout: WAIT_MS });
        await page.getByTestId('schemas-edit').click();
        assert.match(await schemaText.inputValue(), new RegExp(`"maximum": ${big}\\b`));
        assert.match(await control.send('model.text', { path: ['workspace', 'schemas'] }), new RegExp(`"maximum": ${big}\\b`));
    });
});
