// What the page spent its time on during a load: a CPU profile or a Chrome
// trace on request (BENCH_UI_PROFILE, BENCH_UI_TRACE), and always a light
// trace of its tasks' CPU time.
import fs from 'node:fs';
import path from 'node:path';
import { taskTimes } from './lib.mjs';

/**
 * With BENCH_UI_PROFILE=DIR, a CPU profile of the page (Chrome DevTools'
 * `.cpuprofile`) for each load, to find what a slow run spent its time on.
 */
export async function profile(ui, label) {
    if (process.env.BENCH_UI_TRACE) return trace(ui, label, process.env.BENCH_UI_TRACE);
    const dir = process.env.BENCH_UI_PROFILE;
    if (!dir) return async () => {};
    await ui.cdp.send('Profiler.enable');
    await ui.cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await ui.cdp.send('Profiler.start');
    return async () => {
        const { profile: p } = await ui.cdp.send('Profiler.stop');
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${label.replace(/\W+/g, '_')}-${Date.now()}.cpuprofile`);
        fs.writeFileSync(file, JSON.stringify(p));
        console.log(`profile: ${file}`);
    };
}

/**
 * A light Chrome trace of the page's tasks (category `toplevel`) during a
 * load, for each task's CPU time beside its wall time (`taskTimes`); none
 * while BENCH_UI_TRACE or BENCH_UI_PROFILE takes the browser's tracing.
 */
export async function taskTrace(ui) {
    if (process.env.BENCH_UI_TRACE || process.env.BENCH_UI_PROFILE) return async () => null;
    // Kept in the browser until the end (not streamed to us during the load, which costs the CPUs measured).
    await ui.cdp.send('Tracing.start', { categories: 'toplevel', transferMode: 'ReturnAsStream', streamFormat: 'json' });
    return async () => {
        const done = new Promise((resolve) => ui.cdp.once('Tracing.tracingComplete', resolve));
        await ui.cdp.send('Tracing.end');
        const { stream } = await done;
        let text = '';
        for (;;) {
            const chunk = await ui.cdp.send('IO.read', { handle: stream, size: 1 << 20 });
            text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString('utf8') : chunk.data;
            if (chunk.eof) break;
        }
        await ui.cdp.send('IO.close', { handle: stream });
        const parsed = JSON.parse(text);
        return taskTimes(Array.isArray(parsed) ? parsed : parsed.traceEvents);
    };
}

/** With BENCH_UI_TRACE=DIR, a Chrome trace (DevTools' Performance panel loads it) of each load instead. */
async function trace(ui, label, dir) {
    const events = [];
    const onData = ({ value }) => events.push(...value);
    ui.cdp.on('Tracing.dataCollected', onData);
    await ui.cdp.send('Tracing.start', {
        categories: process.env.BENCH_UI_TRACE_CATEGORIES ?? 'devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing',
        transferMode: 'ReportEvents',
    });
    return async () => {
        const done = new Promise((resolve) => ui.cdp.once('Tracing.tracingComplete', resolve));
        await ui.cdp.send('Tracing.end');
        await done;
        ui.cdp.off('Tracing.dataCollected', onData);
        fs.mkdirSync(dir, { recursive: true });
        const file = path.join(dir, `${label.replace(/\W+/g, '_')}-${Date.now()}.trace.json`);
        fs.writeFileSync(file, JSON.stringify({ traceEvents: events }));
        console.log(`trace: ${file}`);
    };
}
