import assert from "node:assert/strict";
import { test } from "node:test";

import { chartGroups, formatDuration, lossNames, seriesValue, statusLine, weakest } from "../static/training/format.js";

const rows = [
  { epoch: 1, fitness: 0.1, metrics: { "train/box_loss": 4, "val/box_loss": 5, "train/rle": 1, "metrics/mAP50(P)": 0.2 } },
  { epoch: 2, fitness: 0.3, metrics: { "train/box_loss": 3, "val/box_loss": 4, "metrics/mAP50(P)": 0.4 } },
];

test("loss names come from the rows, train and val merged", () => {
  assert.deepEqual(lossNames(rows), ["box_loss", "rle"]);
});

test("chart groups: four metric charts then one per loss", () => {
  const groups = chartGroups(rows);
  assert.deepEqual(groups.map((g) => g.id), ["fitness", "pose-map", "box-map", "precision-recall", "loss-box-loss", "loss-rle"]);
  assert.equal(groups[4].series[1].key, "val/box_loss");
});

test("series values: fitness from the row, the rest from metrics, missing is null", () => {
  assert.equal(seriesValue(rows[1], "fitness"), 0.3);
  assert.equal(seriesValue(rows[1], "metrics/mAP50(P)"), 0.4);
  assert.equal(seriesValue(rows[1], "train/rle"), null);
});

test("durations read like a person would say them", () => {
  assert.equal(formatDuration(5), "5 s");
  assert.equal(formatDuration(125), "2 min 05 s");
  assert.equal(formatDuration(3 * 3600 + 60), "3 h 01 min");
  assert.equal(formatDuration(null), "–");
});

test("status line shows epoch, progress and time left while running", () => {
  const s = { status: "running", epoch: 3, epochs: 10, progress: 0.35, eta_seconds: 70, phase: "training" };
  assert.equal(statusLine(s), "Epoch 3/10 · 35.0 % · about 1 min 10 s left · training");
  assert.equal(statusLine({ status: "queued", epoch: 0, epochs: 0, params: { epochs: 300 }, phase: "" }), "Epoch 0/300");
});

test("weakest keypoints by PCK, skipping ones never visible", () => {
  const kps = [
    { index: 0, pck: 0.9, oks_share: 0.9, visible: 5 },
    { index: 1, pck: 0.1, oks_share: 0.2, visible: 5 },
    { index: 2, pck: null, oks_share: null, visible: 0 },
    { index: 3, pck: 0.1, oks_share: 0.1, visible: 5 },
  ];
  assert.deepEqual(weakest(kps, 2), [3, 1]);
  assert.deepEqual(weakest([{ index: 0, pck: 0, visible: 2 }, { index: 1, pck: 0, visible: 3 }]), []);
});
