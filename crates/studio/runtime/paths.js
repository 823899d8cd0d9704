// Where a widget's value is in the state, as dashboard.json writes it: a
// JSON Pointer ("/devices/0/status", "" for the whole state) or a juggler
// path (["devices", 0, "status"], [] for the whole state).
//
// A pointer's token of digits reads an element of an array (RFC 6901); a
// juggler path reads arrays with numbers and objects with strings only.
// Both give `undefined` when the state has nothing there, which the
// widgets show as "unbound" (`null` is a value like any other).

/** Parsed pointers, by text: a dashboard has a few dozen paths that are
 * read on every render. */
const parsedPointers = new Map();

/** The steps of a JSON Pointer: {key, index} pairs (`index` is the token
 * as an array index, or null when it cannot be one); null when `pointer`
 * is not a JSON Pointer. */
function pointerSteps(pointer) {
    let steps = parsedPointers.get(pointer);
    if (steps !== undefined) return steps;
    if (pointer === '') {
        steps = [];
    } else if (!pointer.startsWith('/')) {
        steps = null;
    } else {
        steps = pointer.slice(1).split('/').map(token => {
            const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
            const index = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : null;
            return {key, index};
        });
    }
    parsedPointers.set(pointer, steps);
    return steps;
}

/** The value at `path` in `state`, or `undefined`. */
export function lookup(state, path) {
    if (typeof path === 'string') {
        const steps = pointerSteps(path);
        if (steps === null) return undefined;
        let cur = state;
        for (const {key, index} of steps) {
            if (Array.isArray(cur)) {
                if (index === null || index >= cur.length) return undefined;
                cur = cur[index];
            } else if (isObject(cur) && Object.hasOwn(cur, key)) {
                cur = cur[key];
            } else {
                return undefined;
            }
        }
        return cur;
    }
    if (!Array.isArray(path)) return undefined;
    let cur = state;
    for (const step of path) {
        if (Array.isArray(cur) && Number.isInteger(step) && step >= 0 && step < cur.length) {
            cur = cur[step];
        } else if (isObject(cur) && typeof step === 'string' && Object.hasOwn(cur, step)) {
            cur = cur[step];
        } else {
            return undefined;
        }
    }
    return cur;
}

/** A path as a JSON Pointer, for people. */
export function pathText(path) {
    if (typeof path === 'string') return path;
    if (!Array.isArray(path)) return String(path);
    return path.map(step => '/' + String(step).replaceAll('~', '~0').replaceAll('/', '~1')).join('');
}

export function isObject(x) {
    return x !== null && typeof x === 'object' && !Array.isArray(x);
}
