// Training progress on stderr: a progress bar with the loss of the last epoch on a terminal; in a log or a pipe,
// where a redrawn bar would not show, one line per epoch.
import { Presets, SingleBar } from 'cli-progress';
import type { EpochLogs } from 'webgpu-nn';

export interface Progress {
  epochEnd(epoch: number, logs: EpochLogs): void;
  stop(): void;
}

export function epochProgress(epochs: number, withAccuracy: boolean): Progress {
  const scores = (logs: EpochLogs) => ({ loss: logs.loss.toFixed(4), accuracy: logs.accuracy?.toFixed(4) });
  if (!process.stderr.isTTY) {
    return {
      epochEnd: (epoch, logs) => {
        const { loss, accuracy } = scores(logs);
        console.error(`epoch ${epoch + 1}/${epochs} loss ${loss}${withAccuracy ? ` · accuracy ${accuracy}` : ''}`);
      },
      stop: () => {},
    };
  }
  const bar = new SingleBar({ format: `epoch {value}/{total} {bar} loss {loss}${withAccuracy ? ' · accuracy {accuracy}' : ''}`, hideCursor: true }, Presets.shades_classic);
  bar.start(epochs, 0, { loss: '-', accuracy: '-' });
  return { epochEnd: (epoch, logs) => bar.update(epoch + 1, scores(logs)), stop: () => bar.stop() };
}
