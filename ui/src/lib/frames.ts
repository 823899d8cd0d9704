// Work done once an animation frame: a burst of events (model diffs,
// traffic entries) asks for a view update many times between two frames;
// the view is updated once, when the page is about to render.

export type Scheduler = (fn: () => void) => void;

/** The next animation frame; a timer where there is none (tests; a hidden tab gets frames rarely or never). */
export const nextFrame: Scheduler = (fn) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => fn());
  else setTimeout(fn, 16);
};

/** A function that, however often it is called, runs `fn` once at the next frame (`schedule`). */
export function onceAFrame(fn: () => void, schedule: Scheduler = nextFrame): () => void {
  let asked = false;
  return () => {
    if (asked) return;
    asked = true;
    schedule(() => {
      asked = false;
      fn();
    });
  };
}
