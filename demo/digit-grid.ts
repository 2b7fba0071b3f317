// A grid of test digits, each captioned with the model's predicted digit and its probability; misclassified ones are marked.
import type { Matrix } from '../src/index';
import { type Digits, FEATURES } from '../src/data/digits';
import { argmax, classProbabilities } from './model';
import { SIDE } from './preprocess';

export class DigitGrid {
  /** The grid's digits, one per row: what to predict for `show`. */
  readonly x: Matrix;
  private readonly labels: number[];
  private readonly cells: HTMLElement[];

  /** Shows `count` digits spread evenly over the set, replacing what `container` held. */
  constructor(container: HTMLElement, digits: Digits, count: number) {
    const total = digits.labels.length;
    const rows = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * total) / count));
    this.x = { shape: [count, FEATURES], data: new Float32Array(count * FEATURES) };
    rows.forEach((row, i) => this.x.data.set(digits.x.data.subarray(row * FEATURES, (row + 1) * FEATURES), i * FEATURES));
    this.labels = rows.map((row) => digits.labels[row]);
    this.cells = rows.map((_, i) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = SIDE;
      drawDigit(canvas, this.x.data.subarray(i * FEATURES, (i + 1) * FEATURES));
      figure.append(canvas, document.createElement('figcaption'));
      return figure;
    });
    container.replaceChildren(...this.cells);
  }

  /** Captions each digit with its predicted class and that class's probability, from the model's outputs for `x`. */
  show(output: Matrix): void {
    this.cells.forEach((cell, i) => {
      const probabilities = classProbabilities(output, i);
      const predicted = argmax(probabilities);
      const probability = probabilities[predicted];
      cell.querySelector('figcaption')!.textContent = `${predicted} ${probability.toFixed(2)}`;
      cell.title = `label ${this.labels[i]}, predicted ${predicted} with probability ${probability.toFixed(4)}`;
      cell.classList.toggle('wrong', predicted !== this.labels[i]);
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
