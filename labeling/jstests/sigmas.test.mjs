import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  applyPreset, effectiveSigmas, fillFor, kindOf, sigmaSource, suggestByName, uniformSigma, uniformWarning,
} from "../static/labeling/sigmas.js";
import { Store } from "../static/labeling/state.js";
import { emptyTemplate, templateFromServer, templateReducer, templateToServer } from "../static/labeling/template.js";

// The file the page loads from /static/training/sigma_presets.json, read the same way Python reads it.
const presets = JSON.parse(readFileSync(new URL("../../training/static/training/sigma_presets.json", import.meta.url)));
const coco = presets.presets.find((p) => p.id === "coco17");

test("which classes train on the uniform default: the same cases as training.metrics.sigmas", () => {
  const tool = ["tip", "handle", "hinge"];
  const cases = [
    [coco.keypoints, null, "coco"],
    [coco.keypoints.map((n) => n.toUpperCase()), null, "coco"],
    [tool, null, "uniform"],
    [tool, [0.333333, 0.333333, 0.333333], "uniform"], // stored, but exactly the 1/K fallback
    [tool, [0.025, 0.079, 0.079], "class"],
    [tool, [0.025, 0.079], "uniform"], // wrong length: training ignores it
    [coco.keypoints, coco.sigmas, "class"],
  ];
  for (const [names, own, expected] of cases) assert.equal(sigmaSource(names, own, presets), expected, JSON.stringify([names, own]));
  assert.equal(uniformSigma(5), 0.2);
  assert.equal(uniformSigma(308), 0.003247);
  assert.deepEqual(effectiveSigmas(coco.keypoints, null, presets), coco.sigmas);
  assert.deepEqual(effectiveSigmas(tool, null, presets), [0.333333, 0.333333, 0.333333]);
});

test("the uniform warning names 1/K and disappears once the class has its own sigmas", () => {
  assert.match(uniformWarning(["tip", "handle"], null, presets), /1\/K = 0\.5 for each of its 2 points/);
  assert.equal(uniformWarning(["tip", "handle"], [0.025, 0.079], presets), null);
  assert.equal(uniformWarning(coco.keypoints, null, presets), null);
  assert.equal(uniformWarning([], null, presets), null);
});

test("presets apply by name; a point they do not name keeps its sigma or gets the custom-point default", () => {
  const names = ["Left Eye", "left-hip", "tool_tip", "nose"];
  const got = applyPreset(presets, "coco17", names, [0.5, 0.5, 0.07, 0.5]);
  assert.deepEqual(got.sigmas, [0.025, 0.107, 0.07, 0.026]);
  assert.deepEqual(got.unmatched, ["tool_tip"]);
  assert.deepEqual(applyPreset(presets, "coco17", names, null).sigmas[2], presets.custom_point_default);
  const goliath = applyPreset(presets, "goliath308", ["right_thumb4", "tip_of_nose"], null);
  const g = presets.presets.find((p) => p.id === "goliath308");
  assert.deepEqual(goliath.sigmas, [g.sigmas[g.keypoints.indexOf("right_thumb4")], g.sigmas[g.keypoints.indexOf("tip_of_nose")]]);
  assert.throws(() => applyPreset(presets, "nope", names, null), /unknown sigma preset/);
});

test("suggestions by name agree with training.metrics.sigmas.sigmas_by_name", () => {
  const rows = suggestByName(presets, ["Left Eye", "left_hip", "right_thumb4", "tip of the tool"]);
  const g = presets.presets.find((p) => p.id === "goliath308");
  assert.deepEqual(rows.map((r) => [r.sigma, r.source]), [
    [0.025, "coco17"], [0.107, "coco17"], [g.sigmas[g.keypoints.indexOf("right_thumb4")], "goliath308"], [0.025, "custom_point_default"]]);
});

test("kinds of point name their sigma; anything else is custom", () => {
  assert.equal(kindOf(0.025, presets), "crisp");
  assert.equal(kindOf(0.079, presets), "joint");
  assert.equal(kindOf(0.107, presets), "soft");
  assert.equal(kindOf(0.05, presets), "custom");
});

test("setting one sigma of a class without any fills the rest with what they trained on, never 1/K", () => {
  assert.deepEqual(fillFor(["a", "b"], null, presets), [0.025, 0.025]);
  assert.deepEqual(fillFor(coco.keypoints, null, presets), coco.sigmas);
  assert.deepEqual(fillFor(["a", "b"], [0.1, 0.2], presets), [0.1, 0.2]);
});

test("sigmas follow keypoints through the template document and always reach the server", () => {
  const store = new Store(templateReducer, emptyTemplate());
  store.dispatch({ type: "addKeypoint", x: 0.1, y: 0.1, name: "tip" });
  store.dispatch({ type: "addKeypoint", x: 0.2, y: 0.1, name: "handle" });
  assert.equal(store.doc.sigmas, null);
  assert.equal(templateToServer(store.doc).sigmas, null); // sent as null, so the server's choice is explicit
  assert.ok(store.dispatch({ type: "setSigma", i: 1, value: 0.079, fill: fillFor(["tip", "handle"], null, presets) }));
  assert.deepEqual(store.doc.sigmas, [0.025, 0.079]);
  store.dispatch({ type: "addKeypoint", x: 0.3, y: 0.1, name: "hinge", sigma: 0.107 });
  assert.deepEqual(store.doc.sigmas, [0.025, 0.079, 0.107]);
  store.dispatch({ type: "deleteKeypoint", i: 0 });
  assert.deepEqual(store.doc.sigmas, [0.079, 0.107]);
  assert.equal(store.dispatch({ type: "setSigmas", sigmas: [0.1] }), false, "one value per keypoint");
  assert.equal(store.dispatch({ type: "setSigma", i: 0, value: -1 }), false);
  assert.ok(store.dispatch({ type: "setSigmas", sigmas: null }));
  assert.equal(store.doc.sigmas, null);
  store.undo();
  assert.deepEqual(templateToServer(store.doc).sigmas, [0.079, 0.107]);
  assert.ok(store.dispatch({ type: "setSymmetric", value: true }));
  assert.equal(templateToServer(store.doc).symmetric, true);
  const loaded = templateFromServer({ keypoints: [{ name: "a", x: 0, y: 0 }], connections: [], flip_pairs: [], sigmas: [0.05], symmetric: true });
  assert.deepEqual([loaded.sigmas, loaded.symmetric], [[0.05], true]);
});
