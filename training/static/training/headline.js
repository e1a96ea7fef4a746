// The dashboard's headline: COCO keypoint AP (pycocotools on the frozen val split), with Ultralytics' own figures
// beside it, labelled as Ultralytics'. Pure functions: tested by training/jstests/headline.test.mjs.

const ULTRALYTICS = [
  ["metrics/mAP50-95(P)", "Ultralytics pose mAP50-95"],
  ["metrics/mAP50(P)", "Ultralytics pose mAP50"],
  ["metrics/mAP50-95(B)", "Ultralytics box mAP50-95"],
  ["metrics/mAP50(B)", "Ultralytics box mAP50"],
];

// {ap, ap50, ap75, ar, from: "best.pt" | "epoch N" | null, counts: {...} | null, ultralytics: [[label, value]]}
export function headline(session, rows) {
  const coco = session.coco;
  let figures = { ap: null, ap50: null, ap75: null, ar: null };
  let from = null;
  let counts = null;
  if (coco && coco.ap !== undefined) {
    figures = { ap: coco.ap, ap50: coco.ap50, ap75: coco.ap75, ar: coco.ar };
    from = "best.pt";
    counts = { instances: coco.instances, matched: coco.matched, without: coco.people_without_keypoints,
      crowd: coco.crowd_regions, images: coco.images, predictions: coco.predictions };
  } else {
    const scored = (rows || []).filter((r) => r.metrics && r.metrics["coco/ap"] !== undefined && r.metrics["coco/ap"] !== null);
    const last = scored[scored.length - 1];
    if (last) {
      const m = last.metrics;
      figures = { ap: m["coco/ap"], ap50: m["coco/ap50"], ap75: m["coco/ap75"], ar: m["coco/ar"] };
      from = `epoch ${last.epoch}`;
    }
  }
  const source = from === "best.pt" ? session.final_metrics || {} : ((rows || []).at(-1) || { metrics: {} }).metrics;
  const ultralytics = ULTRALYTICS.filter(([key]) => source[key] !== undefined && source[key] !== null)
    .map(([key, label]) => [label, source[key]]);
  return { ...figures, from, counts, ultralytics };
}

// "12 of 15 people with keypoints matched (OKS >= 0.5); 3 people without keypoints ignored; 1 crowd region ignored"
export function countsLine(counts) {
  if (!counts) return "";
  const parts = [`${counts.matched} of ${counts.instances} people with keypoints matched (OKS ≥ 0.5) on ${counts.images} val images`];
  parts.push(`${counts.without} ${counts.without === 1 ? "person" : "people"} without keypoints ignored`);
  if (counts.crowd) parts.push(`${counts.crowd} crowd region${counts.crowd === 1 ? "" : "s"} ignored`);
  if (counts.predictions !== undefined && counts.predictions !== null) {
    parts.push(`${counts.predictions} predictions scored (Ultralytics' val predictions at confidence ≥ 0.001, the best 20 per image)`);
  }
  return parts.join("; ");
}

// The evaluation page's own pass: the same people as the COCO line (those with keypoints), but its own
// predictions at confidence >= r.conf (0.25) and matched at OKS >= r.min_oks (0.1), so its prediction and
// match counts differ from the COCO AP's by design.
// "4 val images, 6 people with keypoints (10 without, not scored), 2 matched (OKS ≥ 0.1) by 3 predictions at
// confidence ≥ 0.25"
export function evaluationLine(r) {
  const without = r.people_without_keypoints ?? 0;
  return `${r.images} ${r.split} images, ${r.instances} people with keypoints (${without} without, not scored), `
    + `${r.matched} matched (OKS ≥ ${r.min_oks ?? 0.1}) by ${r.predictions} predictions at confidence ≥ ${r.conf}`;
}
