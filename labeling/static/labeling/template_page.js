// The skeleton-template editor: keypoints, coloured connections, left/right pairs and OKS sigmas of one class,
// drawn over an example image; "Confirm skeleton" saves it as the class template (one PATCH of the class).
//
// Nothing moves under the cursor: the toolbar's parts keep their size whatever they say, and prompts and
// messages float over the stage. Points take a press within HIT_PX screen pixels (they grow, and the cursor
// changes, when the pointer is on one); a press that misses where it matters says so at the pointer.

import { loadClass, saveClass } from "./api.js";
import { createHelp } from "./help.js";
import { partnerOf } from "./pairs_view.js";
import { TemplateRenderer } from "./template_render.js";
import { TEMPLATE_SHORTCUTS } from "./shortcuts.js";
import { Stage, listenForShortcuts } from "./stage.js";
import { Store } from "./state.js";
import { emptyTemplate, templateFromServer, templateProblems, templateReducer, templateToServer } from "./template.js";
import { createSidePanel } from "./template_side.js";
import { createConnectionTool } from "./tools/connection.js";
import { createKeypointTool } from "./tools/keypoint.js";
import { createMoveTool } from "./tools/move.js";
import { createPanTool } from "./tools/pan.js";

const $ = (id) => document.getElementById(id);
const root = $("template-editor");
const classId = Number(root.dataset.class);
const imageId = root.dataset.image ? Number(root.dataset.image) : null;
const W = Number(root.dataset.width), H = Number(root.dataset.height);

// Screen pixels within which a press takes a point: the drawn dot is 9 px across, a finger or a quick
// hand lands 10-12 px off it.
const HIT_PX = 14;
const store = new Store(templateReducer, emptyTemplate());
let savedDoc = store.doc;
let cls = null;
let presets = null; // training/static/training/sigma_presets.json
const ui = { hover: null, pendingA: null, cursor: null, tooltip: null };
let needsDraw = true;
let tipTimer = null;

const stage = new Stage($("stage"), { onFrame: draw, onView: (view) => { renderer.setView(view); needsDraw = true; } });
const renderer = new TemplateRenderer(stage.svg, $("tooltip"));
renderer.setImage(root.dataset.imageUrl || "", W, H);
if (!root.dataset.imageUrl) stage.svg.classList.add("blank-board");
stage.setImageSize(W, H);

function redraw() {
  needsDraw = true;
  stage.requestFrame();
}

const ctx = {
  store,
  stage,
  width: () => W,
  height: () => H,
  tol: (px = HIT_PX) => stage.tol(px),
  hitPx: HIT_PX,
  keypointColor: () => $("kp-color").value,
  connectionColor: () => $("conn-color").value,
  newPointSigma: () => (presets ? presets.custom_point_default : undefined),
  setHover(i) {
    if (i === ui.hover) return;
    ui.hover = i;
    // The cursor says what a press does: grab the point (move, new keypoint) or pick it (connection).
    stage.setHoverCursor(i === null ? null : root.dataset.tool === "connection" ? "pointer" : "move");
    redraw();
  },
  /** Say at the pointer (and in the side panel) why a press did nothing. */
  miss(p, text) {
    const [sx, sy] = stage.imageToStage(p[0], p[1]);
    ui.tooltip = { text, x: sx, y: sy };
    notify(text);
    clearTimeout(tipTimer);
    tipTimer = setTimeout(() => { ui.tooltip = null; redraw(); }, 2500);
    redraw();
  },
  /** Screen distance from p to the nearest keypoint: {i, px} or null. */
  nearest(p) {
    const { keypoints } = store.doc;
    let best = null;
    keypoints.forEach((kp, i) => {
      const d = Math.hypot(kp.x * W - p[0], kp.y * H - p[1]) * stage.view.scale;
      if (!best || d < best.px) best = { i, px: d, name: kp.name };
    });
    return best;
  },
  setPending(a, p) {
    ui.pendingA = a;
    ui.cursor = p;
    redraw();
  },
  promptName: (i) => openPrompt(i),
  notify,
};
const tools = {
  select: createMoveTool(ctx), keypoint: createKeypointTool(ctx), connection: createConnectionTool(ctx), pan: createPanTool(ctx),
};

function setTool(name) {
  stage.setTool(tools[name]);
  ui.pendingA = null;
  document.querySelectorAll("[data-tool]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tool === name)));
  root.dataset.tool = name;
  redraw();
}

function draw() {
  if (!needsDraw) return;
  needsDraw = false;
  const doc = store.doc;
  // Names are always drawn next to the points here, so hovering only highlights the point.
  // The mirror partner of the point under the pointer (else the selected one) is shown with a dashed line.
  const sel = store.selection;
  const focus = ui.hover ?? (sel && sel.kind === "kp" ? sel.i : null);
  const partner = focus === null ? null : partnerOf(doc, focus);
  renderer.render(doc, { selection: sel, pendingA: ui.pendingA, cursor: ui.cursor, hover: ui.hover,
                         connColor: $("conn-color").value, tooltip: ui.tooltip, hitPx: HIT_PX,
                         pair: partner === null ? null : [focus, partner] });
  positionPrompt();
}

function notify(text) {
  $("message").textContent = text;
}
const side = createSidePanel({ store, getPresets: () => presets, notify });

// ---------------------------------------------------------------- the inline name prompt
let promptIndex = null;

function openPrompt(i) {
  promptIndex = i;
  const input = $("kp-name");
  input.value = store.doc.keypoints[i].name;
  $("kp-name-error").hidden = true;
  $("name-prompt").hidden = false;
  positionPrompt();
  input.focus();
  input.select();
}

function positionPrompt() {
  if (promptIndex === null) return;
  const kp = store.doc.keypoints[promptIndex];
  if (!kp) { closePrompt(); return; }
  const [sx, sy] = stage.imageToStage(kp.x * W, kp.y * H);
  const box = $("name-prompt");
  box.style.left = `${Math.round(sx + 12)}px`;
  box.style.top = `${Math.round(sy + 8)}px`;
}

function closePrompt() {
  promptIndex = null;
  $("name-prompt").hidden = true;
  // Hiding does not move focus until the next style update: a shortcut typed right after Enter
  // (say "c" for the connection tool) would still land in the hidden input and be swallowed.
  const input = $("kp-name");
  if (document.activeElement === input) input.blur();
}

/** Apply the typed name; false (prompt stays open) when it is taken. */
function commitPrompt() {
  if (promptIndex === null) return true;
  const i = promptIndex;
  const name = $("kp-name").value.trim();
  const kp = store.doc.keypoints[i];
  if (!kp || !name || name === kp.name) { closePrompt(); return true; }
  if (store.doc.keypoints.some((k, j) => j !== i && k.name === name)) {
    const err = $("kp-name-error");
    err.textContent = `"${name}" is taken`;
    err.hidden = false;
    return false;
  }
  closePrompt();
  store.dispatch({ type: "renameKeypoint", i, name });
  return true;
}

$("kp-name").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") { ev.preventDefault(); commitPrompt(); }
  else if (ev.key === "Escape") { ev.preventDefault(); closePrompt(); }
  ev.stopPropagation();
});
$("kp-name").addEventListener("blur", () => { if (!commitPrompt()) closePrompt(); });

// ---------------------------------------------------------------- side panel
function isDirty() {
  return store.doc !== savedDoc;
}

function setStatus(state, text) {
  const node = $("template-status");
  node.dataset.state = state;
  node.textContent = text;
  node.title = text; // the badge has a fixed width (the toolbar must not reflow): the whole text is here
  if (state === "error") notify(text);
}

function showStartLink(show) {
  $("start-box").hidden = !show; // in the side panel: the toolbar above the picture keeps its size
}

function refreshStatus() {
  if (isDirty()) setStatus("unsaved", "Unsaved changes: Confirm skeleton saves them");
  else if ($("template-status").dataset.state !== "saved" || !$("template-status").textContent) {
    setStatus("saved", cls && cls.keypoints.length ? "Saved" : "No skeleton yet");
  }
}

function refreshPanel() {
  side.refresh();
  $("btn-undo").disabled = !store.canUndo;
  $("btn-redo").disabled = !store.canRedo;
  const problems = templateProblems(store.doc);
  $("problems").textContent = store.doc.keypoints.length && problems.length ? problems.join("; ") : "";
  refreshStatus();
}

let panelPending = false;
const sidePanel = document.querySelector(".tp-side");
function schedulePanel() {
  // Rebuilding the panel under a field being typed in would eat what is typed: wait for the blur.
  const active = document.activeElement;
  if (active && sidePanel.contains(active) && active.matches("input[type=text], input[type=number]")) {
    panelPending = true;
    return;
  }
  panelPending = false;
  refreshPanel();
}
sidePanel.addEventListener("focusout", () => setTimeout(() => { if (panelPending) schedulePanel(); }, 0));

store.subscribe((kind) => {
  redraw();
  if (kind !== "preview") schedulePanel();
  if (kind === "undo" || kind === "redo") closePrompt();
});

// ---------------------------------------------------------------- confirm
async function confirmSkeleton() {
  if (!commitPrompt()) return;
  const problems = templateProblems(store.doc);
  if (problems.length) {
    setStatus("error", `Cannot save: ${problems.join("; ")}`);
    return;
  }
  setStatus("saving", "Saving…");
  $("confirm").disabled = true;
  try {
    cls = await saveClass(classId, templateToServer(store.doc, imageId));
    store.reset(templateFromServer(cls)); // indices are fresh now: source_index starts over
    savedDoc = store.doc;
    setStatus("saved", `Saved: ${cls.keypoints.length} keypoints, ${cls.connections.length} connections, ${cls.flip_pairs.length} left/right pairs`);
    if (root.dataset.labelUrl) showStartLink(true);
    refreshPanel();
  } catch (err) {
    setStatus("error", `Not saved: ${err.message}`);
  } finally {
    $("confirm").disabled = false;
  }
}

// ---------------------------------------------------------------- keys and buttons
const help = createHelp($("help"), TEMPLATE_SHORTCUTS, {
  title: "Template editor shortcuts",
  extra: [["Wheel", "Zoom at the pointer"], ["Space + drag, middle drag", "Pan"], ["Enter / Esc in the name prompt", "Keep the typed name / the default"]],
});

function deleteSelected() {
  const sel = store.selection;
  if (!sel) return;
  if (sel.kind === "kp") store.dispatch({ type: "deleteKeypoint", i: sel.i });
  else store.dispatch({ type: "deleteConnection", j: sel.i });
  store.select(null);
}

function run(action, key) {
  switch (action) {
    case "tool-keypoint": setTool("keypoint"); break;
    case "tool-connection": setTool("connection"); break;
    case "tool-select":
      if (key === "escape") {
        if (help.hide() || stage.cancelGesture()) return;
        if (ui.pendingA !== null) { tools.connection.cancel(); return; }
        if (store.selection) { store.select(null); return; }
      }
      setTool("select");
      break;
    case "tool-pan": setTool("pan"); break;
    case "delete": deleteSelected(); break;
    case "rename": if (store.selection && store.selection.kind === "kp") openPrompt(store.selection.i); break;
    case "suggest-pairs": store.dispatch({ type: "suggestPairs" }); break;
    case "undo": store.undo(); break;
    case "redo": store.redo(); break;
    case "confirm": confirmSkeleton(); break;
    case "fit": stage.fit(); break;
    case "zoom-in": stage.zoomBy(1.25); break;
    case "zoom-out": stage.zoomBy(0.8); break;
    case "help": help.toggle(); break;
    default: break;
  }
}

listenForShortcuts(TEMPLATE_SHORTCUTS, run);

document.querySelectorAll("[data-tool]").forEach((b) => b.addEventListener("click", () => setTool(b.dataset.tool)));
$("btn-undo").addEventListener("click", () => store.undo());
$("btn-redo").addEventListener("click", () => store.redo());
$("confirm").addEventListener("click", () => confirmSkeleton());
$("suggest-pairs").addEventListener("click", () => store.dispatch({ type: "suggestPairs" }));
$("btn-fit").addEventListener("click", () => stage.fit());
$("btn-help").addEventListener("click", () => help.toggle());
$("conn-color").addEventListener("input", () => redraw());
$("start-labelling").addEventListener("click", (ev) => { ev.preventDefault(); location.href = root.dataset.labelUrl; });
window.addEventListener("beforeunload", (ev) => {
  if (isDirty()) { ev.preventDefault(); ev.returnValue = ""; }
});

window.__template = {
  toClient: (nx, ny) => stage.imageToClient(nx * W, ny * H),
  hitPx: HIT_PX,
  get doc() { return store.doc; },
  get dirty() { return isDirty(); },
};

document.querySelectorAll(".swatch-inline[data-color]").forEach((n) => { n.style.background = n.dataset.color; });

async function loadPresets() {
  try {
    const res = await fetch(root.dataset.sigmaPresets, { credentials: "same-origin" });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    presets = await res.json();
    side.kindButtons();
  } catch (err) {
    $("sigma-source").textContent = `The sigma presets could not be loaded (${err.message}).`;
  }
}

(async function start() {
  const presetsLoaded = loadPresets();
  try {
    cls = await loadClass(classId);
    store.reset(templateFromServer(cls));
    savedDoc = store.doc;
  } catch (err) {
    setStatus("error", err.message);
  }
  setTool(cls && cls.keypoints.length ? "select" : "keypoint");
  if (cls && cls.keypoints.length && root.dataset.labelUrl) showStartLink(true);
  stage.fit();
  await presetsLoaded;
  refreshPanel();
  redraw();
  requestAnimationFrame(() => requestAnimationFrame(() => { window.__templateReady = true; }));
})();
