// A grid of test digits, each captioned with the model's predicted digit and its probability; misclassified ones are marked.
import type { Matrix } from '../src/index';
import { argmax, classProbabilities } from './probabilities';
import { SIDE } from './preprocess';

export class DigitGrid {
  private readonly labels: Uint8Array;
  private readonly cells: HTMLElement[];

  /** Shows the digits, one per row of `x`, with their labels, replacing what `container` held. */
  constructor(container: HTMLElement, { x, labels }: { x: Matrix; labels: Uint8Array }) {
    this.labels = labels;
    this.cells = Array.from(labels, (_, i) => {
      const figure = document.createElement('figure');
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = SIDE;
      drawDigit(canvas, x.data.subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE));
      figure.append(canvas, document.createElement('figcaption'));
      return figure;
    });
    container.replaceChildren(...this.cells);
  }

  /** Captions each digit with its predicted class and that class's probability, from the model's outputs for the digits. */
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

/** Draws SIDE × SIDE values in [0, 1] as dark ink on a transparent canvas (a software one: see loss-chart.ts). */
export function drawDigit(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const image = new ImageData(SIDE, SIDE);
  pixels.forEach((v, i) => {
    image.data.set([17, 17, 17, Math.round(v * 255)], i * 4);
  });
  canvas.getContext('2d', { willReadFrequently: true })!.putImageData(image, 0, 0);
}
