// Recordings stopped while the UI was open (by its Stop buttons, or when
// they left `/recordings` because their peer went away): their files can be
// opened in the Replay pane.
import { writable } from 'svelte/store';
import type { RecordingInfo } from '../../bindings/RecordingInfo';

function createFinished() {
  const { subscribe, update } = writable<RecordingInfo[]>([]);
  return {
    subscribe,
    add(info: RecordingInfo) {
      update((list) => [info, ...list.filter((r) => r.id !== info.id || r.path !== info.path)].slice(0, 20));
    },
  };
}

export const finishedRecordings = createFinished();
