// Move/select tool (template editor): drag keypoints, click a keypoint or a connection to select it.
// `keypointAt` and `dragKeypoint` are shared with the keypoint and connection tools.

import { distToSegment } from "../geometry.js";

/** Index of the template keypoint under p (image pixels), or null. */
export function keypointAt(ctx, p) {
  const { keypoints } = ctx.store.doc;
  const W = ctx.width(), H = ctx.height();
  let best = null, bestD = ctx.tol();
  for (let i = keypoints.length - 1; i >= 0; i--) {
    const d = Math.hypot(keypoints[i].x * W - p[0], keypoints[i].y * H - p[1]);
    if (d < bestD) { bestD = d; best = i; }
  }
  return best;
}

/** Index of the connection under p, or null. */
export function connectionAt(ctx, p) {
  const { keypoints, connections } = ctx.store.doc;
  const W = ctx.width(), H = ctx.height();
  let best = null, bestD = ctx.tol(6);
  connections.forEach((c, j) => {
    const a = keypoints[c.a], b = keypoints[c.b];
    const d = distToSegment(p[0], p[1], a.x * W, a.y * H, b.x * W, b.y * H);
    if (d < bestD) { bestD = d; best = j; }
  });
  return best;
}

export function dragKeypoint(ctx, i, p) {
  const { store } = ctx;
  const W = ctx.width(), H = ctx.height();
  const kp = store.doc.keypoints[i];
  const ox = kp.x * W - p[0], oy = kp.y * H - p[1];
  store.select({ kind: "kp", i });
  store.begin();
  return {
    move(q) { store.preview({ type: "moveKeypoint", i, x: (q[0] + ox) / W, y: (q[1] + oy) / H }); },
    up() { store.end(); },
    cancel() { store.cancel(); },
  };
}

/**
 * A press close to a point that did not take it (within 3 hit radii): say which point and how far, so a
 * person is not left wondering why nothing moved. A press far from everything just deselects.
 */
export function sayNearMiss(ctx, p) {
  if (!ctx.nearest || !ctx.miss) return;
  const near = ctx.nearest(p);
  if (near && near.px < 3 * ctx.hitPx) {
    ctx.miss(p, `Missed “${near.name}” by ${Math.round(near.px)} px: press on the point (within ${ctx.hitPx} px) to drag it.`);
  }
}

export function hoverKeypoint(ctx, p) {
  ctx.setHover(keypointAt(ctx, p));
}

export function createMoveTool(ctx) {
  return {
    name: "select",
    cursor: "default",
    down(p) {
      const i = keypointAt(ctx, p);
      if (i !== null) return dragKeypoint(ctx, i, p);
      const j = connectionAt(ctx, p);
      ctx.store.select(j !== null ? { kind: "conn", i: j } : null);
      if (j === null) sayNearMiss(ctx, p);
      return null;
    },
    hover: (p) => hoverKeypoint(ctx, p),
    leave: () => ctx.setHover(null),
  };
}
