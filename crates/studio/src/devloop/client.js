// Juggler Studio's client in the pages it serves under development (never
// in your files: the studio adds its script tag to the HTML it sends).
// It does two things over its own WebSocket (not the dashboard's juggler
// connection on /ws):
// - live reload: a changed stylesheet is swapped in place (the page and its
//   juggler connection stay), any other change reloads the page;
// - the dashboard's console: uncaught errors, unhandled rejections,
//   console.error / console.warn, failed loads and failed fetch /
//   XMLHttpRequest calls go to the studio's Console, with their URL, line
//   and column.
// Switch it off for one page with `?studio=off`, or for a workspace with
// `"liveReload": false`. A strict Content-Security-Policy needs
// `script-src 'self'` and `connect-src 'self'` (see the README).
(function () {
    'use strict';
    if (window.__jugglerStudio) return;
    const me = document.currentScript;
    const base = new URL(me && me.src ? me.src : '/', location.href);
    const socketUrl = (base.protocol === 'https:' ? 'wss://' : 'ws://') + base.host + '/__studio/socket';
    const MAX_QUEUED = 100;
    const MAX_TEXT = 4096;
    const queue = [];
    let socket = null;
    let retry = 500;

    const studio = window.__jugglerStudio = { reloads: 0, cssSwaps: 0, connected: false };

    function send(message) {
        const text = JSON.stringify(message);
        if (socket && socket.readyState === 1) socket.send(text);
        else if (queue.length < MAX_QUEUED) queue.push(text);
    }

    function describe(value) {
        if (value instanceof Error) return value.name + ': ' + value.message;
        if (typeof value === 'string') return value;
        try { return JSON.stringify(value); } catch (e) { return String(value); }
    }

    function report(level, message, extra) {
        const entry = { type: 'console', level: level, message: String(message).slice(0, MAX_TEXT) };
        for (const key in extra || {}) if (extra[key] != null) entry[key] = extra[key];
        if (typeof entry.stack === 'string') entry.stack = entry.stack.slice(0, MAX_TEXT);
        send(entry);
    }

    // Errors, and failed loads (which do not bubble: caught on the way down).
    window.addEventListener('error', function (event) {
        const target = event.target;
        if (target && target !== window && target.tagName) {
            reportLoad(target);
            return;
        }
        report('uncaught', event.message || describe(event.error), {
            source: event.filename || undefined,
            line: event.lineno || undefined,
            column: event.colno || undefined,
            stack: event.error && event.error.stack,
        });
    }, true);

    // A failed load names the element's URL; a module whose import failed
    // names the files that the server refused (the resource timing entries'
    // status), which the error event itself does not tell.
    const toldMissing = new Set();
    function reportLoad(target) {
        const url = target.src || target.href || '';
        const module = target.tagName === 'SCRIPT' && target.type === 'module';
        setTimeout(function () {
            const missing = [];
            // Only a module's error hides which file failed: an element's
            // own URL is what failed, and other refused files have errors
            // of their own.
            const entries = module && performance.getEntriesByType ? performance.getEntriesByType('resource') : [];
            for (const e of entries) {
                // Scripts only: a refused stylesheet or image has an error
                // event (and an entry) of its own.
                const script = e.initiatorType === 'script' || e.initiatorType === 'other';
                if (script && e.responseStatus >= 400 && !toldMissing.has(e.name)) {
                    toldMissing.add(e.name);
                    missing.push(e.name + ' (' + e.responseStatus + ')');
                }
            }
            let what = module
                ? (url ? 'the module script ' + url : 'an inline module script') + ' (or a module it imports) failed to load'
                : 'failed to load ' + (url || 'a ' + target.tagName.toLowerCase());
            if (missing.length) what += ': ' + missing.join(', ');
            report('load', what, { source: url || (missing.length ? missing[0].split(' ')[0] : location.href) });
        }, 0);
    }

    // A failed fetch or XMLHttpRequest (an HTTP error status, or no answer
    // at all) shows as a browser's devtools show it, with the line that
    // made the request. Aborted requests are the page's own doing.
    function reportRequest(method, url, outcome, where) {
        let target = url;
        try { target = new URL(url, location.href).href; } catch (e) { /* as given */ }
        report('load', method + ' ' + target + ' ' + outcome, where.source ? where : { source: target });
    }
    function methodOf(input, init) {
        const m = (init && init.method) || (input && typeof input === 'object' && input.method) || 'GET';
        return String(m).toUpperCase();
    }
    if (typeof window.fetch === 'function') {
        const originalFetch = window.fetch;
        window.fetch = function (input, init) {
            const result = originalFetch.apply(this, arguments);
            try {
                const where = callerOf(new Error().stack);
                const url = input && typeof input === 'object' && 'url' in input ? input.url : String(input);
                const method = methodOf(input, init);
                // A branch of its own: the page's promise is untouched.
                result.then(function (response) {
                    if (response.status >= 400) {
                        reportRequest(method, response.url || url, 'answered ' + response.status + (response.statusText ? ' ' + response.statusText : ''), where);
                    }
                }, function (error) {
                    if (!error || error.name !== 'AbortError') reportRequest(method, url, 'failed: ' + describe(error), where);
                });
            } catch (e) { /* never break the page's own requests */ }
            return result;
        };
    }
    if (typeof window.XMLHttpRequest === 'function') {
        const proto = window.XMLHttpRequest.prototype;
        const originalOpen = proto.open;
        const originalSend = proto.send;
        proto.open = function (method, url) {
            this.__studioRequest = { method: String(method || 'GET').toUpperCase(), url: String(url) };
            return originalOpen.apply(this, arguments);
        };
        proto.send = function () {
            try {
                const request = this.__studioRequest;
                if (request) {
                    request.where = callerOf(new Error().stack);
                    request.aborted = false;
                }
                // Once per object: one may be opened and sent again.
                if (request && !this.__studioWatched) {
                    this.__studioWatched = true;
                    this.addEventListener('abort', function () {
                        if (this.__studioRequest) this.__studioRequest.aborted = true;
                    });
                    this.addEventListener('loadend', function () {
                        const r = this.__studioRequest;
                        if (!r || r.aborted) return;
                        if (this.status >= 400) reportRequest(r.method, this.responseURL || r.url, 'answered ' + this.status + (this.statusText ? ' ' + this.statusText : ''), r.where || {});
                        else if (this.status === 0) reportRequest(r.method, r.url, 'failed: no answer (network error, CORS or timeout)', r.where || {});
                    });
                }
            } catch (e) { /* never break the page's own requests */ }
            return originalSend.apply(this, arguments);
        };
    }

    window.addEventListener('unhandledrejection', function (event) {
        const reason = event.reason;
        report('rejection', 'unhandled rejection: ' + describe(reason), { stack: reason && reason.stack });
    });

    ['error', 'warn'].forEach(function (level) {
        const original = console[level];
        console[level] = function () {
            try {
                const text = Array.prototype.map.call(arguments, describe).join(' ');
                const where = callerOf(new Error().stack);
                report(level, text, where);
            } catch (e) { /* never break the page's own logging */ }
            return original.apply(this, arguments);
        };
    });

    // `at f (http://host/app.js:12:5)` of the frame that called console.*.
    function callerOf(stack) {
        const lines = String(stack || '').split('\n').slice(2);
        for (const line of lines) {
            const m = /(https?:\/\/[^\s)]+):(\d+):(\d+)/.exec(line);
            if (m && m[1].indexOf('/__studio/') < 0) {
                return { source: m[1], line: Number(m[2]), column: Number(m[3]), stack: lines.join('\n') };
            }
        }
        return {};
    }

    /** The same-origin paths of the stylesheets a sheet pulls in with `@import`, at any depth. */
    function importedPaths(sheet, out) {
        let rules;
        try { rules = sheet.cssRules; } catch (e) { return out; }
        for (const rule of rules || []) {
            const inner = rule.styleSheet;
            if (!inner || !inner.href) continue;
            const url = new URL(inner.href, location.href);
            if (url.host === location.host) out.add(url.pathname);
            importedPaths(inner, out);
        }
        return out;
    }

    function swapStylesheets(paths) {
        const links = Array.from(document.querySelectorAll('link[rel~="stylesheet"]'));
        // A changed sheet that the page has but not as a <link> (an
        // `@import`): swapping the link that imports it would keep the
        // browser's copy of the import, so only a reload shows it.
        const linked = new Set();
        const imported = new Set();
        for (const link of links) {
            linked.add(new URL(link.href, location.href).pathname);
            if (link.sheet) importedPaths(link.sheet, imported);
        }
        for (const sheet of Array.from(document.styleSheets)) {
            if (!sheet.ownerNode || sheet.ownerNode.tagName !== 'LINK') importedPaths(sheet, imported);
        }
        if (paths.some(function (p) { return imported.has(p) && !linked.has(p); })) {
            studio.reloads += 1;
            location.reload();
            return;
        }
        for (const link of links) {
            const url = new URL(link.href, location.href);
            if (url.host !== location.host || (paths.length && paths.indexOf(url.pathname) < 0)) continue;
            url.searchParams.set('studio-swap', String(Date.now()));
            const next = link.cloneNode();
            next.href = url.href;
            next.addEventListener('load', function () { link.remove(); });
            next.addEventListener('error', function () { link.remove(); });
            link.after(next);
        }
        studio.cssSwaps += 1;
    }

    function receive(event) {
        let message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.type === 'reload') {
            studio.reloads += 1;
            location.reload();
        } else if (message.type === 'css') {
            swapStylesheets(message.paths || []);
        }
    }

    function connect() {
        let ws;
        try { ws = new WebSocket(socketUrl); } catch (e) { return; }
        ws.onopen = function () {
            socket = ws;
            studio.connected = true;
            retry = 500;
            ws.send(JSON.stringify({ type: 'hello', url: location.href, title: document.title }));
            while (queue.length) ws.send(queue.shift());
        };
        ws.onmessage = receive;
        ws.onclose = function () {
            if (socket === ws) socket = null;
            studio.connected = false;
            setTimeout(connect, retry);
            retry = Math.min(retry * 2, 5000);
        };
    }
    connect();
})();
