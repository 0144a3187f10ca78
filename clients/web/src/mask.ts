// The mask brush. As in the official DragGAN tool, the user paints the region that MAY move.
// The contract's Mask (common.proto) is the opposite: nonzero bytes mark the FIXED region. So
// painted pixels are sent as 0 and everything else as 1 (see toMessage).
import { create } from "@bufbuild/protobuf";
import { MaskSchema, type Mask } from "./gen/draggan/v1/common_pb";
import type { Pixel } from "./points";

export type BrushMode = "paint" | "erase";

export class MaskPainter {
  /** Painted (movable) pixels have alpha 255, at the model's resolution. */
  private readonly canvas: HTMLCanvasElement;
  private readonly context: CanvasRenderingContext2D;
  private last: Pixel | undefined;
  private painted = false;

  constructor(readonly resolution: number) {
    this.canvas = document.createElement("canvas");
    this.canvas.width = this.canvas.height = resolution;
    const context = this.canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("This browser has no 2D canvas.");
    this.context = context;
  }

  /** Whether any pixel is painted: without paint there is no movable region, so no mask. */
  get isEmpty(): boolean {
    return !this.painted;
  }

  /** Starts a stroke of a brush `radius` image pixels wide at `at`. */
  begin(at: Pixel, mode: BrushMode, radius: number): void {
    this.last = at;
    this.line(at, at, mode, radius);
  }

  /** Continues the stroke; ignored between strokes. */
  extend(to: Pixel, mode: BrushMode, radius: number): void {
    if (!this.last) return;
    this.line(this.last, to, mode, radius);
    this.last = to;
  }

  /** Ends the stroke. */
  end(): void {
    this.last = undefined;
    this.painted = this.coverage() > 0;
  }

  clear(): void {
    this.context.clearRect(0, 0, this.resolution, this.resolution);
    this.last = undefined;
    this.painted = false;
  }

  /**
   * The contract's Mask: 1 (fixed) outside the painted region, 0 (free to move) inside it.
   * Undefined when nothing is painted, meaning "no mask".
   */
  toMessage(): Mask | undefined {
    if (this.isEmpty) return undefined;
    const rgba = this.context.getImageData(0, 0, this.resolution, this.resolution).data;
    const values = new Uint8Array(this.resolution * this.resolution);
    for (let p = 0; p < values.length; p++) values[p] = rgba[p * 4 + 3] >= 128 ? 0 : 1;
    return create(MaskSchema, { width: this.resolution, height: this.resolution, values });
  }

  /**
   * Dims the fixed region, as the official tool does, on a context whose transform maps image
   * pixels to the canvas. Nothing is drawn while no region is painted.
   */
  draw(context: CanvasRenderingContext2D): void {
    if (this.isEmpty) return;
    // Dim everything on a scratch layer, then cut the painted region out of the dimming.
    const layer = document.createElement("canvas");
    layer.width = layer.height = this.resolution;
    const scratch = layer.getContext("2d");
    if (!scratch) return;
    scratch.fillStyle = "rgba(0, 0, 0, 0.55)";
    scratch.fillRect(0, 0, this.resolution, this.resolution);
    scratch.globalCompositeOperation = "destination-out";
    scratch.drawImage(this.canvas, 0, 0);
    context.drawImage(layer, 0, 0);
  }

  /** Painted pixels, for tests and the status line. */
  coverage(): number {
    const rgba = this.context.getImageData(0, 0, this.resolution, this.resolution).data;
    let count = 0;
    for (let i = 3; i < rgba.length; i += 4) if (rgba[i] >= 128) count++;
    return count;
  }

  private line(from: Pixel, to: Pixel, mode: BrushMode, radius: number): void {
    const context = this.context;
    context.globalCompositeOperation = mode === "paint" ? "source-over" : "destination-out";
    context.strokeStyle = "white";
    context.lineCap = context.lineJoin = "round";
    context.lineWidth = 2 * radius;
    context.fillStyle = "white";
    // Pixel centres: contract coordinates start at the centre of the top-left pixel.
    context.beginPath();
    context.moveTo(from.x + 0.5, from.y + 0.5);
    context.lineTo(to.x + 0.5, to.y + 0.5);
    context.stroke();
    // A stroke of zero length draws nothing: a click must still leave a dot.
    context.beginPath();
    context.arc(to.x + 0.5, to.y + 0.5, radius, 0, 2 * Math.PI);
    context.fill();
  }
}
