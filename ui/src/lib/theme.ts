// Whether the system asks for a dark theme, as a store: the JSON trees
// (svelte-jsoneditor) follow it with their own dark theme class.
import { readable, type Readable } from 'svelte/store';

export const prefersDark: Readable<boolean> = readable(false, (set) => {
  const media = typeof window !== 'undefined' ? window.matchMedia?.('(prefers-color-scheme: dark)') : undefined;
  if (!media) return;
  set(media.matches);
  const on = (e: MediaQueryListEvent) => set(e.matches);
  media.addEventListener('change', on);
  return () => media.removeEventListener('change', on);
});
