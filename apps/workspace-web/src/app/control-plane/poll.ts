import { DestroyRef, inject } from '@angular/core';

/**
 * Runs `task` every `intervalMs()` while the page is visible and `active()` holds, skipping a beat
 * while the previous call runs. Only for what no live channel carries: a schedule's next run, a
 * provider's quota window moving on by itself.
 */
export function pollWhile(active: () => boolean, intervalMs: () => number, task: () => Promise<unknown>): void {
  const destroyRef = inject(DestroyRef);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (active() && document.visibilityState === 'visible') {
      try {
        await task();
      } catch {
        // the page shows its own error state; the next beat tries again
      }
    }
    if (!stopped) timer = setTimeout(tick, intervalMs());
  };
  timer = setTimeout(tick, intervalMs());
  destroyRef.onDestroy(() => {
    stopped = true;
    if (timer) clearTimeout(timer);
  });
}
