// Left/right pairs as the template editor shows them: each pair and where it came from, the pairs the names
// suggest that are not taken, the names that say a side but found no partner, and what training will do with
// horizontal flips. Pure (no DOM).

import { derivePairs, flipPairsReport } from "./flip_pairs.js";

const key = ([a, b]) => `${Math.min(a, b)},${Math.max(a, b)}`;

/**
 * One row per pair: {a, b, source}: "suggested" (derived from the names and still following them: no pair was
 * set by hand), "names" (what the names suggest, kept after hand edits) or "hand" (set by a person).
 */
export function pairRows(tdoc) {
  const derived = new Set(derivePairs(tdoc.keypoints.map((k) => k.name)).map(key));
  return tdoc.flipPairs.map(([a, b]) => ({
    a, b, source: !tdoc.pairsManual ? "suggested" : derived.has(key([a, b])) ? "names" : "hand",
  }));
}

/** Pairs the names suggest whose two points are both unpaired now (offered with a "Pair" button). */
export function pairSuggestions(tdoc) {
  const used = new Set(tdoc.flipPairs.flat());
  return derivePairs(tdoc.keypoints.map((k) => k.name)).filter(([a, b]) => !used.has(a) && !used.has(b));
}

/** Names that say left or right but have no partner: the server's `flip_warnings`, live. */
export function flipWarnings(tdoc) {
  const report = flipPairsReport(tdoc.keypoints.map((k) => k.name));
  const paired = new Set(tdoc.flipPairs.flat());
  return report.unpaired.map((i, n) => [i, report.warnings[n]]).filter(([i]) => !paired.has(i)).map(([, w]) => w);
}

/** The partner of point i, or null. */
export function partnerOf(tdoc, i) {
  for (const [a, b] of tdoc.flipPairs) {
    if (a === i) return b;
    if (b === i) return a;
  }
  return null;
}

/** What training does with horizontal flips for this template (the rule of datasets.formats.skeleton). */
export function flipSummary(tdoc) {
  const n = tdoc.flipPairs.length;
  if (n) {
    return `Training flips images left↔right and swaps the ${n === 1 ? "two points of this pair" : `points of these ${n} pairs`}; `
      + "every other point stays itself.";
  }
  if (tdoc.symmetric) return "Training flips images left↔right; every point stays itself (marked symmetric).";
  return "Training does not flip images: no point has a left/right partner and the object is not marked symmetric.";
}
