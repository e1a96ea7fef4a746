import assert from "node:assert/strict";
import { test } from "node:test";

import {
  ABSENT, OCCLUDED, Store, VISIBLE, cycleVisibility, docFromServer, docToServer, emptyDoc, labelReducer, sameAnnotation,
} from "../static/labeling/state.js";

const person = {
  id: 7, name: "person", color: "#ff0000",
  keypoints: [{ name: "nose", x: 0.5, y: 0 }, { name: "left_hand", x: 0, y: 1 }, { name: "right_hand", x: 1, y: 1 }],
  connections: [{ a: 0, b: 1, color: "#00ff00" }], flip_pairs: [[1, 2]],
};
const dog = { id: 8, name: "dog", color: "#0000ff", keypoints: [{ name: "nose", x: 0, y: 0 }, { name: "tail", x: 1, y: 1 }], flip_pairs: [] };
const classes = new Map([[7, person], [8, dog]]);
const ctx = { classes };

function storeWithBox() {
  const store = new Store(labelReducer, emptyDoc(200, 100), ctx);
  store.dispatch({ type: "addInstance", classId: 7, bbox: [10, 10, 40, 20] });
  return store;
}

test("visibility cycles visible -> occluded -> absent -> visible", () => {
  assert.equal(cycleVisibility(VISIBLE), OCCLUDED);
  assert.equal(cycleVisibility(OCCLUDED), ABSENT);
  assert.equal(cycleVisibility(ABSENT), VISIBLE);
});

test("a new box gets the class template scaled into it", () => {
  const store = storeWithBox();
  const inst = store.doc.instances[0];
  assert.equal(inst.uid, 1);
  assert.deepEqual(inst.keypoints, [[30, 10, 2], [10, 30, 2], [50, 30, 2]]);
});

test("boxes are clamped to the image and empty boxes are refused", () => {
  const store = new Store(labelReducer, emptyDoc(100, 100), ctx);
  store.dispatch({ type: "addInstance", classId: 7, bbox: [90, 90, 50, 50] });
  assert.deepEqual(store.doc.instances[0].bbox, [90, 90, 10, 10]);
  assert.equal(store.dispatch({ type: "addInstance", classId: 7, bbox: [150, 150, 10, 10] }), false);
});

test("undo and redo walk through every edit; a new edit drops the redo stack", () => {
  const store = storeWithBox();
  store.dispatch({ type: "cycleVisibility", uid: 1, k: 0 });
  store.dispatch({ type: "moveKeypoint", uid: 1, k: 1, x: 12, y: 28 });
  const after = store.doc;
  assert.ok(store.undo());
  assert.deepEqual(store.doc.instances[0].keypoints[1], [10, 30, 2]);
  assert.ok(store.undo());
  assert.equal(store.doc.instances[0].keypoints[0][2], VISIBLE);
  assert.ok(store.undo());
  assert.equal(store.doc.instances.length, 0);
  assert.equal(store.undo(), false);
  store.redo(); store.redo(); store.redo();
  assert.equal(store.doc, after, "redo restores the very same document");
  store.undo();
  store.dispatch({ type: "deleteInstance", uid: 1 });
  assert.equal(store.canRedo, false);
});

test("a drag is one undo step, and a no-op records nothing", () => {
  const store = storeWithBox();
  const depth = store.past.length;
  store.begin();
  for (let i = 1; i <= 20; i++) store.preview({ type: "moveInstance", uid: 1, dx: i, dy: 0 });
  store.end();
  assert.equal(store.past.length, depth + 1);
  assert.deepEqual(store.doc.instances[0].bbox, [30, 10, 40, 20]);
  assert.equal(store.doc.instances[0].keypoints[0][0], 50, "points move with the box");
  store.undo();
  assert.deepEqual(store.doc.instances[0].bbox, [10, 10, 40, 20]);
  store.begin();
  store.end();
  assert.equal(store.past.length, depth, "a click without a move adds no step");
  assert.equal(store.dispatch({ type: "setVisibility", uid: 1, k: 0, v: VISIBLE }), false);
});

test("edits share untouched parts (the renderer diffs by reference)", () => {
  const store = storeWithBox();
  store.dispatch({ type: "addInstance", classId: 7, bbox: [100, 10, 40, 20] });
  const before = store.doc;
  store.dispatch({ type: "moveKeypoint", uid: 2, k: 0, x: 121, y: 11 });
  assert.equal(store.doc.instances[0], before.instances[0]);
  assert.equal(store.doc.instances[1].keypoints[1], before.instances[1].keypoints[1]);
  assert.notEqual(store.doc.instances[1].keypoints[0], before.instances[1].keypoints[0]);
});

test("moving points clamps to the image; dragging an absent point makes it visible", () => {
  const store = storeWithBox();
  store.dispatch({ type: "setVisibility", uid: 1, k: 2, v: ABSENT });
  store.dispatch({ type: "moveKeypoint", uid: 1, k: 2, x: 500, y: -3 });
  assert.deepEqual(store.doc.instances[0].keypoints[2], [200, 0, VISIBLE]);
});

test("resizing a box scales its points; moving stops at the image edge", () => {
  const store = storeWithBox();
  store.dispatch({ type: "resizeInstance", uid: 1, bbox: [10, 10, 80, 40] });
  assert.deepEqual(store.doc.instances[0].keypoints[2], [90, 50, 2]);
  store.dispatch({ type: "moveInstance", uid: 1, dx: -100, dy: 0 });
  assert.deepEqual(store.doc.instances[0].bbox, [0, 10, 80, 40]);
});

test("mirroring swaps flip pairs and is undoable", () => {
  const store = storeWithBox();
  store.dispatch({ type: "moveKeypoint", uid: 1, k: 1, x: 14, y: 26 });
  store.dispatch({ type: "setVisibility", uid: 1, k: 1, v: OCCLUDED });
  store.dispatch({ type: "mirrorInstance", uid: 1 });
  const kps = store.doc.instances[0].keypoints;
  assert.deepEqual(kps[0], [30, 10, 2]);
  assert.deepEqual(kps[1], [10, 30, 2], "left hand gets the right hand mirrored");
  assert.deepEqual(kps[2], [46, 26, OCCLUDED], "right hand gets the left hand mirrored, occlusion included");
  store.undo();
  assert.deepEqual(store.doc.instances[0].keypoints[1], [14, 26, OCCLUDED]);
});

test("changing the class keeps same-named points and lays out the rest from the template", () => {
  const store = storeWithBox();
  store.dispatch({ type: "moveKeypoint", uid: 1, k: 0, x: 33, y: 12 });
  store.dispatch({ type: "setClass", uid: 1, classId: 8 });
  const inst = store.doc.instances[0];
  assert.equal(inst.class, 8);
  assert.deepEqual(inst.keypoints, [[33, 12, 2], [50, 30, 2]]);
  assert.equal(store.dispatch({ type: "setClass", uid: 1, classId: 999 }), false);
});

test("no objects: refused while instances exist, cleared by a new box", () => {
  const store = storeWithBox();
  assert.equal(store.dispatch({ type: "setNoObjects", value: true }), false);
  store.dispatch({ type: "deleteInstance", uid: 1 });
  assert.ok(store.dispatch({ type: "setNoObjects", value: true }));
  store.dispatch({ type: "addInstance", classId: 7, bbox: [0, 0, 10, 10] });
  assert.equal(store.doc.noObjects, false);
});

test("copying instances from another image clamps them and skips unknown classes", () => {
  const store = new Store(labelReducer, emptyDoc(50, 50), ctx);
  store.dispatch({ type: "addInstances", instances: [
    { class: 8, bbox: [40, 40, 20, 20], keypoints: [[45, 45, 2], [60, 60, 1]] },
    { class: 999, bbox: [0, 0, 5, 5], keypoints: [] },
  ] });
  assert.equal(store.doc.instances.length, 1);
  assert.deepEqual(store.doc.instances[0].bbox, [40, 40, 10, 10]);
  assert.deepEqual(store.doc.instances[0].keypoints[1], [50, 50, 1]);
  assert.equal(store.past.length, 1, "one undo step for the whole copy");
});

test("server round trip: absent points are stored as zeros and shown at their template place", () => {
  const body = { no_objects: false, instances: [{ class: 7, bbox: [10, 10, 40, 20], keypoints: [[30, 10, 2], [0, 0, 0], [50.004, 30, 1]] }] };
  const doc = docFromServer(body, { width: 200, height: 100 }, classes);
  assert.deepEqual(doc.instances[0].keypoints[1], [10, 30, ABSENT]);
  const out = docToServer(doc);
  assert.deepEqual(out.instances[0].keypoints, [[30, 10, 2], [0, 0, 0], [50, 30, 1]]);
  assert.ok(sameAnnotation(out, body));
  assert.ok(!sameAnnotation(out, { ...body, no_objects: true }));
});

test("listeners hear edits, previews, undo and selection", () => {
  const store = storeWithBox();
  const heard = [];
  store.subscribe((kind) => heard.push(kind));
  store.begin();
  store.preview({ type: "moveInstance", uid: 1, dx: 1, dy: 0 });
  store.end();
  store.undo();
  store.select({ uid: 1, k: null });
  assert.deepEqual(heard, ["preview", "edit", "undo", "select"]);
});

test("cancel restores the document from before the gesture", () => {
  const store = storeWithBox();
  const before = store.doc;
  store.begin();
  store.preview({ type: "moveInstance", uid: 1, dx: 5, dy: 5 });
  store.cancel();
  assert.equal(store.doc, before);
  assert.equal(store.canRedo, false);
});

test("the undo stack is bounded", () => {
  const store = new Store(labelReducer, emptyDoc(100, 100), ctx, { limit: 3 });
  for (let i = 0; i < 6; i++) store.dispatch({ type: "addInstance", classId: 7, bbox: [i, i, 10, 10] });
  assert.equal(store.past.length, 3);
});

test("an imported instance keeps its COCO area until its box changes", async () => {
  const { docFromServer, docToServer } = await import("../static/labeling/state.js");
  const classes = new Map([[7, { id: 7, keypoints: [{ name: "a", x: 0.5, y: 0.5 }] }]]);
  const body = { no_objects: false, instances: [{ class: 7, bbox: [10, 10, 40, 20], keypoints: [[20, 15, 2]], area: 321.5 }] };
  const doc = docFromServer(body, { width: 100, height: 80 }, classes);
  assert.equal(docToServer(doc).instances[0].area, 321.5);
  const moved = { ...doc, instances: [{ ...doc.instances[0], bbox: [12, 10, 40, 20] }] };
  assert.equal("area" in docToServer(moved).instances[0], false);
});
