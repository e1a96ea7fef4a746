import assert from "node:assert/strict";
import { test } from "node:test";

import { countsLine, evaluationLine, headline } from "../static/training/headline.js";

test("the headline is the stored COCO AP of best.pt, Ultralytics' figures beside it and labelled as theirs", () => {
  const session = {
    coco: { ap: 0.41, ap50: 0.7, ap75: 0.38, ar: 0.5, instances: 15, matched: 12, people_without_keypoints: 3,
      crowd_regions: 1, images: 4, predictions: 40 },
    final_metrics: { "metrics/mAP50-95(P)": 0.47, "metrics/mAP50(B)": 0.9 },
  };
  const h = headline(session, [{ epoch: 3, metrics: { "coco/ap": 0.2 } }]);
  assert.equal(h.ap, 0.41);
  assert.equal(h.from, "best.pt");
  assert.deepEqual(h.ultralytics, [["Ultralytics pose mAP50-95", 0.47], ["Ultralytics box mAP50", 0.9]]);
  assert.equal(countsLine(h.counts), "12 of 15 people with keypoints matched (OKS ≥ 0.5) on 4 val images; "
    + "3 people without keypoints ignored; 1 crowd region ignored; "
    + "40 predictions scored (Ultralytics' val predictions at confidence ≥ 0.001, the best 20 per image)");
});

test("the evaluation page's line says whose people, which confidence and which OKS its counts are at", () => {
  const r = { images: 4, split: "val", instances: 6, people_without_keypoints: 10, matched: 0, min_oks: 0.1,
    predictions: 0, conf: 0.25 };
  assert.equal(evaluationLine(r), "4 val images, 6 people with keypoints (10 without, not scored), "
    + "0 matched (OKS ≥ 0.1) by 0 predictions at confidence ≥ 0.25");
});

test("while training, the last scored epoch gives the headline; an epoch without COCO figures is skipped", () => {
  const rows = [{ epoch: 1, metrics: { "coco/ap": 0.1, "coco/ap50": 0.3 } },
    { epoch: 2, metrics: { "metrics/mAP50-95(P)": 0.2 } }];
  const h = headline({ coco: null, final_metrics: {} }, rows);
  assert.equal(h.ap, 0.1);
  assert.equal(h.from, "epoch 1");
  assert.deepEqual(h.ultralytics, [["Ultralytics pose mAP50-95", 0.2]]);
  assert.equal(headline({ coco: null }, []).from, null);
});
