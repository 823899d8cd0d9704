// The Client pane: the studio connects to a juggler server (its own
// embedded one, serving the demo workspace) as a remote session, mirrors its
// state as a tree with a per-path change history, sends requests with the
// composer, runs several sessions as tabs, and refuses a URL that is not a
// WebSocket one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setupWithStudio, openPane, screenshot, WAIT_MS } from './harness.mjs';

let world;
let studio;
let control;
before(async () => ({ world, studio, control } = await setupWithStudio()));
after(async () => world?.close());

const remotes = m => Object.values(m.remotes ?? {});

test('the Client pane connects to a juggler server, mirrors its state and sends requests', async () => {
    assert.match(studio.juggler, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    await world.withUi(studio, 'client', async page => {
        await openPane(page, 'client');

        // The empty state teaches the next step and fills in the studio's own server.
        const empty = page.getByTestId('client-empty');
        await empty.getByText(studio.juggler).waitFor({ timeout: WAIT_MS });
        await empty.getByTestId('client-use-studio').click();
        assert.equal(await page.getByTestId('client-url').inputValue(), studio.juggler);
        await page.getByTestId('client-connect').click();

        // A tab, connected, with the demo state in the tree.
        await page.getByTestId('client-tab-r1').waitFor({ timeout: WAIT_MS });
        const s1 = page.getByTestId('session-r1');
        await s1.getByTestId('client-status').getByText('connected', { exact: true }).waitFor({ timeout: WAIT_MS });
        const tree = s1.getByTestId('remote-tree');
        await tree.getByText('Pump station (demo)').waitFor({ timeout: WAIT_MS });
        const model = await control.waitFor(m => remotes(m).some(r => r.status.kind === 'connected'), 'r1 connected');
        assert.equal(model.remotes.r1.target.url, studio.juggler);

        // A change of the embedded state reaches the tree and the change history.
        await control.send('state.set', { path: ['clientTest'], value: 42 });
        await tree.getByText('clientTest').waitFor({ timeout: WAIT_MS });
        const changes = s1.getByTestId('client-changes');
        await changes.locator('li', { hasText: '/clientTest · 42' }).waitFor({ timeout: WAIT_MS });

        // Selecting a node filters the history to it and below.
        await control.send('state.set', { path: ['title'], value: 'Renamed' });
        await tree.getByText('Renamed').waitFor({ timeout: WAIT_MS });
        await changes.locator('li', { hasText: '/title · "Renamed"' }).waitFor({ timeout: WAIT_MS });
        await tree.getByText('clientTest', { exact: true }).click();
        await s1.getByTestId('client-changes-all').waitFor({ timeout: WAIT_MS });
        await changes.locator('li', { hasText: '/title' }).waitFor({ state: 'detached', timeout: WAIT_MS });
        assert.equal(await changes.locator('li', { hasText: '/clientTest · 42' }).count(), 1);
        await s1.getByTestId('client-changes-all').click();
        await changes.locator('li', { hasText: '/title' }).waitFor({ timeout: WAIT_MS });

        // The composer: invalid JSON is flagged; a request the demo's rules answer.
        await s1.getByTestId('composer-name').fill('hello');
        await s1.getByTestId('composer-data').fill('{"who": ');
        await s1.getByTestId('composer-data-error').waitFor({ timeout: WAIT_MS });
        assert.equal(await s1.getByTestId('composer-send').isDisabled(), true);
        await s1.getByTestId('composer-data').fill('{"who": "client"}');
        await s1.getByTestId('composer-data').press('Control+Enter');
        const result = s1.getByTestId('composer-result');
        await result.getByText('hello client').waitFor({ timeout: WAIT_MS });
        await result.getByText(/rtt \d+(\.\d+)? ms/).waitFor({ timeout: WAIT_MS });
        await s1.getByTestId('composer-history').getByText('hello', { exact: true }).waitFor({ timeout: WAIT_MS });
        // The remote's error shows too.
        await s1.getByTestId('composer-name').fill('fail');
        await s1.getByTestId('composer-data').fill('');
        await s1.getByTestId('composer-send').click();
        await result.getByText('this rule always answers with an error').waitFor({ timeout: WAIT_MS });
        await control.waitFor(m => m.remotes.r1?.requests.length === 2, 'two requests in /remotes/r1/requests');

        // Notifications the server sends arrive, newest first, filtered by name.
        await control.send('notify.send', { name: 'alarm', data: { text: 'Pump P2 pressure low' } });
        await control.send('notify.send', { name: 'log', data: { text: 'hello from the studio' } });
        const notes = s1.getByTestId('client-notifications');
        await notes.locator('li', { hasText: 'log' }).waitFor({ timeout: WAIT_MS });
        await notes.locator('li', { hasText: 'alarm' }).waitFor({ timeout: WAIT_MS });
        assert.match(await notes.locator('li').first().textContent(), /log/);
        await s1.getByTestId('client-notify-filter').fill('ALA');
        await notes.locator('li', { hasText: 'log' }).waitFor({ state: 'detached', timeout: WAIT_MS });
        assert.equal(await notes.locator('li').count(), 1);
        await s1.getByTestId('client-notify-filter').fill('');

        await screenshot(page, 'client');

        // A second session to the same URL: two tabs.
        await page.getByTestId('client-tab-new').click();
        assert.equal(await page.getByTestId('client-url').inputValue(), studio.juggler);
        await page.getByTestId('client-connect').click();
        await page.getByTestId('client-tab-r2').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('session-r2').getByTestId('client-status').getByText('connected', { exact: true }).waitFor({ timeout: WAIT_MS });
        assert.equal(await page.getByRole('tablist', { name: 'Remote sessions' }).locator('[data-testid^="client-tab-r"]').count(), 2);
        await control.waitFor(m => remotes(m).length === 2, 'two sessions');
        // Told apart: the same label twice could not be.
        const hostPort = new URL(studio.juggler).host;
        assert.equal(await page.getByTestId('client-tab-label-r1').textContent(), hostPort);
        assert.equal(await page.getByTestId('client-tab-label-r2').textContent(), `${hostPort} #2`);

        // Closing a tab disconnects its session.
        await page.getByTestId('client-tab-close-r1').click();
        await page.getByTestId('client-tab-r1').waitFor({ state: 'detached', timeout: WAIT_MS });
        const after = await control.waitFor(m => remotes(m).length === 1, 'one session left');
        assert.deepEqual(Object.keys(after.remotes), ['r2']);

        // A URL that is not ws:// or wss:// is refused with a reason.
        await page.getByTestId('client-tab-new').click();
        await page.getByTestId('client-url').fill('http://x');
        await page.getByTestId('client-url-error').getByText('ws:// or wss://').waitFor({ timeout: WAIT_MS });
        await page.getByTestId('client-connect').click();
        assert.equal(await page.locator('[data-testid^="client-tab-r"]').count(), 1);
        assert.equal(remotes(control.state()).length, 1);
    });
});

test('bookmarks are saved with the workspace and fill the form', async () => {
    await world.withUi(studio, 'client-bookmarks', async page => {
        await openPane(page, 'client');
        await page.getByTestId('client-tab-new').click();
        await page.getByTestId('client-url').fill('ws://127.0.0.1:1/ws');
        await page.getByLabel('User (Basic auth)').fill('ann');
        await page.getByTestId('client-bookmark').click();
        await page.getByTestId('client-bookmark-name').fill('nowhere');
        await page.getByTestId('client-bookmark-save').click();
        const m = await control.waitFor(m => m.workspace.remotes.length === 1, 'a bookmark in /workspace/remotes');
        // No generation chosen: the bookmark leaves it to the server to tell.
        assert.deepEqual(m.workspace.remotes[0], { name: 'nowhere', url: 'ws://127.0.0.1:1/ws', user: 'ann', trust: 'system' });
        await page.getByTestId('client-url').fill('');
        await page.getByTestId('client-bookmarks').getByText('nowhere').click();
        assert.equal(await page.getByTestId('client-url').inputValue(), 'ws://127.0.0.1:1/ws');
        assert.equal(await page.getByLabel('User (Basic auth)').inputValue(), 'ann');
    });
});

test('the tree shows a number a double cannot hold as the server sent it', async () => {
    const big = '123456789012345678901234567890';
    await control.send('state.setText', { path: ['exact'], text: `{"big": ${big}, "list": [1, -0.0]}` });
    const { id } = await control.send('remote.connect', { target: { url: studio.juggler } });
    await control.waitFor(m => m.remotes?.[id]?.state?.exact?.list?.length === 2, 'the session to mirror the state');
    await world.withUi(studio, 'client-exact', async page => {
        await openPane(page, 'client');
        await page.getByTestId(`client-tab-${id}`).click();
        const tree = page.getByTestId(`session-${id}`).getByTestId('remote-tree');
        await tree.getByText('exact', { exact: true }).waitFor({ timeout: WAIT_MS });
        const shown = tree.getByTestId('exact-number');
        // The numbers that JSON.parse would round or print as 0.
        await shown.getByText(big, { exact: true }).waitFor({ timeout: WAIT_MS });
        await shown.getByText('-0.0', { exact: true }).waitFor({ timeout: WAIT_MS });
        assert.equal(await tree.getByText('1.2345678901234568e+29').count(), 0);
    });
    await control.send('remote.disconnect', { id });
});

/** Connects a session to the studio's own server and runs `body(page, s)`
 * in the UI with its tab (`s`) open; then disconnects it. */
async function withSession(name, body) {
    const { id } = await control.send('remote.connect', { target: { url: studio.juggler } });
    await control.waitFor(m => m.remotes?.[id]?.status.kind === 'connected', 'the session to connect');
    await world.withUi(studio, name, async page => {
        await openPane(page, 'client');
        await page.getByTestId(`client-tab-${id}`).click();
        await body(page, page.getByTestId(`session-${id}`), id);
    });
    await control.send('remote.disconnect', { id });
}

test('the composer sends every number as typed', async () => {
    await withSession('client-composer-exact', async (page, s) => {
        await s.getByTestId('composer-name').fill('exactRequest');
        // What JSON.parse would change: an integer past 2^53 (two), -0.
        await s.getByTestId('composer-data').fill('[123456789012345678901234567890, 9007199254740993, -0]');
        await s.getByTestId('composer-send').click();
        await s.getByTestId('composer-result').waitFor({ timeout: WAIT_MS });
    });
    // The studio's own server got the request: its traffic log holds the
    // data as it arrived (a string here, which JSON.parse does not round).
    const log = await control.send('traffic.export', {});
    const line = log.split('\n').find(l => l.includes('exactRequest'));
    assert.ok(line, `exactRequest in the traffic log:\n${log}`);
    assert.match(line, /\[123456789012345678901234567890,9007199254740993,-0\]/);
});

test('the composer shows an answer and loads a sent request back with every number', async () => {
    // An echo rule on the studio's own server, beside the others.
    const rules = await control.send('rules.text');
    const echo = '{"id": "exact-echo", "match": {"name": {"exact": "exactEcho"}}, "action": "echo"}';
    await control.send('rules.set', { rulesText: rules.replace(/\]\s*$/, `${/^\[\s*\]$/.test(rules.trim()) ? '' : ','} ${echo}]`) });
    // What JSON.parse would change: an integer past 2^53 (two), -0.
    const shown = '[\n  123456789012345678901234567890,\n  9007199254740993,\n  -0\n]';
    await withSession('client-composer-exact-load', async (page, s, id) => {
        await s.getByTestId('composer-name').fill('exactEcho');
        await s.getByTestId('composer-data').fill('[123456789012345678901234567890, 9007199254740993, -0]');
        await s.getByTestId('composer-send').click();
        await s.getByTestId('composer-result').locator('pre').waitFor({ timeout: WAIT_MS });
        assert.equal(await s.getByTestId('composer-result').locator('pre').textContent(), shown);
        await control.waitFor(m => m.remotes[id].requests.length === 1, 'the request in the history');

        // Loaded back from the history, the data is as sent; sent again, it goes so.
        await s.getByTestId('composer-name').fill('other');
        await s.getByTestId('composer-data').fill('');
        await s.getByTestId('composer-history').getByText('exactEcho', { exact: true }).click();
        await page.waitForFunction(id => document.querySelector(`[data-testid="session-${id}"] [data-testid="composer-data"]`)?.value.includes('-0'), id);
        assert.equal(await s.getByTestId('composer-data').inputValue(), shown);
        assert.equal(await s.getByTestId('composer-name').inputValue(), 'exactEcho');
        await s.getByTestId('composer-send').click();
        await control.waitFor(m => m.remotes[id].requests.length === 2, 'the second request in the history');
    });
    // Both requests reached the studio's server as typed (its traffic log's
    // text; the session's own entries are left out).
    const log = await control.send('traffic.export', {});
    const lines = log.split('\n').filter(l => l.includes('exactEcho') && l.includes('"peer":{"connection"'));
    assert.equal(lines.length, 2, `two exactEcho requests in the traffic log:\n${log}`);
    for (const line of lines) assert.match(line, /\[123456789012345678901234567890,9007199254740993,-0\]/);
    await control.send('rules.set', { rulesText: rules });
});

test('a session the server refuses for good stops, says why and offers Reconnect', async () => {
    await world.withUi(studio, 'client-stopped', async page => {
        await openPane(page, 'client');
        await page.getByTestId('client-tab-new').click();
        const url = studio.juggler.replace(/\/ws$/, '/not-here');
        await page.getByTestId('client-url').fill(url);
        await page.getByTestId('client-connect').click();
        const m = await control.waitFor(m => remotes(m).find(r => r.target.url === url && r.status.kind === 'stopped'), 'a stopped session');
        const { id } = remotes(m).find(r => r.target.url === url);
        const s = page.getByTestId(`session-${id}`);
        await s.getByTestId('client-status').getByText(/^stopped: .*404/).waitFor({ timeout: WAIT_MS });
        await s.getByTestId('client-reconnect').click();
        await control.waitFor(m => m.remotes?.[id]?.status.kind === 'connecting' || m.remotes?.[id]?.status.kind === 'stopped', 'tried again');
        await s.getByTestId('client-status').getByText(/^stopped: /).waitFor({ timeout: WAIT_MS });

        // The stopped session's form holds where it tried; fixed, Reconnect
        // takes it to the same session (its tab, its list of requests).
        await control.send('remote.send', { id, name: 'whileStopped' }).catch(() => {});
        const field = s.getByTestId(`client-retarget-${id}-url`);
        assert.equal(await field.inputValue(), url);
        await field.fill('http://x');
        await s.getByTestId(`client-retarget-${id}-url-error`).getByText('ws:// or wss://').waitFor({ timeout: WAIT_MS });
        await field.fill(studio.juggler);
        await s.getByTestId('client-reconnect').click();
        const done = await control.waitFor(m => m.remotes?.[id]?.status.kind === 'connected' && m, 'the same session connected to the fixed URL');
        assert.equal(done.remotes[id].target.url, studio.juggler);
        assert.equal(remotes(done).filter(r => r.id === id).length, 1);
        assert.ok(done.remotes[id].requests.some(r => r.name === 'whileStopped'), 'the session kept its requests');
        await s.getByTestId('client-status').getByText(/^connected/).waitFor({ timeout: WAIT_MS });
        assert.equal(await s.getByTestId('client-retarget').count(), 0);
        await screenshot(page, 'client-reconnected');
    });
});
