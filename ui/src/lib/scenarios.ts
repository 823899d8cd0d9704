// The Scenarios pane's pure pieces: readable summaries of steps, the view of
// a scenario's run (from `/scenario`), and the schema violations as listed.
// Vitest tests in tests/scenarios.test.ts.

import type { JsonValue } from '../bindings/JsonValue';
import type { Scenario } from '../bindings/Scenario';
import type { ScenarioStatus } from '../bindings/ScenarioStatus';
import type { SchemaViolation } from '../bindings/SchemaViolation';
import type { Step } from '../bindings/Step';
import type { StepResult } from '../bindings/StepResult';
import type { StepTarget } from '../bindings/StepTarget';
import { oneLine } from './json';
import { shorten } from './format';

export type { Scenario, ScenarioStatus, SchemaViolation, Step, StepResult };

/** How long a value is shown in a summary before it is cut. */
const VALUE_MAX = 60;

// --- step summaries ----------------------------------------------------------

/** The step's kind: `setState`, `expectRequest`… */
export function stepKind(step: Step): string {
  return Object.keys(step)[0] ?? '?';
}

function escapeSegment(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * A juggler path (a string, an integer or a list of them, nested lists
 * flattened) as an RFC 6901 pointer, as the engine shows it: `/pumps/1/running`;
 * `""` the whole document; anything else its JSON.
 */
export function pointerOf(path: JsonValue | undefined): string {
  const out: string[] = [];
  const walk = (v: JsonValue | undefined): boolean => {
    if (typeof v === 'string') out.push(escapeSegment(v));
    else if (typeof v === 'number' && Number.isInteger(v)) out.push(String(v));
    else if (Array.isArray(v)) return v.every(walk);
    else return false;
    return true;
  };
  if (path === null || path === undefined) return '';
  return walk(path) ? out.map((s) => `/${s}`).join('') : JSON.stringify(path);
}

/** Milliseconds as a step shows them: `500 ms`, `2 s`, `1.5 s`, `2 min`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Number((ms / 1000).toFixed(3))} s`;
  return `${ms / 60_000} min`;
}

function value(v: JsonValue | undefined): string {
  return shorten(oneLine(v === undefined ? null : v), VALUE_MAX);
}

function targetText(target: StepTarget | undefined): string {
  if (target === undefined || target === 'all') return 'all';
  if (Array.isArray(target)) return target.length ? target.map((id) => `#${id}`).join(', ') : 'all';
  return String(target);
}

type Op = { op?: unknown; path?: unknown; from?: unknown; value?: JsonValue };

function opText(op: Op): string {
  const path = typeof op.path === 'string' ? op.path || '""' : '?';
  switch (op.op) {
    case 'add':
    case 'replace':
      return `${op.op} ${path} = ${value(op.value)}`;
    case 'test':
      return `test ${path} == ${value(op.value)}`;
    case 'remove':
      return `remove ${path}`;
    case 'move':
    case 'copy':
      return `${op.op} ${typeof op.from === 'string' ? op.from || '""' : '?'} → ${path}`;
    default:
      return String(op.op ?? '?');
  }
}

/**
 * One line that says what a step does:
 * `setState /pumps/1/running = true`,
 * `expect request pump.start {"pump": 1} within 2 s`.
 */
export function describeStep(step: Step): string {
  if ('setState' in step) {
    const s = step.setState;
    return `setState ${pointerOf(s.path) || '(whole state)'} = ${value(s.value)}`;
  }
  if ('patch' in step) {
    const ops = Array.isArray(step.patch.diff) ? (step.patch.diff as Op[]) : [];
    if (!ops.length) return 'patch (no operations)';
    const shown = ops.slice(0, 3).map(opText).join(', ');
    return `patch ${shown}${ops.length > 3 ? ` and ${ops.length - 3} more` : ''}`;
  }
  if ('replaceState' in step) return `replaceState with ${value(step.replaceState.value)}`;
  if ('notify' in step) {
    const n = step.notify;
    const data = n.data === null || n.data === undefined ? '' : ` ${value(n.data)}`;
    return `notify ${n.name}${data} to ${targetText(n.target)}`;
  }
  if ('wait' in step) return `wait ${formatMs(step.wait.ms)}`;
  if ('waitForConnections' in step) {
    const w = step.waitForConnections;
    return `wait for ${w.count} connection${w.count === 1 ? '' : 's'} within ${formatMs(w.withinMs)}`;
  }
  if ('expectRequest' in step) {
    const e = step.expectRequest;
    const data = e.data === null || e.data === undefined ? '' : ` ${value(e.data)}`;
    const respond = e.respond === undefined ? '' : `, answer ${value(e.respond)}`;
    return `expect request ${e.name}${data} within ${formatMs(e.withinMs)}${respond}`;
  }
  if ('expectState' in step) {
    const e = step.expectState;
    return `expect state ${pointerOf(e.path) || '(whole state)'} = ${value(e.value)} within ${formatMs(e.withinMs)}`;
  }
  return stepKind(step);
}

// --- a run's view --------------------------------------------------------------

export type StepPhase = 'pending' | 'running' | 'passed' | 'failed' | 'skipped';

export interface StepRow {
  index: number;
  /** What the step does (from the definition), else its kind. */
  summary: string;
  phase: StepPhase;
  /** The result, once the step finished. */
  result: StepResult | null;
}

export type BannerKind = 'running' | 'passed' | 'failed' | 'stopped';

export interface Banner {
  kind: BannerKind;
  /** `✓ start P2 passed: 5 steps in 1.2 s`, `✗ start P2 failed at step 4 of 5` */
  text: string;
  /** Why it failed: the failed step's message. */
  detail?: string;
}

/** Whether `status` is a run of the scenario named `name`. */
export function isRunOf(status: ScenarioStatus | null | undefined, name: string): status is ScenarioStatus {
  return !!status && status.name === name;
}

/** The total of the finished steps' durations. */
export function runMs(status: ScenarioStatus): number {
  return status.results.reduce((sum, r) => sum + r.ms, 0);
}

/**
 * The rows of a scenario's steps: the definition's steps (or, without it,
 * as many as the run has), each with its phase in `status` when that is a
 * run of this scenario.
 */
export function stepRows(scenario: Scenario | null | undefined, status: ScenarioStatus | null | undefined): StepRow[] {
  const name = scenario?.name ?? status?.name ?? '';
  const run = isRunOf(status, name) ? status : null;
  const count = scenario ? scenario.steps.length : (run?.steps ?? 0);
  const results = new Map<number, StepResult>();
  for (const r of run?.results ?? []) results.set(r.index, r);
  const rows: StepRow[] = [];
  for (let i = 0; i < count; i++) {
    const step = scenario?.steps[i];
    const result = results.get(i) ?? null;
    let phase: StepPhase = 'pending';
    if (result) phase = result.ok ? 'passed' : 'failed';
    else if (run?.running && run.step === i) phase = 'running';
    else if (run && !run.running) phase = 'skipped';
    rows.push({ index: i, summary: step ? describeStep(step) : (result?.kind ?? `step ${i + 1}`), phase, result });
  }
  return rows;
}

/** The overall line of a run: running, passed, failed (with why) or stopped. */
export function banner(status: ScenarioStatus): Banner {
  const n = status.steps;
  if (status.running) {
    return { kind: 'running', text: `▶ ${status.name}: running step ${Math.min(status.step + 1, n)} of ${n}` };
  }
  const took = formatMs(runMs(status));
  if (status.passed) return { kind: 'passed', text: `✓ ${status.name} passed: ${n} step${n === 1 ? '' : 's'} in ${took}` };
  const failed = status.results.find((r) => !r.ok);
  if (status.stopped) {
    return { kind: 'stopped', text: `■ ${status.name} stopped at step ${(failed?.index ?? status.step) + 1} of ${n}` };
  }
  const text = `✗ ${status.name} failed at step ${(failed?.index ?? status.step) + 1} of ${n}`;
  return failed ? { kind: 'failed', text, detail: failed.message } : { kind: 'failed', text };
}

/** A banner on one line: its text and why. */
export function bannerLine(b: Banner): string {
  return b.detail ? `${b.text}: ${b.detail}` : b.text;
}

/** The finished runs seen, by scenario name: `reports` with `status` in it once it has ended. */
export function rememberRun(
  reports: Readonly<Record<string, ScenarioStatus>>,
  status: ScenarioStatus | null | undefined,
): Record<string, ScenarioStatus> {
  if (!status || status.running || reports[status.name] === status) return reports as Record<string, ScenarioStatus>;
  return { ...reports, [status.name]: status };
}

/** The run to show for a scenario: `/scenario` when it is one of it, else the last one seen. */
export function runFor(name: string, status: ScenarioStatus | null | undefined, reports: Readonly<Record<string, ScenarioStatus>>): ScenarioStatus | null {
  return isRunOf(status, name) ? status : (reports[name] ?? null);
}

/** The mark of a step's phase. */
export function phaseMark(phase: StepPhase): string {
  return { pending: '·', running: '▶', passed: '✓', failed: '✗', skipped: '–' }[phase];
}

// --- schema violations ----------------------------------------------------------

/** The violations newest first (the model holds them oldest first). */
export function newestFirst(list: readonly SchemaViolation[]): SchemaViolation[] {
  return [...list].reverse();
}

/** What a violation is about: `state`, `request pump.start from #3`. */
export function violationSubject(v: SchemaViolation): string {
  if (v.kind === 'state') return 'state';
  const from = v.connectionId == null ? '' : ` from #${v.connectionId}`;
  return `request ${v.name ?? '?'}${from}`;
}

/** A pointer as shown: `""` says the whole value. */
export function pointerText(pointer: string): string {
  return pointer === '' ? '(whole value)' : pointer;
}
