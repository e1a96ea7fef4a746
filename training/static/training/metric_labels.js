// Readable labels for per-epoch metric keys, from metric_labels.json (the same rules as training/metrics/labels.py;
// both are checked against training/jstests/metric_label_cases.json).

export function describeMetric(table, key) {
  const entry = table.keys[key];
  if (entry) {
    return { key, label: entry.label, short: entry.short, source: entry.source, headline: Boolean(entry.headline) };
  }
  for (const pattern of table.patterns) {
    const found = new RegExp(pattern.match).exec(key);
    if (!found) continue;
    const fill = (text) => text.replace(/\{(\d+)\}/g, (_, n) => {
      const value = found[Number(n)];
      const mapped = (pattern.groups || {})[n] || {};
      return mapped[value] || table.loss_names[value] || value;
    });
    return { key, label: fill(pattern.label), short: fill(pattern.short), source: pattern.source, headline: false };
  }
  return { key, label: key, short: key, source: "unknown", headline: false };
}

export async function loadMetricLabels(url = "/static/training/metric_labels.json") {
  const response = await fetch(url);
  return response.json();
}
