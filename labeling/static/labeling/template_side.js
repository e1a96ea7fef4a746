// The template editor's side panel, drawn from the template document: keypoints (name, colour, mirror point),
// left/right pairs (where each came from, suggestions, warnings, the symmetric mark, what training does with
// flips), OKS sigmas (presets, kinds, values, the uniform-default warning) and connections. Every edit goes
// through the store (one undo step each). No inline styles: colours are input values, not style attributes.

import { escapeHtml } from "./help.js";
import { flipSummary, flipWarnings, pairRows, pairSuggestions } from "./pairs_view.js";
import {
  applyPreset, effectiveSigmas, fillFor, kindOf, sigmaSource, suggestByName, uniformWarning,
} from "./sigmas.js";

const $ = (id) => document.getElementById(id);
const SOURCE_TEXT = { suggested: "suggested from the names", names: "from the names", hand: "set by hand" };

function option(value, label, selected) {
  return `<option value="${escapeHtml(value)}"${selected ? " selected" : ""}>${escapeHtml(label)}</option>`;
}

/** Wire the panel to `store`; `getPresets()` is the presets file (null until loaded). Returns {refresh}. */
export function createSidePanel({ store, getPresets, notify }) {
  const names = () => store.doc.keypoints.map((k) => k.name);

  function keypoints(doc) {
    const sel = store.selection || {};
    const partner = new Map();
    for (const [a, b] of doc.flipPairs) { partner.set(a, b); partner.set(b, a); }
    $("kp-count").textContent = `(${doc.keypoints.length})`;
    $("kp-table").innerHTML = doc.keypoints.map((kp, i) => {
      const opts = [option("", "—", !partner.has(i))].concat(doc.keypoints.map((o, j) => (j === i ? "" : option(j, o.name, partner.get(i) === j))));
      return `<tr data-i="${i}" class="${sel.kind === "kp" && sel.i === i ? "selected" : ""}">
        <td><input type="color" class="kp-color" value="${escapeHtml(kp.color)}" title="Point colour"></td>
        <td><input type="text" class="kp-name" value="${escapeHtml(kp.name)}" maxlength="100" aria-label="Name of keypoint ${i + 1}"></td>
        <td><select class="kp-pair" aria-label="Mirror point of ${escapeHtml(kp.name)}">${opts.join("")}</select></td>
        <td><button type="button" class="x kp-delete" title="Delete keypoint">×</button></td></tr>`;
    }).join("");
  }

  function pairs(doc) {
    const n = (i) => escapeHtml(doc.keypoints[i].name);
    $("pairs-count").textContent = `(${doc.flipPairs.length})`;
    $("flip-summary").textContent = flipSummary(doc);
    $("pair-list").innerHTML = pairRows(doc).map(({ a, b, source }) => `<li class="pair source-${source}" data-a="${a}" data-b="${b}">
      <span class="pair-names">${n(a)} ↔ ${n(b)}</span> <span class="tag">${SOURCE_TEXT[source]}</span>
      <button type="button" class="link-button unpair" title="These two are not mirror images of each other">Unpair</button></li>`).join("");
    const offered = doc.pairsManual ? pairSuggestions(doc) : [];
    $("pair-suggestions-box").hidden = !offered.length;
    $("pair-suggestions").innerHTML = offered.map(([a, b]) => `<li class="pair suggestion" data-a="${a}" data-b="${b}">
      <span class="pair-names">${n(a)} ↔ ${n(b)}</span>
      <button type="button" class="link-button pair-them">Pair them</button></li>`).join("");
    const warnings = flipWarnings(doc);
    $("flip-warnings").hidden = !warnings.length;
    $("flip-warnings").innerHTML = warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("");
    $("pairs-mode").textContent = doc.flipPairs.length
      ? (doc.pairsManual ? "edited by hand" : "following the names")
      : "";
    $("symmetric").checked = doc.symmetric;
  }

  function sigmas(doc) {
    const presets = getPresets();
    const section = $("sigmas");
    if (!presets) {
      $("sigma-source").textContent = "Loading the sigma presets…";
      return;
    }
    const list = names();
    const source = sigmaSource(list, doc.sigmas, presets);
    const warning = uniformWarning(list, doc.sigmas, presets);
    $("sigma-warning").hidden = !warning;
    $("sigma-warning").textContent = warning || "";
    section.dataset.source = list.length ? source : "";
    $("sigma-source").textContent = !list.length ? "Add keypoints first."
      : source === "class" ? "This class has its own sigmas, saved with it."
        : source === "coco" ? "The points are COCO-17's, so COCO's sigmas are used unless you set others." : "";
    const effective = effectiveSigmas(list, doc.sigmas, presets);
    const kinds = presets.kinds;
    $("sigma-table").innerHTML = doc.keypoints.map((kp, i) => {
      const own = doc.sigmas ? doc.sigmas[i] : null;
      const kind = own === null ? "default" : kindOf(own, presets);
      const opts = [own === null ? option("default", `default (${effective[i]})`, true) : ""]
        .concat(kinds.map((k) => option(k.id, `${k.label.split(" ")[0]} ${k.sigma}`, kind === k.id)))
        .concat([option("custom", "Custom", kind === "custom")]).join("");
      return `<tr data-i="${i}"><td class="sigma-name">${escapeHtml(kp.name)}</td>
        <td><select class="sigma-kind" aria-label="Kind of point ${escapeHtml(kp.name)}">${opts}</select></td>
        <td><input type="number" class="sigma-value" min="0.0001" max="10" step="0.001" aria-label="Sigma of ${escapeHtml(kp.name)}"
          value="${own === null ? "" : own}" placeholder="${effective[i]}"></td></tr>`;
    }).join("");
  }

  function connections(doc) {
    const sel = store.selection || {};
    $("conn-count").textContent = `(${doc.connections.length})`;
    $("conn-table").innerHTML = doc.connections.map((c, j) => `<tr data-j="${j}" class="${sel.kind === "conn" && sel.i === j ? "selected" : ""}">
      <td><input type="color" class="conn-color" value="${escapeHtml(c.color)}" title="Connection colour"></td>
      <td>${escapeHtml(doc.keypoints[c.a].name)} — ${escapeHtml(doc.keypoints[c.b].name)}</td>
      <td><button type="button" class="x conn-delete" title="Delete connection">×</button></td></tr>`).join("");
  }

  function refresh() {
    const doc = store.doc;
    keypoints(doc);
    pairs(doc);
    sigmas(doc);
    connections(doc);
  }

  // ---------------------------------------------------------------- edits
  $("kp-table").addEventListener("change", (ev) => {
    const row = ev.target.closest("tr");
    if (!row) return;
    const i = Number(row.dataset.i);
    if (ev.target.classList.contains("kp-name")) {
      const name = ev.target.value.trim();
      if (!store.dispatch({ type: "renameKeypoint", i, name }) && name !== store.doc.keypoints[i].name) {
        notify(name ? `The name "${name}" is already used.` : "A keypoint needs a name.");
        ev.target.value = store.doc.keypoints[i].name;
      }
    } else if (ev.target.classList.contains("kp-color")) {
      store.dispatch({ type: "recolorKeypoint", i, color: ev.target.value });
    } else if (ev.target.classList.contains("kp-pair")) {
      store.dispatch({ type: "setPair", i, j: ev.target.value === "" ? null : Number(ev.target.value) });
    }
  });
  $("kp-table").addEventListener("click", (ev) => {
    const row = ev.target.closest("tr");
    if (!row) return;
    const i = Number(row.dataset.i);
    if (ev.target.classList.contains("kp-delete")) {
      store.dispatch({ type: "deleteKeypoint", i });
      store.select(null);
    } else if (ev.target.tagName === "TD") {
      store.select({ kind: "kp", i });
    }
  });
  $("pair-list").addEventListener("click", (ev) => {
    const li = ev.target.closest("li");
    if (li && ev.target.classList.contains("unpair")) store.dispatch({ type: "setPair", i: Number(li.dataset.a), j: null });
  });
  $("pair-suggestions").addEventListener("click", (ev) => {
    const li = ev.target.closest("li");
    if (li && ev.target.classList.contains("pair-them")) {
      store.dispatch({ type: "setPair", i: Number(li.dataset.a), j: Number(li.dataset.b) });
    }
  });
  $("symmetric").addEventListener("change", (ev) => store.dispatch({ type: "setSymmetric", value: ev.target.checked }));

  $("sigma-table").addEventListener("change", (ev) => {
    const presets = getPresets();
    const row = ev.target.closest("tr");
    if (!row || !presets) return;
    const i = Number(row.dataset.i);
    const fill = fillFor(names(), store.doc.sigmas, presets);
    if (ev.target.classList.contains("sigma-kind")) {
      const kind = presets.kinds.find((k) => k.id === ev.target.value);
      if (kind) store.dispatch({ type: "setSigma", i, value: kind.sigma, fill });
      else if (ev.target.value === "custom") row.querySelector(".sigma-value").focus();
    } else if (ev.target.classList.contains("sigma-value")) {
      const value = Number(ev.target.value);
      if (!(value >= 0.0001 && value <= 10)) {
        notify("A sigma is a number from 0.0001 to 10 (COCO's run from 0.025 to 0.107).");
        ev.target.value = store.doc.sigmas ? store.doc.sigmas[i] : "";
        return;
      }
      store.dispatch({ type: "setSigma", i, value, fill });
    }
  });
  document.querySelector(".sigma-presets").addEventListener("click", (ev) => {
    const presets = getPresets();
    if (!presets || ev.target.tagName !== "BUTTON" || !names().length) return;
    if (ev.target.dataset.preset) {
      const got = applyPreset(presets, ev.target.dataset.preset, names(), store.doc.sigmas);
      store.dispatch({ type: "setSigmas", sigmas: got.sigmas });
      const label = presets.presets.find((p) => p.id === ev.target.dataset.preset).label;
      notify(`${label}: ${got.matched.length} of ${names().length} points matched by name.`
        + (got.unmatched.length ? ` Not in it (kept, or the custom-point default ${presets.custom_point_default}): ${got.unmatched.join(", ")}.` : ""));
    } else if (ev.target.id === "sigma-suggest") {
      const rows = suggestByName(presets, names());
      store.dispatch({ type: "setSigmas", sigmas: rows.map((r) => r.sigma) });
      const custom = rows.filter((r) => r.source === "custom_point_default").map((r) => r.name);
      notify(custom.length ? `Known names took their preset's sigma; ${custom.join(", ")} got the custom-point default `
        + `${presets.custom_point_default}: set a kind where it is not a crisp point.` : "Every point took its preset's sigma.");
    } else if (ev.target.id === "sigma-clear") {
      store.dispatch({ type: "setSigmas", sigmas: null });
    }
  });

  $("conn-table").addEventListener("change", (ev) => {
    const row = ev.target.closest("tr");
    if (row && ev.target.classList.contains("conn-color")) store.dispatch({ type: "recolorConnection", j: Number(row.dataset.j), color: ev.target.value });
  });
  $("conn-table").addEventListener("click", (ev) => {
    const row = ev.target.closest("tr");
    if (!row) return;
    const j = Number(row.dataset.j);
    if (ev.target.classList.contains("conn-delete")) {
      store.dispatch({ type: "deleteConnection", j });
      store.select(null);
    } else if (ev.target.tagName === "TD") {
      store.select({ kind: "conn", i: j });
    }
  });

  /** Fill the "Every point:" row with one button per kind of point, once the presets are here. */
  function kindButtons() {
    const presets = getPresets();
    const box = $("sigma-kinds");
    for (const kind of presets.kinds) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = kind.label.split(" (")[0];
      b.title = `${kind.label}: σ ${kind.sigma} (${kind.source})`;
      b.dataset.kind = kind.id;
      b.addEventListener("click", () => {
        if (!names().length) return;
        store.dispatch({ type: "setSigmas", sigmas: names().map(() => kind.sigma) });
      });
      box.append(" ", b);
    }
  }

  return { refresh, kindButtons };
}
