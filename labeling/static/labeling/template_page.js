// The skeleton-template editor: keypoints, coloured connections and left/right pairs of one class,
// drawn over an example image; "Confirm skeleton" saves it as the class template.

import { loadClass, saveClass } from "./api.js";
import { createHelp, escapeHtml } from "./help.js";
import { TemplateRenderer } from "./render.js";
import { TEMPLATE_SHORTCUTS } from "./shortcuts.js";
import { Stage, listenForShortcuts } from "./stage.js";
import { Store } from "./state.js";
import { emptyTemplate, templateFromServer, templateProblems, templateReducer, templateToServer } from "./template.js";
import { createConnectionTool } from "./tools/connection.js";
import { createKeypointTool } from "./tools/keypoint.js";
import { createMoveTool } from "./tools/move.js";
import { createPanTool } from "./tools/pan.js";

const $ = (id) => document.getElementById(id);
const root = $("template-editor");
const classId = Number(root.dataset.class);
const imageId = root.dataset.image ? Number(root.dataset.image) : null;
const W = Number(root.dataset.width), H = Number(root.dataset.height);

const store = new Store(templateReducer, emptyTemplate());
let savedDoc = store.doc;
let cls = null;
const ui = { hover: null, pendingA: null, cursor: null, tooltip: null };
let needsDraw = true;

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
  tol: (px = 10) => stage.tol(px),
  keypointColor: () => $("kp-color").value,
  connectionColor: () => $("conn-color").value,
  setHover(i) {
    if (i === ui.hover) return;
    ui.hover = i;
    redraw();
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
  renderer.render(doc, { selection: store.selection, pendingA: ui.pendingA, cursor: ui.cursor, hover: ui.hover,
                         connColor: $("conn-color").value, tooltip: null });
  positionPrompt();
}

function notify(text) {
  $("message").textContent = text;
}

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
}

function refreshStatus() {
  if (isDirty()) setStatus("unsaved", "Unsaved changes: confirm the skeleton to save them");
  else if ($("template-status").dataset.state !== "saved" || !$("template-status").textContent) {
    setStatus("saved", cls && cls.keypoints.length ? "Saved" : "No skeleton yet");
  }
}

function option(value, label, selected) {
  return `<option value="${value}"${selected ? " selected" : ""}>${escapeHtml(label)}</option>`;
}

function refreshPanel() {
  const doc = store.doc;
  const sel = store.selection || {};
  const partner = new Map();
  for (const [a, b] of doc.flipPairs) { partner.set(a, b); partner.set(b, a); }
  $("kp-count").textContent = `(${doc.keypoints.length})`;
  $("conn-count").textContent = `(${doc.connections.length})`;
  $("kp-table").innerHTML = doc.keypoints.map((kp, i) => {
    const opts = [option("", "—", !partner.has(i))].concat(doc.keypoints.map((o, j) => (j === i ? "" : option(j, o.name, partner.get(i) === j))));
    return `<tr data-i="${i}" class="${sel.kind === "kp" && sel.i === i ? "selected" : ""}">
      <td><input type="color" class="kp-color" value="${escapeHtml(kp.color)}" title="Point colour"></td>
      <td><input type="text" class="kp-name" value="${escapeHtml(kp.name)}" maxlength="100" aria-label="Name of keypoint ${i + 1}"></td>
      <td><select class="kp-pair" aria-label="Left/right partner of ${escapeHtml(kp.name)}">${opts.join("")}</select></td>
      <td><button type="button" class="x kp-delete" title="Delete keypoint">×</button></td></tr>`;
  }).join("");
  $("conn-table").innerHTML = doc.connections.map((c, j) => `<tr data-j="${j}" class="${sel.kind === "conn" && sel.i === j ? "selected" : ""}">
      <td><input type="color" class="conn-color" value="${escapeHtml(c.color)}" title="Connection colour"></td>
      <td>${escapeHtml(doc.keypoints[c.a].name)} — ${escapeHtml(doc.keypoints[c.b].name)}</td>
      <td><button type="button" class="x conn-delete" title="Delete connection">×</button></td></tr>`).join("");
  $("pairs-mode").textContent = doc.flipPairs.length
    ? `${doc.flipPairs.length} pair(s), ${doc.pairsManual ? "set by hand" : "suggested from names"}`
    : "no pairs (horizontal-flip augmentation off)";
  $("btn-undo").disabled = !store.canUndo;
  $("btn-redo").disabled = !store.canRedo;
  const problems = templateProblems(doc);
  $("problems").textContent = doc.keypoints.length && problems.length ? problems.join("; ") : "";
  refreshStatus();
}

let panelPending = false;
function schedulePanel() {
  // Rebuilding the panel under a focused input would eat what is being typed: wait for the blur.
  if (document.activeElement && $("kp-table").contains(document.activeElement)) { panelPending = true; return; }
  panelPending = false;
  refreshPanel();
}
$("kp-table").addEventListener("focusout", () => setTimeout(() => { if (panelPending) schedulePanel(); }, 0));

$("kp-table").addEventListener("change", (ev) => {
  const row = ev.target.closest("tr");
  if (!row) return;
  const i = Number(row.dataset.i);
  if (ev.target.classList.contains("kp-name")) {
    const name = ev.target.value.trim();
    if (!store.dispatch({ type: "renameKeypoint", i, name }) && name !== store.doc.keypoints[i].name) {
      notify(name ? `The name "${name}" is already used.` : "A keypoint needs a name.");
      ev.target.value = store.doc.keypoints[i].name;
    }
  } else if (ev.target.classList.contains("kp-color")) {
    store.dispatch({ type: "recolorKeypoint", i, color: ev.target.value });
  } else if (ev.target.classList.contains("kp-pair")) {
    store.dispatch({ type: "setPair", i, j: ev.target.value === "" ? null : Number(ev.target.value) });
  }
});
$("kp-table").addEventListener("click", (ev) => {
  const row = ev.target.closest("tr");
  if (!row) return;
  const i = Number(row.dataset.i);
  if (ev.target.classList.contains("kp-delete")) {
    store.dispatch({ type: "deleteKeypoint", i });
    store.select(null);
  } else if (ev.target.tagName === "TD") {
    store.select({ kind: "kp", i });
  }
});
$("conn-table").addEventListener("change", (ev) => {
  const row = ev.target.closest("tr");
  if (row && ev.target.classList.contains("conn-color")) store.dispatch({ type: "recolorConnection", j: Number(row.dataset.j), color: ev.target.value });
});
$("conn-table").addEventListener("click", (ev) => {
  const row = ev.target.closest("tr");
  if (!row) return;
  const j = Number(row.dataset.j);
  if (ev.target.classList.contains("conn-delete")) {
    store.dispatch({ type: "deleteConnection", j });
    store.select(null);
  } else if (ev.target.tagName === "TD") {
    store.select({ kind: "conn", i: j });
  }
});

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
    if (root.dataset.labelUrl) $("start-labelling").hidden = false;
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
  get doc() { return store.doc; },
  get dirty() { return isDirty(); },
};

(async function start() {
  try {
    cls = await loadClass(classId);
    store.reset(templateFromServer(cls));
    savedDoc = store.doc;
  } catch (err) {
    setStatus("error", err.message);
  }
  setTool(cls && cls.keypoints.length ? "select" : "keypoint");
  if (cls && cls.keypoints.length && root.dataset.labelUrl) $("start-labelling").hidden = false;
  stage.fit();
  refreshPanel();
  redraw();
  requestAnimationFrame(() => requestAnimationFrame(() => { window.__templateReady = true; }));
})();
