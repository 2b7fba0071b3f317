// The members of a plan: models of one shape trained side by side by the same dispatches (a ModelGroup; a
// Sequential is a group of one). Each per-member buffer holds the members' ranges one after another; a kernel finds
// its member's range by `member` (step.wgsl, from the grid's z) times the range's size, its stride. Buffers the
// members share (the dataset, the labels, the gathered batch) have stride 0, and so does everything when there is
// one member, so a Sequential's kernels are what they were before groups existed.

export class Members {
  /** Bytes of each member's range in each per-member buffer. */
  private readonly ranges = new Map<GPUBuffer, number>();

  constructor(readonly count: number) {}

  /** Records `buffer` as `bytes` per member (a multiple of 16, so that every range starts vec4-aligned). */
  register(buffer: GPUBuffer, bytes: number): GPUBuffer {
    this.ranges.set(buffer, bytes);
    return buffer;
  }

  /** The stride of `resource` in elements of `unit` bytes (16: vec4f, 4: f32): 0 where it is shared or alone. */
  stride(resource: GPUBuffer | GPUBufferBinding, unit: 4 | 16 = 16): number {
    if (this.count === 1) return 0;
    const buffer = 'buffer' in resource ? resource.buffer : resource;
    return (this.ranges.get(buffer) ?? 0) / unit;
  }

  /** `member * stride + ` for an index into `resource` in generated WGSL, or nothing where the stride is 0. */
  offset(resource: GPUBuffer | GPUBufferBinding, unit: 4 | 16 = 16): string {
    const stride = this.stride(resource, unit);
    return stride === 0 ? '' : `member * ${stride}u + `;
  }
}

/**
 * The run's constants, per member (step.wgsl's words from step.run): values that differ between models of one
 * shape, so that they share pipelines and a group's members differ in them (dropout's seeds, the optimizer's and
 * the penalties' hyperparameters). Each call stores its value and returns the WGSL that reads it.
 */
export interface RunConstants {
  /** A u32. */
  word(value: number): string;
  /** An f32. */
  float(value: number): string;
}

/** 'n members', for messages. */
export const memberCount = (n: number) => `${n} member${n === 1 ? '' : 's'}`;
