// Wires the page to the editor: controls, the stage's pointer input, and the status bar.
import { createSessionsClient } from "./api";
import { Editor, type DragSettings } from "./editor";
import type { BrushMode } from "./mask";
import type { Pixel } from "./points";
import { Stage } from "./stage";

const apiKeyStorage = "draggan.apiKey";

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The page has no #${id}.`);
  return found as T;
}

const ui = {
  model: element<HTMLSelectElement>("model"),
  seed: element<HTMLInputElement>("seed"),
  create: element<HTMLButtonElement>("create"),
  photo: element<HTMLInputElement>("photo"),
  invertSteps: element<HTMLInputElement>("invert-steps"),
  tuningSteps: element<HTMLInputElement>("tuning-steps"),
  tune: element<HTMLInputElement>("tune"),
  invert: element<HTMLButtonElement>("invert"),
  brush: element<HTMLInputElement>("brush"),
  clearPoints: element<HTMLButtonElement>("clear-points"),
  clearMask: element<HTMLButtonElement>("clear-mask"),
  maxSteps: element<HTMLInputElement>("max-steps"),
  learningRate: element<HTMLInputElement>("learning-rate"),
  start: element<HTMLButtonElement>("start"),
  pause: element<HTMLButtonElement>("pause"),
  stop: element<HTMLButtonElement>("stop"),
  step: element<HTMLOutputElement>("step"),
  progress: element<HTMLSpanElement>("progress"),
  undo: element<HTMLButtonElement>("undo"),
  redo: element<HTMLButtonElement>("redo"),
  history: element<HTMLOutputElement>("history"),
  downloadPng: element<HTMLButtonElement>("download-png"),
  downloadGif: element<HTMLButtonElement>("download-gif"),
  downloadMp4: element<HTMLButtonElement>("download-mp4"),
  apiKey: element<HTMLInputElement>("api-key"),
  status: element<HTMLElement>("status"),
};

// The key is kept for this tab alone (sessionStorage): a reload keeps working, but nothing stays
// on disk once the tab is closed, and other tabs and later visits must be given the key again.
ui.apiKey.value = sessionStorage.getItem(apiKeyStorage) ?? "";
ui.apiKey.addEventListener("change", () => sessionStorage.setItem(apiKeyStorage, ui.apiKey.value.trim()));
// Clients before this one kept the key in localStorage: forget it there.
localStorage.removeItem(apiKeyStorage);

// The page calls the service that served it (its gRPC-Web endpoint).
const client = createSessionsClient(location.origin, () => ui.apiKey.value);

const editor = new Editor(client, {
  changed: render,
  image: (bitmap) => {
    stage.show(bitmap);
    bitmap.close();
    render();
  },
  status: (message, isError = false) => {
    ui.status.textContent = message;
    ui.status.classList.toggle("error", isError);
  },
});

function tool(): "points" | BrushMode {
  const checked = document.querySelector<HTMLInputElement>('input[name="tool"]:checked');
  return (checked?.value as "points" | BrushMode | undefined) ?? "points";
}

function brushRadius(): number {
  // The slider is in screen pixels; the mask is in image pixels.
  const box = element("overlay").getBoundingClientRect();
  const resolution = editor.session?.resolution ?? 0;
  return box.width > 0 ? (Number(ui.brush.value) * resolution) / box.width : Number(ui.brush.value);
}

const stage = new Stage(element("image"), element<HTMLCanvasElement>("overlay"), {
  down(at: Pixel, secondary: boolean) {
    const current = tool();
    if (current === "points") {
      if (secondary) {
        // Removing a pair from a running drag would renumber its handles: only between drags.
        if (!editor.drag && editor.points.removeNear(at, brushRadius())) render();
        return;
      }
      const completed = editor.points.place(at);
      if (completed) editor.pairPlaced(completed);
      render();
    } else if (editor.mask && !secondary) {
      editor.mask.begin(at, current, brushRadius());
      render();
    }
  },
  move(at: Pixel) {
    const current = tool();
    if (current !== "points" && editor.mask) {
      editor.mask.extend(at, current, brushRadius());
      stage.setCursor({ at, radius: brushRadius() });
      render();
    }
  },
  up() {
    if (tool() !== "points" && editor.mask) {
      editor.mask.end();
      editor.maskChanged();
      render();
    }
  },
});

function optionalNumber(input: HTMLInputElement): number | undefined {
  const value = input.valueAsNumber;
  return input.value.trim() === "" || Number.isNaN(value) ? undefined : value;
}

function dragSettings(): DragSettings {
  return { maxSteps: optionalNumber(ui.maxSteps), learningRate: optionalNumber(ui.learningRate) };
}

ui.create.addEventListener("click", () => void editor.createFromSeed(ui.model.value, Number(ui.seed.value) || 0));
ui.invert.addEventListener("click", () => {
  const photo = ui.photo.files?.[0];
  if (photo)
    void editor.createFromPhoto(ui.model.value, photo, {
      steps: optionalNumber(ui.invertSteps),
      pivotalTuning: ui.tune.checked,
      tuningSteps: ui.tune.checked ? optionalNumber(ui.tuningSteps) : undefined,
    });
});
ui.photo.addEventListener("change", render);
ui.clearPoints.addEventListener("click", () => {
  editor.points.clear();
  render();
});
ui.clearMask.addEventListener("click", () => {
  editor.mask?.clear();
  editor.maskChanged();
  render();
});
ui.start.addEventListener("click", () => void editor.start(dragSettings()));
ui.pause.addEventListener("click", () => void editor.togglePause());
ui.stop.addEventListener("click", () => void editor.stop());
ui.undo.addEventListener("click", () => void editor.undo());
ui.redo.addEventListener("click", () => void editor.redo());
ui.downloadPng.addEventListener("click", () => void editor.downloadPng());
ui.downloadGif.addEventListener("click", () => void editor.downloadGif());
ui.downloadMp4.addEventListener("click", () => void editor.downloadMp4());
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="tool"]')) {
  radio.addEventListener("change", () => {
    stage.setCursor(undefined);
    render();
  });
}
window.addEventListener("resize", render);

/** Brings every control, counter and the overlay in line with the editor's state. */
function render(): void {
  const { session, drag, busy } = editor;
  const idle = !!session && !drag && !busy;
  ui.create.disabled = busy || !!drag;
  ui.invert.disabled = busy || !!drag || !ui.photo.files?.length;
  ui.clearPoints.disabled = !session || !!drag;
  ui.clearMask.disabled = !session;
  ui.start.disabled = !idle || editor.points.complete.length === 0;
  ui.pause.disabled = !drag || busy;
  ui.pause.textContent = drag?.paused ? "Resume" : "Pause";
  ui.stop.disabled = !drag;
  ui.undo.disabled = !idle || !editor.canUndo;
  ui.redo.disabled = !idle || !editor.canRedo;
  ui.downloadPng.disabled = !idle;
  ui.downloadGif.disabled = !idle || !editor.hasDragEntry;
  ui.downloadMp4.disabled = !idle || !editor.hasDragEntry;

  ui.step.textContent = drag ? String(drag.step) : "–";
  const parts: string[] = [];
  if (drag?.maxSteps) parts.push(`of ${drag.maxSteps}`);
  if (drag?.distance !== undefined) parts.push(`· ${drag.distance.toFixed(1)} px to go`);
  if (drag?.paused) parts.push("· paused");
  if (drag?.done) parts.push(`· ${drag.done}: Stop keeps the result`);
  ui.progress.textContent = parts.join(" ");
  ui.history.textContent = session ? `entry ${session.currentIndex + 1} of ${session.history.length}` : "";

  if (session && location.hash !== `#${session.id}`) history.replaceState(null, "", `#${session.id}`);
  document.body.dataset.state = drag ? "dragging" : busy ? "busy" : session ? "ready" : "empty";
  stage.render(editor.mask, editor.points);
}

async function boot(): Promise<void> {
  render();
  await editor.loadModels();
  for (const model of editor.models) {
    const option = new Option(`${model.name} (${model.resolution} px${model.isDemo ? ", demo" : ""})`, model.name);
    option.selected = model.name === editor.defaultModel;
    ui.model.add(option);
  }
  const sessionId = location.hash.slice(1);
  if (sessionId) await editor.open(sessionId);
  render();
}

void boot();
