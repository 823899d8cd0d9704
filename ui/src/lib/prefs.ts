// Layout choices the user makes once and expects kept across reloads and
// restarts (which side panels of the Builder are shown). Kept in the
// browser's localStorage, per studio UI origin; a storage that refuses
// (private mode, a sandboxed frame) keeps the default silently.

/** Storage as far as a preference needs it (tests pass their own). */
export type PrefStore = Pick<Storage, 'getItem' | 'setItem'>;

function store(): PrefStore | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** The flag kept under `key`, or `fallback` when none was kept. */
export function readFlag(key: string, fallback: boolean, from: PrefStore | null = store()): boolean {
  try {
    const v = from?.getItem(`juggler-studio.${key}`);
    return v === 'true' ? true : v === 'false' ? false : fallback;
  } catch {
    return fallback;
  }
}

/** Keeps `value` under `key`. */
export function writeFlag(key: string, value: boolean, to: PrefStore | null = store()): void {
  try {
    to?.setItem(`juggler-studio.${key}`, String(value));
  } catch {
    // Full or refused: the choice lasts until the page is reloaded.
  }
}
