// The labeler's side panels, drawn from the document: instance list, selected point, save state, class
// picker. Plain DOM writes with every input passed in, so the page module keeps only the wiring.

import { SAVE_STATES } from "./autosave.js";
import { VISIBILITY_NAMES } from "./state.js";
import { suggestionLabel } from "./suggestions.js";

const timers = new WeakMap();

/** Show a short message that fades after 1.5 s. */
export function flash(node, text) {
  node.textContent = text;
  node.classList.add("flash");
  clearTimeout(timers.get(node));
  timers.set(node, setTimeout(() => node.classList.remove("flash"), 1500));
}

/** One list item per instance: class colour and name, points placed; clicking selects it. A suggestion has
 * accept (✓) and reject (✗) buttons: onDecide(uid, "accept" | "reject"). */
export function renderInstances(list, doc, selection, classes, onSelect, onDecide = null) {
  list.replaceChildren(...doc.instances.map((inst, i) => {
    const li = document.createElement("li");
    const cls = classes.get(inst.class);
    const placed = inst.keypoints.filter((p) => p[2] > 0).length;
    li.innerHTML = `<span class="swatch"></span><span class="name"></span><span class="muted"></span>`;
    li.querySelector(".swatch").style.background = (cls && cls.color) || "#999";
    li.querySelector(".name").textContent = `${i + 1}. ${cls ? cls.name : "?"}`;
    li.querySelector(".muted").textContent = inst.keypoints.length ? `${placed}/${inst.keypoints.length} points` : "box only";
    li.dataset.uid = inst.uid;
    if (selection && selection.uid === inst.uid) li.classList.add("selected");
    const note = suggestionLabel(inst);
    if (note) {
      const span = document.createElement("span");
      span.className = "origin";
      span.textContent = note;
      li.querySelector(".name").after(span);
    }
    if (inst.suggestion) {
      li.classList.add("suggestion");
      for (const [what, text, title] of [["accept", "✓", "Accept this suggestion (Enter when selected)"],
                                         ["reject", "✗", "Reject this suggestion (Del when selected)"]]) {
        const b = document.createElement("button");
        b.type = "button";
        b.className = `decide ${what === "accept" ? "yes" : "no"}`;
        b.dataset.decide = what;
        b.title = title;
        b.textContent = text;
        b.addEventListener("click", (ev) => { ev.stopPropagation(); b.blur(); if (onDecide) onDecide(inst.uid, what); });
        li.appendChild(b);
      }
    }
    li.addEventListener("click", () => onSelect(inst.uid));
    return li;
  }));
}

/** The line under the list: the selected point's name and visibility, or how to edit the instance. */
export function selectionText(instance, pointIndex, classes) {
  if (instance && pointIndex != null && instance.keypoints[pointIndex]) {
    const cls = classes.get(instance.class);
    const name = (cls && cls.keypoints[pointIndex] && cls.keypoints[pointIndex].name) || pointIndex + 1;
    return `Point: ${name} · ${VISIBILITY_NAMES[instance.keypoints[pointIndex][2]]}`;
  }
  return instance ? "Instance selected: drag it to move, drag a handle to resize." : "";
}

/** The autosave badge, and the conflict banner while the server holds a newer version. */
export function renderSaveState({ status, banner, bannerText }, state, message) {
  status.dataset.state = state;
  status.textContent = state === "error" && message ? `${SAVE_STATES.error}: ${message}` : SAVE_STATES[state];
  status.title = message || "";
  banner.hidden = state !== "conflict";
  if (state === "conflict") bannerText.textContent = message || SAVE_STATES.conflict;
}

/** Class options numbered as their 1-9 shortcuts. */
export function renderClassOptions(select, classList, currentClassId) {
  select.replaceChildren(...classList.map((c, i) => {
    const o = document.createElement("option");
    o.value = c.id;
    o.textContent = `${i + 1} · ${c.name}${c.keypoints.length ? "" : " (no skeleton yet)"}`;
    return o;
  }));
  if (currentClassId != null) select.value = String(currentClassId);
}

/** The side panel's note on an image's crowd regions (read-only here). */
export function crowdText(n) {
  if (!n) return "";
  return `${n} crowd region${n === 1 ? "" : "s"} (hatched grey): many people too close to label one by one, from an `
    + "import. Read-only here; evaluation ignores detections inside them, and saving keeps them.";
}
