// The flip-pair rule against the table the server's rule is tested with (datasets/formats/flip_pair_cases.json).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { derivePairs, flipPairsReport, mirrorName } from "../static/labeling/flip_pairs.js";

const table = JSON.parse(readFileSync(new URL("../../datasets/formats/flip_pair_cases.json", import.meta.url), "utf8"));

test("the table has cases", () => {
  assert.ok(table.cases.length >= 20);
});

for (const c of table.cases) {
  test(`flip pairs: ${c.why}`, () => {
    const report = flipPairsReport(c.names);
    assert.deepEqual(report.pairs, c.pairs);
    assert.deepEqual(report.unpaired, c.unpaired);
    assert.equal(report.warnings.length, c.unpaired.length);
    c.unpaired.forEach((i, k) => assert.ok(report.warnings[k].includes(`'${c.names[i]}'`)));
    assert.deepEqual(derivePairs(c.names), c.pairs);
  });
}

test("mirrorName swaps the strongest marker and keeps the letter case", () => {
  assert.equal(mirrorName("LEye"), "REye");
  assert.equal(mirrorName("leftear"), "rightear");
  assert.equal(mirrorName("EarL"), "EarR");
  assert.equal(mirrorName("L_left"), "L_right");
  assert.equal(mirrorName("corner0"), null);
});
