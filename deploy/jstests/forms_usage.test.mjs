import assert from "node:assert/strict";
import { test } from "node:test";

import { deployRequest, limit, origins, sessionDeploymentName, settingsPatch } from "../static/deploy/forms.js";
import { dailySeries, errorRows, latencyText, quotaPercent, quotaText } from "../static/deploy/usage.js";

test("empty limits mean unlimited (null); numbers stay numbers", () => {
  assert.equal(limit(""), null);
  assert.equal(limit("  "), null);
  assert.equal(limit("100"), 100);
  assert.ok(Number.isNaN(limit("ten")));
});

test("allowed origins: one per line or comma separated, blanks and repeats dropped", () => {
  assert.deepEqual(origins("https://a.example\n\n https://b.example , https://a.example"), ["https://a.example", "https://b.example"]);
  assert.deepEqual(origins(""), []);
});

test("create from a session: JSON with kind custom, the session id and best/last", () => {
  const r = deployRequest({ name: " net ", source: "session", training_session: "12", weights: "last", public: false,
    monthly_quota: "", burst_per_minute: "30", allowed_origins: "", engine: "onnx" });
  assert.deepEqual(r, { multipart: false, body: { name: "net", public: false, monthly_quota: null, burst_per_minute: 30,
    allowed_origins: [], kind: "custom", engine: "onnx", training_session: 12, weights: "last" } });
});

test("create from an upload: multipart with weights_file, unlimited limits left out", () => {
  const file = new Blob(["pt"]);
  const r = deployRequest({ name: "up", source: "upload", file, public: true, monthly_quota: "", burst_per_minute: "",
    allowed_origins: "https://a.example\nhttps://b.example", engine: "torch" });
  assert.equal(r.multipart, true);
  assert.deepEqual(r.entries.slice(0, -1), [["name", "up"], ["public", "true"], ["allowed_origins", "https://a.example,https://b.example"],
    ["kind", "custom"], ["engine", "torch"]]);
  assert.ok(!deployRequest({ name: "up", source: "upload", file, allowed_origins: "" }).entries.some(([k]) => k === "allowed_origins"));
  assert.deepEqual(r.entries.at(-1), ["weights_file", file]);
  assert.throws(() => deployRequest({ name: "up", source: "upload" }), /\.pt file/);
});

test("create Sapiens2: kind and size, no engine; a redeploy sends only the model", () => {
  assert.deepEqual(deployRequest({ name: "s", source: "sapiens2", model_size: "0.4b", monthly_quota: "5" }).body,
    { name: "s", monthly_quota: 5, burst_per_minute: null, kind: "sapiens2", model_size: "0.4b" });
  assert.deepEqual(deployRequest({ source: "session", training_session: 3 }, { settings: false }).body,
    { training_session: 3, weights: "best" });
  assert.throws(() => deployRequest({ name: "x", source: "session", training_session: "" }), /training session/);
});

test("settings patch and default names", () => {
  assert.deepEqual(settingsPatch({ name: "a", public: "on", monthly_quota: "", burst_per_minute: "9", engine: "torch",
    allowed_origins: "https://x.example" }), { name: "a", public: true, monthly_quota: null, burst_per_minute: 9,
    engine: "torch", allowed_origins: ["https://x.example"] });
  assert.equal(sessionDeploymentName({ id: 4, name: "", algorithm: "yolo11n-pose", dataset_name: "people" }), "yolo11n-pose #4 (people)");
});

const summary = {
  days: [{ day: "2026-11-29", requests: 3, errors: 1 }, { day: "2026-11-30", requests: 5, errors: 2 }],
  errors_by_code: { 401: 1, 429: 2, 500: 0 }, latency_ms: { p50: 40, p95: null },
  quota: { month: "2026-11", used: 8, limit: 1000, fraction: 0.008 },
};

test("monitoring: daily series, errors by code most frequent first, quota and latency texts", () => {
  assert.deepEqual(dailySeries(summary), { labels: ["11-29", "11-30"], requests: [3, 5], errors: [1, 2] });
  assert.deepEqual(errorRows(summary).map((r) => [r.code, r.count]), [[429, 2], [401, 1], [500, 0]]);
  assert.match(errorRows(summary)[0].name, /burst/);
  assert.equal(quotaText(summary.quota), "8 of 1,000 requests in 2026-11 (0.8 %)");
  assert.equal(quotaText({ month: "2026-11", used: 8, limit: null }), "8 requests in 2026-11 (no quota)");
  assert.equal(quotaPercent({ used: 2000, limit: 1000 }), 100);
  assert.equal(latencyText(40), "≤ 40 ms");
  assert.equal(latencyText(null), "–");
});

import { latencyLine, parseServerTiming } from "../static/deploy/timing.js";

test("Server-Timing: durations by name, entries without one skipped", () => {
  assert.deepEqual(parseServerTiming('engine;dur=31.25;desc="onnx", total;dur=40, cache'), { engine: 31.25, total: 40 });
  assert.deepEqual(parseServerTiming(null), {});
  assert.equal(latencyLine(83.6, { engine: 31.25 }), "84 ms round trip · engine 31.3 ms");
});
