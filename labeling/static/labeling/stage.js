// The drawing surface: an <svg> in a container, the zoom/pan view, and pointer routing to the
// active tool. Input is coalesced to one update per animation frame (pointermove only stores the
// newest event; the frame applies it and then draws), as the probe's 60 fps pages did.
//
// A tool is {name, cursor, pans?, down(p, ev) -> gesture|null, hover?(p, ev), context?(p, ev),
// cancel?()}; a gesture is {move(p, ev), up(p, ev), cancel?()}. p is [x, y] in image pixels.
// listenForShortcuts routes keys to a page's actions by its shortcut table.

import { fitView, panBy, toImage, toScreen, zoomAt } from "./geometry.js";
import { matchShortcut } from "./shortcuts.js";

const NS = "http://www.w3.org/2000/svg";

function typingIn(target) {
  return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

export class Stage {
  constructor(container, { onFrame = () => {}, onView = () => {} } = {}) {
    this.container = container;
    this.svg = document.createElementNS(NS, "svg");
    this.svg.setAttribute("class", "stage-svg");
    // A second surface on top for what changes on every frame of a drag (see render.js).
    this.activeSvg = document.createElementNS(NS, "svg");
    this.activeSvg.setAttribute("class", "stage-svg active-layer");
    container.prepend(this.svg, this.activeSvg);
    this.onFrame = onFrame;
    this.onView = onView;
    this.view = { scale: 1, tx: 0, ty: 0 };
    this.tool = null;
    this.gesture = null;
    this.pan = null;
    this.spaceDown = false;
    this.pendingMove = null;
    this.frameQueued = false;
    this.viewDirty = true;
    this.lastPointer = null; // client coordinates of the newest pointer position over the stage
    this.imageSize = null;

    const svg = this.svg;
    svg.addEventListener("pointerdown", (ev) => this._down(ev));
    svg.addEventListener("pointermove", (ev) => { this.pendingMove = ev; this.lastPointer = [ev.clientX, ev.clientY]; this.requestFrame(); });
    svg.addEventListener("pointerup", (ev) => this._up(ev));
    svg.addEventListener("pointercancel", () => this._cancel());
    svg.addEventListener("pointerleave", () => { if (!this.gesture && !this.pan) { this.lastPointer = null; this.tool?.leave?.(); } });
    svg.addEventListener("contextmenu", (ev) => ev.preventDefault());
    svg.addEventListener("auxclick", (ev) => ev.preventDefault());
    svg.addEventListener("wheel", (ev) => this._wheel(ev), { passive: false });
    window.addEventListener("keydown", (ev) => {
      if (ev.key === " " && !typingIn(ev.target)) {
        ev.preventDefault();
        if (!this.spaceDown) { this.spaceDown = true; this._cursor(); }
      }
    });
    window.addEventListener("keyup", (ev) => {
      if (ev.key === " ") { this.spaceDown = false; this._cursor(); }
    });
    window.addEventListener("blur", () => { this.spaceDown = false; this._cursor(); });
    new ResizeObserver(() => { if (this.imageSize && this.autoFit) this.fit(); else this.requestFrame(); }).observe(container);
  }

  setTool(tool) {
    if (this.gesture) this._cancel();
    if (this.tool && this.tool.cancel) this.tool.cancel();
    this.tool = tool;
    this._cursor();
  }

  _cursor() {
    const c = this.pan ? "grabbing" : this.spaceDown || (this.tool && this.tool.pans) ? "grab"
      : this.hoverCursor || (this.tool && this.tool.cursor) || "default";
    this.svg.style.cursor = c;
  }

  /** The cursor over something a press would take (a point under the pointer); null: the tool's own. */
  setHoverCursor(cursor) {
    if (cursor === (this.hoverCursor || null)) return;
    this.hoverCursor = cursor;
    this._cursor();
  }

  clientToImage(cx, cy) {
    const r = this.svg.getBoundingClientRect();
    return toImage(this.view, cx - r.left, cy - r.top);
  }

  imageToClient(x, y) {
    const r = this.svg.getBoundingClientRect();
    const [sx, sy] = toScreen(this.view, x, y);
    return [sx + r.left, sy + r.top];
  }

  /** Screen position (relative to the stage) of an image point. */
  imageToStage(x, y) {
    return toScreen(this.view, x, y);
  }

  setImageSize(width, height) {
    this.imageSize = [width, height];
  }

  fit() {
    if (!this.imageSize) return;
    const r = this.svg.getBoundingClientRect();
    this.setView(fitView(this.imageSize[0], this.imageSize[1], r.width || 800, r.height || 600));
    this.autoFit = true;
  }

  setView(view) {
    this.view = view;
    this.viewDirty = true;
    this.requestFrame();
  }

  zoomBy(factor, sx = null, sy = null) {
    const r = this.svg.getBoundingClientRect();
    this.autoFit = false;
    this.setView(zoomAt(this.view, factor, sx ?? r.width / 2, sy ?? r.height / 2));
  }

  /** Hit tolerance in image pixels for `px` screen pixels at the current zoom. */
  tol(px = 9) {
    return px / this.view.scale;
  }

  requestFrame() {
    if (this.frameQueued) return;
    this.frameQueued = true;
    requestAnimationFrame(() => this._frame());
  }

  _frame() {
    this.frameQueued = false;
    if (this.pendingMove) {
      const ev = this.pendingMove;
      this.pendingMove = null;
      this._move(ev);
    }
    if (this.viewDirty) {
      this.viewDirty = false;
      this.onView(this.view);
    }
    this.onFrame();
  }

  _point(ev) {
    return this.clientToImage(ev.clientX, ev.clientY);
  }

  _down(ev) {
    if (this.gesture || this.pan) return;
    if (document.activeElement && typingIn(document.activeElement)) document.activeElement.blur();
    const wantsPan = ev.button === 1 || (ev.button === 0 && (this.spaceDown || (this.tool && this.tool.pans)));
    if (wantsPan) {
      ev.preventDefault();
      this.pan = { x: ev.clientX, y: ev.clientY, view: this.view };
      this.svg.setPointerCapture(ev.pointerId);
      this._cursor();
      return;
    }
    if (ev.button === 2) {
      if (this.tool && this.tool.context) this.tool.context(this._point(ev), ev);
      return;
    }
    if (ev.button !== 0 || !this.tool) return;
    ev.preventDefault();
    const gesture = this.tool.down(this._point(ev), ev);
    if (gesture) {
      this.gesture = gesture;
      this.svg.setPointerCapture(ev.pointerId);
    }
  }

  _move(ev) {
    if (this.pan) {
      this.autoFit = false;
      this.setView(panBy(this.pan.view, ev.clientX - this.pan.x, ev.clientY - this.pan.y));
      return;
    }
    const p = this._point(ev);
    if (this.gesture) this.gesture.move(p, ev);
    else if (this.tool && this.tool.hover) this.tool.hover(p, ev);
  }

  _up(ev) {
    if (this.pendingMove) { // apply the last position before finishing, so the drop lands exactly there
      const last = this.pendingMove;
      this.pendingMove = null;
      this._move(last);
    }
    if (this.pan) {
      this.pan = null;
      this._cursor();
    } else if (this.gesture) {
      const g = this.gesture;
      this.gesture = null;
      g.up(this._point(ev), ev);
    }
    if (this.svg.hasPointerCapture(ev.pointerId)) this.svg.releasePointerCapture(ev.pointerId);
    this.requestFrame();
  }

  _cancel() {
    this.pan = null;
    const g = this.gesture;
    this.gesture = null;
    if (g && g.cancel) g.cancel();
    this._cursor();
    this.requestFrame();
  }

  /** Escape: drop a gesture in progress. Returns true when there was one. */
  cancelGesture() {
    if (!this.gesture && !this.pan) return false;
    this._cancel();
    return true;
  }

  _wheel(ev) {
    ev.preventDefault();
    const r = this.svg.getBoundingClientRect();
    const unit = ev.deltaMode === 1 ? 16 : ev.deltaMode === 2 ? 400 : 1;
    const factor = Math.exp(-ev.deltaY * unit * 0.0015);
    this.autoFit = false;
    this.setView(zoomAt(this.view, factor, ev.clientX - r.left, ev.clientY - r.top));
  }
}

// Held keys repeat only these actions; every other shortcut fires once per press.
const REPEATABLE = ["undo", "redo", "zoom-in", "zoom-out"];

/** Call run(action, key) for each shortcut in `table` pressed outside a text field. With
 * escapeLeavesField, Escape in a field takes the focus out of it. */
function listenForShortcuts(table, run, { escapeLeavesField = false } = {}) {
  window.addEventListener("keydown", (ev) => {
    if (typingIn(ev.target)) {
      if (escapeLeavesField && ev.key === "Escape") ev.target.blur();
      return;
    }
    const hit = matchShortcut(table, ev);
    if (!hit) return;
    ev.preventDefault();
    if (ev.repeat && !REPEATABLE.includes(hit.action)) return;
    run(hit.action, hit.key);
  });
}

export { listenForShortcuts };
