// fit's verbose in Node (and Deno): after each epoch, Keras's progress lines on stdout, the bar full (verbose 1) or
// none (verbose 2):
//   Epoch 3/10
//   32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9500 - loss: 0.1234 - val_loss: 0.2345
//   32/32 - 0s - 2ms/step - accuracy: 0.9500 - loss: 0.1234 - val_loss: 0.2345
// In browsers there is no stdout, and verbose is silent.
import type { EpochLogs } from '../backend';
import { Callback } from './callback';

/** Where the lines go: process.stdout where there is one (Node, Deno), else nowhere. */
function stdout(): ((text: string) => void) | undefined {
  const out = (globalThis as { process?: { stdout?: { write?: (text: string) => unknown } } }).process?.stdout;
  return typeof out?.write === 'function' ? (text) => void out.write!(text) : undefined;
}

/** A score as Keras's progress bar writes it: 4 decimals, or 4 significant digits in e-notation below 1e-3. */
export function formatScore(value: number): string {
  return Math.abs(value) > 1e-3 || value === 0 ? value.toFixed(4) : value.toExponential(4);
}

/** An epoch's or step's time as Keras writes it: whole seconds, else milliseconds, else microseconds. */
function formatTime(seconds: number, unit: string): string {
  if (seconds >= 1) return `${Math.round(seconds)}s${unit}`;
  if (seconds >= 1e-3) return `${Math.round(seconds * 1e3)}ms${unit}`;
  return `${Math.round(seconds * 1e6)}us${unit}`;
}

export class ProgressLogger extends Callback {
  private last = 0;

  /** `verbose` 1: with the bar; 2: without. */
  constructor(
    private readonly verbose: 1 | 2 = 1,
    private readonly write = stdout(),
  ) {
    super();
  }

  override onTrainBegin(): void {
    this.last = performance.now();
  }

  override onEpochEnd(epoch: number, logs: EpochLogs): void {
    if (!this.write) return;
    const now = performance.now();
    const seconds = (now - this.last) / 1000;
    this.last = now;
    const { steps, epochs } = this.params;
    const scores = Object.entries(logs).map(([key, value]) => ` - ${key}: ${formatScore(value)}`).join('');
    const bar = this.verbose === 1 ? ` ${'━'.repeat(20)} ` : ' - ';
    this.write(`Epoch ${epoch + 1}/${epochs}\n${steps}/${steps}${bar}${formatTime(seconds, '')}${this.verbose === 1 ? ' ' : ' - '}${formatTime(seconds / steps, '/step')}${scores}\n`);
  }
}
