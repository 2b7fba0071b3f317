// What a pass reads back to the CPU, described as named slots: each a range of a GPU buffer. The copies into a
// mappable buffer and the reading out of it both follow from the one list, so adding a score or a weight is one slot.
import { BufferUsage } from './flags';

export interface ReadbackSlot {
  name: string;
  source: GPUBuffer;
  /** Bytes from the start of `source`; all of it by default. */
  bytes?: number;
}

export class Readback {
  /** Bytes in all. */
  readonly size: number;
  private readonly slots: { name: string; source: GPUBuffer; bytes: number; offset: number }[] = [];

  constructor(slots: ReadbackSlot[]) {
    let offset = 0;
    for (const { name, source, bytes = source.size } of slots) {
      this.slots.push({ name, source, bytes, offset });
      offset += Math.ceil(bytes / 4) * 4;
    }
    this.size = Math.max(4, offset);
  }

  /**
   * A mappable buffer the size of the slots, made mapped so that it starts zeroed on every device (Dawn's null
   * backend leaves a buffer made otherwise as its memory was).
   */
  buffer(device: GPUDevice, label: string): GPUBuffer {
    const buffer = device.createBuffer({ label, size: this.size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, mappedAtCreation: true });
    buffer.unmap();
    return buffer;
  }

  /** Copies every slot into `target`, from the start of its source or from where `from` says, by slot name. */
  encode(encoder: GPUCommandEncoder, target: GPUBuffer, from: Record<string, number> = {}): void {
    for (const { name, source, bytes, offset } of this.slots) encoder.copyBufferToBuffer(source, from[name] ?? 0, target, offset, bytes);
  }

  /** Each slot's floats, by name, from the bytes of a mapped `target`. */
  read(data: ArrayBuffer): Record<string, Float32Array> {
    return Object.fromEntries(this.slots.map(({ name, bytes, offset }) => [name, new Float32Array(data, offset, bytes / 4)]));
  }
}
