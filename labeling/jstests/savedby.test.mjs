import assert from "node:assert/strict";
import { test } from "node:test";

import { ago, savedByText } from "../static/labeling/savedby.js";

test("ages read like a person says them", () => {
  assert.equal(ago(3), "just now");
  assert.equal(ago(120), "2 min ago");
  assert.equal(ago(3 * 3600), "3 h ago");
  assert.equal(ago(3 * 86400), "3 days ago");
  assert.equal(ago(-5), "just now"); // a server clock slightly ahead
});

test("the sentence names who saved the current version and when", () => {
  const now = Date.parse("2026-11-30T12:00:00Z");
  const ann = { version: 3, updated_by: "bob", updated_at: "2026-11-30T11:58:00Z" };
  assert.equal(savedByText(ann, "alice", now), "Saved by bob, 2 min ago");
  assert.equal(savedByText(ann, "bob", now), "Saved by you, 2 min ago");
  assert.equal(savedByText({ version: 0, updated_by: null }, "bob", now), "Not saved by anyone yet");
  assert.equal(savedByText({ version: 2, updated_by: null, updated_at: null }, "bob", now), "Saved by an import or a system job");
});
