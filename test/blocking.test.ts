import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { type Blocking, GPU_OCCUPANCY, blocking, cpuOccupancy, matmulWorkgroups, occupancy } from '../src/runtime/kernels';

/** The lesson's products at one batch size: [result rows, result columns, inner terms] of each forward, backprop and update. */
function lessonProducts(batch: number): [number, number, number][] {
  return [[batch, 25, 400], [batch, 15, 25], [batch, 1, 15], [batch, 15, 1], [batch, 25, 15], [401, 25, batch], [26, 15, batch], [16, 1, batch]];
}

/** Every (row, column) block of a result, counted over the invocations a dispatch of `blocking` runs. */
function coverage(rows: number, cols: number, b: ReturnType<typeof blocking>): Map<string, number> {
  const [groupsX, groupsY] = matmulWorkgroups(rows, cols, b);
  const counts = new Map<string, number>();
  for (let gy = 0; gy < groupsY; gy++)
    for (let gx = 0; gx < groupsX; gx++)
      for (let ly = 0; ly < b.group[1]; ly++)
        for (let lx = 0; lx < b.group[0]; lx++) {
          // matmul.wgsl's block_origin
          const col = (gx * b.group[0] + lx) * b.tileCols * 4;
          const row = (gy * b.group[1] + ly) * b.tileRows * 4;
          if (row < rows && col < cols) counts.set(`${row},${col}`, (counts.get(`${row},${col}`) ?? 0) + 1);
        }
  return counts;
}

const fakeDevice = (adapterInfo?: object) => ({ adapterInfo }) as unknown as GPUDevice;

describe('matmul blocking', () => {
  it('keeps 4 × 4 blocks in workgroups of 4 rows of invocations on a GPU for every product of the lesson', () => {
    for (const [rows, cols, inner] of [...lessonProducts(32), ...lessonProducts(1000)]) {
      const b = blocking(rows, cols, GPU_OCCUPANCY, inner);
      expect([b.tileRows, b.tileCols, b.group[1]]).toEqual([1, 1, 4]);
      expect(b.group[0]).toBe(Math.min(Math.ceil(cols / 4), 16));
    }
  });

  it('on a GPU, stages products of at least 32 × 32 results and 32 terms in workgroup memory, 2 × 2 tiles where they fill a wave', () => {
    const staged = (tiles: number) => ({ tileRows: tiles, tileCols: tiles, group: [8, 8], workgroupMemory: true });
    // 16 × 16 workgroups of 64 × 64 results: 16 384 invocations, four waves.
    expect(blocking(1024, 1024, GPU_OCCUPANCY, 1024)).toEqual(staged(2));
    // Keras's MNIST network at batch 128: 2 × 8 workgroups of 64 × 64 would be 1024 invocations, a quarter of a wave.
    expect(blocking(128, 512, GPU_OCCUPANCY, 784)).toEqual(staged(1));
    expect(blocking(32, 32, GPU_OCCUPANCY, 32)).toEqual(staged(1));
    // Too few terms for a stage of 8 passes, or a result narrower than a workgroup: registers.
    expect(blocking(1024, 1024, GPU_OCCUPANCY, 31).workgroupMemory).toBeUndefined();
    expect(blocking(1024, 31, GPU_OCCUPANCY, 1024).workgroupMemory).toBeUndefined();
    // Never on a CPU adapter.
    expect(blocking(1024, 1024, cpuOccupancy(2), 1024).workgroupMemory).toBeUndefined();
    // A group's members share the wave: four members of the MNIST product fill it with 64 × 64 workgroups.
    expect(blocking(128, 512, GPU_OCCUPANCY, 784, 4)).toEqual(staged(2));
    expect(blocking(128, 512, GPU_OCCUPANCY, 784, 3)).toEqual(staged(1));
  });

  it('on a 2-core CPU adapter, gives the batch-32 first layer 8 × 16 blocks (8 invocations) and the full batch 32 × 28', () => {
    const cpu = cpuOccupancy(2);
    expect(blocking(32, 25, cpu, 400)).toEqual({ tileRows: 2, tileCols: 4, group: [2, 2] });
    // 28 columns: the 25 units in one block across, the fewest loads for 32 invocations.
    expect(blocking(1000, 25, cpu, 400)).toEqual({ tileRows: 8, tileCols: 7, group: [1, 4] });
    expect(blocking(1024, 1024, cpu, 1024)).toEqual({ tileRows: 8, tileCols: 8, group: [2, 2] });
    // The first layer's update, 401 rows: 15 blocks of 28 rows fill the 16 lanes as 13 of 32 rows would, loading less.
    expect(blocking(401, 25, cpu, 1000)).toEqual({ tileRows: 7, tileCols: 7, group: [1, 4] });
    // One column of results: tall blocks would leave fewer than 8 invocations, so 4 × 4 in a 1 × 4 workgroup.
    expect(blocking(32, 1, cpu, 15)).toEqual({ tileRows: 1, tileCols: 1, group: [1, 4] });
  });

  it('on a CPU adapter, picks a block that loads the fewest tiles on the busiest core', () => {
    for (const cores of [2, 4]) {
      const cpu = cpuOccupancy(cores);
      for (const [rows, cols, inner] of [...lessonProducts(32), ...lessonProducts(1000), [256, 256, 256], [7, 13, 5]]) {
        // Each core runs one four-invocation workgroup at a time; each invocation loads R + C tiles per pass.
        const busiest = (b: Blocking) => Math.ceil(matmulWorkgroups(rows, cols, b).reduce((x, y) => x * y) / cores) * (b.tileRows + b.tileCols);
        const sides = [1, 2, 3, 4, 5, 6, 7, 8];
        const options = sides.flatMap((r) => sides.map((c): Blocking => ({ tileRows: r, tileCols: c, group: Math.ceil(cols / (4 * c)) >= 2 ? [2, 2] : [1, 4] })));
        expect(busiest(blocking(rows, cols, cpu, inner))).toBe(Math.min(...options.map(busiest)));
      }
    }
  });

  it('dispatches workgroups that compute every block of the result exactly once', () => {
    for (const occupancy of [GPU_OCCUPANCY, cpuOccupancy(2), cpuOccupancy(16)]) {
      for (const [rows, cols, inner] of [...lessonProducts(32), ...lessonProducts(1000), [1, 1, 1], [7, 13, 5], [33, 400, 25], [1024, 1024, 1024], [128, 512, 784]]) {
        const b = blocking(rows, cols, occupancy, inner);
        const counts = coverage(rows, cols, b);
        expect(counts.size).toBe(Math.ceil(rows / (4 * b.tileRows)) * Math.ceil(cols / (4 * b.tileCols)));
        expect([...counts.values()].every((n) => n === 1)).toBe(true);
      }
    }
  });

  it("treats fallback and software adapters as CPUs with this host's cores, and other adapters, or none described, as GPUs", () => {
    const cores = availableParallelism();
    expect(occupancy(fakeDevice({ vendor: 'google', architecture: 'swiftshader' }))).toEqual(cpuOccupancy(cores));
    expect(occupancy(fakeDevice({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }))).toEqual(cpuOccupancy(cores));
    expect(occupancy(fakeDevice({ vendor: 'unknown', isFallbackAdapter: true }))).toEqual(cpuOccupancy(cores));
    expect(occupancy(fakeDevice({ vendor: 'nvidia', architecture: 'hopper' }))).toBe(GPU_OCCUPANCY);
    expect(occupancy(fakeDevice())).toBe(GPU_OCCUPANCY);
  });
});
