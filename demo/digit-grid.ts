// A grid of test digits, each captioned with the model's P(digit is 1); misclassified ones are marked.
import type { Digits } from './digits';
import { SIDE } from './preprocess';

export class DigitGrid {
  private readonly rows: number[];
  private readonly cells: HTMLElement[] = [];

  constructor(container: HTMLElement, private readonly digits: Digits, count: number) {
    const total = digits.labels.length;
    this.rows = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * total) / count));
    for (const row of this.rows) {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = SIDE;
      drawDigit(canvas, digits.x.data.subarray(row * SIDE * SIDE, (row + 1) * SIDE * SIDE));
      figure.append(canvas, document.createElement('figcaption'));
      container.append(figure);
      this.cells.push(figure);
    }
  }

  /** Captions the digits with `probabilities`, one per row of the test set. */
  show(probabilities: Float32Array): void {
    this.rows.forEach((row, i) => {
      const p = probabilities[row];
      const label = this.digits.labels[row];
      this.cells[i].querySelector('figcaption')!.textContent = p.toFixed(2);
      this.cells[i].title = `label ${label}, P(1) = ${p.toFixed(4)}`;
      this.cells[i].classList.toggle('wrong', Number(p >= 0.5) !== label);
    });
  }

  clear(): void {
    for (const cell of this.cells) {
      cell.querySelector('figcaption')!.textContent = '';
      cell.title = '';
      cell.classList.remove('wrong');
    }
  }
}

/** Draws SIDE × SIDE values in [0, 1] as dark ink on a transparent canvas. */
export function drawDigit(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const image = new ImageData(SIDE, SIDE);
  pixels.forEach((v, i) => {
    image.data.set([17, 17, 17, Math.round(v * 255)], i * 4);
  });
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}
