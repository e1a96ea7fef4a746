// What the playground draws over the image: boxes, skeleton links and keypoints of a detect answer, in the
// colours of each class's skeleton. Pure geometry here (unit-tested); drawOverlay() only paints the list.

/** Colours for classes the page knows nothing about (an uploaded .pt): stable by the class's first appearance. */
export const PALETTE = ["#e11d48", "#2563eb", "#16a34a", "#ea580c", "#9333ea", "#0891b2", "#ca8a04", "#db2777"];

/** COCO-17's usual links (0-based), used when a class has no skeleton of its own but COCO's 17 names. */
export const COCO17_NAMES = ["nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
  "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee",
  "right_knee", "left_ankle", "right_ankle"];
export const COCO17_LINKS = [[15, 13], [13, 11], [16, 14], [14, 12], [11, 12], [5, 11], [6, 12], [5, 6], [5, 7],
  [6, 8], [7, 9], [8, 10], [1, 2], [0, 1], [0, 2], [1, 3], [2, 4], [3, 5], [4, 6]];

/** "#rrggbb" of an [r, g, b] triple (0..255), or the string itself when it already is one. */
export function toHex(colour) {
  if (typeof colour === "string") return colour;
  return `#${colour.map((c) => Math.max(0, Math.min(255, Math.round(c))).toString(16).padStart(2, "0")).join("")}`;
}

/**
 * The drawing style of one class: {color, links: [[a, b]], linkColors: [hex] | null, pointColors: [hex] | null,
 * names: [keypoint names]}. `styles` is the page's map class name -> {color, keypoints, connections,
 * keypoint_colors?, connection_colors?}; a class missing from it gets a palette colour (by `order`, the
 * classes in the order they were first seen) and COCO's links when its keypoints carry COCO's 17 names.
 */
export function classStyle(styles, name, keypointNames, order) {
  const known = styles && styles[name];
  if (known) {
    return {
      color: toHex(known.color || PALETTE[0]),
      names: known.keypoints || keypointNames,
      links: known.connections || [],
      linkColors: known.connection_colors ? known.connection_colors.map(toHex) : null,
      pointColors: known.keypoint_colors ? known.keypoint_colors.map(toHex) : null,
    };
  }
  let index = order.indexOf(name);
  if (index < 0) index = order.push(name) - 1;
  const coco = keypointNames.length === 17 && keypointNames.every((n, i) => n.toLowerCase() === COCO17_NAMES[i]);
  return { color: PALETTE[index % PALETTE.length], names: keypointNames, links: coco ? COCO17_LINKS : [],
    linkColors: null, pointColors: null };
}

/** The API's `classes` list ([{name, color, keypoints, connections, keypoint_colors?, connection_colors?}]) as
 * the map class name -> style that classStyle() reads. */
export function stylesFromClasses(classes) {
  const out = {};
  for (const c of classes || []) {
    out[c.name] = { color: c.color, keypoints: c.keypoints || [], connections: (c.connections || []).map((e) => e.slice(0, 2)) };
    if (c.keypoint_colors) out[c.name].keypoint_colors = c.keypoint_colors;
    if (c.connection_colors) out[c.name].connection_colors = c.connection_colors;
  }
  return out;
}

/**
 * Shapes to paint for a detect answer, in image pixels:
 * [{type: "box", x, y, width, height, color, label}, {type: "line", x1, y1, x2, y2, color}, {type: "point", x, y, color}].
 * Keypoints are matched to the class's links by name (falling back to their position in the list); a keypoint
 * whose confidence is under `kptThres` is neither drawn nor linked (the JSON still lists it).
 */
export function overlayShapes(instances, styles, { kptThres = 0 } = {}) {
  const order = [];
  const boxes = [], lines = [], points = [];
  for (const inst of instances) {
    const kpts = inst.keypoints || [];
    const style = classStyle(styles, inst.class, kpts.map((k) => k.name), order);
    boxes.push({ type: "box", x: inst.x, y: inst.y, width: inst.width, height: inst.height, color: style.color,
      label: `${inst.class} ${Math.round(inst.confidence * 100)}%` });
    const byName = new Map(kpts.map((k, i) => [k.name, i]));
    const at = (templateIndex) => {
      const name = style.names[templateIndex];
      const i = name !== undefined && byName.has(name) ? byName.get(name) : templateIndex;
      const k = kpts[i];
      return k && k.confidence >= kptThres ? k : null;
    };
    style.links.forEach(([a, b], n) => {
      const p = at(a), q = at(b);
      if (p && q) lines.push({ type: "line", x1: p.x, y1: p.y, x2: q.x, y2: q.y, color: style.linkColors ? style.linkColors[n] : style.color });
    });
    kpts.forEach((k, i) => {
      if (k.confidence < kptThres) return;
      const templateIndex = style.names.indexOf(k.name);
      const colourIndex = templateIndex >= 0 ? templateIndex : i;
      points.push({ type: "point", x: k.x, y: k.y, color: style.pointColors ? style.pointColors[colourIndex] : style.color });
    });
  }
  return [...boxes, ...lines, ...points];  // links under points, as upstream's renderers draw them
}

/**
 * Stroke width and point radius in image pixels so that they look `screenPx` wide once the image of natural
 * width `naturalWidth` is shown `shownWidth` pixels wide.
 */
export function lineScale(naturalWidth, shownWidth, screenPx = 2) {
  if (!(naturalWidth > 0) || !(shownWidth > 0)) return screenPx;
  return Math.max(screenPx * naturalWidth / shownWidth, 0.5);
}

/** Paint `shapes` on a 2D context whose canvas has the image's natural size. */
export function drawOverlay(ctx, shapes, { unit = 2 } = {}) {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.lineWidth = unit;
  ctx.font = `${Math.round(unit * 6)}px sans-serif`;
  for (const s of shapes) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    if (s.type === "box") {
      ctx.strokeRect(s.x, s.y, s.width, s.height);
      ctx.fillText(s.label, s.x + unit, Math.max(s.y - unit * 2, unit * 6));
    } else if (s.type === "line") {
      ctx.beginPath();
      ctx.moveTo(s.x1, s.y1);
      ctx.lineTo(s.x2, s.y2);
      ctx.stroke();
    } else {
      ctx.beginPath();
      ctx.arc(s.x, s.y, unit * 1.5, 0, Math.PI * 2);
      ctx.fill();
    }
  }
}
