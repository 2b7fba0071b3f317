/**
 * Wraps an async task so that at most one run is in flight and requests made during a run collapse into one
 * more run: the latest request is always served. `onBusy(true)` when runs start, `onBusy(false)` when they end.
 */
export function coalesce(task: () => Promise<void>, onBusy: (busy: boolean) => void): () => void {
  let running = false;
  let again = false;

  async function loop(): Promise<void> {
    running = true;
    onBusy(true);
    try {
      do {
        again = false;
        await task();
      } while (again);
    } finally {
      running = false;
      onBusy(false);
    }
  }

  return () => {
    if (running) again = true;
    else loop().catch((error) => console.error(error));
  };
}
