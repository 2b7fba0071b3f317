// A device that reports other limits or another adapter than it has: for the checks of what the runtime does on
// devices of other sizes and kinds, run on this machine's.

/**
 * The device as the library sees it: reporting smaller limits than it has (requestDevice cannot go below
 * defaults), or another adapter.
 */
export function reportedAs(device: GPUDevice, report: { limits?: Record<string, number>; adapterInfo?: object }): GPUDevice {
  const limits = report.limits ?? {};
  const reported = new Proxy(device.limits, { get: (target, key) => (key in limits ? limits[key as string] : (target as unknown as Record<string | symbol, number>)[key]) });
  return new Proxy(device, {
    get(target, key) {
      if (key === 'limits') return reported;
      if (key === 'adapterInfo' && report.adapterInfo) return report.adapterInfo;
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The device described as a GPU (an NVIDIA Hopper), where the library plans kernels for a GPU (kernels.ts `occupancy`). */
export const asGPU = (device: GPUDevice) => reportedAs(device, { adapterInfo: { vendor: 'nvidia', architecture: 'hopper' } });
