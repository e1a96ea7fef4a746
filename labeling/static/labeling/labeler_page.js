// The labelling page: wires the document (state.js), the stage and tools, the renderer and the
// autosaver together. Moving between images happens in place (history.pushState), saving first.

import { ApiError } from "../frontend/api.js";
import { loadAnnotation, loadClasses, loadImage, loadProgress, loadReviewNext, putAnnotation, sendKeepalive } from "./api.js";
import { Autosaver, clearJournal, readJournal, writeJournal } from "./autosave.js";
import { bindLabelerControls } from "./controls.js";
import { createHelp } from "./help.js";
import { createSavedBy } from "./savedby.js";
import { crowdText, flash, renderClassOptions, renderInstances, renderSaveState, selectionText } from "./panels.js";
import { LabelRenderer } from "./render.js";
import { LABELER_SHORTCUTS } from "./shortcuts.js";
import { Stage } from "./stage.js";
import { Store, VISIBILITY_NAMES, docFromServer, docToServer, emptyDoc, labelReducer, sameAnnotation } from "./state.js";
import { suggestionCount } from "./suggestions.js";
import { createBoxTool } from "./tools/box.js";
import { createPanTool } from "./tools/pan.js";
import { createSelectTool } from "./tools/select.js";

const $ = (id) => document.getElementById(id);
const root = $("labeler");
const datasetId = Number(root.dataset.dataset);
const storage = window.localStorage;
const savedBy = createSavedBy($("saved-by"), root.dataset.user);
// Review mode (?review=1, from the dataset page): "next" walks the review queue, least sure suggestions first.
const reviewMode = new URLSearchParams(location.search).has("review");
$("review-mode").hidden = !reviewMode;

const classes = new Map();
let classList = [];
let currentClassId = null;
let image = null; // GET /api/v1/images/<id>/ (with neighbours)
let saver = null;
let busy = false; // switching images
let suggestedBy = null; // {deployment, version, name} of the model whose suggestions are open here
let crowd = []; // the image's crowd regions: read-only, kept by the server when a save leaves them out
const ui = { hover: null, draft: null, tooltip: null };
let needsDraw = true;

const store = new Store(labelReducer, emptyDoc(1, 1), { classes });
const stage = new Stage($("stage"), { onFrame: draw, onView: (view) => { renderer.setView(view); needsDraw = true; } });
const renderer = new LabelRenderer(stage.svg, stage.activeSvg, $("tooltip"));

// ---------------------------------------------------------------- tools
const ctx = {
  store,
  stage,
  tol: (px = 9) => stage.tol(px),
  currentClassId: () => currentClassId,
  setHover(hit) {
    const same = (a, b) => (a && b ? a.uid === b.uid && a.k === b.k : a === b);
    if (same(hit, ui.hover)) return;
    ui.hover = hit;
    needsDraw = true;
    stage.requestFrame();
  },
  setDraft(rect) {
    ui.draft = rect;
    needsDraw = true;
    stage.requestFrame();
  },
  notify,
};
const tools = { box: createBoxTool(ctx), select: createSelectTool(ctx), pan: createPanTool(ctx) };

function setTool(name) {
  stage.setTool(tools[name]);
  document.querySelectorAll("[data-tool]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.tool === name)));
  root.dataset.tool = name;
}

// ---------------------------------------------------------------- drawing
function tooltipFor(hit) {
  if (!hit) return null;
  const inst = store.doc.instances.find((i) => i.uid === hit.uid);
  if (!inst || !inst.keypoints[hit.k]) return null;
  const cls = classes.get(inst.class);
  const name = (cls && cls.keypoints[hit.k] && cls.keypoints[hit.k].name) || `#${hit.k + 1}`;
  const [x, y, v] = inst.keypoints[hit.k];
  const [sx, sy] = stage.imageToStage(x, y);
  return { text: `${name} · ${VISIBILITY_NAMES[v]}`, x: sx, y: sy };
}

function draw() {
  if (!needsDraw) return;
  needsDraw = false;
  const dragging = stage.gesture && !ui.draft && store.selection && store.selection.k != null;
  ui.tooltip = tooltipFor(dragging ? store.selection : ui.hover);
  renderer.render(store.doc, classes, { selection: store.selection, hover: ui.hover, draft: ui.draft, tooltip: ui.tooltip });
}

store.subscribe((kind) => {
  needsDraw = true;
  stage.requestFrame();
  if (kind === "edit" || kind === "undo" || kind === "redo") {
    const sel = store.selection;
    if (sel && !store.doc.instances.some((i) => i.uid === sel.uid)) store.selection = null;
    if (saver) {
      saver.changed();
      writeJournal(storage, image.id, { version: saver.version, payload: docToServer(store.doc) });
    }
  }
  if (kind !== "preview") refreshPanels();
});

// ---------------------------------------------------------------- panels
function notify(text) {
  flash($("message"), text);
}

function refreshPanels() {
  const doc = store.doc;
  const sel = store.selection;
  renderInstances($("instance-list"), doc, sel, classes, (uid) => store.select({ uid, k: null }), decide);
  const open = suggestionCount(doc);
  $("suggest-bar").hidden = !open;
  $("suggest-text").textContent = open ? `${open} suggestion${open === 1 ? "" : "s"} from ${suggestedByName()}: `
    + "accept, reject (✗ or Del) or drag a point to fix it." : "";
  $("instance-count").textContent = `(${doc.instances.length})`;
  $("no-objects").checked = doc.noObjects;
  $("btn-undo").disabled = !store.canUndo;
  $("btn-redo").disabled = !store.canRedo;
  const selInst = sel ? doc.instances.find((i) => i.uid === sel.uid) : null;
  $("btn-delete").disabled = !selInst;
  $("btn-mirror").disabled = !selInst;
  $("point-info").textContent = selectionText(selInst, sel && sel.k, classes);
  // The class picker follows the selected instance (and becomes the class for new boxes).
  if (selInst && classes.has(selInst.class) && currentClassId !== selInst.class) {
    currentClassId = selInst.class;
    $("class-select").value = String(selInst.class);
  }
}

function showSaveState(state, message) {
  renderSaveState({ status: $("save-status"), banner: $("conflict-banner"), bannerText: $("conflict-text") },
    state, message);
}

async function refreshProgress() {
  loadReviewNext(datasetId, image ? image.id : null).then((r) => {
    $("review-left").textContent = r.remaining ? `${r.remaining} with suggestions` : "nothing to review";
  }).catch(() => {});
  try {
    const p = await loadProgress(datasetId);
    // With assignments, what counts is what is offered to this person: their images and the open ones.
    const shared = p.open_unlabelled === p.unlabelled;
    $("remaining").textContent = !p.unlabelled ? "all labelled ✓" : shared ? `${p.unlabelled} unlabelled`
      : `${p.for_you} left for you (${p.unlabelled} unlabelled in all)`;
    $("remaining").dataset.unlabelled = p.unlabelled;
    if (image) $("position").textContent = `Image ${image.neighbours.position} of ${image.neighbours.of}`;
  } catch { /* shown again after the next save */ }
}

function setClasses(list) {
  classList = list;
  classes.clear();
  for (const c of list) classes.set(c.id, c);
  if (!classes.has(currentClassId)) {
    const remembered = Number(storage.getItem(`posedeck:labeler:class:${datasetId}`));
    currentClassId = classes.has(remembered) ? remembered : list.length ? list[0].id : null;
  }
  fillClassSelect();
}

function fillClassSelect() {
  renderClassOptions($("class-select"), classList, currentClassId);
  $("no-classes").hidden = classList.length > 0;
}

function chooseClass(id) {
  if (!classes.has(id)) return;
  currentClassId = id;
  $("class-select").value = String(id);
  storage.setItem(`posedeck:labeler:class:${datasetId}`, String(id));
  const sel = store.selection;
  if (sel && sel.uid != null) store.dispatch({ type: "setClass", uid: sel.uid, classId: id });
  const cls = classes.get(id);
  if (cls && !cls.keypoints.length) notify(`"${cls.name}" has no skeleton yet: boxes only until its template is confirmed.`);
}

// ---------------------------------------------------------------- loading and navigation
/** Resolves true when the browser could decode the picture, false otherwise. */
function preload(url) {
  const img = new Image();
  img.src = url;
  return img.decode().then(() => true, () => false);
}

// The error cover swallows pointer input, so no tool can draw on a picture that is not shown.
for (const type of ["pointerdown", "pointermove", "pointerup", "wheel", "contextmenu", "dblclick"]) {
  $("image-error").addEventListener(type, (ev) => { ev.stopPropagation(); ev.preventDefault(); });
}

/** A picture the browser cannot show must not look like an empty, saved image: cover the stage and say so. */
function showImageError(detail, shown) {
  const box = $("image-error");
  box.hidden = shown;
  root.dataset.imageError = shown ? "" : "1";
  if (!shown) {
    box.textContent = `This browser cannot display “${detail.original_name}”, so it cannot be labelled here. ` +
      "Download it from the dataset page to check the file, or delete it and upload it in another format.";
    $("save-status").textContent = "Picture not shown: nothing to label";
    $("save-status").dataset.state = "error";
  }
}

async function saveBeforeLeaving() {
  if (!saver) return true;
  const state = await saver.flush();
  if (state === "conflict" || state === "error") {
    notify("Resolve the save problem first (see the status): nothing was lost.");
    return false;
  }
  return true;
}

async function openImage(id, { push = true, skipFlush = false } = {}) {
  if (busy) return false;
  if (!skipFlush && !(await saveBeforeLeaving())) return false;
  busy = true;
  window.__labelerReady = false;
  try {
    // Classes are read again with each image: a template edited meanwhile (another tab) is picked up.
    const [detail, ann, freshClasses] = await Promise.all([loadImage(id), loadAnnotation(id), loadClasses(datasetId)]);
    const shown = await preload(detail.display_url);
    setClasses(freshClasses);
    if (saver) {
      saver.stop();
      if (!saver.pending && image) clearJournal(storage, image.id);
    }
    image = detail;
    root.dataset.image = id;
    $("image-name").textContent = detail.original_name;
    stage.setImageSize(detail.width, detail.height);
    renderer.clear();
    renderer.setImage(detail.display_url, detail.width, detail.height);
    ui.hover = null;
    ui.draft = null;
    suggestedBy = ann.suggested_by || null;
    let doc = docFromServer(ann, detail, classes);
    const journal = readJournal(storage, id);
    let restored = null;
    if (journal && journal.payload) {
      if (sameAnnotation(journal.payload, ann)) {
        clearJournal(storage, id);
      } else {
        doc = docFromServer(journal.payload, detail, classes, ann);
        restored = journal.version === ann.version ? "resume" : "conflict";
      }
    }
    store.reset(doc);
    crowd = ann.crowd || [];
    renderer.setCrowd(crowd, classes);
    $("crowd-info").hidden = !crowd.length;
    $("crowd-info").textContent = crowdText(crowd.length);
    const current = new Autosaver({
      version: ann.version,
      save: (payload, version) => putAnnotation(id, payload, version),
      getPayload: () => docToServer(store.doc),
      onState: showSaveState,
      onSaved: (body) => {
        savedBy.show(body);
        if (current.dirty) writeJournal(storage, id, { version: body.version, payload: docToServer(store.doc) });
        else clearJournal(storage, id);
        refreshProgress();
      },
    });
    saver = current;
    showSaveState("saved");
    savedBy.show(ann);
    showImageError(detail, shown);
    if (restored === "resume") {
      notify("Restored edits that had not reached the server; saving them now.");
      saver.changed();
    } else if (restored === "conflict") {
      saver.dirty = true;
      saver.conflict = { currentVersion: ann.version };
      saver._setState("conflict", "Your unsaved edits from the last visit differ from the stored version (changed elsewhere).");
    }
    if (push) history.pushState({ imageId: id }, "", `/datasets/${datasetId}/label/${id}/${reviewMode ? "?review=1" : ""}`);
    stage.fit();
    refreshPanels();
    refreshProgress();
    const n = detail.neighbours;
    $("btn-prev").disabled = !n.previous;
    $("btn-next").disabled = !n.next;
    if (n.next) loadImage(n.next).then((d) => preload(d.display_url)).catch(() => {});
    needsDraw = true;
    stage.requestFrame();
    requestAnimationFrame(() => requestAnimationFrame(() => {
      window.__labelerReady = true;
      if (window.__labelerReadyAt === undefined) window.__labelerReadyAt = performance.now(); // first render, for benchmarks
    }));
    return true;
  } catch (err) {
    notify(err instanceof ApiError ? err.message : String(err));
    return false;
  } finally {
    busy = false;
  }
}

async function go(which) {
  if (!image || busy) return;
  let target = null;
  if (which === "next" && reviewMode) which = "next-review";
  if (which === "next-review") {
    if (!(await saveBeforeLeaving())) return;
    const r = await loadReviewNext(datasetId, image.id);
    target = r.image;
    if (!target || target === image.id) { notify("Nothing left to review: no other image has open suggestions for you."); return; }
  } else if (which === "next-unlabelled") {
    if (!(await saveBeforeLeaving())) return;
    const fresh = await loadImage(image.id); // neighbours change once this image is labelled
    target = fresh.neighbours.next_unlabelled;
    if (!target) { notify("Nothing left for you: every image is labelled or assigned to someone else."); return; }
  } else {
    target = which === "next" ? image.neighbours.next : image.neighbours.previous;
    if (!target) { notify(which === "next" ? "This is the last image." : "This is the first image."); return; }
  }
  await openImage(target);
}

async function copyPrevious() {
  const prev = image && image.neighbours.previous;
  if (!prev) { notify("There is no previous image."); return; }
  const [detail, ann] = await Promise.all([loadImage(prev), loadAnnotation(prev)]);
  if (!ann.instances.length) { notify("The previous image has no instances."); return; }
  const src = docFromServer(ann, detail, classes).instances.filter((i) => !i.suggestion);
  const first = store.doc.nextUid;
  if (store.dispatch({ type: "addInstances", instances: src })) {
    store.select({ uid: first, k: null });
    notify(`Copied ${src.length} instance(s) from the previous image.`);
  }
}

async function resolveConflict(keepMine) {
  if (!saver) return;
  if (keepMine) {
    let version = saver.conflict && saver.conflict.currentVersion;
    if (version == null) version = (await loadAnnotation(image.id)).version;
    await saver.overwrite(version);
  } else {
    saver.stop();
    clearJournal(storage, image.id);
    await openImage(image.id, { push: false, skipFlush: true });
  }
}

// ---------------------------------------------------------------- suggestions (autolabel)

function suggestedByName() {
  if (!suggestedBy) return "a model";
  return `${suggestedBy.name || `deployment ${suggestedBy.deployment}`}${suggestedBy.version != null ? ` v${suggestedBy.version}` : ""}`;
}

function decide(uid, what) {
  store.dispatch({ type: what === "accept" ? "acceptSuggestion" : "rejectSuggestion", uid });
}

function acceptAll() {
  const n = suggestionCount(store.doc);
  if (!n) { notify("No open suggestions on this image."); return; }
  store.dispatch({ type: "acceptAllSuggestions" });
  notify(`Accepted ${n} suggestion${n === 1 ? "" : "s"}.`);
}

function acceptSelected() {
  const uid = selectedUid();
  const inst = uid != null ? store.doc.instances.find((i) => i.uid === uid) : null;
  if (!inst || !inst.suggestion) { notify("Select a suggestion first (or press Y to accept all)."); return; }
  decide(uid, "accept");
}

// ---------------------------------------------------------------- commands
function selectedUid() {
  const sel = store.selection;
  return sel && store.doc.instances.some((i) => i.uid === sel.uid) ? sel.uid : null;
}

function cycleVisibility() {
  const target = ui.hover || (store.selection && store.selection.k != null ? store.selection : null);
  if (!target) { notify("Point at a keypoint (or select one) first."); return; }
  store.select({ uid: target.uid, k: target.k });
  store.dispatch({ type: "cycleVisibility", uid: target.uid, k: target.k });
}

function selectStep(step) {
  const list = store.doc.instances;
  if (!list.length) return;
  const idx = list.findIndex((i) => i.uid === selectedUid());
  const next = idx < 0 ? (step > 0 ? 0 : list.length - 1) : (idx + step + list.length) % list.length;
  store.select({ uid: list[next].uid, k: null });
}

function toggleNoObjects(value = !store.doc.noObjects) {
  if (value && crowd.length) {
    notify("This image has crowd regions (from an import): it has objects, so it cannot be marked as having none.");
    $("no-objects").checked = false;
    return;
  }
  if (value && store.doc.instances.some((i) => !i.suggestion)) {
    notify("This image has instances: delete them before marking it as having no objects.");
    $("no-objects").checked = false;
    return;
  }
  store.dispatch({ type: "setNoObjects", value });
}

const help = createHelp($("help"), LABELER_SHORTCUTS, {
  title: "Labeler shortcuts",
  extra: [["Wheel", "Zoom at the pointer"], ["Space + drag, middle drag", "Pan"], ["Right-click a point", "Cycle its visibility"],
          ["Hover a point", "Shows its name and visibility"]],
});

bindLabelerControls({
  store, stage, help, setTool, cycleVisibility, selectedUid, notify, chooseClass, selectStep, go, copyPrevious, acceptAll,
  acceptSelected,
  toggleNoObjects, resolveConflict, classList: () => classList,
});
window.addEventListener("popstate", (ev) => {
  const id = (ev.state && ev.state.imageId) || Number(location.pathname.split("/").filter(Boolean).pop());
  if (id && (!image || id !== image.id)) openImage(id, { push: false });
});

// Leaving the page: journal the edits and send them with a keepalive request (no dialog needed).
function flushOnExit() {
  if (!saver || !saver.pending || saver.stopped) return;
  const payload = docToServer(store.doc);
  writeJournal(storage, image.id, { version: saver.version, payload });
  if (!saver.inFlight && saver.state !== "conflict" && sendKeepalive(image.id, payload, saver.version)) {
    saver.stop(); // that request now owns the save; the journal covers it if it fails
  }
}
window.addEventListener("beforeunload", flushOnExit);
window.addEventListener("pagehide", flushOnExit);

// Test and debugging hooks (read-only views of the page's state).
window.__labeler = {
  toClient: (x, y) => stage.imageToClient(x, y),
  toImage: (cx, cy) => stage.clientToImage(cx, cy),
  payload: () => docToServer(store.doc),
  get doc() { return store.doc; },
  get saveState() { return saver ? saver.state : null; },
  get version() { return saver ? saver.version : null; },
  get imageId() { return image ? image.id : null; },
  flush: () => (saver ? saver.flush() : Promise.resolve("saved")),
};

// ---------------------------------------------------------------- start
(async function start() {
  setTool("box");
  history.replaceState({ imageId: Number(root.dataset.image) }, "", location.href);
  await openImage(Number(root.dataset.image), { push: false });
  if (!classList.length) setTool("select");
})();
