import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { describeMetric } from "../static/training/metric_labels.js";

const table = JSON.parse(readFileSync(new URL("../static/training/metric_labels.json", import.meta.url)));
const cases = JSON.parse(readFileSync(new URL("./metric_label_cases.json", import.meta.url)));

test("metric labels follow the shared cases (the Python side reads the same file)", () => {
  for (const [key, label, source] of cases) {
    const d = describeMetric(table, key);
    assert.equal(d.label, label, key);
    assert.equal(d.source, source, key);
  }
  assert.equal(describeMetric(table, "coco/ap").headline, true);
});
