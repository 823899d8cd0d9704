// Injected into the dashboard page before its own scripts (Playwright's
// addInitScript): it watches the page with the browser's own timeline and
// keeps what it saw in `window.__bench` for run.mjs to read.
//
// - animation frames (requestAnimationFrame timestamps) and long tasks
//   (PerformanceObserver 'longtask'), while recording;
// - every juggler `state` message the page receives;
// - each render of the page's renderer and how long it took (`hook()`,
//   called by run.mjs once the runtime has started).
(() => {
    const b = {
        recording: false,
        frames: [],
        longtasks: [],
        states: [],
        renders: [],
    };
    window.__bench = b;

    const frame = t => {
        if (b.recording) b.frames.push(t);
        requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);

    new PerformanceObserver(list => {
        if (!b.recording) return;
        for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: false });

    const NativeWebSocket = window.WebSocket;
    window.WebSocket = class extends NativeWebSocket {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', ev => {
                // 0.6 frames are the message; 0.7 frames start with a
                // segment mark ('0' for a last segment).
                if (b.recording && typeof ev.data === 'string'
                    && (ev.data.startsWith('{"type":"state"') || ev.data.startsWith('0{"type":"state"'))) {
                    b.states.push(performance.now());
                }
            });
        }
    };

    /** Times every render of the page's renderer. */
    b.hook = () => {
        const r = window.__hat_default_renderer;
        const render = r.render.bind(r);
        r.render = () => {
            const t0 = performance.now();
            render();
            if (b.recording) b.renders.push([t0, performance.now() - t0]);
        };
    };
})();
