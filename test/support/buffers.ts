// The GPU buffers a device makes, for the tests that check none is left alive.

/** Tracks the buffers `device` makes while `work` runs: the largest, and those not destroyed. */
export async function tracking<T>(device: GPUDevice, work: () => Promise<T>): Promise<{ result: T; largest: number; alive: number }> {
  const live = new Set<GPUBuffer>();
  let largest = 0;
  const createBuffer = device.createBuffer;
  device.createBuffer = function (descriptor) {
    const buffer = createBuffer.call(this, descriptor);
    largest = Math.max(largest, descriptor.size);
    const destroy = buffer.destroy;
    live.add(buffer);
    buffer.destroy = function () {
      live.delete(buffer);
      return destroy.call(this);
    };
    return buffer;
  };
  try {
    const result = await work();
    return { result, largest, alive: live.size };
  } finally {
    device.createBuffer = createBuffer;
  }
}
