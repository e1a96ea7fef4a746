// New-connection tool (template editor): click keypoint A, then keypoint B, and a connection in
// the connection colour picker's colour joins them. A click on empty space (or Esc) drops A.

import { hoverKeypoint, keypointAt } from "./move.js";

export function createConnectionTool(ctx) {
  const tool = {
    name: "connection",
    cursor: "crosshair",
    pendingA: null,
    down(p) {
      const i = keypointAt(ctx, p);
      if (i === null) {
        tool.pendingA = null;
      } else if (tool.pendingA === null) {
        tool.pendingA = i;
        ctx.store.select({ kind: "kp", i });
      } else if (i !== tool.pendingA) {
        const j = ctx.store.doc.connections.length;
        if (ctx.store.dispatch({ type: "addConnection", a: tool.pendingA, b: i, color: ctx.connectionColor() })) {
          ctx.store.select({ kind: "conn", i: j });
        } else {
          ctx.notify("Those two keypoints are already connected.");
        }
        tool.pendingA = null;
      }
      ctx.setPending(tool.pendingA, p);
      return null;
    },
    hover(p) {
      hoverKeypoint(ctx, p);
      if (tool.pendingA !== null) ctx.setPending(tool.pendingA, p);
    },
    leave: () => ctx.setHover(null),
    cancel() {
      tool.pendingA = null;
      ctx.setPending(null, null);
    },
  };
  return tool;
}
