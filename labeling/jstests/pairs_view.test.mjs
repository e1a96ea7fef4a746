import assert from "node:assert/strict";
import { test } from "node:test";

import { flipSummary, flipWarnings, pairRows, pairSuggestions, partnerOf } from "../static/labeling/pairs_view.js";
import { Store } from "../static/labeling/state.js";
import { emptyTemplate, templateReducer } from "../static/labeling/template.js";

function build(names) {
  const store = new Store(templateReducer, emptyTemplate());
  names.forEach((name, i) => store.dispatch({ type: "addKeypoint", x: i / 10, y: 0.5, name }));
  return store;
}

test("derived pairs are marked as suggestions until a pair is set by hand", () => {
  const store = build(["nose", "left_eye", "right_eye", "LeftEar", "RightEar", "tool_tip", "left_hand"]);
  assert.deepEqual(pairRows(store.doc), [{ a: 1, b: 2, source: "suggested" }, { a: 3, b: 4, source: "suggested" }]);
  assert.deepEqual(pairSuggestions(store.doc), []);
  store.dispatch({ type: "setPair", i: 5, j: 6 });
  store.dispatch({ type: "setPair", i: 3, j: null });
  assert.deepEqual(pairRows(store.doc), [{ a: 1, b: 2, source: "names" }, { a: 5, b: 6, source: "hand" }]);
  assert.deepEqual(pairSuggestions(store.doc), [[3, 4]], "the unpaired suggestion is offered again");
  assert.equal(partnerOf(store.doc, 6), 5);
  assert.equal(partnerOf(store.doc, 0), null);
});

test("a side name without a partner is warned about until it is paired", () => {
  const store = build(["left_eye", "right_eye", "left_hand", "tool"]);
  assert.equal(flipWarnings(store.doc).length, 1);
  assert.match(flipWarnings(store.doc)[0], /left_hand/);
  store.dispatch({ type: "setPair", i: 2, j: 3 });
  assert.deepEqual(flipWarnings(store.doc), []);
});

test("the flip summary says what training does with pairs, the symmetric mark, or neither", () => {
  const store = build(["left_eye", "right_eye"]);
  assert.match(flipSummary(store.doc), /swaps the two points of this pair/);
  store.dispatch({ type: "setPair", i: 0, j: null });
  assert.match(flipSummary(store.doc), /does not flip/);
  store.dispatch({ type: "setSymmetric", value: true });
  assert.match(flipSummary(store.doc), /every point stays itself \(marked symmetric\)/);
});
