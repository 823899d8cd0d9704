import { writable } from 'svelte/store';

export type ToastKind = 'error' | 'info' | 'success';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

let next = 1;
export const toasts = writable<Toast[]>([]);

/** Shows a toast; errors stay until dismissed or 10 s, others 3 s. */
export function toast(text: string, kind: ToastKind = 'info'): number {
  const id = next++;
  toasts.update((t) => [...t.slice(-4), { id, kind, text }]);
  setTimeout(() => dismiss(id), kind === 'error' ? 10_000 : 3_000);
  return id;
}

export function dismiss(id: number): void {
  toasts.update((t) => t.filter((x) => x.id !== id));
}
