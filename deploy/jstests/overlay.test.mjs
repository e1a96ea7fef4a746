import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { COCO17_NAMES, PALETTE, classStyle, lineScale, overlayShapes, stylesFromClasses, toHex } from "../static/deploy/overlay.js";

const kp = (name, x, y, confidence = 0.9) => ({ name, x, y, confidence });
const person = (keypoints, extra = {}) => ({ class: "person", confidence: 0.87, x: 10, y: 20, width: 100, height: 200, keypoints, ...extra });

test("colours: RGB triples become #rrggbb, hex strings stay", () => {
  assert.equal(toHex([255, 128, 0]), "#ff8000");
  assert.equal(toHex([0, 0, 300]), "#0000ff");
  assert.equal(toHex("#123456"), "#123456");
});

test("a known class is drawn in its skeleton's colours: box, then links by name, then points", () => {
  const styles = { person: { color: "#e11d48", keypoints: ["a", "b", "c"], connections: [[0, 1], [1, 2]] } };
  const shapes = overlayShapes([person([kp("a", 1, 2), kp("b", 3, 4), kp("c", 5, 6)])], styles);
  assert.deepEqual(shapes.map((s) => s.type), ["box", "line", "line", "point", "point", "point"]);
  assert.deepEqual(shapes[0], { type: "box", x: 10, y: 20, width: 100, height: 200, color: "#e11d48", label: "person 87%" });
  assert.deepEqual(shapes[1], { type: "line", x1: 1, y1: 2, x2: 3, y2: 4, color: "#e11d48" });
  assert.deepEqual(shapes[2], { type: "line", x1: 3, y1: 4, x2: 5, y2: 6, color: "#e11d48" });
});

test("links follow names, not positions, when the answer lists keypoints in another order", () => {
  const styles = { person: { color: "#000000", keypoints: ["a", "b"], connections: [[0, 1]] } };
  const [, line] = overlayShapes([person([kp("b", 30, 40), kp("a", 10, 20)])], styles);
  assert.deepEqual([line.x1, line.y1, line.x2, line.y2], [10, 20, 30, 40]);
});

test("keypoints under the threshold are neither drawn nor linked", () => {
  const styles = { person: { color: "#000000", keypoints: ["a", "b", "c"], connections: [[0, 1], [1, 2]] } };
  const shapes = overlayShapes([person([kp("a", 1, 1, 0.9), kp("b", 2, 2, 0.1), kp("c", 3, 3, 0.8)])], styles, { kptThres: 0.5 });
  assert.deepEqual(shapes.map((s) => s.type), ["box", "point", "point"]);
  assert.deepEqual(shapes.slice(1).map((s) => s.x), [1, 3]);
});

test("Sapiens2: the official per-link and per-point colours from the Goliath data", () => {
  const data = JSON.parse(readFileSync(new URL("../engines/sapiens2/data/goliath_keypoints.json", import.meta.url)));
  const styles = { person: { color: "#ffffff", keypoints: data.keypoints, connections: data.skeleton,
    connection_colors: data.skeleton_colors, keypoint_colors: data.keypoint_colors } };
  const kpts = data.keypoints.map((n, i) => kp(n, i, i));
  const shapes = overlayShapes([person(kpts)], styles);
  const lines = shapes.filter((s) => s.type === "line");
  const points = shapes.filter((s) => s.type === "point");
  assert.equal(lines.length, data.skeleton.length);
  assert.equal(points.length, 308);
  data.skeleton.forEach(([a, b], i) => {
    assert.deepEqual([lines[i].x1, lines[i].x2], [a, b]);
    assert.equal(lines[i].color, toHex(data.skeleton_colors[i]));
  });
  points.forEach((p, i) => assert.equal(p.color, toHex(data.keypoint_colors[i])));
});

test("an unknown class takes palette colours in order of appearance, and COCO's links for COCO's names", () => {
  const coco = COCO17_NAMES.map((n, i) => kp(n, i, i));
  const shapes = overlayShapes([person(coco, { class: "runner" }), person([kp("tip", 1, 1)], { class: "pen" }),
    person([kp("tip", 1, 1)], { class: "runner" })], {});
  const boxes = shapes.filter((s) => s.type === "box");
  assert.deepEqual(boxes.map((b) => b.color), [PALETTE[0], PALETTE[1], PALETTE[0]]);
  assert.equal(shapes.filter((s) => s.type === "line").length, 19);
  const order = [];
  assert.deepEqual(classStyle({}, "pen", ["tip"], order).links, []);
});

test("line width keeps its screen size whatever the image's scale", () => {
  assert.equal(lineScale(2000, 1000, 2), 4);
  assert.equal(lineScale(500, 1000, 2), 1);
  assert.equal(lineScale(0, 1000, 2), 2);
  assert.equal(lineScale(10, 1000, 2), 0.5);
});

test("the API's class list becomes the style map the overlay reads", () => {
  const styles = stylesFromClasses([{ name: "hand", color: "#00ff00", keypoints: ["a", "b"], connections: [[0, 1, "#fff"]] },
    { name: "person", color: "#33cc66", keypoints: ["n"], connections: [], keypoint_colors: ["#ff0000"], connection_colors: [] }]);
  assert.deepEqual(styles.hand, { color: "#00ff00", keypoints: ["a", "b"], connections: [[0, 1]] });
  assert.deepEqual(styles.person.keypoint_colors, ["#ff0000"]);
  const [box, point] = overlayShapes([person([kp("n", 5, 5)])], styles);
  assert.equal(box.color, "#33cc66");
  assert.equal(point.color, "#ff0000");
  assert.deepEqual(stylesFromClasses(undefined), {});
});
