// The widgets that show a value: value, lamp, gauge, json and text.

import * as u from '@hat-open/util';
import {formatValue} from '../format.js';

/** A value, formatted, with its unit. */
export function valueView(w, value) {
    return ['div.value',
        ['span.number', formatValue(value, w)],
        w.unit && value !== undefined ? ['span.unit', w.unit] : []];
}

/** A lamp: the first entry of `colors` equal to the value gives the
 * colour and the label; else true is on (green), false off (grey). */
export function lampView(w, value) {
    const entry = (w.colors ?? []).find(c => u.equals(c.value, value));
    const color = entry?.color
        ?? (value === true ? 'var(--ok)' : value === false ? 'var(--off)' : 'var(--unknown)');
    const label = entry?.label ?? formatValue(value);
    return ['div.lamp',
        ['span.bulb', {class: {lit: entry != null || value === true}, style: {backgroundColor: color}}],
        ['span.lamp-label', label]];
}

/** The colour of `value` on a gauge: the last threshold it reaches. */
export function thresholdColor(thresholds, value) {
    let color = 'var(--accent)';
    for (const t of thresholds ?? []) {
        if (value >= Number(t.from)) color = t.color;
    }
    return color;
}

/** A number between min and max, as a half circle or a bar. */
export function gaugeView(w, value) {
    const min = Number(w.min);
    const max = Number(w.max);
    const number = typeof value === 'number' ? value : null;
    const fraction = number == null ? 0 : Math.max(0, Math.min(1, (number - min) / (max - min)));
    const color = number == null ? 'var(--muted)' : thresholdColor(w.thresholds, number);
    const text = ['div.gauge-value',
        ['span.number', formatValue(value, w)],
        w.unit && value !== undefined ? ['span.unit', w.unit] : []];
    const scale = ['div.gauge-scale', ['span', formatValue(min, w)], ['span', formatValue(max, w)]];
    if (w.style === 'bar') {
        return ['div.gauge.bar-gauge', text,
            ['div.bar', ['div.fill', {style: {width: `${fraction * 100}%`, backgroundColor: color}}]],
            scale];
    }
    return ['div.gauge.arc-gauge',
        ['svg', {attrs: {viewBox: '0 0 100 56', role: 'img', 'aria-label': formatValue(value, w)}},
            ['path.track', {attrs: {d: arc(1)}}],
            fraction > 0 ? ['path.level', {attrs: {d: arc(fraction), stroke: color}}] : []],
        text, scale];
}

/** The SVG path of a half circle filled to `fraction`, left to right. */
function arc(fraction) {
    const angle = Math.PI * fraction;
    const x = 50 - 42 * Math.cos(angle);
    const y = 50 - 42 * Math.sin(angle);
    return `M 8 50 A 42 42 0 0 1 ${x.toFixed(2)} ${y.toFixed(2)}`;
}

/** Indented JSON, cut at a length that keeps the page quick. */
const MAX_JSON_CHARS = 20000;

export function jsonView(w, value) {
    if (value === undefined) return ['pre.json', '–'];
    let text = JSON.stringify(value, null, 2);
    if (text.length > MAX_JSON_CHARS) text = text.slice(0, MAX_JSON_CHARS) + '\n…';
    return ['pre.json', text];
}

export function textView(w) {
    return w.style === 'heading' ? ['p.heading', w.text] : ['p.text', w.text];
}
