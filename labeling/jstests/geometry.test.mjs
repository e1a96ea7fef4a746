import assert from "node:assert/strict";
import { test } from "node:test";

import {
  clampMove, clampRect, distToSegment, fitView, handleAt, instanceAt, mirrorKeypoints, nearestPoint, rectFromCorners,
  remapToBox, resizeRect, templateExtent, templateToBox, toImage, toScreen, zoomAt,
} from "../static/labeling/geometry.js";

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} != ${b}`);

test("rectFromCorners orders corners", () => {
  assert.deepEqual(rectFromCorners(50, 40, 10, 20), [10, 20, 40, 20]);
});

test("clampRect keeps the part inside the image", () => {
  assert.deepEqual(clampRect([-10, 5, 50, 200], 100, 100), [0, 5, 40, 95]);
});

test("templateToBox puts the template's extent onto the box edges", () => {
  const tmpl = [{ x: 0.2, y: 0.1 }, { x: 0.6, y: 0.5 }, { x: 0.4, y: 0.3 }];
  const ext = templateExtent(tmpl);
  close(ext.x, 0.2); close(ext.y, 0.1); close(ext.w, 0.4, 1e-12); close(ext.h, 0.4, 1e-12);
  const kps = templateToBox(tmpl, [100, 200, 40, 80]);
  assert.deepEqual(kps[0], [100, 200, 2]);
  close(kps[1][0], 140, 1e-9); close(kps[1][1], 280, 1e-9);
  close(kps[2][0], 120);
  close(kps[2][1], 240);
  assert.ok(kps.every((p) => p[2] === 2), "new points are visible");
});

test("templateToBox centres a flat template and spreads coinciding points", () => {
  const flat = templateToBox([{ x: 0.1, y: 0.5 }, { x: 0.9, y: 0.5 }], [0, 0, 10, 20]);
  assert.deepEqual(flat, [[0, 10, 2], [10, 10, 2]]);
  const same = templateToBox([{ x: 0.5, y: 0.5 }, { x: 0.5, y: 0.5 }, { x: 0.5, y: 0.5 }, { x: 0.5, y: 0.5 }], [0, 0, 100, 100]);
  assert.equal(new Set(same.map((p) => `${p[0]},${p[1]}`)).size, 4, "every point gets its own place");
  assert.deepEqual(templateToBox([{ x: 0.3, y: 0.3 }], [0, 0, 10, 10]), [[5, 5, 2]]);
  assert.deepEqual(templateToBox([], [0, 0, 10, 10]), []);
});

test("remapToBox scales points with their box", () => {
  assert.deepEqual(remapToBox([[10, 10, 2], [20, 30, 1]], [10, 10, 10, 20], [0, 0, 20, 40]), [[0, 0, 2], [20, 40, 1]]);
});

test("mirrorKeypoints reflects about the box centre and swaps flip pairs", () => {
  const kps = [[15, 5, 2], [12, 6, 2], [18, 7, 1]]; // nose, left_eye, right_eye
  const out = mirrorKeypoints(kps, [10, 0, 10, 10], [[1, 2]]);
  assert.deepEqual(out[0], [15, 5, 2]);
  assert.deepEqual(out[1], [12, 7, 1], "left eye takes the mirrored right eye");
  assert.deepEqual(out[2], [18, 6, 2]);
  assert.deepEqual(mirrorKeypoints(out, [10, 0, 10, 10], [[1, 2]]), kps, "mirroring twice is the identity");
});

test("resizeRect moves only the dragged edges and flips past the opposite edge", () => {
  assert.deepEqual(resizeRect([10, 10, 20, 20], "se", 5, 10), [10, 10, 25, 30]);
  assert.deepEqual(resizeRect([10, 10, 20, 20], "w", 4, 99), [14, 10, 16, 20]);
  assert.deepEqual(resizeRect([10, 10, 20, 20], "e", -30, 0), [0, 10, 10, 20]);
});

test("handleAt finds the nearest handle within tolerance", () => {
  assert.equal(handleAt([0, 0, 100, 50], 99, 49, 4), "se");
  assert.equal(handleAt([0, 0, 100, 50], 50, 1, 4), "n");
  assert.equal(handleAt([0, 0, 100, 50], 50, 25, 4), null);
});

test("clampMove keeps a box inside the image", () => {
  assert.deepEqual(clampMove([10, 10, 20, 20], -50, 500, 100, 100), [-10, 70]);
});

test("view transforms invert each other and zoom keeps the pointer's point fixed", () => {
  const v = fitView(1000, 500, 800, 600, 0);
  close(v.scale, 0.8);
  const [x, y] = toImage(v, ...toScreen(v, 123, 45));
  close(x, 123); close(y, 45);
  const before = toImage(v, 300, 200);
  const z = zoomAt(v, 2.5, 300, 200);
  const after = toImage(z, 300, 200);
  close(before[0], after[0], 1e-9); close(before[1], after[1], 1e-9);
  assert.equal(zoomAt(v, 1e9, 0, 0).scale, 64, "zoom is bounded");
});

test("nearestPoint respects tolerance, prefers later instances and can be restricted", () => {
  const insts = [{ uid: 1, keypoints: [[10, 10, 2], [50, 50, 0]] }, { uid: 2, keypoints: [[11, 10, 2]] }];
  assert.deepEqual(nearestPoint(insts, 11, 10, 3), { uid: 2, k: 0, d: 0 });
  assert.equal(nearestPoint(insts, 30, 30, 3), null);
  assert.equal(nearestPoint(insts, 50, 50, 3).k, 1, "absent points can be grabbed");
  assert.equal(nearestPoint(insts, 50, 50, 3, { skipAbsent: true }), null);
  assert.equal(nearestPoint(insts, 11, 10, 3, { only: 1 }).uid, 1);
});

test("instanceAt picks the smallest box under the point", () => {
  const insts = [{ uid: 1, bbox: [0, 0, 100, 100] }, { uid: 2, bbox: [10, 10, 20, 20] }];
  assert.equal(instanceAt(insts, 15, 15).uid, 2);
  assert.equal(instanceAt(insts, 80, 80).uid, 1);
  assert.equal(instanceAt(insts, 180, 80), null);
});

test("distToSegment", () => {
  close(distToSegment(5, 5, 0, 0, 10, 0), 5);
  close(distToSegment(-3, 4, 0, 0, 10, 0), 5);
});
