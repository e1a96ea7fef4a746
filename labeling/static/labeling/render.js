// Drawing only: SVG elements from the document and the transient UI state. Never writes state.
//
// Why SVG: a probe measured 60 fps dragging one of 6,160 points
// with one <circle> per point, while a canvas redrawn whole on every move did not. Each render
// diffs by reference (documents are immutable and share untouched parts), so a drag touches one
// circle and the lines that end in it. Crisp at any zoom: strokes use non-scaling-stroke, and point
// radii, handle sizes and label sizes come from CSS variables set from the zoom (--r, --hs, --fs).

import { isLowPoint } from "./suggestions.js";

const NS = "http://www.w3.org/2000/svg";

export const POINT_RADIUS = 4.5; // screen pixels
export const HANDLE_SIZE = 9;
export const LABEL_SIZE = 12;

export function el(tag, attrs, parent) {
  const node = document.createElementNS(NS, tag);
  for (const key in attrs) node.setAttribute(key, attrs[key]);
  if (parent) parent.appendChild(node);
  return node;
}

/**
 * The zoomed and panned world: a group with the image at the bottom, and optionally a second
 * <svg> on top with the same transform (the active layer, see LabelRenderer).
 */
export class World {
  constructor(svg, activeSvg = null) {
    this.svg = svg;
    this.activeSvg = activeSvg;
    this.root = el("g", { class: "world" }, svg);
    this.activeRoot = activeSvg ? el("g", { class: "world" }, activeSvg) : null;
    this.board = el("rect", { class: "board", x: 0, y: 0, width: 1, height: 1 }, this.root);
    this.image = el("image", { class: "photo", x: 0, y: 0, width: 1, height: 1, preserveAspectRatio: "none" }, this.root);
    this.scale = 1;
  }

  setImage(url, width, height) {
    this.image.setAttribute("width", width);
    this.image.setAttribute("height", height);
    this.board.setAttribute("width", width);
    this.board.setAttribute("height", height);
    if (url) this.image.setAttribute("href", url);
    else this.image.removeAttribute("href");
  }

  setView(view) {
    this.scale = view.scale;
    const matrix = `matrix(${view.scale} 0 0 ${view.scale} ${view.tx} ${view.ty})`;
    for (const [svg, root] of [[this.svg, this.root], [this.activeSvg, this.activeRoot]]) {
      if (!svg) continue;
      root.setAttribute("transform", matrix);
      svg.style.setProperty("--r", `${POINT_RADIUS / view.scale}px`);
      svg.style.setProperty("--hs", `${HANDLE_SIZE / view.scale}px`);
      svg.style.setProperty("--fs", `${LABEL_SIZE / view.scale}px`);
    }
    // Past 4x the photo's own pixels show as squares, which is what a labeller wants to see.
    this.image.classList.toggle("pixelated", view.scale >= 4);
  }
}

function visClass(v) {
  return v === 2 ? "kp v2" : v === 1 ? "kp v1" : "kp v0";
}

function lineClass(p, q) {
  if (p[2] === 0 || q[2] === 0) return "conn off";
  return p[2] === 1 || q[2] === 1 ? "conn occ" : "conn";
}

// ---------------------------------------------------------------- labelling

/**
 * Two layers, like the probe's layered canvas: the selected instance (the one being dragged) lives
 * in its own <svg> on top, so a drag repaints 308 points, not 6,160; the other instances stay in
 * the base <svg> and are left alone. Selecting another instance moves its group between layers.
 */
export class LabelRenderer {
  constructor(svg, activeSvg, tooltip) {
    this.world = new World(svg, activeSvg);
    // Crowd regions (COCO iscrowd=1) lie under the instances, hatched grey: read-only, drawn so a person sees
    // where the file said "many people, not labelled one by one".
    const defs = el("defs", {}, svg);
    this.hatch = el("pattern", { id: "crowd-hatch", patternUnits: "userSpaceOnUse", width: 8, height: 8,
                                 patternTransform: "rotate(45)" }, defs);
    el("rect", { width: 8, height: 8, class: "crowd-fill" }, this.hatch);
    this.hatchLine = el("line", { x1: 0, y1: 0, x2: 0, y2: 8, class: "crowd-hatch-line" }, this.hatch);
    this.crowd = el("g", { class: "crowd" }, this.world.root);
    this.layer = el("g", { class: "instances" }, this.world.root);
    const top = this.world.activeRoot;
    // Handles sit under the instance: a point on a box edge stays visible (and grabbable) over them.
    this.handles = el("g", { class: "handles" }, top);
    this.activeLayer = el("g", { class: "instances active" }, top);
    this.overlay = el("g", { class: "overlay" }, top);
    this.draft = el("rect", { class: "draft", visibility: "hidden" }, this.overlay);
    this.handleRects = [];
    for (let i = 0; i < 8; i++) this.handleRects.push(el("rect", { class: "handle" }, this.handles));
    this.tooltip = tooltip;
    this.entries = new Map(); // uid -> {g, rect, lines, circles, inst, cls, adj, lineState}
    this.order = [];
    this.activeUid = null;
    this.sel = { uid: null, k: null };
    this.hov = { uid: null, k: null };
    this.handleKey = "";
  }

  setImage(url, width, height) {
    this.world.setImage(url, width, height);
  }

  setView(view) {
    this.world.setView(view);
    this.view = view;
    this.handleKey = ""; // handle size depends on zoom
    // Hatching 8 screen pixels apart at any zoom.
    const step = 8 / view.scale;
    this.hatch.setAttribute("width", step);
    this.hatch.setAttribute("height", step);
    this.hatch.firstChild.setAttribute("width", step);
    this.hatch.firstChild.setAttribute("height", step);
    this.hatchLine.setAttribute("y2", step);
  }

  /** The image's crowd regions ([{class, bbox}]), drawn read-only; `classes`: Map id -> class (for the name). */
  setCrowd(regions, classes) {
    this.crowd.replaceChildren(...(regions || []).map((r) => {
      const [x, y, w, h] = r.bbox;
      const g = el("g", { class: "crowd-region-group" });
      el("rect", { class: "crowd-region", x, y, width: w, height: h, fill: "url(#crowd-hatch)" }, g);
      const cls = classes.get(r.class);
      const label = el("text", { class: "crowd-label", x, y }, g);
      label.textContent = `crowd${cls ? ` · ${cls.name}` : ""}`;
      return g;
    }));
  }

  clear() {
    for (const e of this.entries.values()) e.g.remove();
    this.entries.clear();
    this.order = [];
    this.activeUid = null;
    this.sel = { uid: null, k: null };
    this.hov = { uid: null, k: null };
    this.handleKey = "";
  }

  _build(inst, cls) {
    const color = (cls && cls.color) || "#ff0000";
    const tmpl = (cls && cls.keypoints) || [];
    const conns = (cls && cls.connections) || [];
    // A model's suggestion (not a label yet) is drawn dashed and translucent; its low-score points are ringed.
    const g = el("g", { class: inst.suggestion ? "inst suggestion" : "inst", "data-uid": inst.uid });
    const [x, y, w, h] = inst.bbox;
    const rect = el("rect", { class: "bbox", x, y, width: w, height: h, stroke: color, fill: color }, g);
    const kps = inst.keypoints;
    const adj = kps.map(() => []);
    const lines = [];
    const lineState = [];
    conns.forEach((c, j) => {
      const p = kps[c.a], q = kps[c.b];
      if (!p || !q) return;
      const cls_ = lineClass(p, q);
      lines.push(el("line", { class: cls_, x1: p[0], y1: p[1], x2: q[0], y2: q[1], stroke: c.color || color }, g));
      lineState.push(cls_);
      adj[c.a].push(lines.length - 1);
      adj[c.b].push(lines.length - 1);
      lines[lines.length - 1].conn = c;
    });
    const circles = kps.map((p, k) => {
      const c = (tmpl[k] && tmpl[k].color) || color;
      return el("circle", { class: visClass(p[2]) + (isLowPoint(inst, k) ? " low" : ""), cx: p[0], cy: p[1], fill: c,
                            stroke: c, "data-k": k }, g);
    });
    return { g, rect, lines, circles, inst, cls, adj, lineState, selected: false };
  }

  _update(entry, inst) {
    const prev = entry.inst;
    entry.inst = inst;
    if (inst.bbox !== prev.bbox) {
      const [x, y, w, h] = inst.bbox;
      const r = entry.rect;
      r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", w); r.setAttribute("height", h);
    }
    const kps = inst.keypoints, old = prev.keypoints;
    if (kps === old) return;
    let touched = null;
    for (let k = 0; k < kps.length; k++) {
      const p = kps[k], o = old[k];
      if (p === o) continue;
      const c = entry.circles[k];
      if (p[0] !== o[0]) c.setAttribute("cx", p[0]);
      if (p[1] !== o[1]) c.setAttribute("cy", p[1]);
      if (p[2] !== o[2]) c.setAttribute("class", visClass(p[2]) + this._pointFlags(inst.uid, k));
      const adj = entry.adj[k];
      for (let i = 0; i < adj.length; i++) (touched || (touched = new Set())).add(adj[i]);
    }
    if (touched) {
      for (const li of touched) {
        const line = entry.lines[li], c = line.conn;
        const p = kps[c.a], q = kps[c.b];
        line.setAttribute("x1", p[0]); line.setAttribute("y1", p[1]);
        line.setAttribute("x2", q[0]); line.setAttribute("y2", q[1]);
        const lc = lineClass(p, q);
        if (lc !== entry.lineState[li]) { line.setAttribute("class", lc); entry.lineState[li] = lc; }
      }
    }
  }

  _pointFlags(uid, k) {
    let f = "";
    const e = this.entries.get(uid);
    if (e && isLowPoint(e.inst, k)) f += " low";
    if (this.sel.uid === uid && this.sel.k === k) f += " sel";
    if (this.hov.uid === uid && this.hov.k === k) f += " hover";
    return f;
  }

  _setPointClass(uid, k) {
    const e = this.entries.get(uid);
    if (!e || k === null || !e.circles[k]) return;
    e.circles[k].setAttribute("class", visClass(e.inst.keypoints[k][2]) + this._pointFlags(uid, k));
  }

  /**
   * doc: the labelling document; classes: Map id -> class; ui: {selection: {uid, k}|null,
   * hover: {uid, k}|null, draft: [x,y,w,h]|null, tooltip: {text, x, y}|null (screen pixels)}.
   */
  render(doc, classes, ui) {
    const seen = new Set();
    let orderChanged = doc.instances.length !== this.order.length;
    doc.instances.forEach((inst, i) => {
      seen.add(inst.uid);
      if (this.order[i] !== inst.uid) orderChanged = true;
      const cls = classes.get(inst.class);
      let e = this.entries.get(inst.uid);
      if (e && (e.cls !== cls || e.inst.keypoints.length !== inst.keypoints.length
                || Boolean(e.inst.suggestion) !== Boolean(inst.suggestion))) { // accepted: drawn as a label now
        const fresh = this._build(inst, cls);
        e.g.replaceWith(fresh.g);
        e = fresh;
        this.entries.set(inst.uid, e);
        if (this.sel.uid === inst.uid) this.sel = { uid: null, k: null };
        if (this.hov.uid === inst.uid) this.hov = { uid: null, k: null };
      } else if (!e) {
        e = this._build(inst, cls);
        this.entries.set(inst.uid, e);
        orderChanged = true;
      } else if (e.inst !== inst) {
        this._update(e, inst);
      }
    });
    for (const [uid, e] of this.entries) {
      if (!seen.has(uid)) { e.g.remove(); this.entries.delete(uid); orderChanged = true; }
    }
    const activeUid = ui.selection && this.entries.has(ui.selection.uid) ? ui.selection.uid : null;
    if (orderChanged) {
      // Re-append in document order (appendChild moves a node): later instances draw on top.
      for (const inst of doc.instances) if (inst.uid !== activeUid) this.layer.appendChild(this.entries.get(inst.uid).g);
      this.order = doc.instances.map((i) => i.uid);
    } else if (activeUid !== this.activeUid && this.entries.has(this.activeUid)) {
      // The old active instance goes back to its place in the base layer.
      const idx = this.order.indexOf(this.activeUid);
      let before = null;
      for (let i = idx + 1; i < this.order.length && !before; i++) {
        const e = this.entries.get(this.order[i]);
        if (e && e.g.parentNode === this.layer) before = e.g;
      }
      this.layer.insertBefore(this.entries.get(this.activeUid).g, before);
    }
    if (activeUid !== null && this.entries.get(activeUid).g.parentNode !== this.activeLayer) {
      this.activeLayer.appendChild(this.entries.get(activeUid).g);
    }
    this.activeUid = activeUid;

    // Selection and hover: only the elements whose state changes are touched.
    const sel = ui.selection || { uid: null, k: null };
    const selK = sel.k ?? null, hov = ui.hover || { uid: null, k: null };
    if (sel.uid !== this.sel.uid || selK !== this.sel.k) {
      const before = this.sel;
      this.sel = { uid: sel.uid ?? null, k: selK };
      if (before.uid !== this.sel.uid) {
        const a = this.entries.get(before.uid), b = this.entries.get(this.sel.uid);
        if (a) a.g.classList.remove("selected");
        if (b) b.g.classList.add("selected");
      }
      this._setPointClass(before.uid, before.k);
      this._setPointClass(this.sel.uid, this.sel.k);
    } else {
      const b = this.entries.get(this.sel.uid);
      if (b && !b.g.classList.contains("selected")) b.g.classList.add("selected");
    }
    if (hov.uid !== this.hov.uid || hov.k !== this.hov.k) {
      const before = this.hov;
      this.hov = { uid: hov.uid ?? null, k: hov.k ?? null };
      this._setPointClass(before.uid, before.k);
      this._setPointClass(this.hov.uid, this.hov.k);
    }

    // Resize handles of the selected instance.
    const selEntry = this.entries.get(this.sel.uid);
    const key = selEntry ? `${this.sel.uid}:${selEntry.inst.bbox.join(",")}:${this.world.scale}` : "";
    if (key !== this.handleKey) {
      this.handleKey = key;
      if (selEntry) {
        const [x, y, w, h] = selEntry.inst.bbox;
        const hs = HANDLE_SIZE / this.world.scale;
        const pos = [[x, y], [x + w / 2, y], [x + w, y], [x + w, y + h / 2], [x + w, y + h], [x + w / 2, y + h], [x, y + h], [x, y + h / 2]];
        pos.forEach(([hx, hy], i) => {
          const r = this.handleRects[i];
          r.setAttribute("x", hx - hs / 2); r.setAttribute("y", hy - hs / 2);
          r.setAttribute("width", hs); r.setAttribute("height", hs);
          r.setAttribute("stroke", (selEntry.cls && selEntry.cls.color) || "#ff0000");
        });
        this.handles.setAttribute("visibility", "visible");
      } else {
        this.handles.setAttribute("visibility", "hidden");
      }
    }

    // The box being drawn.
    if (ui.draft) {
      const [x, y, w, h] = ui.draft;
      this.draft.setAttribute("x", x); this.draft.setAttribute("y", y);
      this.draft.setAttribute("width", w); this.draft.setAttribute("height", h);
      this.draft.setAttribute("visibility", "visible");
    } else if (this.draft.getAttribute("visibility") !== "hidden") {
      this.draft.setAttribute("visibility", "hidden");
    }
    drawTooltip(this.tooltip, ui.tooltip);
  }
}

export function drawTooltip(node, tip) {
  if (!node) return;
  if (!tip) {
    if (!node.hidden) node.hidden = true;
    return;
  }
  if (node.textContent !== tip.text) node.textContent = tip.text;
  node.style.transform = `translate(${Math.round(tip.x + 12)}px, ${Math.round(tip.y - 28)}px)`;
  node.hidden = false;
}
