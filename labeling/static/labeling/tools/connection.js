// New-connection tool (template editor): click keypoint A, then keypoint B, and a connection in
// the connection colour picker's colour joins them. A press that hits no point says so and keeps A; Esc drops A.

import { hoverKeypoint, keypointAt } from "./move.js";

export function createConnectionTool(ctx) {
  const tool = {
    name: "connection",
    cursor: "crosshair",
    pendingA: null,
    down(p) {
      const i = keypointAt(ctx, p);
      if (i === null) {
        // In this tool every press is meant for a point: a miss is always said.
        const from = tool.pendingA === null ? null : ctx.store.doc.keypoints[tool.pendingA];
        if (ctx.miss) {
          const near = ctx.nearest ? ctx.nearest(p) : null;
          const hint = near ? ` (nearest: “${near.name}”, ${Math.round(near.px)} px away; a point takes a press within ${ctx.hitPx} px)` : "";
          ctx.miss(p, from ? `No keypoint there${hint}: click point B for the connection from “${from.name}” (Esc cancels).`
            : `No keypoint there${hint}: click point A, then point B.`);
        }
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
