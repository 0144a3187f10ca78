// The application state: the session being edited, its points and mask, and the running drag.
// It calls the service and reports through EditorEvents; main.ts turns that into the page.
import { describeError, isCanceled, type SessionsClient } from "./api";
import { ImageEncoding } from "./gen/draggan/v1/common_pb";
import type { ModelInfo } from "./gen/draggan/v1/inference_pb";
import { AnimationFormat, HistoryEntryKind, type Session, type SessionDragFrame } from "./gen/draggan/v1/sessions_pb";
import { decodeImage, photoToModelInput, saveFile } from "./images";
import { MaskPainter } from "./mask";
import { PointPairs, toMessage, type Pair } from "./points";

export interface EditorEvents {
  /** Anything shown changed: controls, counters, points or mask. */
  changed(): void;
  /** A new picture of the session: its current state or a drag's latest frame. */
  image(bitmap: ImageBitmap): void;
  /** A line for the status bar. */
  status(message: string, isError?: boolean): void;
}

export interface DragSettings {
  /** Absent = the session's last value, then the service's default. */
  maxSteps?: number;
  learningRate?: number;
}

/** How a photo is inverted: projection steps, and whether and how long the model is tuned to it. */
export interface PhotoInversion {
  steps?: number;
  pivotalTuning?: boolean;
  tuningSteps?: number;
}

export interface RunningDrag {
  readonly id: string;
  step: number;
  maxSteps?: number;
  paused: boolean;
  /** Set once every handle reached its target or the step limit was hit; Stop then commits. */
  done?: "converged" | "step limit reached";
  /** Largest handle-to-target distance of the latest frame, pixels. */
  distance?: number;
}

export class Editor {
  models: ModelInfo[] = [];
  defaultModel = "";
  session: Session | undefined;
  readonly points = new PointPairs();
  mask: MaskPainter | undefined;
  drag: RunningDrag | undefined;
  private pending = 0;
  private watch: AbortController | undefined;
  private ending: { dragId: string; done: Promise<void> } | undefined;

  constructor(
    private readonly client: SessionsClient,
    private readonly events: EditorEvents,
  ) {}

  /** A call is in flight; the controls wait for it. */
  get busy(): boolean {
    return this.pending > 0;
  }

  get canUndo(): boolean {
    return !!this.session && !this.drag && this.session.currentIndex > 0;
  }

  get canRedo(): boolean {
    return !!this.session && !this.drag && this.session.currentIndex + 1 < this.session.history.length;
  }

  /** Whether a drag's frames are stored to export as an animation. */
  get hasDragEntry(): boolean {
    return !!this.session?.history.some((entry) => entry.kind === HistoryEntryKind.DRAG);
  }

  loadModels(): Promise<void> {
    return this.run("Loading models", async () => {
      const response = await this.client.listModels({});
      this.models = response.models;
      this.defaultModel = response.defaultModel;
    });
  }

  createFromSeed(model: string, seed: number): Promise<void> {
    return this.run(`Generating seed ${seed}`, async () => {
      const response = await this.client.createSession({
        source: { case: "seed", value: { model, seed: BigInt(seed) } },
        imageOptions: {},
      });
      this.adoptNew(response.session);
      if (response.image) this.events.image(await decodeImage(response.image));
      return `Session ${response.session?.id}: seed ${seed} on ${response.session?.model}.`;
    });
  }

  /**
   * The session service inverts the photo (Invert on an inference replica) and, unless turned off,
   * tunes the model to it before it answers; the page shows the reconstruction and its PSNR.
   */
  createFromPhoto(model: string, photo: File, inversion: PhotoInversion = {}): Promise<void> {
    return this.run(`Inverting ${photo.name} (this takes a while)`, async () => {
      const info = this.models.find((m) => m.name === (model || this.defaultModel));
      if (!info) throw new Error(`Unknown model '${model}'.`);
      const data = await photoToModelInput(photo, info.resolution);
      const response = await this.client.createSession({
        source: {
          case: "image",
          value: {
            model,
            image: { encoding: ImageEncoding.PNG, width: info.resolution, height: info.resolution, data },
            options: {
              steps: inversion.steps,
              pivotalTuning: inversion.pivotalTuning,
              tuningSteps: inversion.tuningSteps,
            },
          },
        },
        imageOptions: {},
      });
      this.adoptNew(response.session);
      if (response.image) this.events.image(await decodeImage(response.image));
      const entry = response.session?.history[0];
      const tuned = (response.session?.weightDeltaBytes ?? 0n) > 0n ? ", model tuned to it" : "";
      return `Session ${response.session?.id}: ${photo.name} inverted on ${response.session?.model}${tuned}: reconstruction PSNR ${entry?.psnr.toFixed(1)} dB.`;
    });
  }

  /** Opens an existing session (the page's address names it), following its drag if one runs. */
  open(sessionId: string): Promise<void> {
    return this.run(`Opening session ${sessionId}`, async () => {
      const session = await this.client.getSession({ sessionId });
      this.adoptNew(session);
      const active = session.activeDrag;
      if (active) {
        this.points.load(active.points);
        this.drag = { id: active.dragId, step: active.step, paused: false };
        void this.follow(active.dragId);
      } else {
        this.points.load(session.history[session.currentIndex]?.points ?? []);
      }
      await this.showCurrent();
      return `Session ${session.id} on ${session.model}.`;
    });
  }

  start(settings: DragSettings): Promise<void> {
    return this.run("Starting the drag", async () => {
      const session = this.requireSession();
      const points = this.points.toMessages();
      if (points.length === 0) throw new Error("Place a handle and a target first (click the image twice).");
      const mask = this.mask?.toMessage();
      const response = await this.client.startDrag({
        start: {
          sessionId: session.id,
          points,
          mask,
          // Without a painted region nothing is fixed: don't let the session's last mask apply.
          clearMask: !mask,
          parameters: { maxSteps: settings.maxSteps, learningRate: settings.learningRate },
          // JPEG keeps the live frames light; downloads render PNG from the committed latent.
          frameOptions: { image: { encoding: ImageEncoding.JPEG, jpegQuality: 90 } },
          expectedVersion: session.version,
        },
      });
      const active = response.activeDrag;
      if (!active) throw new Error("The service started no drag.");
      this.drag = { id: active.dragId, step: active.step, maxSteps: settings.maxSteps, paused: false };
      void this.follow(active.dragId);
      return "Dragging.";
    });
  }

  togglePause(): Promise<void> {
    return this.run("Pausing", async () => {
      const { session, drag } = this.requireDrag();
      const kind = drag.paused ? { case: "unpause" as const, value: {} } : { case: "pause" as const, value: {} };
      await this.client.updateDrag({ sessionId: session.id, dragId: drag.id, kind });
      drag.paused = !drag.paused;
      return drag.paused ? "Paused." : "Dragging.";
    });
  }

  /** Ends the drag; the service commits it as a new history entry. */
  stop(): Promise<void> {
    return this.run("Stopping", async () => {
      const { session, drag } = this.requireDrag();
      try {
        const response = await this.client.stopDrag({ sessionId: session.id, dragId: drag.id });
        await this.finish(drag.id, response.session);
      } catch (error) {
        // The drag may have ended on its own meanwhile (idle expiry): then take the session as it is.
        const current = await this.client.getSession({ sessionId: session.id });
        if (current.activeDrag?.dragId === drag.id) throw error;
        await this.finish(drag.id, current);
      }
      return `Step ${drag.step}: committed as entry ${this.session?.history[this.session.currentIndex]?.id}.`;
    });
  }

  undo(): Promise<void> {
    return this.run("Undoing", async () => {
      const session = this.requireSession();
      await this.adopt(await this.client.undo({ sessionId: session.id, expectedVersion: session.version }));
      return this.historyLine();
    });
  }

  redo(): Promise<void> {
    return this.run("Redoing", async () => {
      const session = this.requireSession();
      await this.adopt(await this.client.redo({ sessionId: session.id, expectedVersion: session.version }));
      return this.historyLine();
    });
  }

  downloadPng(): Promise<void> {
    return this.run("Rendering the PNG", async () => {
      const session = this.requireSession();
      const response = await this.client.exportImage({ sessionId: session.id, image: { encoding: ImageEncoding.PNG } });
      saveFile(response.image?.data ?? new Uint8Array(), "image/png", `${session.id}-${response.entryId}.png`);
      return `Saved entry ${response.entryId} as PNG.`;
    });
  }

  /** The latest drag's frames as a looping GIF. */
  downloadGif(): Promise<void> {
    return this.downloadAnimation(AnimationFormat.GIF, "GIF", "gif");
  }

  /** The latest drag's frames as an H.264 MP4 (encoded by the service's ffmpeg). */
  downloadMp4(): Promise<void> {
    return this.downloadAnimation(AnimationFormat.MP4, "MP4", "mp4");
  }

  private downloadAnimation(format: AnimationFormat, name: string, extension: string): Promise<void> {
    return this.run(`Encoding the ${name}`, async () => {
      const session = this.requireSession();
      const response = await this.client.exportAnimation({ sessionId: session.id, format });
      saveFile(response.data, response.mediaType, `${session.id}-${response.entryId}.${extension}`);
      return `Saved ${response.frameCount} frames of entry ${response.entryId} as ${name}.`;
    });
  }

  /** A click completed a pair: a running drag takes it at once. */
  pairPlaced(pair: Pair): void {
    const drag = this.drag;
    if (!drag || !this.session) return;
    void this.run("Adding the pair", async () => {
      await this.client.updateDrag({
        sessionId: this.session!.id,
        dragId: drag.id,
        kind: { case: "update", value: { pointEdits: [{ edit: { case: "add", value: toMessage(pair) } }] } },
      });
      drag.done = undefined;
      return "Dragging.";
    });
  }

  /** A brush stroke ended: a running drag takes the new region at once. */
  maskChanged(): void {
    const drag = this.drag;
    if (!drag || !this.session) return;
    const mask = this.mask?.toMessage();
    void this.run("Updating the mask", async () => {
      await this.client.updateDrag({
        sessionId: this.session!.id,
        dragId: drag.id,
        kind: { case: "update", value: { mask, clearMask: !mask } },
      });
      return "Dragging.";
    });
  }

  /** Streams the drag's frames to the page until it ends, watching again after a dropped stream. */
  private async follow(dragId: string): Promise<void> {
    this.watch?.abort();
    const watch = new AbortController();
    this.watch = watch;
    const sessionId = this.requireSession().id;
    for (let attempt = 0; this.drag?.id === dragId && !watch.signal.aborted; attempt++) {
      try {
        for await (const frame of this.client.watchDrag({ sessionId, dragId }, { signal: watch.signal })) {
          attempt = 0;
          if (frame.committedEntryId !== undefined || frame.discarded) {
            await this.finish(dragId, frame.session);
            return;
          }
          await this.showFrame(frame);
        }
      } catch (error) {
        if (watch.signal.aborted || isCanceled(error)) return;
        this.events.status(`Watching the drag: ${describeError(error)}; retrying.`, true);
      }
      if (this.drag?.id !== dragId || watch.signal.aborted) return;
      // The stream ended without the drag's last frame: ask the session whether it still runs.
      try {
        const session = await this.client.getSession({ sessionId });
        if (session.activeDrag?.dragId !== dragId) {
          await this.finish(dragId, session);
          return;
        }
      } catch (error) {
        this.events.status(`Watching the drag: ${describeError(error)}; retrying.`, true);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 250 * 2 ** attempt)));
    }
  }

  private async showFrame(message: SessionDragFrame): Promise<void> {
    const drag = this.drag;
    const frame = message.frame;
    if (!drag || message.dragId !== drag.id || !frame) return;
    drag.step = frame.step;
    drag.paused = frame.paused;
    if (frame.converged) drag.done = "converged";
    else if (frame.stepLimitReached) drag.done = "step limit reached";
    if (frame.distances.length > 0) drag.distance = Math.max(...frame.distances);
    this.points.track(frame.handles);
    if (frame.image) {
      const bitmap = await decodeImage(frame.image);
      // A frame decoded after the drag ended must not cover the committed image.
      if (this.drag === drag) this.events.image(bitmap);
    }
    this.events.changed();
  }

  /**
   * The drag ended: show the committed state. StopDrag's answer and the watch's last frame may
   * both report the end; the first starts this and the other waits for the same work.
   */
  private finish(dragId: string, session: Session | undefined): Promise<void> {
    if (this.ending?.dragId === dragId) return this.ending.done;
    if (this.drag?.id !== dragId) return Promise.resolve();
    this.drag = undefined;
    this.watch?.abort();
    this.watch = undefined;
    const done = this.track(async () => {
      const current = session ?? (await this.client.getSession({ sessionId: this.requireSession().id }));
      this.session = current;
      // Handles stay where tracking left them, so the next drag goes on from there.
      this.points.load(current.points);
      await this.showCurrent();
    });
    this.ending = { dragId, done };
    return done;
  }

  /** A session replacing the current one: fresh points and mask. */
  private adoptNew(session: Session | undefined): void {
    if (!session) throw new Error("The service returned no session.");
    this.watch?.abort();
    this.drag = undefined;
    this.session = session;
    this.points.clear();
    this.mask = new MaskPainter(session.resolution);
  }

  /** The same session after undo or redo: the points of the entry it is now at. */
  private async adopt(session: Session): Promise<void> {
    this.session = session;
    this.points.load(session.history[session.currentIndex]?.points ?? []);
    await this.showCurrent();
  }

  private async showCurrent(): Promise<void> {
    const session = this.requireSession();
    const response = await this.client.exportImage({ sessionId: session.id });
    if (response.image) this.events.image(await decodeImage(response.image));
  }

  private historyLine(): string {
    const session = this.requireSession();
    return `At entry ${session.currentIndex + 1} of ${session.history.length}.`;
  }

  private requireSession(): Session {
    if (!this.session) throw new Error("Create a session first.");
    return this.session;
  }

  private requireDrag(): { session: Session; drag: RunningDrag } {
    const session = this.requireSession();
    if (!this.drag) throw new Error("No drag is running.");
    return { session, drag: this.drag };
  }

  /** Runs one user action: busy while it lasts, its outcome or error on the status bar. */
  private run(what: string, action: () => Promise<string | void>): Promise<void> {
    this.events.status(`${what}…`);
    return this.track(async () => {
      try {
        this.events.status((await action()) ?? "Ready.");
      } catch (error) {
        this.events.status(`${what} failed: ${describeError(error)}`, true);
      }
    });
  }

  /** Counts `work` as in flight (the page shows busy) until it settles. */
  private async track(work: () => Promise<void>): Promise<void> {
    this.pending++;
    this.events.changed();
    try {
      await work();
    } finally {
      this.pending--;
      this.events.changed();
    }
  }
}
