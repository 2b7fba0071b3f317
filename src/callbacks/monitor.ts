// What EarlyStopping and ReduceLROnPlateau watch: a score in the epoch's logs, and which way is better.
import { invalid } from '../errors';
import type { CallbackParams } from './callback';

export type MonitorMode = 'auto' | 'min' | 'max';

export function checkMode(argument: string, value: unknown): MonitorMode {
  if (value !== 'auto' && value !== 'min' && value !== 'max') throw invalid(argument, "'auto', 'min' or 'max'", value);
  return value;
}

/**
 * Whether larger is better, as EarlyStopping's mode 'auto' decides (Keras 3): the losses are better smaller, a
 * compiled metric (or its val_) as the metric says; anything else cannot be decided.
 */
export function monitorDirection(argument: string, monitor: string, mode: MonitorMode, params: CallbackParams): 'up' | 'down' {
  if (mode !== 'auto') return mode === 'max' ? 'up' : 'down';
  if (monitor === 'loss' || monitor === 'val_loss') return 'down';
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  const direction = params.metrics[name];
  if (!direction) {
    const known = ['loss', 'val_loss', ...Object.keys(params.metrics).flatMap((k) => [k, `val_${k}`])].map((k) => `'${k}'`).join(', ');
    throw invalid(argument, `a score fit reports (${known}) for mode 'auto', or mode 'min' or 'max'`, monitor);
  }
  return direction;
}

/** Whether `current` improves on `best` by more than `minDelta` (≥ 0) in `direction`. */
export function improves(current: number, best: number, minDelta: number, direction: 'up' | 'down'): boolean {
  return direction === 'up' ? current - minDelta > best : current + minDelta < best;
}

/** The monitored score from an epoch's logs, warning once per fit where the logs lack it. */
export function monitored(logs: Record<string, number>, monitor: string, who: string, warned: { done: boolean }): number | undefined {
  const value = logs[monitor];
  if (value === undefined && !warned.done) {
    console.warn(`webgpu-nn: ${who} watches '${monitor}', which this epoch's logs lack (they have ${Object.keys(logs).join(', ')}); skipping it`);
    warned.done = true;
  }
  return value;
}
