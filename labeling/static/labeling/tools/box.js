// Box tool: drag a box and the current class's template appears scaled into it. Points and the
// selected box's handles still take precedence, so a point can be fixed right after drawing.

import { clamp, instanceAt, rectFromCorners } from "../geometry.js";
import { cycleAt, editAt, hoverAt } from "./select.js";

export function createBoxTool(ctx) {
  return {
    name: "box",
    cursor: "crosshair",
    down(p) {
      const edit = editAt(ctx, p, { moveBoxes: false });
      if (edit) return edit;
      const { store } = ctx;
      const W = store.doc.width, H = store.doc.height;
      const x0 = clamp(p[0], 0, W), y0 = clamp(p[1], 0, H);
      let rect = [x0, y0, 0, 0];
      return {
        move(q) {
          rect = rectFromCorners(x0, y0, clamp(q[0], 0, W), clamp(q[1], 0, H));
          ctx.setDraft(rect);
        },
        up(q) {
          rect = rectFromCorners(x0, y0, clamp(q[0], 0, W), clamp(q[1], 0, H));
          ctx.setDraft(null);
          const min = ctx.tol(4);
          if (rect[2] < min || rect[3] < min) { // a click, not a drag: select what is under it
            const inst = instanceAt(store.doc.instances, p[0], p[1]);
            store.select(inst ? { uid: inst.uid, k: null } : null);
            return;
          }
          const classId = ctx.currentClassId();
          if (classId == null) {
            ctx.notify("Create a class on the dataset page first.");
            return;
          }
          const uid = store.doc.nextUid;
          if (store.dispatch({ type: "addInstance", classId, bbox: rect })) store.select({ uid, k: null });
        },
        cancel() { ctx.setDraft(null); },
      };
    },
    hover: (p) => hoverAt(ctx, p),
    leave: () => ctx.setHover(null),
    context: (p) => cycleAt(ctx, p),
  };
}
