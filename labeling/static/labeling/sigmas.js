// Per-keypoint OKS sigmas in the template editor: which sigmas a class trains and is scored with, presets by
// keypoint name, and kinds of point. Pure (no DOM). The presets come from the one file both sides read,
// training/static/training/sigma_presets.json (shape in training/metrics/sigmas.py):
//   {custom_point_default, kinds: [{id, label, sigma, source}], presets: [{id, label, keypoints, sigmas, source}]}
//
// The rule mirrors training.metrics.sigmas.sigmas_source: a class's own sigmas (one per keypoint, not all
// 1/K) are used; without them a COCO-17 skeleton (the COCO names in COCO order, any case) uses COCO's, and any
// other skeleton the uniform 1/K, which depends on how many points there are rather than on the task.

/** Ultralytics' fallback for a skeleton that is not COCO-17: 1/K (rounded to 6 places like the server). */
export function uniformSigma(k) {
  return Math.round(1e6 / Math.max(k, 1)) / 1e6;
}

function isUniform(sigmas) {
  const u = uniformSigma(sigmas.length);
  return sigmas.every((s) => Math.abs(s - u) <= 1e-4 * Math.max(Math.abs(s), Math.abs(u)));
}

function presetById(presets, id) {
  return ((presets && presets.presets) || []).find((p) => p.id === id) || null;
}

function isCoco17(names, presets) {
  const coco = presetById(presets, "coco17");
  return Boolean(coco) && names.length === coco.keypoints.length
    && names.every((n, i) => String(n).toLowerCase() === coco.keypoints[i]);
}

/** Where the sigmas a class trains with come from: "class" (its own), "coco" (COCO-17 names) or "uniform". */
export function sigmaSource(names, sigmas, presets) {
  const own = Array.isArray(sigmas) && sigmas.length === names.length && names.length > 0;
  if (own && !isUniform(sigmas)) return "class";
  if (!own && isCoco17(names, presets)) return "coco";
  return "uniform";
}

/** The sigmas a class trains and is scored with, one per keypoint. */
export function effectiveSigmas(names, sigmas, presets) {
  const source = sigmaSource(names, sigmas, presets);
  if (source === "class") return [...sigmas];
  if (source === "coco") return [...presetById(presets, "coco17").sigmas];
  return names.map(() => uniformSigma(names.length));
}

/**
 * What the other points get when a person sets one sigma of a class that had none: what they trained with so
 * far (COCO's for a COCO-17 skeleton), except the uniform 1/K, which is replaced by the custom-point default.
 */
export function fillFor(names, sigmas, presets) {
  if (sigmas) return [...sigmas];
  if (sigmaSource(names, null, presets) === "coco") return effectiveSigmas(names, null, presets);
  return names.map(() => presets.custom_point_default);
}

/** Names compared as training.metrics.sigmas._norm does: trimmed, any case, spaces and dashes as underscores. */
const norm = (name) => String(name).trim().toLowerCase().replace(/[ -]/g, "_");

/**
 * A preset applied by keypoint name (compared as `norm` does): {sigmas, matched: [names], unmatched: [names]}. A point
 * the preset does not name keeps its own sigma, or gets the custom-point default.
 */
export function applyPreset(presets, presetId, names, sigmas) {
  const preset = presetById(presets, presetId);
  if (!preset) throw new Error(`unknown sigma preset ${presetId}`);
  const byName = new Map(preset.keypoints.map((n, i) => [norm(n), preset.sigmas[i]]));
  const matched = [], unmatched = [];
  const out = names.map((name, i) => {
    const hit = byName.get(norm(name));
    if (hit !== undefined) { matched.push(name); return hit; }
    unmatched.push(name);
    return sigmas && sigmas[i] > 0 ? sigmas[i] : presets.custom_point_default;
  });
  return { sigmas: out, matched, unmatched };
}

/**
 * One sigma per name from every preset, as training.metrics.sigmas.sigmas_by_name suggests them: COCO-17 first,
 * then Goliath-308, else the custom-point default. [{name, sigma, source}].
 */
export function suggestByName(presets, names) {
  const table = new Map();
  for (const p of [...presets.presets].reverse()) { // earlier presets win
    p.keypoints.forEach((n, i) => table.set(norm(n), [p.sigmas[i], p.id]));
  }
  return names.map((name) => {
    const [sigma, source] = table.get(norm(name)) || [presets.custom_point_default, "custom_point_default"];
    return { name, sigma, source };
  });
}

/** The kind whose sigma this is ("crisp", "joint", "soft"), or "custom". */
export function kindOf(sigma, presets) {
  const kind = ((presets && presets.kinds) || []).find((k) => Math.abs(k.sigma - sigma) < 1e-9);
  return kind ? kind.id : "custom";
}

/** The warning shown while a class trains on the uniform default (null otherwise). */
export function uniformWarning(names, sigmas, presets) {
  if (!names.length || sigmaSource(names, sigmas, presets) !== "uniform") return null;
  const u = uniformSigma(names.length);
  return `This class trains and is scored with the uniform default σ = 1/K = ${u} for each of its ${names.length} `
    + "points: the score then depends on how many points the class has, not on how precisely each can be placed "
    + `(an eye is ${(u / 0.025).toFixed(1)} times looser than COCO scores it). Choose a preset or a kind per point.`;
}
