// One bar per class for the drawing: its probability as the bar's length and as a number; the top class stands out.
import { argmax } from './probabilities';

export class ProbabilityBars {
  private readonly bars: HTMLElement[];

  /** Fills `list` with a bar per class, labelled by its `data-digit`. */
  constructor(list: HTMLElement, classes: number) {
    this.bars = Array.from({ length: classes }, (_, digit) => {
      const bar = document.createElement('li');
      bar.dataset.digit = String(digit);
      return bar;
    });
    list.replaceChildren(...this.bars);
  }

  /** Shows one probability per class, or empty bars without them. */
  show(probabilities: ArrayLike<number> | undefined): void {
    const top = probabilities && argmax(probabilities);
    this.bars.forEach((bar, digit) => {
      const probability = probabilities?.[digit];
      bar.textContent = probability === undefined ? '' : probability.toFixed(3);
      bar.style.setProperty('--probability', String(probability ?? 0));
      bar.classList.toggle('top', digit === top);
    });
  }
}
