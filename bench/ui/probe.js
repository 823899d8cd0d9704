// Injected into the studio page before its own scripts (Playwright's
// addInitScript): it watches the page with the browser's own timeline and
// keeps what it saw in `window.__bench` for run.mjs to read.
//
// - Every WebSocket message: a leaf value `bench-N-…` in a `state` message
//   records when change N arrived; a traffic entry in any other message (a
//   row `[seq,timeMs,{peer}…` of a `traffic` event, or an object
//   `"seq":N,"timeMs":T` of a `traffic.query` answer) records when entry N
//   arrived (the newest of the message).
// - A MutationObserver on the document: when a leaf value `bench-N-…`
//   appears in the DOM under the watched element, when change N was shown;
//   the newest traffic row (`data-seq`) in the watched element, when it was
//   shown.
// - Long tasks (PerformanceObserver 'longtask') and animation frames
//   (requestAnimationFrame timestamps) while recording.
(() => {
    const LEAF = /bench-(\d+)-/g;
    const SEQ_TIME = /"seq":(\d+),"timeMs":([\d.]+)/g;
    const ROW = /\[(\d+),([\d.]+),\{"(?:connection|remote|proxy)"/g;
    const b = {
        arrivals: [], // [n, t]: change n arrived in a state message
        shown: [], // [n, t]: change n appeared in the DOM
        seqArrivals: [], // [maxSeq, t]
        seqShown: [], // [maxSeq, t]
        seqTimes: [], // seq, timeMs (the engine's clock), seq, timeMs…
        bigMessages: [], // [t, length] of messages over 1 MB
        longtasks: [], // [start, duration]
        frames: [],
        recording: false,
        watch: null, // CSS selector of the element whose DOM is watched
        firstStateAt: null,
        seen: new Set(),
        shownSet: new Set(),
        maxShownSeq: -1,
    };
    window.__bench = b;

    const NativeWebSocket = window.WebSocket;
    window.WebSocket = class extends NativeWebSocket {
        constructor(...args) {
            super(...args);
            // Registered before the page's own handler: runs first.
            this.addEventListener('message', (ev) => {
                const t = performance.now();
                const text = ev.data;
                if (typeof text !== 'string') return;
                const isState = text.startsWith('{"type":"state"');
                if (isState && b.firstStateAt === null) b.firstStateAt = t;
                // A big document arrived (a state diff or an answer): when and how big.
                if (text.length > 1e6) b.bigMessages.push([t, text.length]);
                if (isState && text.includes('bench-')) {
                    for (const m of text.matchAll(LEAF)) {
                        const n = Number(m[1]);
                        if (!b.seen.has(n)) {
                            b.seen.add(n);
                            b.arrivals.push([n, t]);
                        }
                    }
                }
                const rows = !isState && text.includes('"traffic"');
                if (rows || (!isState && text.includes('"seq":'))) {
                    let max = -1;
                    for (const m of text.matchAll(rows ? ROW : SEQ_TIME)) {
                        const seq = Number(m[1]);
                        max = Math.max(max, seq);
                        if (b.recording) b.seqTimes.push(seq, Number(m[2]));
                    }
                    if (max >= 0) b.seqArrivals.push([max, t]);
                }
            });
        }
    };

    function scan(root, t) {
        if (!b.watch) return;
        const el = root.nodeType === 1 ? root : root.parentElement;
        if (!el || !el.closest(b.watch)) return;
        const text = root.textContent ?? '';
        if (text.includes('bench-')) {
            for (const m of text.matchAll(LEAF)) {
                const n = Number(m[1]);
                if (!b.shownSet.has(n)) {
                    b.shownSet.add(n);
                    b.shown.push([n, t]);
                }
            }
        }
    }

    function newestRow(t) {
        const rows = document.querySelectorAll(`${b.watch} [data-seq]`);
        let max = -1;
        for (const r of rows) max = Math.max(max, Number(r.dataset.seq));
        if (max > b.maxShownSeq) {
            b.maxShownSeq = max;
            b.seqShown.push([max, t]);
        }
    }

    // The rows are looked at once a frame (as painted), with the time of the first change.
    let rowsChangedAt = null;
    const observer = new MutationObserver((records) => {
        const t = performance.now();
        for (const r of records) {
            if (r.type === 'characterData') scan(r.target, t);
            else if (r.type === 'childList') for (const n of r.addedNodes) scan(n, t);
            // Rows added, or rows that took other entries (a new data-seq).
            if (r.type !== 'characterData' && b.watchRows && rowsChangedAt === null) rowsChangedAt = t;
        }
    });
    const start = () =>
        observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-seq'] });
    if (document.documentElement) start();
    else document.addEventListener('readystatechange', start, { once: true });

    try {
        new PerformanceObserver((list) => {
            for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
        }).observe({ type: 'longtask', buffered: true });
    } catch {
        /* no long task API: reported as missing */
    }

    function frame(t) {
        if (b.recording) b.frames.push(t);
        if (rowsChangedAt !== null) {
            newestRow(rowsChangedAt);
            rowsChangedAt = null;
        }
        requestAnimationFrame(frame);
    }
    requestAnimationFrame(frame);

    /** Resolves with the time `selector` first matches an element whose text matches `pattern` (null after `timeoutMs`). */
    b.when = (selector, pattern, timeoutMs) =>
        new Promise((resolve) => {
            setTimeout(() => resolve(null), timeoutMs);
            const re = new RegExp(pattern);
            const check = () => {
                for (const el of document.querySelectorAll(selector)) {
                    // Trimmed: Svelte keeps a space before a block that renders nothing.
                    if (re.test((el.textContent ?? '').trim())) return true;
                }
                return false;
            };
            if (check()) return resolve(performance.now());
            const mo = new MutationObserver(() => {
                if (check()) {
                    mo.disconnect();
                    resolve(performance.now());
                }
            });
            mo.observe(document, { subtree: true, childList: true, characterData: true });
        });
})();
