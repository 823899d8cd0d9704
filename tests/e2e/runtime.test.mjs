// The dashboard runtime's pure modules (crates/studio/runtime/), in Node:
// paths read the state as the engine's `BoundPath::lookup` does, templates
// fill as the studio's rule templates do, values format as documented, and
// the trends' memory stays bounded whatever the rate of change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lookup, pathText } from '../../crates/studio/runtime/paths.js';
import { fill, fillText } from '../../crates/studio/runtime/template.js';
import { formatValue, formatWithUnit, MISSING } from '../../crates/studio/runtime/format.js';
import { BUCKETS, SeriesBuffer, Trends } from '../../crates/studio/runtime/trends.js';

test('paths: pointers and juggler paths, as the engine reads them', () => {
    const state = { 'a/b': { 'c~d': 1 }, list: [{ x: true }, 2], '': { '': 5 }, n: null };
    assert.equal(lookup(state, '/a~1b/c~0d'), 1);
    assert.equal(lookup(state, ['a/b', 'c~d']), 1);
    assert.equal(lookup(state, '/list/0/x'), true);
    assert.equal(lookup(state, ['list', 1]), 2);
    assert.equal(lookup(state, ['list', '1']), undefined, 'a key is no index');
    assert.equal(lookup(state, '/list/01'), undefined, 'no leading zeros');
    assert.equal(lookup(state, '/list/-'), undefined);
    assert.equal(lookup(state, '//'), 5);
    assert.equal(lookup(state, ''), state);
    assert.equal(lookup(state, []), state);
    assert.equal(lookup(state, '/nope'), undefined);
    assert.equal(lookup(state, '/n'), null, 'null is a value');
    assert.equal(lookup(state, 'n'), undefined, 'not a pointer');
    assert.equal(lookup(state, '/list/length'), undefined, 'no inherited members');
    assert.equal(lookup(state, '/a~1b/constructor'), undefined);
    assert.equal(pathText(['a/b', 0, 'c~']), '/a~1b/0/c~0');
    assert.equal(pathText('/x'), '/x');
});

test('templates: a whole placeholder keeps its type, text gets text', () => {
    const row = { id: 7, name: 'Pump "1"', tags: ['a', 'b'] };
    assert.deepEqual(fill({ id: '{{row.id}}', all: '{{row}}', last: '{{row.tags.-1}}' }, { row }),
        { id: 7, all: row, last: 'b' });
    assert.deepEqual(fill('Ack {{row.name}} ({{row.id}}, {{row.tags}})', { row }),
        'Ack Pump "1" (7, ["a","b"])');
    assert.deepEqual(fill({ '{{row.name}}': ['{{value}}', '{{ value }}'] }, { row, value: false }),
        { 'Pump "1"': [false, false] });
    assert.equal(fill('{{row.missing}}', { row }), null);
    assert.equal(fill('x{{row.missing}}y', { row }), 'xy');
    assert.equal(fill('{{data.id}} {{row.}}', { row }), '{{data.id}} {{row.}}', 'unknown names stay');
    assert.equal(fill('{{value', { value: 1 }), '{{value');
    assert.equal(fill(3, {}), 3);
    assert.equal(fill(null, {}), null);
    const now = fill({ at: '{{now}}', ms: '{{nowMs}}' }, {});
    assert.match(now.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(typeof now.ms, 'number');
    assert.equal(fillText('Set {{value}}?', { value: 75 }), 'Set 75?');
});

test('formats: auto, number, text, json, datetime, boolean, units', () => {
    assert.equal(formatValue(undefined), MISSING);
    assert.equal(formatValue(42.5), '42.5');
    assert.equal(formatValue(42.5, { decimals: 0 }), '43');
    assert.equal(formatValue(1 / 3, { decimals: 2 }), '0.33');
    assert.equal(formatValue('on'), 'on');
    assert.equal(formatValue(null), 'null');
    assert.equal(formatValue({ a: 1 }), '{"a":1}');
    assert.equal(formatValue(1234.5, { format: 'number', decimals: 1 }), (1234.5).toLocaleString(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 }));
    assert.equal(formatValue('x', { format: 'number' }), 'x');
    assert.equal(formatValue(5, { format: 'text' }), '5');
    assert.equal(formatValue('5', { format: 'json' }), '"5"');
    assert.equal(formatValue(true, { format: 'boolean' }), 'yes');
    assert.equal(formatValue(false, { format: 'boolean' }), 'no');
    assert.equal(formatValue('2026-01-02T03:04:05Z', { format: 'datetime' }), new Date('2026-01-02T03:04:05Z').toLocaleString());
    assert.equal(formatValue('soon', { format: 'datetime' }), 'soon');
    assert.equal(formatWithUnit(3, { unit: '%' }), '3 %');
    assert.equal(formatWithUnit(undefined, { unit: '%' }), MISSING);
});

test('trends: a bucket keeps first, min, max and last; memory is bounded', () => {
    const windowMs = 60000;
    const b = new SeriesBuffer(windowMs, 60);
    // One bucket (1 s) with a spike: all four kept, in time order.
    b.add(1000, 5);
    b.add(1100, 9);
    b.add(1200, 1);
    b.add(1300, 4);
    assert.deepEqual(b.points(), [[1000, 5], [1100, 9], [1200, 1], [1300, 4]]);
    // 100 changes a second for ten minutes: at most 4 points per bucket,
    // buckets only of the last minute.
    for (let t = 2000; t < 602000; t += 10) b.add(t, Math.sin(t));
    assert.ok(b.buckets.length <= 61, `${b.buckets.length} buckets`);
    assert.ok(b.points().length <= 4 * 61);
    assert.ok(b.points()[0][0] >= 602000 - windowMs - 1000);
    assert.equal(BUCKETS, 300);
});

test('trends: the polyline is in the series own units, made once per change', () => {
    const b = new SeriesBuffer(60000, 60, 500);
    b.add(1000, 5);
    b.add(1100, 9);
    b.add(2500, 1.5);
    const text = b.polyline();
    assert.equal(text, '500,5 600,9 2000,1.5');
    assert.equal(b.polyline(), text, 'the same string until something changes');
    b.add(2600, 2);
    assert.equal(b.polyline(), '500,5 600,9 2000,1.5 2100,2');
    // Far from the origin the origin moves up (SVG keeps 32-bit floats).
    b.add(500 + 9 * 60000, 7);
    assert.equal(b.origin, 500 + 8 * 60000);
    assert.equal(b.polyline(), '60000,7');
});

test('trends: every series is sampled; buffers follow the dashboard', () => {
    const trends = new Trends();
    const widget = { id: 't', type: 'trend', windowMinutes: 1, series: [{ path: '/a' }, { path: ['b', 0] }] };
    trends.follow([widget, { id: 'v', type: 'value', path: '/a' }]);
    trends.sample({ a: 1, b: [2] }, 1000);
    trends.sample({ a: 'x', b: [3] }, 2000);
    trends.sample(null, 3000);
    assert.deepEqual(trends.buffer(widget, 0).points(), [[1000, 1]]);
    assert.deepEqual(trends.buffer(widget, 1).points(), [[1000, 2], [2000, 3]]);
    const kept = trends.buffer(widget, 0);
    trends.follow([{ ...widget, title: 'renamed' }]);
    assert.equal(trends.buffer(widget, 0), kept, 'the same series keeps its samples');
    trends.follow([{ ...widget, windowMinutes: 5 }]);
    assert.notEqual(trends.buffer({ ...widget, windowMinutes: 5 }, 0), kept, 'a new window starts anew');
    trends.follow([]);
    assert.equal(trends.series.size, 0);
});
