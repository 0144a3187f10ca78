// Handle/target pairs as the official DragGAN tool shows them: clicks alternate between a handle
// (red) and its target (blue), with an arrow from each handle to its target.
import { create } from "@bufbuild/protobuf";
import { PointPairSchema, PointSchema, type Point, type PointPair } from "./gen/draggan/v1/common_pb";

export interface Pixel {
  x: number;
  y: number;
}

export interface Pair {
  handle: Pixel;
  /** Absent while the pair waits for its target click. */
  target?: Pixel;
}

const handleColor = "#e53935";
const targetColor = "#1e63e9";

export class PointPairs {
  private pairs: Pair[] = [];

  get all(): readonly Pair[] {
    return this.pairs;
  }

  /** Pairs with both points: what a drag is started with, in order. */
  get complete(): Pair[] {
    return this.pairs.filter((pair) => pair.target !== undefined);
  }

  /**
   * Places the next point: a new handle, or the target of the waiting handle. Returns the pair
   * when this click completed it.
   */
  place(point: Pixel): Pair | undefined {
    const last = this.pairs.at(-1);
    if (last && last.target === undefined) {
      last.target = point;
      return last;
    }
    this.pairs.push({ handle: point });
    return undefined;
  }

  /** Removes the pair with a point nearest to `point` within `radius` pixels; true if one was. */
  removeNear(point: Pixel, radius: number): boolean {
    let best = -1;
    let bestDistance = radius;
    this.pairs.forEach((pair, index) => {
      for (const p of [pair.handle, pair.target]) {
        const d = p ? Math.hypot(p.x - point.x, p.y - point.y) : Infinity;
        if (d <= bestDistance) [best, bestDistance] = [index, d];
      }
    });
    if (best < 0) return false;
    this.pairs.splice(best, 1);
    return true;
  }

  clear(): void {
    this.pairs = [];
  }

  /** Replaces the pairs with the service's (after a drag, handles are where tracking left them). */
  load(pairs: readonly PointPair[]): void {
    this.pairs = pairs.map((pair) => ({ handle: toPixel(pair.handle), target: toPixel(pair.target) }));
  }

  /** Moves the complete pairs' handles to the tracked positions of a drag frame, in order. */
  track(handles: readonly Point[]): void {
    this.complete.forEach((pair, index) => {
      const handle = handles[index];
      if (handle) pair.handle = { x: handle.x, y: handle.y };
    });
  }

  /** The complete pairs as contract messages. */
  toMessages(): PointPair[] {
    return this.complete.map(toMessage);
  }

  /**
   * Draws the pairs on a context whose transform maps image pixels to the canvas; `pixel` is the
   * size of one canvas pixel in image pixels, so markers keep their on-screen size at any zoom.
   */
  draw(context: CanvasRenderingContext2D, pixel: number): void {
    for (const pair of this.pairs) {
      if (pair.target) drawArrow(context, centre(pair.handle), centre(pair.target), pixel);
      drawDot(context, centre(pair.handle), handleColor, pixel);
      if (pair.target) drawDot(context, centre(pair.target), targetColor, pixel);
    }
  }
}

export function toMessage(pair: Pair): PointPair {
  return create(PointPairSchema, {
    handle: create(PointSchema, pair.handle),
    target: create(PointSchema, pair.target ?? pair.handle),
  });
}

function toPixel(point: Point | undefined): Pixel {
  return { x: point?.x ?? 0, y: point?.y ?? 0 };
}

/** Contract coordinates put (0, 0) at the centre of the top-left pixel. */
function centre(point: Pixel): Pixel {
  return { x: point.x + 0.5, y: point.y + 0.5 };
}

function drawDot(context: CanvasRenderingContext2D, at: Pixel, color: string, pixel: number): void {
  context.beginPath();
  context.arc(at.x, at.y, 6 * pixel, 0, 2 * Math.PI);
  context.fillStyle = color;
  context.fill();
  context.lineWidth = 1.5 * pixel;
  context.strokeStyle = "white";
  context.stroke();
}

function drawArrow(context: CanvasRenderingContext2D, from: Pixel, to: Pixel, pixel: number): void {
  const length = Math.hypot(to.x - from.x, to.y - from.y);
  const dot = 7 * pixel;
  const head = 12 * pixel;
  if (length <= 2 * dot) return; // The dots overlap: no room for an arrow.
  const [dx, dy] = [(to.x - from.x) / length, (to.y - from.y) / length];
  // The tip touches the target's dot instead of hiding under it.
  const tip = { x: to.x - dx * dot, y: to.y - dy * dot };
  const angle = Math.atan2(dy, dx);
  context.lineWidth = 2.5 * pixel;
  context.strokeStyle = context.fillStyle = "white";
  context.beginPath();
  context.moveTo(from.x, from.y);
  context.lineTo(tip.x - dx * head * 0.8, tip.y - dy * head * 0.8);
  context.stroke();
  context.beginPath();
  context.moveTo(tip.x, tip.y);
  context.lineTo(tip.x - head * Math.cos(angle - 0.4), tip.y - head * Math.sin(angle - 0.4));
  context.lineTo(tip.x - head * Math.cos(angle + 0.4), tip.y - head * Math.sin(angle + 0.4));
  context.closePath();
  context.fill();
}
