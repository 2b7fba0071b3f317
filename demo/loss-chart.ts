// The live loss curves, one point per epoch: the training loss and the validation loss (on the test digits).
import { Chart, Legend, LineController, LineElement, LinearScale, LogarithmicScale, PointElement } from 'chart.js';

Chart.register(Legend, LineController, LineElement, PointElement, LinearScale, LogarithmicScale);

type Series = { x: number; y: number }[];

export class LossChart {
  private readonly chart: Chart<'line', Series>;

  constructor(canvas: HTMLCanvasElement) {
    const line = (label: string, color: string) => ({ label, data: [] as Series, borderColor: color, backgroundColor: color, pointRadius: 2 });
    // A software canvas: drawing on it never waits for the GPU process, which the worker's training keeps busy.
    this.chart = new Chart(canvas.getContext('2d', { willReadFrequently: true })!, {
      type: 'line',
      data: { datasets: [line('training loss', '#2563eb'), line('validation loss', '#ea580c')] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { labels: { boxHeight: 2 } } },
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          y: { type: 'logarithmic', title: { display: true, text: 'loss' } },
        },
      },
    });
  }

  /** Adds an epoch's losses; a missing validation loss leaves that curve as it is. */
  add(epoch: number, loss: number, validationLoss: number | undefined): void {
    const [training, validation] = this.chart.data.datasets;
    training.data.push({ x: epoch, y: loss });
    if (validationLoss !== undefined) validation.data.push({ x: epoch, y: validationLoss });
    this.chart.update();
  }

  clear(): void {
    for (const dataset of this.chart.data.datasets) dataset.data = [];
    this.chart.update();
  }
}
