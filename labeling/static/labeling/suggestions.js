// A model's suggestions in the labeler (autolabel). Pure: no DOM, so `node --test` runs it.
//
// A suggestion lives in the document as an instance with a `suggestion` field ({id, score, scores, deployment,
// version}); it is drawn dashed and translucent and is not a label. Accepting turns it into an instance with an
// `origin` ({suggestion: true, deployment, version, edited}); any edit of a suggestion (dragging a point, the
// box, changing its class or mirroring it) accepts it as edited, and any edit of an accepted one marks it
// edited. Deleting a suggestion rejects it. The PUT sends the ids of the suggestions still open.

/** Keypoints the model gave less than this score are highlighted: the ones worth a look. */
export const LOW_SCORE = 0.5;

/** An instance of the document from a stored suggestion ({id, class, bbox, keypoints, score, keypoint_scores}).
 * `ghost(k)`: where the class template puts point k in the box (for absent points the model did not place). */
export function instanceFromSuggestion(s, uid, suggestedBy, ghost) {
  const keypoints = s.keypoints.map((kp, k) => {
    if (kp[2] > 0 || kp[0] || kp[1]) return [kp[0], kp[1], kp[2]]; // the model's place, even when suggested absent
    const g = ghost(k);
    return [g ? g[0] : s.bbox[0], g ? g[1] : s.bbox[1], 0];
  });
  const by = suggestedBy || {};
  return {
    uid, class: s.class, bbox: [...s.bbox], keypoints,
    suggestion: { id: s.id, score: s.score ?? null, scores: s.keypoint_scores || [], deployment: by.deployment ?? null,
                  version: by.version ?? null },
  };
}

/** The suggestion accepted: an instance that records where it came from. Same uid (the selection stays). */
export function accepted(inst, edited = false) {
  if (!inst.suggestion) return inst;
  const { suggestion, ...rest } = inst;
  return { ...rest, origin: { suggestion: true, deployment: suggestion.deployment, version: suggestion.version, edited } };
}

/** After an edit of `after` (from `before`): a suggestion is accepted as edited, an accepted one marked edited. */
export function markEdited(before, after) {
  if (after === before) return after;
  if (after.suggestion) return accepted(after, true);
  if (after.origin && !after.origin.edited) return { ...after, origin: { ...after.origin, edited: true } };
  return after;
}

/** Is point k of `inst` a low-score point of a suggestion? */
export function isLowPoint(inst, k) {
  if (!inst.suggestion) return false;
  const s = inst.suggestion.scores[k];
  return s != null && s < LOW_SCORE;
}

/** The ids of the open suggestions of a document, for the PUT. */
export function openSuggestionIds(doc) {
  return doc.instances.filter((i) => i.suggestion).map((i) => i.suggestion.id);
}

export function suggestionCount(doc) {
  return doc.instances.reduce((n, i) => n + (i.suggestion ? 1 : 0), 0);
}

/** The side panel's words for one suggestion: "suggested · 0.83 · 2 low points". */
export function suggestionLabel(inst) {
  const s = inst.suggestion;
  if (!s) return inst.origin ? (inst.origin.edited ? "from a suggestion, edited" : "from a suggestion") : "";
  const low = s.scores.filter((v) => v != null && v < LOW_SCORE).length;
  const score = s.score == null ? "" : ` · ${s.score.toFixed(2)}`;
  return `suggested${score}${low ? ` · ${low} low point${low === 1 ? "" : "s"}` : ""}`;
}
