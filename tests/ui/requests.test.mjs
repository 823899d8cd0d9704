// The Requests pane: a rule added and saved in the UI answers a juggler
// client's request, which shows in the request log with its answer; a
// disabled rule lets the next request fall to /unmatched, where "Make a rule
// from this" drafts a rule; the tester runs a rule on a sample; the
// engine's rule errors show at the rule; Revert drops the draft.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupWithStudio, openPane, screenshot, jugglerRequest, WAIT_MS } from './harness.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio()));
after(async () => world?.close());

/** One request to the embedded juggler server (wire 0.6) from a raw client;
 * `dataText`: its data as JSON text, sent as written. */

test('rules made in the Requests pane answer requests', async () => {
    await world.withUi(studio, 'requests', async page => {
        await page.getByTestId('link-status').getByText('engine connected').waitFor({ timeout: WAIT_MS });
        await openPane(page, 'requests');
        const list = page.getByTestId('rule-list');
        await list.locator('li[data-rule="hello"]').waitFor({ timeout: WAIT_MS });
        const before = (await control.waitFor(m => Array.isArray(m.rules), 'the rules in /rules')).rules.length;

        // Add a rule: name exact "ui.test", respond {"ok": 1}; Save.
        await page.getByTestId('rule-add').click();
        await page.getByTestId('rules-modified').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('rule-id').fill('ui-test');
        await page.getByTestId('rule-name').fill('ui.test');
        await page.getByTestId('rule-action-kind').selectOption('respond');
        await page.getByTestId('rule-value').fill('{"ok": 1}');
        await page.getByTestId('rules-save').click();
        const saved = await control.waitFor(m => m.rules.some(r => r.id === 'ui-test'), 'the rule in /rules');
        assert.equal(saved.rules.length, before + 1);
        assert.deepEqual(saved.rules.at(-1), {
            id: 'ui-test', enabled: true, match: { name: { exact: 'ui.test' } }, delayMs: 0, action: { respond: { value: { ok: 1 } } },
        });
        await page.getByTestId('rules-modified').waitFor({ state: 'detached', timeout: WAIT_MS });

        // A juggler client's request is answered by it and shows in the log.
        const answer = await jugglerRequest(studio.juggler, 'ui.test', null);
        assert.equal(answer.success, true);
        assert.deepEqual(answer.data, { ok: 1 });
        const row = page.getByTestId('request-log').locator('tr[data-name="ui.test"][data-outcome="ok"]');
        await row.waitFor({ timeout: WAIT_MS });
        assert.match(await row.getByTestId('request-answer').textContent(), /\{"ok":1\}/);

        // Disabled, the rule no longer answers: the request goes to /unmatched.
        await list.locator('li[data-rule="ui-test"]').getByTestId('rule-enabled').uncheck();
        await page.getByTestId('rules-save').click();
        await control.waitFor(m => m.rules.find(r => r.id === 'ui-test')?.enabled === false, 'the rule disabled');
        const refused = await jugglerRequest(studio.juggler, 'ui.test', { x: 1 });
        assert.equal(refused.success, false);
        await control.waitFor(m => m.unmatched.some(u => u.name === 'ui.test'), 'the request in /unmatched');
        await page.getByTestId('request-log').locator('tr[data-name="ui.test"][data-outcome="error"]').waitFor({ timeout: WAIT_MS });

        // "Make a rule from this" drafts a rule (not saved until Save).
        const unmatched = page.getByTestId('unmatched').locator('li[data-name="ui.test"]');
        await unmatched.getByTestId('make-rule').click();
        await list.locator('li[data-rule="ui.test"]').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('rules-modified').waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('rule-id').inputValue(), 'ui.test');
        assert.equal(await page.getByTestId('rule-name').inputValue(), 'ui.test');
        assert.match(await page.getByTestId('rule-data').inputValue(), /"x": 1/);
        assert.equal(control.state().rules.some(r => r.id === 'ui.test'), false);

        // Test it against the sample (the unmatched request), then another name.
        assert.equal(await page.getByTestId('test-name').inputValue(), 'ui.test');
        await page.getByTestId('rule-value').fill('{"made": "{{data.x}}"}');
        await page.getByTestId('rule-action-kind').selectOption('template');
        await page.getByTestId('test-run').click();
        await page.getByTestId('test-result').and(page.locator('[data-matches="true"]')).waitFor({ timeout: WAIT_MS });
        assert.match(await page.getByTestId('test-answer').textContent(), /\{"made":1\}/);
        await page.getByTestId('test-name').fill('other.name');
        await page.getByTestId('test-run').click();
        await page.getByTestId('test-result').and(page.locator('[data-matches="false"]')).waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('test-verdict').textContent(), 'does not match');
        await page.getByTestId('test-result').scrollIntoViewIfNeeded();
        await screenshot(page, 'requests');

        // The engine's rule errors show at the rule; nothing is saved.
        await page.getByTestId('rule-name-kind').selectOption('regex');
        await page.getByTestId('rule-name').fill('ui.(test');
        await page.getByTestId('rules-save').click();
        await page.getByTestId('rule-editor').getByText('match.name.regex').waitFor({ timeout: WAIT_MS });
        assert.equal(control.state().rules.some(r => r.id === 'ui.test'), false);

        // Revert drops the draft.
        await page.getByTestId('rules-revert').click();
        await page.getByTestId('rules-modified').waitFor({ state: 'detached', timeout: WAIT_MS });
        assert.equal(await list.locator('li[data-rule="ui.test"]').count(), 0);
    });
});

test('the draft survives rule changes made elsewhere', async () => {
    await world.withUi(studio, 'requests-draft', async page => {
        await openPane(page, 'requests');
        const list = page.getByTestId('rule-list');
        await list.locator('li[data-rule="hello"]').waitFor({ timeout: WAIT_MS });
        // A test verdict stays while other sections of the model change.
        await list.locator('li[data-rule="hello"]').getByTestId('rule-select').click();
        await page.getByTestId('test-name').fill('hello');
        await page.getByTestId('test-data').fill('{"who": "tests"}');
        await page.getByTestId('test-run').click();
        await page.getByTestId('test-result').and(page.locator('[data-matches="true"]')).waitFor({ timeout: WAIT_MS });
        assert.equal((await jugglerRequest(studio.juggler, 'nobody.answers', null)).success, false);
        await page.getByTestId('unmatched').locator('li[data-name="nobody.answers"]').waitFor({ timeout: WAIT_MS });
        assert.match(await page.getByTestId('test-answer').textContent(), /hello tests/);
        assert.equal(await page.getByTestId('test-missing').count(), 0);
        // A sample without the member the template reads: said, not just "hello ".
        await page.getByTestId('test-data').fill('{"whom": "tests"}');
        await page.getByTestId('test-run').click();
        await page.getByTestId('test-missing').getByText('{{data.who}} found nothing in the sample').waitFor({ timeout: WAIT_MS });

        // Unmodified, the list follows the engine.
        const rules = control.state().rules;
        await control.send('rules.set', { rules: rules.filter(r => r.id !== 'fail') });
        await list.locator('li[data-rule="fail"]').waitFor({ state: 'detached', timeout: WAIT_MS });
        // Modified, the draft stays and says the engine's rules changed.
        await list.locator('li[data-rule="hello"]').getByTestId('rule-delete').click();
        await page.getByTestId('rules-modified').waitFor({ timeout: WAIT_MS });
        await control.send('rules.set', { rules });
        await page.getByTestId('rules-stale').waitFor({ timeout: WAIT_MS });
        assert.equal(await list.locator('li[data-rule="hello"]').count(), 0);
        assert.equal(await list.locator('li[data-rule="fail"]').count(), 0);
        await page.getByTestId('rules-revert').click();
        await list.locator('li[data-rule="fail"]').waitFor({ timeout: WAIT_MS });
        await list.locator('li[data-rule="hello"]').waitFor({ timeout: WAIT_MS });
    });
});

test('a rule’s delay is set in the Delay field and saved', async () => {
    await world.withUi(studio, 'requests-delay', async page => {
        await openPane(page, 'requests');
        const list = page.getByTestId('rule-list');
        await list.locator('li[data-rule="hello"]').getByTestId('rule-select').click();
        // The number field's binding gives a number, which the form once called .trim() on.
        await page.getByTestId('rule-delay').fill('250');
        await page.getByTestId('rule-delay').press('Tab');
        await page.getByTestId('rules-modified').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('rules-save').click();
        await control.waitFor(m => m.rules.find(r => r.id === 'hello')?.delayMs === 250, 'the delay in /rules');
        await page.getByTestId('rules-modified').waitFor({ state: 'detached', timeout: WAIT_MS });
        // Emptied, the field means no delay: a change from 250; Revert brings 250 back.
        await page.getByTestId('rule-delay').fill('');
        await page.getByTestId('rules-modified').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('rules-revert').click();
        await page.getByTestId('rules-modified').waitFor({ state: 'detached', timeout: WAIT_MS });
        assert.equal(await page.getByTestId('rule-delay').inputValue(), '250');
    });
});

test('a delay longer than a rule can wait is marked at the field, in words, and not sent', async () => {
    await world.withUi(studio, 'requests-long-delay', async page => {
        await openPane(page, 'requests');
        await page.getByTestId('rule-list').locator('li[data-rule="hello"]').getByTestId('rule-select').click();
        const was = control.state().rules.find(r => r.id === 'hello').delayMs;
        const delay = page.getByTestId('rule-delay');
        await delay.fill('99999999999999');
        // It was sent and refused in a toast: "… expected u32 at line 1 column 369".
        const editor = page.getByTestId('rule-editor');
        await editor.getByText('at most 4294967295 ms (about 49 days)').waitFor({ timeout: WAIT_MS });
        assert.match(await delay.getAttribute('class'), /\binvalid\b/);
        // The whole number shows (the field cut it to its first digits), spinner aside.
        const fit = await delay.evaluate(el => {
            const cs = getComputedStyle(el);
            const ctx = document.createElement('canvas').getContext('2d');
            ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
            const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
            return { text: ctx.measureText(el.value).width, room };
        });
        assert.ok(fit.text + 20 <= fit.room, `the number (${fit.text}px) in a field with ${fit.room}px`);
        await page.getByTestId('rules-save').click();
        await page.locator('[data-testid^="toast-"]').getByText(/has problems: at most 4294967295 ms/).waitFor({ timeout: WAIT_MS });
        assert.equal(control.state().rules.find(r => r.id === 'hello').delayMs, was, 'not sent');
        await page.getByTestId('rules-revert').click();
        await page.getByTestId('rules-modified').waitFor({ state: 'detached', timeout: WAIT_MS });
    });
});

test('rule values keep every number: typed, saved, shown again and saved unchanged', async () => {
    const big = '123456789012345678901234567890';
    await world.withUi(studio, 'requests-exact', async page => {
        await openPane(page, 'requests');
        await page.getByTestId('rule-list').locator('li[data-rule="hello"]').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('rule-add').click();
        await page.getByTestId('rule-id').fill('exact');
        await page.getByTestId('rule-name').fill('ui.exact');
        await page.getByTestId('rule-data').fill('{"k": 9007199254740993}');
        await page.getByTestId('rule-action-kind').selectOption('setState');
        await page.getByTestId('rule-path').fill('["exactRule"]');
        await page.getByTestId('rule-value').fill(`{"big": ${big}, "negz": -0}`);
        await page.getByTestId('rule-respond').fill(`[${big}, -0, 9007199254740993]`);
        await page.getByTestId('rules-save').click();
        await control.waitFor(m => m.rules.some(r => r.id === 'exact'), 'the rule in /rules');
        await page.getByTestId('rules-modified').waitFor({ state: 'detached', timeout: WAIT_MS });
    });
    const saved = await control.send('rules.text');
    assert.match(saved, /"k": 9007199254740993\b/);
    assert.match(saved, new RegExp(`"big": ${big},`));
    assert.match(saved, /"negz": -0\n/);
    assert.match(saved, new RegExp(`${big},\\s*-0,\\s*9007199254740993`));

    // A fresh page shows the rule as held, unmodified; saved again, nothing changes.
    await world.withUi(studio, 'requests-exact-again', async page => {
        await openPane(page, 'requests');
        await page.getByTestId('rule-list').locator('li[data-rule="exact"]').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="rule-respond"]')?.value.includes('9007199254740993'));
        assert.match(await page.getByTestId('rule-value').inputValue(), new RegExp(`"big": ${big}, "negz": -0`));
        assert.match(await page.getByTestId('rule-data').inputValue(), /9007199254740993/);
        assert.equal(await page.getByTestId('rules-modified').count(), 0);
        // Another rule changed: the whole list goes back, this one with it.
        await page.getByTestId('rule-add').click();
        await page.getByTestId('rule-id').fill('exact-neighbour');
        await page.getByTestId('rule-name').fill('ui.neighbour');
        await page.getByTestId('rules-save').click();
        await control.waitFor(m => m.rules.some(r => r.id === 'exact-neighbour'), 'the second rule in /rules');
    });
    const again = await control.send('rules.text');
    assert.ok(again.startsWith(saved.replace(/\n\]$/, '')), `the first rules as they were:\n${again}`);
});

test('a rule made from a request and tested on it keeps every number of the request', async () => {
    const big = '123456789012345678901234567890';
    // What JSON.parse would change: an integer past 2^53 (two), -0.
    const data = `{"k": 9007199254740993, "z": -0, "big": ${big}}`;
    const refused = await jugglerRequest(studio.juggler, 'ui.exactMade', null, data);
    assert.equal(refused.success, false);
    await control.waitFor(m => m.unmatched.some(u => u.name === 'ui.exactMade'), 'the request in /unmatched');
    const shown = `{\n  "k": 9007199254740993,\n  "z": -0,\n  "big": ${big}\n}`;
    await world.withUi(studio, 'requests-exact-made', async page => {
        await openPane(page, 'requests');
        await page.getByTestId('unmatched').locator('li[data-name="ui.exactMade"]').getByTestId('make-rule').click();
        await page.getByTestId('rule-list').locator('li[data-rule="ui.exactMade"]').waitFor({ timeout: WAIT_MS });
        // The data pattern and the test sample are the request as it came.
        assert.equal(await page.getByTestId('rule-data').inputValue(), shown);
        assert.equal(await page.getByTestId('test-data').inputValue(), shown);

        // Tested, the sample goes as it is (echo answers it back) and the
        // rule's own value too.
        await page.getByTestId('rule-action-kind').selectOption('echo');
        await page.getByTestId('test-run').click();
        await page.getByTestId('test-verdict').getByText('matches', { exact: true }).waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByTestId('test-answer').textContent(), `{"k":9007199254740993,"z":-0,"big":${big}}`);
        await page.getByTestId('rule-action-kind').selectOption('respond');
        await page.getByTestId('rule-value').fill(`[${big}, -0, 9007199254740993]`);
        await page.getByTestId('test-run').click();
        await page.getByTestId('test-answer').getByText(`[${big},-0,9007199254740993]`, { exact: true }).waitFor({ timeout: WAIT_MS });
        await page.getByTestId('rules-save').click();
        await control.waitFor(m => m.rules.some(r => r.id === 'ui.exactMade'), 'the rule in /rules');
    });
    const saved = await control.send('rules.text');
    const rule = saved.slice(saved.indexOf('"ui.exactMade"'));
    assert.match(rule, new RegExp(`"data": \\{\\s*"k": 9007199254740993,\\s*"z": -0,\\s*"big": ${big}\\s*\\}`));
    // The sample as it came matches the saved rule: a juggler client gets the answer.
    const answer = await jugglerRequest(studio.juggler, 'ui.exactMade', null, data);
    assert.equal(answer.success, true);
});

test('a request from the log taken as the test sample keeps every number', async () => {
    const data = '{"k": 9007199254740993, "z": -0, "big": 123456789012345678901234567890}';
    await jugglerRequest(studio.juggler, 'ui.exactSample', null, data);
    await world.withUi(studio, 'requests-exact-sample', async page => {
        await openPane(page, 'requests');
        await page.getByTestId('rule-list').locator('li[data-rule="hello"]').click();
        await page.getByTestId('request-log').locator('tr[data-name="ui.exactSample"] button').click();
        await page.waitForFunction(() => document.querySelector('[data-testid="test-data"]')?.value.includes('"z"'));
        assert.equal(await page.getByTestId('test-name').inputValue(), 'ui.exactSample');
        assert.equal(await page.getByTestId('test-data').inputValue(),
            '{\n  "k": 9007199254740993,\n  "z": -0,\n  "big": 123456789012345678901234567890\n}');
    });
});
