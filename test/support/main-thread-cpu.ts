// The main-thread CPU time of a page's tasks, from a Chromium trace recorded with the 'toplevel' and
// 'blink.user_timing' categories: a long task (over 50 ms of wall time) that took little CPU waited for a core.
// The trace's clock differs from the page's performance.now(); a performance.mark made in the page while tracing
// ties the two together and names the page's main thread.

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { data?: { startTime?: number } };
}

/**
 * A function from a span of the page's time (performance.now() milliseconds) to the CPU milliseconds of the
 * main thread's task that overlaps it most, or Infinity where none does.
 */
export function mainThreadCpu(traceJson: string, markName: string): (startTime: number, duration: number) => number {
  const events = (JSON.parse(traceJson) as { traceEvents: TraceEvent[] }).traceEvents;
  const mark = events.filter((e) => e.name === markName && e.args?.data?.startTime !== undefined).at(-1);
  if (!mark) throw new Error(`the trace has no mark named ${markName}`);
  const offset = mark.ts - mark.args!.data!.startTime! * 1000; // trace µs = page ms × 1000 + offset
  // The thread's timed spans: its tasks, and what runs outside one (a microtask checkpoint after a message).
  const spans = events.filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X' && e.dur !== undefined && e.tdur !== undefined);
  return (startTime, duration) => {
    const [from, to] = [startTime * 1000 + offset, (startTime + duration) * 1000 + offset];
    let best: TraceEvent | undefined;
    let bestOverlap = 0;
    for (const span of spans) {
      const overlap = Math.min(to, span.ts + span.dur!) - Math.max(from, span.ts);
      // The span that covers most of the task; of spans that cover as much, the outermost (most CPU).
      if (overlap > bestOverlap || (best && overlap === bestOverlap && span.tdur! > best.tdur!)) [best, bestOverlap] = [span, overlap];
    }
    return best ? best.tdur! / 1000 : Infinity;
  };
}
