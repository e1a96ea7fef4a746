import assert from "node:assert/strict";
import { test } from "node:test";

import { jobLine, mappingRows, percent } from "../static/autolabel/panel_view.js";

test("a job's line says what, how far, and with which version", () => {
  const job = { kind: "autolabel", trigger: "upload", status: "running", done: 12, total: 250, suggested: 9,
                deployment_name: "tiny", version: 2 };
  assert.equal(jobLine(job), "Autolabel (new uploads) · running · 12 of 250 images · 9 with suggestions · tiny v2");
  assert.equal(jobLine({ ...job, kind: "evaluate", status: "done" }), "Evaluate · done · 12 of 250 images · tiny v2");
});

test("shares show as percentages, missing ones as a dash", () => {
  assert.equal(percent(0.4567), "45.7 %");
  assert.equal(percent(null), "–");
});

test("mapping rows keep known model points and show unknown or null ones as absent", () => {
  assert.deepEqual(mappingRows(["nose", "tail"], ["nose", "gone"], ["nose", "eye"]), [
    { index: 0, template: "nose", model: "nose" }, { index: 1, template: "tail", model: null }]);
});
