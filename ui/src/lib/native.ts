// The desktop shell's few native pieces (file dialogs, the default browser).
// In a browser these are absent and the panes show text fields instead.

type TauriInternals = { invoke: (cmd: string, args?: unknown) => Promise<unknown> };

export function isTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

export async function invoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  const api = await import('@tauri-apps/api/core');
  return api.invoke<T>(cmd, args);
}

export type FileKind = 'workspace' | 'pem' | 'htpasswd' | 'ca' | 'staticDir' | 'export' | 'recording' | 'newDashboard';

/** Opens a native chooser; `null` when cancelled or not in the desktop app. */
export async function pickPath(kind: FileKind, save = false): Promise<string | null> {
  if (!isTauri()) return null;
  return invoke<string | null>(save ? 'save_path' : 'pick_path', { kind });
}

/** Opens `url` in the default browser (a new tab outside the desktop app). */
export async function openExternal(url: string): Promise<void> {
  if (isTauri()) {
    await invoke('open_url', { url });
  } else {
    window.open(url, '_blank', 'noopener');
  }
}

export type { TauriInternals };
