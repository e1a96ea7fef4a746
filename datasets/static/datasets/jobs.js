// Import and export jobs as a person reads them: status line, result summary, per-item warnings, errors, and
// a poller. Pure (no DOM): `node --test datasets/jstests/` runs it. The job shape is GET /api/v1/jobs/<id>/:
// {id, kind, format, file, params: {mode}, status, progress, done, total, result, warnings, error, download_url}.

import { count } from "./badges.js";

export const FORMAT_NAMES = { coco: "COCO keypoints", yolo: "YOLO pose" };

/** What each import mode does to images that already have labels; the first is the default. */
export const IMPORT_MODES = [
  { id: "skip", label: "Keep existing labels", help: "images that already have labels are left as they are and listed as skipped" },
  { id: "merge", label: "Merge", help: "the file's instances are added to the labels already there" },
  { id: "replace", label: "Replace", help: "the file's labels replace those already there" },
];

export const isActive = (job) => job.status === "queued" || job.status === "running";

/** One line: "Import of people.zip (COCO keypoints, keep existing labels): running, 120 of 400 images (30 %)". */
export function jobLine(job) {
  const fmt = FORMAT_NAMES[job.format] || "format detected from the zip";
  const mode = job.kind === "import" ? IMPORT_MODES.find((m) => m.id === (job.params && job.params.mode)) : null;
  const what = job.kind === "import"
    ? `Import of ${job.file || "a zip"} (${fmt}${mode ? `, ${mode.label.toLowerCase()}` : ""})`
    : `${FORMAT_NAMES[job.format] || job.format} export`;
  let state;
  if (job.status === "queued") state = "waiting for a worker…";
  else if (job.status === "running") {
    state = job.total ? `running, ${job.done} of ${count(job.total, "image")} (${Math.round(100 * job.progress)} %)` : "running…";
  } else if (job.status === "done") state = "done";
  else if (job.status === "failed") state = "failed";
  else state = job.kind === "import" ? "cancelled: nothing was imported" : "cancelled";
  return `${what}: ${state}`;
}

/** The error of a failed job or of a refused request, naming the field: "file: the zip holds no .json". */
export function errorText(error) {
  if (!error) return "";
  const message = error.message || error.error || "failed";
  return error.field && !message.startsWith(`${error.field}:`) ? `${error.field}: ${message}` : message;
}

/** Readable warning rows: {item, text, code}; warnings that concern no single item say "whole file". */
export function warningRows(warnings) {
  return (warnings || []).map((w) => ({
    item: w.item || (w.field ? `whole file (${w.field})` : "whole file"),
    text: w.message,
    code: w.code,
  }));
}

/** Summary lines of a finished import's `result` (ImportResultSerializer). */
export function importSummary(r) {
  const images = r.images_created + r.images_existing;
  const lines = [
    `${count(images, "image")} in the file: ${r.images_created} new, ${r.images_existing} already in the dataset.`,
    `${count(r.instances, "instance")}${r.crowd ? ` and ${count(r.crowd, "crowd region")}` : ""} read.`,
    `${count(r.changed.length, "image")} changed, ${count(r.skipped.length, "image")} skipped (already labelled, kept as they were).`,
  ];
  if (r.classes_created && r.classes_created.length) lines.push(`New classes: ${r.classes_created.join(", ")}.`);
  return lines;
}

/** Summary lines of a finished export's `result`. */
export function exportSummary(job) {
  const r = job.result || {};
  const lines = [`${count(r.images || 0, "labelled image")}, ${count(r.instances || 0, "instance")}${r.crowd ? `, ${count(r.crowd, "crowd region")}` : ""}.`];
  if (r.splits) lines.push(`Splits: ${Object.entries(r.splits).map(([s, n]) => `${s} ${n}`).join(", ")}.`);
  return lines;
}

/**
 * Follow a job until it ends: `fetchJob(id)` resolves to the job; `onUpdate(job)` is called on every answer.
 * Returns {stop(), done: Promise<job>}. Waits `interval` ms between requests (`timer` is setTimeout-like).
 */
export function pollJob(fetchJob, id, onUpdate, { interval = 1000, timer = setTimeout } = {}) {
  let stopped = false;
  let resolveDone, rejectDone;
  const done = new Promise((res, rej) => { resolveDone = res; rejectDone = rej; });
  async function tick() {
    if (stopped) return;
    let job;
    try {
      job = await fetchJob(id);
    } catch (err) {
      rejectDone(err);
      return;
    }
    if (stopped) return;
    onUpdate(job);
    if (isActive(job)) timer(tick, interval);
    else resolveDone(job);
  }
  tick();
  return { stop() { stopped = true; }, done };
}
