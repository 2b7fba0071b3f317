// Training progress on stderr: a progress bar with the scores of the last epoch on a terminal; in a log or a pipe,
// where a redrawn bar would not show, one line per epoch.
import { Presets, SingleBar } from 'cli-progress';
import type { Scores } from 'webgpu-nn';

export interface Progress {
  epochEnd(epoch: number, logs: Scores): void;
  stop(): void;
}

/** Scores in Keras's names, 4 decimals each: 'loss 0.1234 · accuracy 0.9500 · val_loss 0.2345'. */
export function scoresText(scores: Record<string, number>, separator = ' · '): string {
  return Object.entries(scores)
    .map(([name, value]) => `${name} ${value.toFixed(4)}`)
    .join(separator);
}

export function epochProgress(epochs: number): Progress {
  if (!process.stderr.isTTY) {
    return {
      epochEnd: (epoch, logs) => console.error(`epoch ${epoch + 1}/${epochs} ${scoresText(logs)}`),
      stop: () => {},
    };
  }
  const bar = new SingleBar({ format: 'epoch {value}/{total} {bar} {scores}', hideCursor: true }, Presets.shades_classic);
  bar.start(epochs, 0, { scores: 'loss -' });
  return { epochEnd: (epoch, logs) => bar.update(epoch + 1, { scores: scoresText(logs) }), stop: () => bar.stop() };
}
