// The first layer's weight vectors as images: column j of its [400 × units] kernel, reshaped to 20 × 20, in grey
// from its own smallest weight (black) to its largest (white). The images are tiles of one canvas, in rows of
// ⌈√shown⌉, one pixel apart.
import type { Matrix } from '../src/index';
import { SIDE } from './preprocess';

/** The pixels between tiles. */
export const TILE_GAP = 1;

export class WeightImages {
  private readonly context: CanvasRenderingContext2D;

  /** Draws on `canvas`, at most `limit` images; `note` says how many of how many units are shown. */
  constructor(private readonly canvas: HTMLCanvasElement, private readonly note: HTMLElement, private readonly limit: number) {
    // A software canvas: drawing on it never waits for the GPU process, which the worker's training keeps busy.
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    this.clear();
  }

  show(kernel: Matrix): void {
    const [inputs, units] = kernel.shape;
    const shown = Math.min(units, this.limit);
    const columns = Math.ceil(Math.sqrt(shown));
    const rows = Math.ceil(shown / columns);
    const pitch = SIDE + TILE_GAP;
    const width = columns * pitch - TILE_GAP, height = rows * pitch - TILE_GAP;
    if (this.canvas.width !== width || this.canvas.height !== height) Object.assign(this.canvas, { width, height });
    this.canvas.hidden = false;
    this.note.textContent = shown < units ? `The first ${shown} of its ${units} units.` : `Its ${units} units.`;

    const image = this.context.createImageData(width, height); // transparent between the tiles
    for (let j = 0; j < shown; j++) {
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < inputs; i++) {
        const w = kernel.data[i * units + j];
        lo = Math.min(lo, w);
        hi = Math.max(hi, w);
      }
      const scale = hi > lo ? 255 / (hi - lo) : 0;
      const left = (j % columns) * pitch, top = Math.floor(j / columns) * pitch;
      for (let i = 0; i < inputs; i++) {
        const grey = Math.round((kernel.data[i * units + j] - lo) * scale);
        const at = 4 * ((top + Math.floor(i / SIDE)) * width + left + (i % SIDE));
        image.data[at] = image.data[at + 1] = image.data[at + 2] = grey;
        image.data[at + 3] = 255;
      }
    }
    this.context.putImageData(image, 0, 0);
  }

  clear(): void {
    this.canvas.hidden = true;
    this.note.textContent = '';
  }
}
