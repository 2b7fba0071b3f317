// Turns a drawing into the network's input the way MNIST digits were made: the bounding box of the ink is
// scaled to fit a 20×20 box (keeping its aspect ratio), then shifted so that its centre of mass sits at the
// centre of the 20×20 input.
import { mat3, vec2 } from 'wgpu-matrix';

export const SIDE = 20;

/** RGBA pixels (like ImageData); the ink is the alpha channel. */
export interface Drawing {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** The drawing as SIDE × SIDE values in [0, 1], row-major, or null when there is no ink. */
export function toInput({ width, height, data }: Drawing): Float32Array | null {
  const ink = (x: number, y: number) => data[(y * width + x) * 4 + 3] / 255;

  let left = width, top = height, right = -1, bottom = -1;
  let mass = 0, massX = 0, massY = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const a = ink(x, y);
      if (a === 0) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      mass += a;
      massX += a * (x + 0.5);
      massY += a * (y + 0.5);
    }
  }
  if (mass === 0) return null;

  // Drawing → input: fit the bounding box into SIDE × SIDE, then move the centre of mass to the middle.
  const scale = SIDE / Math.max(right - left + 1, bottom - top + 1);
  const fit = mat3.multiply(mat3.scaling([scale, scale]), mat3.translation([-left, -top]));
  const [cx, cy] = vec2.transformMat3([massX / mass, massY / mass], fit);
  const toInputSpace = mat3.multiply(mat3.translation([SIDE / 2 - cx, SIDE / 2 - cy]), fit);
  const toDrawing = mat3.inverse(toInputSpace);

  // Each input pixel is the mean ink over a grid of samples spaced at most one drawing pixel apart.
  const n = Math.max(1, Math.ceil(1 / scale));
  const input = new Float32Array(SIDE * SIDE);
  const point = vec2.create();
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          vec2.transformMat3([c + (j + 0.5) / n, r + (i + 0.5) / n], toDrawing, point);
          const x = Math.floor(point[0]), y = Math.floor(point[1]);
          if (x >= 0 && x < width && y >= 0 && y < height) sum += ink(x, y);
        }
      }
      input[r * SIDE + c] = sum / (n * n);
    }
  }
  return input;
}
