// The labeler's document and its undo stack. Pure: no DOM, so `node --test` runs it.
//
// A document is immutable: every edit returns a new one that shares untouched instances and points
// with the old one (the renderer diffs by reference, the undo stack keeps old documents whole).
// Every change goes through Store#_record, the one place that records undo.
//
//   doc = {width, height, noObjects, nextUid, instances: [{uid, class, bbox: [x,y,w,h], keypoints: [[x,y,v]...]}]}
//
// `uid` is local to the page (stable across edits, never sent to the server). An instance may carry
// `suggestion` (a model's, not yet a label) or `origin` (accepted from one): see suggestions.js.

import { clamp, clampMove, clampRect, mirrorKeypoints, remapToBox, round2, templateToBox } from "./geometry.js";
import { accepted, instanceFromSuggestion, markEdited, openSuggestionIds } from "./suggestions.js";

export const ABSENT = 0, OCCLUDED = 1, VISIBLE = 2;
export const VISIBILITY_NAMES = { 0: "absent", 1: "occluded", 2: "visible" };

/** visible -> occluded -> absent -> visible: one key press or click per step. */
export function cycleVisibility(v) {
  return v === VISIBLE ? OCCLUDED : v === OCCLUDED ? ABSENT : VISIBLE;
}

// ---------------------------------------------------------------- the undo stack

/**
 * Holds the current document, the undo and redo stacks, the selection and listeners.
 * `dispatch(action)` is one undoable step. A gesture (a drag) is `begin()`, any number of
 * `preview(action)` each applied to the document as it was at `begin()`, then `end()`, which
 * records one undo step for the whole drag (or none if nothing changed).
 */
export class Store {
  constructor(reducer, doc, ctx = {}, { limit = 500 } = {}) {
    this.reducer = reducer;
    this.doc = doc;
    this.ctx = ctx;
    this.limit = limit;
    this.past = [];
    this.future = [];
    this.gesture = null;
    this.selection = null;
    this.revision = 0; // bumps on every committed change (edit, undo, redo, reset)
    this.listeners = new Set();
  }

  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  _emit(kind, action = null) {
    for (const fn of this.listeners) fn(kind, action, this);
  }

  /** The one function that changes the document and records undo. */
  _record(before, after, kind, action) {
    if (after === before) return false;
    this.past.push(before);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
    this.doc = after;
    this.revision += 1;
    this._emit(kind, action);
    return true;
  }

  dispatch(action) {
    if (this.gesture) this.end();
    return this._record(this.doc, this.reducer(this.doc, action, this.ctx), "edit", action);
  }

  begin() {
    if (this.gesture) this.end();
    this.gesture = { base: this.doc };
  }

  preview(action) {
    if (!this.gesture) this.begin();
    const next = this.reducer(this.gesture.base, action, this.ctx);
    if (next === this.doc) return;
    this.doc = next;
    this._emit("preview", action);
  }

  end() {
    const g = this.gesture;
    if (!g) return false;
    this.gesture = null;
    const after = this.doc;
    this.doc = g.base;
    return this._record(g.base, after, "edit", { type: "gesture" });
  }

  cancel() {
    const g = this.gesture;
    if (!g) return;
    this.gesture = null;
    if (this.doc !== g.base) {
      this.doc = g.base;
      this._emit("preview", { type: "cancel" });
    }
  }

  get canUndo() {
    return this.past.length > 0;
  }

  get canRedo() {
    return this.future.length > 0;
  }

  undo() {
    if (this.gesture) this.cancel();
    if (!this.past.length) return false;
    this.future.push(this.doc);
    this.doc = this.past.pop();
    this.revision += 1;
    this._emit("undo");
    return true;
  }

  redo() {
    if (this.gesture) this.cancel();
    if (!this.future.length) return false;
    this.past.push(this.doc);
    this.doc = this.future.pop();
    this.revision += 1;
    this._emit("redo");
    return true;
  }

  /** A new document with no history (a freshly loaded image). */
  reset(doc) {
    this.doc = doc;
    this.past = [];
    this.future = [];
    this.gesture = null;
    this.selection = null;
    this.revision += 1;
    this._emit("reset");
  }

  select(selection) {
    this.selection = selection;
    this._emit("select");
  }
}

// ---------------------------------------------------------------- the labelling document

/**
 * Template points of a class as [{x, y}], normalised; [] for a class without a skeleton.
 */
function templateOf(cls) {
  return (cls && cls.keypoints) || [];
}

/**
 * Keypoints for an instance of `cls` in `bbox`: the template mapped into the box, all visible.
 */
export function keypointsFromTemplate(cls, bbox) {
  return templateToBox(templateOf(cls), bbox);
}

export function emptyDoc(width, height) {
  return { width, height, noObjects: false, nextUid: 1, instances: [] };
}

/**
 * Document from an annotation body {no_objects, instances, suggestions?, suggested_by?}. The server stores
 * absent points as [0, 0, 0]; they are placed where the class template puts them in the box, so they can be
 * seen (drawn as absent) and dragged back. `body.suggestions` holds suggestion objects (a GET) or ids (a
 * journalled PUT body): ids are looked up in `server` (the stored annotation body, as GET answers it); unknown ids are dropped.
 */
export function docFromServer(body, { width, height }, classes, server = null) {
  const doc = emptyDoc(width, height);
  doc.noObjects = Boolean(body && body.no_objects);
  for (const inst of (body && body.instances) || []) {
    const cls = classes.get(inst.class);
    const ghost = keypointsFromTemplate(cls, inst.bbox);
    const keypoints = inst.keypoints.map((kp, k) =>
      kp[2] > 0 ? [kp[0], kp[1], kp[2]] : [ghost[k] ? ghost[k][0] : inst.bbox[0], ghost[k] ? ghost[k][1] : inst.bbox[1], ABSENT]);
    const kept = { uid: doc.nextUid++, class: inst.class, bbox: [...inst.bbox], keypoints };
    // An imported instance's segment area (COCO `area`) stays with it while its box is not changed.
    if (inst.area != null) Object.assign(kept, { area: inst.area, areaBox: [...inst.bbox] });
    if (inst.origin) kept.origin = { ...inst.origin };
    doc.instances.push(kept);
  }
  const known = new Map([...((server && server.suggestions) || []), ...((body && body.suggestions) || [])]
    .filter((x) => x && typeof x === "object").map((x) => [x.id, x]));
  const by = (body && body.suggested_by) || (server && server.suggested_by) || null;
  for (const entry of (body && body.suggestions) || []) {
    const s = typeof entry === "string" ? known.get(entry) : entry;
    if (!s || !classes.has(s.class)) continue;
    const ghost = keypointsFromTemplate(classes.get(s.class), s.bbox);
    doc.instances.push(instanceFromSuggestion(s, doc.nextUid++, by, (k) => ghost[k]));
    doc.hadSuggestions = true; // saves then say which are still open (none: all accepted or rejected)
  }
  return doc;
}

/** The PUT body (less `version`): rounded to 0.01 px, absent points as [0, 0, 0] like the server stores them. */
export function docToServer(doc) {
  return {
    no_objects: doc.noObjects,
    instances: doc.instances.filter((inst) => !inst.suggestion).map((inst) => ({
      class: inst.class,
      bbox: inst.bbox.map(round2),
      keypoints: inst.keypoints.map(([x, y, v]) => (v > 0 ? [round2(x), round2(y), v] : [0, 0, 0])),
      ...(inst.area != null && inst.areaBox && inst.areaBox.every((v, i) => v === inst.bbox[i]) ? { area: inst.area } : {}),
      ...(inst.origin ? { origin: { ...inst.origin } } : {}),
    })),
    ...(doc.hadSuggestions ? { suggestions: openSuggestionIds(doc) } : {}),
  };
}

/** Same annotation content? (numbers compared after the same rounding the client sends). */
export function sameAnnotation(a, b) {
  const norm = (body) => JSON.stringify({
    no_objects: Boolean(body.no_objects),
    instances: (body.instances || []).map((i) => ({
      class: i.class, bbox: i.bbox.map(round2), keypoints: i.keypoints.map(([x, y, v]) => (v > 0 ? [round2(x), round2(y), v] : [0, 0, 0])),
      origin: i.origin ? { s: true, d: i.origin.deployment ?? null, v: i.origin.version ?? null, e: Boolean(i.origin.edited) } : null,
    })),
    suggestions: (body.suggestions || []).map((x) => (typeof x === "string" ? x : x.id)),
  });
  return norm(a) === norm(b);
}

function findIndex(doc, uid) {
  return doc.instances.findIndex((i) => i.uid === uid);
}

function withInstance(doc, uid, fn) {
  const idx = findIndex(doc, uid);
  if (idx < 0) return doc;
  const before = doc.instances[idx];
  const after = markEdited(before, fn(before));
  if (after === before) return doc;
  const instances = doc.instances.slice();
  instances[idx] = after;
  return { ...doc, instances };
}

function clampPoint(doc, x, y) {
  return [clamp(x, 0, doc.width), clamp(y, 0, doc.height)];
}

function clampPoints(doc, keypoints) {
  return keypoints.map(([x, y, v]) => [clamp(x, 0, doc.width), clamp(y, 0, doc.height), v]);
}

function newInstance(doc, classId, bbox, keypoints) {
  return { uid: doc.nextUid, class: classId, bbox, keypoints };
}

/**
 * The labelling reducer: (doc, action, ctx) -> doc. Returns the same doc for a no-op, so no empty
 * undo steps are recorded. ctx.classes: Map class id -> class {id, keypoints, flip_pairs, ...}.
 */
export function labelReducer(doc, action, ctx) {
  const classes = (ctx && ctx.classes) || new Map();
  switch (action.type) {
    case "addInstance": {
      const bbox = clampRect(action.bbox, doc.width, doc.height);
      if (bbox[2] <= 0 || bbox[3] <= 0) return doc;
      const keypoints = action.keypoints ? clampPoints(doc, action.keypoints)
        : clampPoints(doc, keypointsFromTemplate(classes.get(action.classId), bbox));
      const inst = newInstance(doc, action.classId, bbox, keypoints);
      return { ...doc, noObjects: false, nextUid: doc.nextUid + 1, instances: [...doc.instances, inst] };
    }
    case "addInstances": { // copy from another image: each clamped into this one
      let next = doc;
      for (const src of action.instances) {
        const bbox = clampRect(src.bbox, doc.width, doc.height);
        if (bbox[2] <= 0 || bbox[3] <= 0 || !classes.has(src.class)) continue;
        const keypoints = clampPoints(doc, src.keypoints.map((kp) => [...kp]));
        next = { ...next, noObjects: false, nextUid: next.nextUid + 1,
                 instances: [...next.instances, newInstance(next, src.class, bbox, keypoints)] };
      }
      return next;
    }
    case "deleteInstance": {
      const idx = findIndex(doc, action.uid);
      if (idx < 0) return doc;
      return { ...doc, instances: doc.instances.filter((i) => i.uid !== action.uid) };
    }
    case "moveKeypoint": // dragging an absent point brings it back as visible
      return withInstance(doc, action.uid, (inst) => {
        const old = inst.keypoints[action.k];
        if (!old) return inst;
        const [x, y] = clampPoint(doc, action.x, action.y);
        const v = old[2] === ABSENT ? VISIBLE : old[2];
        if (old[0] === x && old[1] === y && old[2] === v) return inst;
        const keypoints = inst.keypoints.slice();
        keypoints[action.k] = [x, y, v];
        return { ...inst, keypoints };
      });
    case "setVisibility":
    case "cycleVisibility":
      return withInstance(doc, action.uid, (inst) => {
        const old = inst.keypoints[action.k];
        if (!old) return inst;
        const v = action.type === "cycleVisibility" ? cycleVisibility(old[2]) : action.v;
        if (v === old[2] || ![0, 1, 2].includes(v)) return inst;
        const keypoints = inst.keypoints.slice();
        keypoints[action.k] = [old[0], old[1], v];
        return { ...inst, keypoints };
      });
    case "moveInstance":
      return withInstance(doc, action.uid, (inst) => {
        const [dx, dy] = clampMove(inst.bbox, action.dx, action.dy, doc.width, doc.height);
        if (!dx && !dy) return inst;
        const bbox = [inst.bbox[0] + dx, inst.bbox[1] + dy, inst.bbox[2], inst.bbox[3]];
        return { ...inst, bbox, keypoints: clampPoints(doc, inst.keypoints.map(([x, y, v]) => [x + dx, y + dy, v])) };
      });
    case "resizeInstance":
      return withInstance(doc, action.uid, (inst) => {
        const bbox = clampRect(action.bbox, doc.width, doc.height);
        if (bbox[2] < 1 || bbox[3] < 1) return inst;
        if (bbox.every((v, i) => v === inst.bbox[i])) return inst;
        return { ...inst, bbox, keypoints: clampPoints(doc, remapToBox(inst.keypoints, inst.bbox, bbox)) };
      });
    case "setClass":
      return withInstance(doc, action.uid, (inst) => {
        if (inst.class === action.classId || !classes.has(action.classId)) return inst;
        const oldNames = templateOf(classes.get(inst.class)).map((kp) => kp.name);
        const fresh = keypointsFromTemplate(classes.get(action.classId), inst.bbox);
        // Points with the same name keep their position and visibility.
        const keypoints = templateOf(classes.get(action.classId)).map((kp, k) => {
          const j = oldNames.indexOf(kp.name);
          return j >= 0 && inst.keypoints[j] ? [...inst.keypoints[j]] : fresh[k];
        });
        return { ...inst, class: action.classId, keypoints };
      });
    case "mirrorInstance":
      return withInstance(doc, action.uid, (inst) => {
        const cls = classes.get(inst.class);
        if (!inst.keypoints.length) return inst;
        return { ...inst, keypoints: clampPoints(doc, mirrorKeypoints(inst.keypoints, inst.bbox, (cls && cls.flip_pairs) || [])) };
      });
    case "acceptSuggestion": { // as it is (not edited)
      const idx = findIndex(doc, action.uid);
      if (idx < 0 || !doc.instances[idx].suggestion) return doc;
      const instances = doc.instances.slice();
      instances[idx] = accepted(instances[idx]);
      return { ...doc, noObjects: false, instances };
    }
    case "acceptAllSuggestions": {
      if (!doc.instances.some((i) => i.suggestion)) return doc;
      return { ...doc, noObjects: false, instances: doc.instances.map((i) => accepted(i)) };
    }
    case "rejectSuggestion": {
      const idx = findIndex(doc, action.uid);
      if (idx < 0 || !doc.instances[idx].suggestion) return doc;
      return { ...doc, instances: doc.instances.filter((i) => i.uid !== action.uid) };
    }
    case "setNoObjects": {
      const value = Boolean(action.value);
      if (value === doc.noObjects) return doc;
      if (value && doc.instances.some((i) => !i.suggestion)) return doc; // the page explains: delete the instances first
      if (value && doc.instances.length) return { ...doc, noObjects: true, instances: [] }; // no objects: suggestions rejected
      return { ...doc, noObjects: value };
    }
    default:
      throw new Error(`unknown action ${action.type}`);
  }
}
