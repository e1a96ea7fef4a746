// New-keypoint tool (template editor): each click on the image adds a keypoint named kp1, kp2, ...
// and opens an inline name prompt at the point (Enter keeps the typed name, Esc the default).
// Pressing on an existing keypoint drags it instead.

import { clamp } from "../geometry.js";
import { dragKeypoint, hoverKeypoint, keypointAt } from "./move.js";

export function createKeypointTool(ctx) {
  return {
    name: "keypoint",
    cursor: "crosshair",
    down(p) {
      const hit = keypointAt(ctx, p);
      if (hit !== null) return dragKeypoint(ctx, hit, p);
      const W = ctx.width(), H = ctx.height();
      const { store } = ctx;
      const i = store.doc.keypoints.length;
      const added = store.dispatch({
        type: "addKeypoint", x: clamp(p[0], 0, W) / W, y: clamp(p[1], 0, H) / H, color: ctx.keypointColor(),
        sigma: ctx.newPointSigma ? ctx.newPointSigma() : undefined,
      });
      if (added) {
        store.select({ kind: "kp", i });
        ctx.promptName(i);
      }
      return null;
    },
    hover: (p) => hoverKeypoint(ctx, p),
    leave: () => ctx.setHover(null),
  };
}
