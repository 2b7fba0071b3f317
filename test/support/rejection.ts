// The error a bad call must give: a WebGPUNNError, with the code named and every fragment in its message.
import { expect } from 'vitest';
import { WebGPUNNError } from '../../src/index';

/** The WebGPUNNError that `call` throws or rejects with, asserted to carry `code` (when given) and each fragment. */
export async function rejection(call: () => unknown, fragments: (string | RegExp)[], code?: string): Promise<WebGPUNNError> {
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error, fragments.join(' ')).toBeInstanceOf(WebGPUNNError);
  if (code !== undefined) expect((error as WebGPUNNError).code).toBe(code);
  for (const fragment of fragments) expect((error as Error).message).toMatch(fragment);
  return error as WebGPUNNError;
}
