// The live loss curves, one point per epoch: the training loss and the validation loss (on the test digits); in a
// sweep, every member's training loss, labelled by its learning rate.
import { Chart, Legend, LineController, LineElement, LinearScale, LogarithmicScale, PointElement } from 'chart.js';

Chart.register(Legend, LineController, LineElement, PointElement, LinearScale, LogarithmicScale);

type Series = { x: number; y: number }[];

const line = (label: string, color: string, pointRadius = 2) => ({ label, data: [] as Series, borderColor: color, backgroundColor: color, pointRadius });
/** One model's curves: its training loss and its validation loss. */
const single = () => [line('training loss', '#2563eb'), line('validation loss', '#ea580c')];

export class LossChart {
  private readonly chart: Chart<'line', Series>;

  constructor(canvas: HTMLCanvasElement) {
    // A software canvas: drawing on it never waits for the GPU process, which the worker's training keeps busy.
    this.chart = new Chart(canvas.getContext('2d', { willReadFrequently: true })!, {
      type: 'line',
      data: { datasets: single() },
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

  /** Adds an epoch of a sweep: each member's training loss on its own curve (a stopped member's ends). */
  addSweep(epoch: number, rates: number[], losses: (number | undefined)[]): void {
    const { datasets } = this.chart.data;
    if (!datasets[0].label?.startsWith('rate')) {
      this.chart.data.datasets = rates.map((rate, i) => line(`rate ${Math.fround(rate)}`, `hsl(${Math.round((240 * i) / Math.max(1, rates.length - 1))} 70% 45%)`, 1));
    }
    losses.forEach((loss, i) => loss !== undefined && this.chart.data.datasets[i].data.push({ x: epoch, y: loss }));
    this.chart.update();
  }

  clear(): void {
    this.chart.data.datasets = single();
    this.chart.update();
  }
}
