// Select tool (labelling): click to select an instance, drag it to move it, drag a handle of the
// selected box to resize it, drag any point to fix it, right-click a point to cycle its visibility.
// `editAt` is shared with the box tool, where points and handles also take precedence.

import { handleAt, instanceAt, nearestPoint, resizeRect } from "../geometry.js";

/** The point under p: the selected instance's points first (they are the ones being worked on). */
export function pointAt(ctx, p) {
  const doc = ctx.store.doc;
  const sel = ctx.store.selection;
  const tol = ctx.tol();
  if (sel && sel.uid != null) {
    const own = nearestPoint(doc.instances, p[0], p[1], tol, { only: sel.uid });
    if (own) return own;
  }
  return nearestPoint(doc.instances, p[0], p[1], tol);
}

function dragPoint(ctx, hit, p) {
  const { store } = ctx;
  const inst = store.doc.instances.find((i) => i.uid === hit.uid);
  const kp = inst.keypoints[hit.k];
  // Grab offset: the point does not jump to the pointer's tip when grabbed off-centre.
  const ox = kp[0] - p[0], oy = kp[1] - p[1];
  store.select({ uid: hit.uid, k: hit.k });
  store.begin();
  return {
    move(q) { store.preview({ type: "moveKeypoint", uid: hit.uid, k: hit.k, x: q[0] + ox, y: q[1] + oy }); },
    up() { store.end(); },
    cancel() { store.cancel(); },
  };
}

function dragHandle(ctx, uid, handle, p) {
  const { store } = ctx;
  const orig = store.doc.instances.find((i) => i.uid === uid).bbox;
  store.begin();
  return {
    move(q) { store.preview({ type: "resizeInstance", uid, bbox: resizeRect(orig, handle, q[0] - p[0], q[1] - p[1]) }); },
    up() { store.end(); },
    cancel() { store.cancel(); },
  };
}

function dragInstance(ctx, uid, p) {
  const { store } = ctx;
  store.select({ uid, k: null });
  store.begin();
  return {
    move(q) { store.preview({ type: "moveInstance", uid, dx: q[0] - p[0], dy: q[1] - p[1] }); },
    up() { store.end(); },
    cancel() { store.cancel(); },
  };
}

/** A gesture for a press on a point or on a handle of the selected box (or, with moveBoxes, inside a box). */
export function editAt(ctx, p, { moveBoxes = true } = {}) {
  const { store } = ctx;
  const hit = pointAt(ctx, p);
  if (hit) return dragPoint(ctx, hit, p);
  const sel = store.selection;
  if (sel && sel.uid != null) {
    const inst = store.doc.instances.find((i) => i.uid === sel.uid);
    const handle = inst && handleAt(inst.bbox, p[0], p[1], ctx.tol(7));
    if (handle) return dragHandle(ctx, sel.uid, handle, p);
  }
  if (moveBoxes) {
    const inst = instanceAt(store.doc.instances, p[0], p[1]);
    if (inst) return dragInstance(ctx, inst.uid, p);
  }
  return null;
}

/** Hover feedback shared by the labelling tools: the point under the pointer and its name. */
export function hoverAt(ctx, p) {
  ctx.setHover(pointAt(ctx, p));
}

/** Right-click on a point: cycle its visibility (visible -> occluded -> absent). */
export function cycleAt(ctx, p) {
  const hit = pointAt(ctx, p);
  if (!hit) return false;
  ctx.store.select({ uid: hit.uid, k: hit.k });
  ctx.store.dispatch({ type: "cycleVisibility", uid: hit.uid, k: hit.k });
  return true;
}

export function createSelectTool(ctx) {
  return {
    name: "select",
    cursor: "default",
    down(p) {
      const g = editAt(ctx, p);
      if (!g) ctx.store.select(null);
      return g;
    },
    hover: (p) => hoverAt(ctx, p),
    leave: () => ctx.setHover(null),
    context: (p) => cycleAt(ctx, p),
  };
}
