// A canvas to draw on with a mouse, pen or finger (pointer events). The ink is the canvas's alpha channel.

export class DrawPad {
  private readonly context: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;

  /** `onChange` runs after each change of the ink: every stroke segment, the end of a stroke, a clear. */
  constructor(private readonly canvas: HTMLCanvasElement, private readonly onChange: () => void) {
    this.context = canvas.getContext('2d', { willReadFrequently: true })!;
    Object.assign(this.context, { lineWidth: canvas.width / 10, lineCap: 'round', lineJoin: 'round', strokeStyle: '#111', fillStyle: '#111' });
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    canvas.addEventListener('pointerup', () => this.up());
    canvas.addEventListener('pointercancel', () => this.up());
  }

  image(): ImageData {
    return this.context.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  clear(): void {
    this.context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.onChange();
  }

  private down(event: PointerEvent): void {
    this.canvas.setPointerCapture(event.pointerId);
    this.last = this.point(event);
    this.context.beginPath();
    this.context.arc(this.last.x, this.last.y, this.context.lineWidth / 2, 0, 2 * Math.PI);
    this.context.fill();
    this.onChange();
  }

  private move(event: PointerEvent): void {
    if (!this.last) return;
    const coalesced = event.getCoalescedEvents?.() ?? [];
    this.context.beginPath();
    this.context.moveTo(this.last.x, this.last.y);
    for (const e of coalesced.length ? coalesced : [event]) {
      this.last = this.point(e);
      this.context.lineTo(this.last.x, this.last.y);
    }
    this.context.stroke();
    this.onChange();
  }

  private up(): void {
    if (!this.last) return;
    this.last = undefined;
    this.onChange();
  }

  /** The event's position in canvas pixels (the canvas may be displayed at another size). */
  private point(event: PointerEvent): { x: number; y: number } {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) * this.canvas.width) / box.width,
      y: ((event.clientY - box.top) * this.canvas.height) / box.height,
    };
  }
}
