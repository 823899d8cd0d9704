// Pure logic of fault injection (Connections pane): the fault form ↔
// `FaultSettings`, its validation, summaries for badges, and the refusal
// countdown. No DOM, no Svelte: Vitest covers it (tests/faults.test.ts).

import type { FaultSettings } from '../bindings/FaultSettings';
import type { FaultsInfo } from '../bindings/FaultsInfo';

/** What the fault form holds (numbers as typed). */
export type FaultForm = {
  delayStateMs: string;
  delayNotifyMs: string;
  delayResponseMs: string;
  holdState: boolean;
  ignorePings: boolean;
  ignoreEmptyRequests: boolean;
  segmentSize: string;
};

export type FaultField = 'delayStateMs' | 'delayNotifyMs' | 'delayResponseMs' | 'segmentSize';

/** The longest delay the form takes: ten minutes. */
export const MAX_DELAY_MS = 600_000;
/** The longest refusal the engine takes: an hour. */
export const MAX_REFUSE_S = 3600;

export const NO_FAULTS: FaultSettings = {
  delayStateMs: 0,
  delayNotifyMs: 0,
  delayResponseMs: 0,
  holdState: false,
  ignorePings: false,
  ignoreEmptyRequests: false,
  segmentSize: null,
};

/** The form showing `settings` (none: every fault off). */
export function formFromSettings(settings: FaultSettings | null | undefined): FaultForm {
  const s = settings ?? NO_FAULTS;
  return {
    delayStateMs: s.delayStateMs ? String(s.delayStateMs) : '',
    delayNotifyMs: s.delayNotifyMs ? String(s.delayNotifyMs) : '',
    delayResponseMs: s.delayResponseMs ? String(s.delayResponseMs) : '',
    holdState: s.holdState,
    ignorePings: s.ignorePings,
    ignoreEmptyRequests: s.ignoreEmptyRequests,
    segmentSize: s.segmentSize == null ? '' : String(s.segmentSize),
  };
}

function parseWhole(text: string): number | null {
  const t = text.trim();
  if (t === '') return 0;
  if (!/^\d+$/.test(t)) return null;
  return Number(t);
}

/** Field → message for what keeps the form from being applied (empty: none). */
export function faultFormErrors(form: FaultForm): Partial<Record<FaultField, string>> {
  const errors: Partial<Record<FaultField, string>> = {};
  for (const f of ['delayStateMs', 'delayNotifyMs', 'delayResponseMs'] as const) {
    const n = parseWhole(form[f]);
    if (n === null) errors[f] = 'A whole number of milliseconds (blank: no delay)';
    else if (n > MAX_DELAY_MS) errors[f] = `At most ${MAX_DELAY_MS} ms (10 min)`;
  }
  const seg = parseWhole(form.segmentSize);
  if (seg === null) errors.segmentSize = 'A whole number of characters (blank: no segmenting)';
  else if (form.segmentSize.trim() !== '' && seg < 1) errors.segmentSize = 'At least 1 character (blank: no segmenting)';
  return errors;
}

/** The `FaultSettings` of a valid form. */
export function settingsFromForm(form: FaultForm): FaultSettings {
  const seg = form.segmentSize.trim();
  return {
    delayStateMs: parseWhole(form.delayStateMs) ?? 0,
    delayNotifyMs: parseWhole(form.delayNotifyMs) ?? 0,
    delayResponseMs: parseWhole(form.delayResponseMs) ?? 0,
    holdState: form.holdState,
    ignorePings: form.ignorePings,
    ignoreEmptyRequests: form.ignoreEmptyRequests,
    segmentSize: seg === '' ? null : Number(seg),
  };
}

/** Whether `settings` injects any fault. */
export function isActive(settings: FaultSettings | null | undefined): boolean {
  if (!settings) return false;
  return (
    settings.delayStateMs > 0 ||
    settings.delayNotifyMs > 0 ||
    settings.delayResponseMs > 0 ||
    settings.holdState ||
    settings.ignorePings ||
    settings.ignoreEmptyRequests ||
    settings.segmentSize != null
  );
}

/** Short words for the active faults: `hold state · state +500 ms · segments 16`. */
export function faultSummary(settings: FaultSettings | null | undefined): string {
  if (!settings) return '';
  const parts: string[] = [];
  if (settings.holdState) parts.push('hold state');
  if (settings.delayStateMs) parts.push(`state +${settings.delayStateMs} ms`);
  if (settings.delayNotifyMs) parts.push(`notify +${settings.delayNotifyMs} ms`);
  if (settings.delayResponseMs) parts.push(`responses +${settings.delayResponseMs} ms`);
  if (settings.ignorePings) parts.push('no pongs');
  if (settings.ignoreEmptyRequests) parts.push('no keep-alive answers');
  if (settings.segmentSize != null) parts.push(`segments ${settings.segmentSize}`);
  return parts.join(' · ');
}

/**
 * The faults connection `id` has now: its own when set, else those of all
 * connections; with where they come from.
 */
export function faultsOf(info: FaultsInfo | null | undefined, id: number): { settings: FaultSettings | null; source: 'own' | 'all' | null } {
  const own = info?.connections[String(id)];
  if (own && isActive(own)) return { settings: own, source: 'own' };
  if (info?.all && isActive(info.all)) return { settings: info.all, source: 'all' };
  return { settings: null, source: null };
}

/** Milliseconds of refusal left at `now` (0: not refusing). */
export function refuseLeftMs(refuseUntil: number | null | undefined, now: number): number {
  if (refuseUntil == null) return 0;
  return Math.max(0, refuseUntil - now);
}

/** The countdown: `refusing new connections for 29 s`, `1 min 5 s`. */
export function formatCountdown(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  return s % 60 ? `${min} min ${s % 60} s` : `${min} min`;
}

/** Why `text` is not a refusal length in seconds (1..3600), else `null`. */
export function refuseError(text: string): string | null {
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return 'Seconds, e.g. 30';
  const n = Number(t);
  if (n <= 0) return 'More than 0 s';
  if (n > MAX_REFUSE_S) return `At most ${MAX_REFUSE_S} s (an hour)`;
  return null;
}
