// Drawing the template editor's document (render.js has the shared world and the labeler's renderer).

import { World, drawTooltip, el } from "./render.js";

export class TemplateRenderer {
  constructor(svg, tooltip) {
    this.world = new World(svg);
    this.lines = el("g", { class: "tlines" }, this.world.root);
    this.rubber = el("line", { class: "rubber", visibility: "hidden" }, this.world.root);
    // The mirror partner of the focused point, and the ring a press must land in to take the hovered point.
    this.pairLine = el("line", { class: "pairline", visibility: "hidden" }, this.world.root);
    this.hitRing = el("circle", { class: "hit-ring", visibility: "hidden" }, this.world.root);
    this.points = el("g", { class: "tpoints" }, this.world.root);
    this.labels = el("g", { class: "tlabels" }, this.world.root);
    this.tooltip = tooltip;
    this.width = 1;
    this.height = 1;
    this.structure = "";
  }

  setImage(url, width, height) {
    this.width = width;
    this.height = height;
    this.world.setImage(url, width, height);
  }

  setView(view) {
    this.world.setView(view);
  }

  /**
   * tdoc: the template document; ui: {selection: {kind: "kp"|"conn", i}|null, pendingA, cursor: [x, y] image px,
   * hover, hitPx (screen px a press takes a point within), pair: [i, partner]|null, tooltip}.
   */
  render(tdoc, ui) {
    const W = this.width, H = this.height, s = this.world.scale;
    const structure = `${tdoc.keypoints.length}/${tdoc.connections.length}`;
    if (structure !== this.structure) {
      this.structure = structure;
      this.lines.replaceChildren(...tdoc.connections.map((_, j) => el("line", { class: "conn tconn", "data-j": j })));
      this.points.replaceChildren(...tdoc.keypoints.map((_, i) => el("circle", { class: "kp v2 tkp", "data-i": i })));
      this.labels.replaceChildren(...tdoc.keypoints.map(() => el("text", { class: "tlabel" })));
    }
    const sel = ui.selection || {};
    tdoc.connections.forEach((c, j) => {
      const line = this.lines.children[j];
      const p = tdoc.keypoints[c.a], q = tdoc.keypoints[c.b];
      line.setAttribute("x1", p.x * W); line.setAttribute("y1", p.y * H);
      line.setAttribute("x2", q.x * W); line.setAttribute("y2", q.y * H);
      line.setAttribute("stroke", c.color);
      line.setAttribute("class", sel.kind === "conn" && sel.i === j ? "conn tconn sel" : "conn tconn");
    });
    tdoc.keypoints.forEach((kp, i) => {
      const c = this.points.children[i], t = this.labels.children[i];
      const x = kp.x * W, y = kp.y * H;
      c.setAttribute("cx", x); c.setAttribute("cy", y);
      c.setAttribute("fill", kp.color); c.setAttribute("stroke", kp.color);
      let flags = "kp v2 tkp";
      if (sel.kind === "kp" && sel.i === i) flags += " sel";
      if (ui.pendingA === i) flags += " pending";
      if (ui.hover === i) flags += " hover";
      if (ui.pair && ui.pair[1] === i) flags += " mirror";
      c.setAttribute("class", flags);
      t.setAttribute("x", x + 7 / s); t.setAttribute("y", y - 7 / s);
      if (t.textContent !== kp.name) t.textContent = kp.name;
    });
    if (ui.pendingA !== null && ui.pendingA !== undefined && ui.cursor && tdoc.keypoints[ui.pendingA]) {
      const p = tdoc.keypoints[ui.pendingA];
      this.rubber.setAttribute("x1", p.x * W); this.rubber.setAttribute("y1", p.y * H);
      this.rubber.setAttribute("x2", ui.cursor[0]); this.rubber.setAttribute("y2", ui.cursor[1]);
      this.rubber.setAttribute("stroke", ui.connColor || "#00ff00");
      this.rubber.setAttribute("visibility", "visible");
    } else {
      this.rubber.setAttribute("visibility", "hidden");
    }
    const hovered = ui.hover !== null && ui.hover !== undefined ? tdoc.keypoints[ui.hover] : null;
    if (hovered && ui.hitPx) {
      this.hitRing.setAttribute("cx", hovered.x * W); this.hitRing.setAttribute("cy", hovered.y * H);
      this.hitRing.setAttribute("r", ui.hitPx / s);
      this.hitRing.setAttribute("visibility", "visible");
    } else {
      this.hitRing.setAttribute("visibility", "hidden");
    }
    const pair = ui.pair && tdoc.keypoints[ui.pair[0]] && tdoc.keypoints[ui.pair[1]] ? ui.pair : null;
    if (pair) {
      const p = tdoc.keypoints[pair[0]], q = tdoc.keypoints[pair[1]];
      this.pairLine.setAttribute("x1", p.x * W); this.pairLine.setAttribute("y1", p.y * H);
      this.pairLine.setAttribute("x2", q.x * W); this.pairLine.setAttribute("y2", q.y * H);
      this.pairLine.setAttribute("visibility", "visible");
    } else {
      this.pairLine.setAttribute("visibility", "hidden");
    }
    drawTooltip(this.tooltip, ui.tooltip);
  }
}
