// Flip pairs from keypoint names: the twin of datasets/formats/skeleton.py (flip_pairs_report).
// Self-contained ES module (no imports). Both rules are tested against one table,
// datasets/formats/flip_pair_cases.json: change them together.
//
// Two names pair when they are equal, ignoring letter case, except for a side marker: a word
// (left_eye/right_eye, eye_left, LeftEye, FrontLeftPaw), a side word joined to two or more letters
// (leftear/rightear), or a single letter standing apart by a separator or a case change (l_eye, L_eye,
// eye_R, LEye, EyeL, legL1). Single letters joined in lower case (lear, rear) are not markers. Each point
// is in at most one pair; the strongest marker (word, joined, letter) and then the lowest indices win.

const CHUNK = /[^_\-. \t\r\n:/]+/g; // separators: _ - . space : /
const WORD = 0, JOINED = 1, LETTER = 2;

const isUpper = (c) => c >= "A" && c <= "Z";
const isLower = (c) => c >= "a" && c <= "z";
const isDigit = (c) => c >= "0" && c <= "9";

/** [start, end] spans of the name's words: split at separators and at case and digit changes. */
function tokens(name) {
  const spans = [];
  for (const m of name.matchAll(CHUNK)) {
    const s = m.index, e = m.index + m[0].length;
    let start = s;
    for (let k = s + 1; k < e; k += 1) {
      const a = name[k - 1], b = name[k];
      const alphaA = isUpper(a) || isLower(a), alphaB = isUpper(b) || isLower(b);
      if ((isLower(a) && isUpper(b))
          || (isUpper(a) && isUpper(b) && k + 1 < e && isLower(name[k + 1]))
          || (alphaA && isDigit(b)) || (isDigit(a) && alphaB)) {
        spans.push([start, k]);
        start = k;
      }
    }
    spans.push([start, e]);
  }
  return spans;
}

/** [kind, side, start, end] of every left/right marker in the name. */
function markers(name) {
  const found = [];
  for (const [s, e] of tokens(name)) {
    const word = name.slice(s, e).toLowerCase();
    if (word === "left" || word === "right") {
      found.push([WORD, word, s, e]);
    } else if (word === "l" || word === "r") {
      found.push([LETTER, word === "l" ? "left" : "right", s, e]);
    } else {
      for (const side of ["left", "right"]) {
        if (word.startsWith(side) && word.length - side.length >= 2) found.push([JOINED, side, s, s + side.length]);
        if (word.endsWith(side) && word.length - side.length >= 2) found.push([JOINED, side, e - side.length, e]);
      }
    }
  }
  return found;
}

function key(name, kind, start, end) {
  return name.slice(0, start).toLowerCase() + (kind === LETTER ? "\0L" : "\0W") + name.slice(end).toLowerCase();
}

/**
 * {pairs: [[i, j]] (i < j, sorted), unpaired: [i] (names that say left/right as a word but found no
 * partner), warnings: [text]}.
 */
export function flipPairsReport(names) {
  const keys = new Map();
  const marked = new Set();
  names.forEach((raw, i) => {
    const name = String(raw);
    for (const [kind, side, s, e] of markers(name)) {
      const k = key(name, kind, s, e);
      if (!keys.has(k)) keys.set(k, []);
      keys.get(k).push([i, side, kind]);
      if (kind !== LETTER) marked.add(i);
    }
  });
  const seen = new Set();
  const candidates = [];
  for (const entries of keys.values()) {
    for (const [i, sideI, kindI] of entries) {
      for (const [j, sideJ, kindJ] of entries) {
        const id = `${Math.max(kindI, kindJ)},${i},${j}`;
        if (i < j && sideI !== sideJ && !seen.has(id)) {
          seen.add(id);
          candidates.push([Math.max(kindI, kindJ), i, j]);
        }
      }
    }
  }
  candidates.sort((p, q) => p[0] - q[0] || p[1] - q[1] || p[2] - q[2]);
  const used = new Set();
  const pairs = [];
  for (const [, i, j] of candidates) {
    if (!used.has(i) && !used.has(j)) {
      used.add(i); used.add(j);
      pairs.push([i, j]);
    }
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const unpaired = [...marked].filter((i) => !used.has(i)).sort((a, b) => a - b);
  const warnings = unpaired.map((i) => `keypoint '${names[i]}' names a side but no keypoint of the other side `
    + "matches it, so it gets no flip pair");
  return { pairs, unpaired, warnings };
}

/** Pairs [i, j] (i < j, sorted) whose names differ only by a left/right marker. */
export function derivePairs(names) {
  return flipPairsReport(names).pairs;
}

/** The name with its first (strongest) side marker swapped, or null when it has none. */
export function mirrorName(name) {
  const found = markers(String(name)).sort((p, q) => p[0] - q[0] || p[2] - q[2]);
  if (!found.length) return null;
  const [, side, s, e] = found[0];
  const token = name.slice(s, e);
  const other = side === "left" ? (e - s === 1 ? "r" : "right") : (e - s === 1 ? "l" : "left");
  const upper = token === token.toUpperCase();
  const capital = isUpper(token[0]);
  const repl = upper ? other.toUpperCase() : capital ? other[0].toUpperCase() + other.slice(1) : other;
  return name.slice(0, s) + repl + name.slice(e);
}
