import assert from "node:assert/strict";
import { test } from "node:test";

import { Store, docFromServer, docToServer, labelReducer, sameAnnotation } from "../static/labeling/state.js";
import { LOW_SCORE, isLowPoint, suggestionCount, suggestionLabel } from "../static/labeling/suggestions.js";

const person = {
  id: 7, name: "person", color: "#ff0000",
  keypoints: [{ name: "nose", x: 0.5, y: 0 }, { name: "left_hand", x: 0, y: 1 }, { name: "right_hand", x: 1, y: 1 }],
  connections: [], flip_pairs: [[1, 2]],
};
const classes = new Map([[7, person]]);
const size = { width: 200, height: 100 };
const labelled = { class: 7, bbox: [0, 0, 20, 20], keypoints: [[5, 5, 2], [0, 0, 0], [15, 15, 2]] };
const body = {
  version: 4, no_objects: false, instances: [labelled],
  suggested_by: { deployment: 3, version: 2, name: "m" },
  suggestions: [
    { id: "s1", class: 7, bbox: [40, 10, 40, 40], keypoints: [[60, 12, 2], [41, 48, 0], [0, 0, 0]], score: 0.9,
      keypoint_scores: [0.95, 0.2, null] },
    { id: "s2", class: 7, bbox: [100, 10, 40, 40], keypoints: [[120, 12, 2], [101, 48, 2], [139, 48, 2]], score: 0.7,
      keypoint_scores: [0.8, 0.6, 0.55] },
  ],
};

function load() {
  return new Store(labelReducer, docFromServer(body, size, classes), { classes });
}

test("suggestions load as instances marked as suggestions, after the labels, and are not sent as labels", () => {
  const store = load();
  const [own, s1, s2] = store.doc.instances;
  assert.equal(own.suggestion, undefined);
  assert.equal(s1.suggestion.id, "s1");
  assert.deepEqual(s1.suggestion.scores, [0.95, 0.2, null]);
  assert.equal(s1.suggestion.deployment, 3);
  // A point suggested absent keeps the model's place (so a person sees where it thought it was) ...
  assert.deepEqual(s1.keypoints[1], [41, 48, 0]);
  // ... and one the model never placed goes where the template puts it.
  assert.deepEqual(s1.keypoints[2], [80, 50, 0]);
  const put = docToServer(store.doc);
  assert.equal(put.instances.length, 1);
  assert.deepEqual(put.suggestions, ["s1", "s2"]);
  assert.ok(sameAnnotation(put, body), "a freshly loaded document equals what the server holds");
  assert.equal(suggestionCount(store.doc), 2);
});

test("low-score points are the ones under LOW_SCORE; unknown scores are not flagged", () => {
  const s1 = load().doc.instances[1];
  assert.equal(LOW_SCORE, 0.5);
  assert.deepEqual([0, 1, 2].map((k) => isLowPoint(s1, k)), [false, true, false]);
  assert.equal(isLowPoint(load().doc.instances[0], 1), false);
  assert.equal(suggestionLabel(s1), "suggested · 0.90 · 1 low point");
});

test("accepting one suggestion makes it a label that records its origin, unedited", () => {
  const store = load();
  const uid = store.doc.instances[1].uid;
  assert.ok(store.dispatch({ type: "acceptSuggestion", uid }));
  const put = docToServer(store.doc);
  assert.deepEqual(put.suggestions, ["s2"]);
  assert.deepEqual(put.instances[1], {
    class: 7, bbox: [40, 10, 40, 40], keypoints: [[60, 12, 2], [0, 0, 0], [0, 0, 0]],
    origin: { suggestion: true, deployment: 3, version: 2, edited: false },
  });
  assert.equal(store.dispatch({ type: "acceptSuggestion", uid }), false, "accepting twice is no step");
  store.undo();
  assert.deepEqual(docToServer(store.doc).suggestions, ["s1", "s2"]);
});

test("dragging a point of a suggestion accepts that instance as edited; the others stay suggestions", () => {
  const store = load();
  const uid = store.doc.instances[2].uid;
  store.begin();
  store.preview({ type: "moveKeypoint", uid, k: 0, x: 122, y: 14 });
  store.end();
  const put = docToServer(store.doc);
  assert.deepEqual(put.suggestions, ["s1"]);
  assert.deepEqual(put.instances[1].keypoints[0], [122, 14, 2]);
  assert.deepEqual(put.instances[1].origin, { suggestion: true, deployment: 3, version: 2, edited: true });
  // Dragging the low, absent point of the other one brings it back visible and accepts it too.
  const s1 = store.doc.instances[1].uid;
  store.dispatch({ type: "moveKeypoint", uid: s1, k: 1, x: 45, y: 45 });
  assert.deepEqual(docToServer(store.doc).suggestions, []);
  assert.deepEqual(docToServer(store.doc).instances[1].keypoints[1], [45, 45, 2]); // document order: s1 before s2
});

test("an accepted suggestion edited later is marked edited", () => {
  const store = load();
  const uid = store.doc.instances[1].uid;
  store.dispatch({ type: "acceptSuggestion", uid });
  store.dispatch({ type: "moveInstance", uid, dx: 5, dy: 0 });
  assert.equal(docToServer(store.doc).instances[1].origin.edited, true);
});

test("accept all takes every suggestion in one undo step; rejecting one drops it", () => {
  const store = load();
  store.dispatch({ type: "rejectSuggestion", uid: store.doc.instances[1].uid });
  assert.deepEqual(docToServer(store.doc).suggestions, ["s2"]);
  assert.ok(store.dispatch({ type: "acceptAllSuggestions" }));
  const put = docToServer(store.doc);
  assert.deepEqual(put.suggestions, []);
  assert.equal(put.instances.length, 2);
  assert.equal(put.instances[1].origin.edited, false);
  assert.equal(store.dispatch({ type: "acceptAllSuggestions" }), false);
  store.undo();
  assert.deepEqual(docToServer(store.doc).suggestions, ["s2"]);
  // A label is not a suggestion: rejecting it does nothing (deleting does).
  assert.equal(store.dispatch({ type: "rejectSuggestion", uid: store.doc.instances[0].uid }), false);
});

test("a journalled body (suggestion ids) is rebuilt from the server's suggestions", () => {
  const store = load();
  store.dispatch({ type: "acceptSuggestion", uid: store.doc.instances[1].uid });
  const journal = docToServer(store.doc);
  const doc = docFromServer(journal, size, classes, body);
  assert.deepEqual(doc.instances.map((i) => (i.suggestion ? i.suggestion.id : i.origin ? "accepted" : "own")),
    ["own", "accepted", "s2"]);
  assert.ok(sameAnnotation(docToServer(doc), journal));
  assert.ok(!sameAnnotation(journal, body));
});

test("marking the image empty rejects its suggestions, but not while it has labels", () => {
  const noLabels = { ...body, instances: [] };
  const store = new Store(labelReducer, docFromServer(noLabels, size, classes), { classes });
  assert.ok(store.dispatch({ type: "setNoObjects", value: true }));
  assert.deepEqual(docToServer(store.doc), { no_objects: true, instances: [], suggestions: [] });
  const withLabels = load();
  assert.equal(withLabels.dispatch({ type: "setNoObjects", value: true }), false);
});
