// The picture: the image canvas at the model's resolution, and an overlay above it for the mask
// and the points, drawn at the screen's resolution so markers stay sharp.
import type { MaskPainter } from "./mask";
import type { Pixel, PointPairs } from "./points";

export interface StagePointer {
  /** A press at an image pixel; `secondary` for the right button. */
  down(at: Pixel, secondary: boolean): void;
  move(at: Pixel): void;
  up(): void;
}

export class Stage {
  private resolution = 0;
  private cursor: { at: Pixel; radius: number } | undefined;

  constructor(
    private readonly image: HTMLCanvasElement,
    private readonly overlay: HTMLCanvasElement,
    pointer: StagePointer,
  ) {
    overlay.addEventListener("pointerdown", (event) => {
      if (!this.resolution || (event.button !== 0 && event.button !== 2)) return;
      overlay.setPointerCapture(event.pointerId);
      pointer.down(this.toImage(event), event.button === 2);
    });
    overlay.addEventListener("pointermove", (event) => {
      if (this.resolution) pointer.move(this.toImage(event));
    });
    overlay.addEventListener("pointerup", () => pointer.up());
    overlay.addEventListener("pointerleave", () => {
      this.cursor = undefined;
    });
    overlay.addEventListener("contextmenu", (event) => event.preventDefault());
  }

  get hasImage(): boolean {
    return this.resolution > 0;
  }

  /** Shows an image; the first one (or one of another size) sets the stage's resolution. */
  show(bitmap: ImageBitmap): void {
    if (this.image.width !== bitmap.width || this.image.height !== bitmap.height) {
      this.image.width = bitmap.width;
      this.image.height = bitmap.height;
    }
    this.resolution = bitmap.width;
    this.image.getContext("2d")?.drawImage(bitmap, 0, 0);
  }

  /** The brush outline to draw at the pointer, or none. */
  setCursor(cursor: { at: Pixel; radius: number } | undefined): void {
    this.cursor = cursor;
  }

  /** Redraws the overlay: the mask's dimming, then the points, then the brush outline. */
  render(mask: MaskPainter | undefined, points: PointPairs): void {
    const box = this.overlay.getBoundingClientRect();
    const scale = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(box.width * scale));
    const height = Math.max(1, Math.round(box.height * scale));
    if (this.overlay.width !== width || this.overlay.height !== height) {
      this.overlay.width = width;
      this.overlay.height = height;
    }
    const context = this.overlay.getContext("2d");
    if (!context) return;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, width, height);
    if (!this.resolution) return;
    // From here on, coordinates are image pixels.
    context.setTransform(width / this.resolution, 0, 0, height / this.resolution, 0, 0);
    const pixel = this.resolution / width;
    mask?.draw(context);
    points.draw(context, pixel);
    if (this.cursor) {
      context.beginPath();
      context.arc(this.cursor.at.x + 0.5, this.cursor.at.y + 0.5, this.cursor.radius, 0, 2 * Math.PI);
      context.lineWidth = 1.5 * pixel;
      context.strokeStyle = "rgba(255, 255, 255, 0.9)";
      context.stroke();
    }
  }

  /** The image pixel under the pointer, rounded and kept inside the image. */
  private toImage(event: PointerEvent): Pixel {
    const box = this.overlay.getBoundingClientRect();
    const clamp = (value: number) => Math.min(this.resolution - 1, Math.max(0, Math.round(value)));
    // The pointer is at a position within a pixel; the contract puts 0 at the pixel's centre.
    return {
      x: clamp(((event.clientX - box.left) / box.width) * this.resolution - 0.5),
      y: clamp(((event.clientY - box.top) / box.height) * this.resolution - 0.5),
    };
  }
}
