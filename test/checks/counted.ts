// What the library asks of the device while some work runs, counted by wrapping the calls: the checks that claim
// one submit and one map per epoch, or a dispatch count per step, count with this.

/** The dispatches, submits and maps that `work` makes on `device`. */
export async function counted<T>(device: GPUDevice, work: () => Promise<T>): Promise<{ result: T; dispatches: number; submits: number; maps: number }> {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  const passPrototype = Object.getPrototypeOf(pass) as GPUComputePassEncoder;
  pass.end();
  const buffer = device.createBuffer({ size: 4, usage: 0x8 });
  const bufferPrototype = Object.getPrototypeOf(buffer) as GPUBuffer;
  buffer.destroy();
  const { queue } = device;
  const [dispatch, mapAsync, submit] = [passPrototype.dispatchWorkgroups, bufferPrototype.mapAsync, queue.submit];
  const counts = { dispatches: 0, submits: 0, maps: 0 };
  passPrototype.dispatchWorkgroups = function (...args) {
    counts.dispatches++;
    return dispatch.apply(this, args);
  };
  bufferPrototype.mapAsync = function (...args) {
    counts.maps++;
    return mapAsync.apply(this, args);
  };
  queue.submit = function (...args) {
    counts.submits++;
    return submit.apply(this, args);
  };
  try {
    return { result: await work(), ...counts };
  } finally {
    passPrototype.dispatchWorkgroups = dispatch;
    bufferPrototype.mapAsync = mapAsync;
    queue.submit = submit;
  }
}
