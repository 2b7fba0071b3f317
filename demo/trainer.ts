// The page's side of the training worker: each call posts a request and resolves with its result (protocol.ts).
import type { Matrix } from '../src/index';
import type { ModeName } from './modes';
import type { NetworkSettings } from './network';
import type { Reply, Request, RequestType, Results, TrainEvent, TrainingControl } from './protocol';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onEvent?(event: TrainEvent): void;
}

export class Trainer {
  private readonly worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor() {
    this.worker.addEventListener('message', ({ data: reply }: MessageEvent<Reply>) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      if (reply.type === 'result' || reply.type === 'error') this.pending.delete(reply.id);
      if (reply.type === 'result') waiting.resolve(reply.value);
      else if (reply.type === 'error') waiting.reject(new Error(reply.message));
      else waiting.onEvent?.(reply);
    });
    // A worker that fails to start or throws outside a request fails everything still waiting.
    this.worker.addEventListener('error', (event) => {
      for (const waiting of this.pending.values()) waiting.reject(new Error(`training worker: ${event.message || 'failed to start'}`));
      this.pending.clear();
    });
  }

  load(mode: ModeName, gridDigits: number): Promise<Results['load']> {
    return this.request({ type: 'load', mode, gridDigits });
  }

  /** Trains `epochs` more epochs; `onEvent` sees the start (with the backend) and each epoch. */
  train(settings: { network: NetworkSettings; epochs: number; batchSize: number; control: TrainingControl; sweep: boolean }, onEvent: (event: TrainEvent) => void): Promise<Results['train']> {
    return this.request({ type: 'train', ...settings }, onEvent);
  }

  /** Asks the running training to end after its current epoch. */
  stop(): Promise<Results['stop']> {
    return this.request({ type: 'stop' });
  }

  predict(x: Matrix): Promise<Results['predict']> {
    return this.request({ type: 'predict', x });
  }

  reset(): Promise<Results['reset']> {
    return this.request({ type: 'reset' });
  }

  private request<T extends RequestType>(request: Extract<Request, { type: T }>, onEvent?: (event: TrainEvent) => void): Promise<Results[T]> {
    const id = this.nextId++;
    return new Promise<Results[T]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, onEvent });
      this.worker.postMessage({ ...request, id });
    });
  }
}
