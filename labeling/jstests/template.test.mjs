import assert from "node:assert/strict";
import { test } from "node:test";

import { Store } from "../static/labeling/state.js";
import {
  derivePairs, emptyTemplate, mirrorName, nextKeypointName, templateFromServer, templateProblems, templateReducer, templateToServer,
} from "../static/labeling/template.js";

function build(names) {
  const store = new Store(templateReducer, emptyTemplate());
  names.forEach((name, i) => store.dispatch({ type: "addKeypoint", x: i / 10, y: 0.5, name, color: "#123456" }));
  return store;
}

test("left/right names are mirrored like the server does", () => {
  assert.equal(mirrorName("left_eye"), "right_eye");
  assert.equal(mirrorName("Right-Knee"), "Left-Knee");
  assert.equal(mirrorName("L_hand"), "R_hand");
  assert.equal(mirrorName("eye_l"), "eye_r");
  assert.equal(mirrorName("nose"), null);
  assert.equal(mirrorName("eyeL"), "eyeR");
  assert.equal(mirrorName("LeftEye"), "RightEye");
  assert.deepEqual(derivePairs(["nose", "left_eye", "right_eye", "l_ear", "r_ear", "leftover"]), [[1, 2], [3, 4]]);
});

test("default names are kp1, kp2, ... skipping taken ones", () => {
  assert.equal(nextKeypointName([]), "kp1");
  assert.equal(nextKeypointName(["kp1"]), "kp2");
  assert.equal(nextKeypointName(["a", "kp2"]), "kp3");
  const store = build(["", ""]);
  assert.deepEqual(store.doc.keypoints.map((k) => k.name), ["kp1", "kp2"]);
});

test("pairs are suggested from names until set by hand", () => {
  const store = build(["head", "kp2", "right_hand"]);
  assert.deepEqual(store.doc.flipPairs, []);
  store.dispatch({ type: "renameKeypoint", i: 1, name: "left_hand" });
  assert.deepEqual(store.doc.flipPairs, [[1, 2]]);
  store.dispatch({ type: "setPair", i: 0, j: 1 });
  assert.deepEqual(store.doc.flipPairs, [[0, 1]]);
  assert.ok(store.doc.pairsManual);
  store.dispatch({ type: "renameKeypoint", i: 0, name: "nose" });
  assert.deepEqual(store.doc.flipPairs, [[0, 1]], "a hand-made choice is kept");
  store.dispatch({ type: "suggestPairs" });
  assert.deepEqual(store.doc.flipPairs, [[1, 2]]);
  assert.equal(store.doc.pairsManual, false);
  store.dispatch({ type: "setPair", i: 1, j: null });
  assert.deepEqual(store.doc.flipPairs, []);
});

test("duplicate or empty names are refused", () => {
  const store = build(["a", "b"]);
  assert.equal(store.dispatch({ type: "renameKeypoint", i: 1, name: "a" }), false);
  assert.equal(store.dispatch({ type: "renameKeypoint", i: 1, name: "  " }), false);
  assert.equal(store.dispatch({ type: "addKeypoint", x: 0, y: 0, name: "a" }), false);
});

test("connections: no self-loops or duplicates, colours kept", () => {
  const store = build(["a", "b", "c"]);
  assert.ok(store.dispatch({ type: "addConnection", a: 0, b: 1, color: "#ff0000" }));
  assert.equal(store.dispatch({ type: "addConnection", a: 1, b: 0, color: "#00ff00" }), false);
  assert.equal(store.dispatch({ type: "addConnection", a: 2, b: 2 }), false);
  store.dispatch({ type: "recolorConnection", j: 0, color: "#0000ff" });
  assert.deepEqual(store.doc.connections, [{ a: 0, b: 1, color: "#0000ff" }]);
});

test("deleting a keypoint drops its connections and pairs and renumbers the rest", () => {
  const store = build(["nose", "left_eye", "right_eye", "chin"]);
  store.dispatch({ type: "addConnection", a: 0, b: 1, color: "#111111" });
  store.dispatch({ type: "addConnection", a: 2, b: 3, color: "#222222" });
  store.dispatch({ type: "deleteKeypoint", i: 1 });
  assert.deepEqual(store.doc.keypoints.map((k) => k.name), ["nose", "right_eye", "chin"]);
  assert.deepEqual(store.doc.connections, [{ a: 1, b: 2, color: "#222222" }]);
  assert.deepEqual(store.doc.flipPairs, []);
  store.undo();
  assert.deepEqual(store.doc.flipPairs, [[1, 2]]);
});

test("editing a saved template sends source_index so the server keeps labels valid", () => {
  const cls = {
    color: "#ff0000", flip_pairs: [],
    keypoints: [{ name: "a", color: "#ff0000", x: 0.1, y: 0.1 }, { name: "b", color: "#ff0000", x: 0.9, y: 0.9 }],
    connections: [{ a: 0, b: 1, color: "#00ff00" }],
  };
  const store = new Store(templateReducer, templateFromServer(cls));
  store.dispatch({ type: "addKeypoint", x: 0.5, y: 0.5, name: "c" });
  store.dispatch({ type: "deleteKeypoint", i: 0 });
  const body = templateToServer(store.doc, 42);
  assert.deepEqual(body.keypoints.map((k) => [k.name, k.source_index]), [["b", 1], ["c", null]]);
  assert.equal(body.template_image, 42);
  assert.deepEqual(body.connections, []);
  assert.deepEqual(body.flip_pairs, []);
});

test("a template loaded with hand-made pairs stays manual", () => {
  const tdoc = templateFromServer({ keypoints: [{ name: "a", x: 0, y: 0 }, { name: "b", x: 1, y: 1 }], connections: [], flip_pairs: [[1, 0]] });
  assert.deepEqual(tdoc.flipPairs, [[0, 1]]);
  assert.ok(tdoc.pairsManual);
});

test("problems block confirming an empty or ambiguous template", () => {
  assert.deepEqual(templateProblems(emptyTemplate()), ["add at least one keypoint"]);
  const dup = { ...emptyTemplate(), keypoints: [{ name: "a" }, { name: "a" }] };
  assert.equal(templateProblems(dup).length, 1);
  assert.deepEqual(templateProblems(build(["a", "b"]).doc), []);
});

test("moving a keypoint stays inside the template image and is undoable", () => {
  const store = build(["a"]);
  store.begin();
  store.preview({ type: "moveKeypoint", i: 0, x: 1.4, y: -0.2 });
  store.end();
  assert.deepEqual([store.doc.keypoints[0].x, store.doc.keypoints[0].y], [1, 0]);
  store.undo();
  assert.deepEqual([store.doc.keypoints[0].x, store.doc.keypoints[0].y], [0, 0.5]);
});
