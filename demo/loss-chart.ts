// The live training-loss curve, one point per epoch.
import { Chart, LineController, LineElement, LinearScale, LogarithmicScale, PointElement } from 'chart.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale);

export class LossChart {
  private readonly chart: Chart<'line', { x: number; y: number }[]>;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [{ data: [], borderColor: '#2563eb', backgroundColor: '#2563eb', pointRadius: 2 }] },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { type: 'linear', title: { display: true, text: 'epoch' }, ticks: { precision: 0 } },
          y: { type: 'logarithmic', title: { display: true, text: 'training loss' } },
        },
      },
    });
  }

  add(epoch: number, loss: number): void {
    this.chart.data.datasets[0].data.push({ x: epoch, y: loss });
    this.chart.update();
  }

  clear(): void {
    this.chart.data.datasets[0].data = [];
    this.chart.update();
  }
}
