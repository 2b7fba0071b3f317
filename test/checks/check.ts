// A check of the GPU runtime against the CPU reference, run by the Node suite (Dawn) and by the browser suite.
export interface CheckResult {
  maxError: number;
  tolerance: number;
  detail?: string;
}

export interface Check {
  name: string;
  /** `device` is shared by all checks; `requestDevice` gives a device of the check's own, to lose or limit. */
  run(device: GPUDevice, requestDevice: () => Promise<GPUDevice>): Promise<CheckResult>;
}
