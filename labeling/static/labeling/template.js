// The skeleton-template document and its reducer (pure; used with state.js's Store).
//
//   tdoc = {keypoints: [{name, color, x, y, src}], connections: [{a, b, color}],
//           flipPairs: [[i, j]], pairsManual: bool, symmetric: bool, sigmas: [number] | null}
//
// x, y are normalised to the template image (0..1): the labeler maps the template's extent into
// each new box, so only the shape matters. `src` is the index the point had when the class was
// loaded (null for a new point); it goes to the server as `source_index`, which remaps existing
// labels so they stay valid (a new point is absent in every old label). `sigmas` (per-keypoint OKS sigma, or null:
// the class trains on the default, see sigmas.js) follows the keypoint list: a new point gets `sigma` from its
// action (the page passes the presets file's custom_point_default), a deleted one takes its value with it.

import { clamp } from "./geometry.js";
import { derivePairs } from "./flip_pairs.js";

// The flip-pair rule lives in its own module (shared table with the server's rule); re-exported here for
// the callers that know it as part of the template document.
export { derivePairs, flipPairsReport, mirrorName } from "./flip_pairs.js";

/** Default name for a new point: kp1, kp2, ... (the first not taken). */
export function nextKeypointName(names) {
  const taken = new Set(names);
  let n = names.length + 1;
  while (taken.has(`kp${n}`)) n += 1;
  return `kp${n}`;
}

// A new custom point's sigma when the action does not say (training/static/training/sigma_presets.json).
export const CUSTOM_POINT_SIGMA = 0.025;

export function emptyTemplate() {
  return { keypoints: [], connections: [], flipPairs: [], pairsManual: false, symmetric: false, sigmas: null };
}

function samePairs(a, b) {
  const norm = (ps) => JSON.stringify(ps.map(([i, j]) => [Math.min(i, j), Math.max(i, j)]).sort((p, q) => p[0] - q[0] || p[1] - q[1]));
  return norm(a) === norm(b);
}

/** Template document from a class as the API returns it. */
export function templateFromServer(cls) {
  const keypoints = (cls.keypoints || []).map((kp, i) => ({
    name: kp.name, color: kp.color || cls.color || "#ff0000", x: kp.x, y: kp.y, src: i,
  }));
  const flipPairs = (cls.flip_pairs || []).map(([i, j]) => [Math.min(i, j), Math.max(i, j)]);
  return {
    keypoints,
    connections: (cls.connections || []).map((c) => ({ a: c.a, b: c.b, color: c.color || "#00ff00" })),
    flipPairs,
    pairsManual: !samePairs(flipPairs, derivePairs(keypoints.map((k) => k.name))),
    symmetric: Boolean(cls.symmetric),
    sigmas: Array.isArray(cls.sigmas) && cls.sigmas.length === keypoints.length ? [...cls.sigmas] : null,
  };
}

/** PATCH body for /api/v1/classes/<id>/. */
export function templateToServer(tdoc, templateImage = null) {
  const body = {
    keypoints: tdoc.keypoints.map((kp) => ({
      name: kp.name, color: kp.color, x: Math.round(kp.x * 1e5) / 1e5, y: Math.round(kp.y * 1e5) / 1e5,
      source_index: kp.src ?? null,
    })),
    connections: tdoc.connections.map((c) => ({ a: c.a, b: c.b, color: c.color })),
    flip_pairs: tdoc.flipPairs.map((p) => [...p]),
    symmetric: Boolean(tdoc.symmetric),
    // Always sent: with a new keypoint list and no sigmas the server would drop the class's sigmas.
    sigmas: tdoc.sigmas ? [...tdoc.sigmas] : null,
  };
  if (templateImage !== null) body.template_image = templateImage;
  return body;
}

/** Problems that stop "Confirm skeleton" (empty list: fine). */
export function templateProblems(tdoc) {
  const problems = [];
  if (!tdoc.keypoints.length) problems.push("add at least one keypoint");
  const seen = new Set();
  tdoc.keypoints.forEach((kp, i) => {
    const name = kp.name.trim();
    if (!name) problems.push(`keypoint ${i + 1} has no name`);
    else if (seen.has(name)) problems.push(`the name "${name}" is used twice`);
    seen.add(name);
  });
  return problems;
}

function withPairs(tdoc) {
  return tdoc.pairsManual ? tdoc : { ...tdoc, flipPairs: derivePairs(tdoc.keypoints.map((k) => k.name)) };
}

function nameFree(tdoc, name, except = -1) {
  return name && !tdoc.keypoints.some((kp, i) => i !== except && kp.name === name);
}

/** (tdoc, action) -> tdoc; the same object back for a no-op. */
export function templateReducer(tdoc, action) {
  switch (action.type) {
    case "addKeypoint": {
      const names = tdoc.keypoints.map((k) => k.name);
      const name = (action.name || "").trim() || nextKeypointName(names);
      if (!nameFree(tdoc, name)) return tdoc;
      const kp = { name, color: action.color || "#ff0000", x: clamp(action.x, 0, 1), y: clamp(action.y, 0, 1), src: null };
      const sigmas = tdoc.sigmas ? [...tdoc.sigmas, action.sigma ?? CUSTOM_POINT_SIGMA] : null;
      return withPairs({ ...tdoc, keypoints: [...tdoc.keypoints, kp], sigmas });
    }
    case "moveKeypoint": {
      const old = tdoc.keypoints[action.i];
      if (!old) return tdoc;
      const x = clamp(action.x, 0, 1), y = clamp(action.y, 0, 1);
      if (x === old.x && y === old.y) return tdoc;
      const keypoints = tdoc.keypoints.slice();
      keypoints[action.i] = { ...old, x, y };
      return { ...tdoc, keypoints };
    }
    case "renameKeypoint": {
      const old = tdoc.keypoints[action.i];
      const name = (action.name || "").trim();
      if (!old || name === old.name || !nameFree(tdoc, name, action.i)) return tdoc;
      const keypoints = tdoc.keypoints.slice();
      keypoints[action.i] = { ...old, name };
      return withPairs({ ...tdoc, keypoints });
    }
    case "recolorKeypoint": {
      const old = tdoc.keypoints[action.i];
      if (!old || old.color === action.color) return tdoc;
      const keypoints = tdoc.keypoints.slice();
      keypoints[action.i] = { ...old, color: action.color };
      return { ...tdoc, keypoints };
    }
    case "deleteKeypoint": {
      const i = action.i;
      if (!tdoc.keypoints[i]) return tdoc;
      const shift = (j) => (j > i ? j - 1 : j);
      return withPairs({
        ...tdoc,
        keypoints: tdoc.keypoints.filter((_, j) => j !== i),
        connections: tdoc.connections.filter((c) => c.a !== i && c.b !== i).map((c) => ({ ...c, a: shift(c.a), b: shift(c.b) })),
        flipPairs: tdoc.flipPairs.filter(([a, b]) => a !== i && b !== i).map(([a, b]) => [shift(a), shift(b)]),
        sigmas: tdoc.sigmas ? tdoc.sigmas.filter((_, j) => j !== i) : null,
      });
    }
    case "addConnection": {
      const { a, b } = action;
      const k = tdoc.keypoints.length;
      if (a === b || a < 0 || b < 0 || a >= k || b >= k) return tdoc;
      if (tdoc.connections.some((c) => (c.a === a && c.b === b) || (c.a === b && c.b === a))) return tdoc;
      return { ...tdoc, connections: [...tdoc.connections, { a, b, color: action.color || "#00ff00" }] };
    }
    case "deleteConnection": {
      if (!tdoc.connections[action.j]) return tdoc;
      return { ...tdoc, connections: tdoc.connections.filter((_, j) => j !== action.j) };
    }
    case "recolorConnection": {
      const old = tdoc.connections[action.j];
      if (!old || old.color === action.color) return tdoc;
      const connections = tdoc.connections.slice();
      connections[action.j] = { ...old, color: action.color };
      return { ...tdoc, connections };
    }
    case "setPair": { // pair keypoint i with j (null: unpair i); a hand-made choice stops auto-suggestion
      const { i, j } = action;
      const k = tdoc.keypoints.length;
      if (!(i >= 0 && i < k) || (j !== null && !(j >= 0 && j < k && j !== i))) return tdoc;
      const rest = tdoc.flipPairs.filter(([a, b]) => a !== i && b !== i && (j === null || (a !== j && b !== j)));
      const flipPairs = j === null ? rest : [...rest, [Math.min(i, j), Math.max(i, j)]].sort((p, q) => p[0] - q[0]);
      if (samePairs(flipPairs, tdoc.flipPairs) && tdoc.pairsManual) return tdoc;
      return { ...tdoc, flipPairs, pairsManual: true };
    }
    case "suggestPairs": {
      const flipPairs = derivePairs(tdoc.keypoints.map((k) => k.name));
      if (!tdoc.pairsManual && samePairs(flipPairs, tdoc.flipPairs)) return tdoc;
      return { ...tdoc, flipPairs, pairsManual: false };
    }
    case "setSymmetric": {
      const value = Boolean(action.value);
      return value === tdoc.symmetric ? tdoc : { ...tdoc, symmetric: value };
    }
    case "setSigmas": { // the whole list (a preset), or null: train on the default
      const k = tdoc.keypoints.length;
      const sigmas = action.sigmas === null ? null : action.sigmas.map(Number);
      if (sigmas && (sigmas.length !== k || sigmas.some((v) => !(v > 0)))) return tdoc;
      if (JSON.stringify(sigmas) === JSON.stringify(tdoc.sigmas)) return tdoc;
      return { ...tdoc, sigmas };
    }
    case "setSigma": { // one point; with no list yet, the others take `fill` (what they trained on so far)
      const { i } = action;
      const value = Number(action.value);
      if (!(i >= 0 && i < tdoc.keypoints.length) || !(value > 0)) return tdoc;
      const base = tdoc.sigmas || action.fill;
      if (!base || base.length !== tdoc.keypoints.length) return tdoc;
      if (tdoc.sigmas && tdoc.sigmas[i] === value) return tdoc;
      const sigmas = [...base];
      sigmas[i] = value;
      return { ...tdoc, sigmas };
    }
    default:
      throw new Error(`unknown action ${action.type}`);
  }
}
