// The pieces of the e2e tests' dashboard pages: the npm packages a page
// imports (copied from this folder's node_modules into the folder the
// studio serves) and the head of a page that maps their names to them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WAIT_MS } from '../common/control.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The packages the pages import, through their import maps. */
const VENDOR_PACKAGES = ['@hat-open/juggler', '@hat-open/renderer', '@hat-open/util', 'snabbdom'];

/** A new temporary folder to serve (removed by a cleanup pushed on
 * `cleanups`) holding `vendor/` with the packages. */
export function servedDir(prefix, cleanups) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (const pkg of VENDOR_PACKAGES) {
        fs.cpSync(path.join(here, 'node_modules', pkg), path.join(dir, 'vendor', pkg), { recursive: true });
    }
    return dir;
}

/** The start of a page up to `</head>`: its title and the import map. */
export function pageHead(title) {
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<script type="importmap">{"imports": {
  "@hat-open/juggler": "./vendor/@hat-open/juggler/index.js",
  "@hat-open/renderer": "./vendor/@hat-open/renderer/index.js",
  "@hat-open/util": "./vendor/@hat-open/util/index.js",
  "snabbdom": "./vendor/snabbdom/build/index.js"}}</script></head>`;
}

/** Waits until the text of `selector` (trimmed) in `page` (or a frame) is
 * `want` or matches it. */
export async function waitText(page, selector, want) {
    try {
        await page.waitForFunction(([s, w, isRe]) => {
            const text = document.querySelector(s)?.textContent.trim();
            return text != null && (isRe ? new RegExp(w).test(text) : text === w);
        }, [selector, want instanceof RegExp ? want.source : want, want instanceof RegExp], { timeout: WAIT_MS });
    } catch (e) {
        const now = await page.evaluate(s => document.querySelector(s)?.textContent.trim(), selector);
        throw new Error(`${selector}: waited for ${want}, it shows ${JSON.stringify(now)}`);
    }
}
