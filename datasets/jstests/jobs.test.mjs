import assert from "node:assert/strict";
import { test } from "node:test";

import { IMPORT_MODES, errorText, exportSummary, importSummary, jobLine, pollJob, warningRows } from "../static/datasets/jobs.js";

test("the default import mode keeps existing labels", () => {
  assert.equal(IMPORT_MODES[0].id, "skip");
  assert.equal(IMPORT_MODES[0].label, "Keep existing labels");
});

test("a job's line says what it is, its mode, and how far it got", () => {
  const job = { kind: "import", format: "", file: "people.zip", params: { mode: "skip" }, status: "running", done: 120, total: 400, progress: 0.3 };
  assert.equal(jobLine(job), "Import of people.zip (format detected from the zip, keep existing labels): running, 120 of 400 images (30 %)");
  assert.equal(jobLine({ ...job, status: "queued" }).endsWith("waiting for a worker…"), true);
  assert.equal(jobLine({ ...job, status: "cancelled" }).endsWith("cancelled: nothing was imported"), true);
  assert.equal(jobLine({ kind: "export", format: "yolo", status: "done" }), "YOLO pose export: done");
});

test("errors name their field once", () => {
  assert.equal(errorText({ error: "invalid", message: "the zip holds no .json", field: "file" }), "file: the zip holds no .json");
  assert.equal(errorText({ error: "invalid", message: "format: not a choice", field: "format" }), "format: not a choice");
  assert.equal(errorText({ error: "internal", message: "boom" }), "boom");
});

test("warnings keep their item, and whole-file ones say so", () => {
  assert.deepEqual(warningRows([
    { code: "size_differs", message: "listed as 100x80, the picture is 80x100", item: "cam1/a.jpg", field: "images" },
    { code: "skipped_labelled", message: "2 image(s) already had labels", item: null, field: "mode" },
  ]), [
    { item: "cam1/a.jpg", text: "listed as 100x80, the picture is 80x100", code: "size_differs" },
    { item: "whole file (mode)", text: "2 image(s) already had labels", code: "skipped_labelled" },
  ]);
});

test("import and export summaries count what happened", () => {
  const lines = importSummary({ images_created: 1, images_existing: 2, instances: 5, crowd: 1, classes_created: ["thing"],
    changed: [{ image: 1, file_name: "a.jpg" }], skipped: [{ image: 2, file_name: "b.jpg" }, { image: 3, file_name: "c.jpg" }] });
  assert.deepEqual(lines, ["3 images in the file: 1 new, 2 already in the dataset.", "5 instances and 1 crowd region read.",
    "1 image changed, 2 images skipped (already labelled, kept as they were).", "New classes: thing."]);
  assert.deepEqual(exportSummary({ result: { images: 2, instances: 3, splits: { train: 1, val: 1 } } }),
    ["2 labelled images, 3 instances.", "Splits: train 1, val 1."]);
});

test("the poller follows a job until it ends, one request per interval", async () => {
  const answers = [{ status: "queued" }, { status: "running", done: 1, total: 2, progress: 0.5 }, { status: "done" }];
  const seen = [];
  let waits = 0;
  const timer = (fn, ms) => { assert.equal(ms, 250); waits += 1; Promise.resolve().then(fn); };
  const poll = pollJob(async (id) => { assert.equal(id, 7); return answers.shift(); }, 7, (job) => seen.push(job.status), { interval: 250, timer });
  const last = await poll.done;
  assert.equal(last.status, "done");
  assert.deepEqual(seen, ["queued", "running", "done"]);
  assert.equal(waits, 2);
});

test("a stopped poller asks no more", async () => {
  let calls = 0;
  const pending = [];
  const poll = pollJob(async () => { calls += 1; return { status: "running" }; }, 1, () => {}, { timer: (fn) => pending.push(fn) });
  await new Promise((r) => setTimeout(r, 0));
  poll.stop();
  pending.forEach((fn) => fn());
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(calls, 1);
});
