// Pure helpers shared by the training pages (unit-tested with node --test in training/jstests/).

export const TERMINAL = ["completed", "cancelled", "failed"];

export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "–";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (h) return `${h} h ${String(m).padStart(2, "0")} min`;
  if (m) return `${m} min ${String(r).padStart(2, "0")} s`;
  return `${r} s`;
}

export function formatNumber(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return Number(v).toFixed(digits);
}

export function formatPercent(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  return `${(v * 100).toFixed(1)} %`;
}

// Loss names present in the rows (Ultralytics' keys differ per model family: do not hard-code them).
export function lossNames(rows) {
  const names = new Set();
  for (const row of rows) {
    for (const key of Object.keys(row.metrics || {})) {
      const m = key.match(/^(train|val)\/(.+)$/);
      if (m) names.add(m[2]);
    }
  }
  return [...names];
}

// Which charts to draw and which series each one holds: [{id, title, series: [{key, label}]}].
export function chartGroups(rows) {
  const groups = [
    { id: "fitness", title: "Fitness (pose mAP50-95 + box mAP50-95)", series: [{ key: "fitness", label: "fitness" }] },
    { id: "pose-map", title: "Pose mAP", series: [
      { key: "metrics/mAP50(P)", label: "mAP50" }, { key: "metrics/mAP50-95(P)", label: "mAP50-95" }] },
    { id: "box-map", title: "Box mAP", series: [
      { key: "metrics/mAP50(B)", label: "mAP50" }, { key: "metrics/mAP50-95(B)", label: "mAP50-95" }] },
    { id: "precision-recall", title: "Precision / recall", series: [
      { key: "metrics/precision(P)", label: "pose P" }, { key: "metrics/recall(P)", label: "pose R" },
      { key: "metrics/precision(B)", label: "box P" }, { key: "metrics/recall(B)", label: "box R" }] },
  ];
  for (const name of lossNames(rows)) {
    groups.push({ id: `loss-${name.replace(/[^a-z0-9]+/gi, "-")}`, title: `${name} (train / val)`, series: [
      { key: `train/${name}`, label: "train" }, { key: `val/${name}`, label: "val" }] });
  }
  return groups;
}

export function seriesValue(row, key) {
  const v = key === "fitness" ? row.fitness : (row.metrics || {})[key];
  return v === undefined ? null : v;
}

export function statusLine(s) {
  const epochs = s.epochs || (s.params && s.params.epochs) || 0;
  let text = `Epoch ${s.epoch}/${epochs}`;
  if (s.status === "running") {
    text += ` · ${formatPercent(s.progress)}`;
    if (s.eta_seconds !== null && s.eta_seconds !== undefined) text += ` · about ${formatDuration(s.eta_seconds)} left`;
  }
  if (s.phase) text += ` · ${s.phase}`;
  return text;
}

// The weakest keypoints by PCK (ties broken by OKS share), for highlighting on the evaluation page.
export function weakest(keypoints, count = 3) {
  const seen = keypoints.filter((k) => k.visible > 0 && k.pck !== null);
  const best = Math.max(...seen.map((k) => k.pck));
  return seen
    .filter((k) => k.pck < best)  // when every keypoint scores the same, none stands out as weak
    .sort((a, b) => (a.pck - b.pck) || ((a.oks_share ?? 0) - (b.oks_share ?? 0)))
    .slice(0, count)
    .map((k) => k.index);
}
