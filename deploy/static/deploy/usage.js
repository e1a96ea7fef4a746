// The monitoring panel's numbers from GET /api/v1/deployments/<id>/usage/ (deploy.usage.summary):
// {days: [{day, requests, errors}], requests, errors_by_code: {"401": n}, latency_ms: {p50, p95},
//  quota: {month, used, limit, fraction}, burst_per_minute}. Pure functions (unit-tested).

export const STATUS_NAMES = {
  400: "bad request (not an image, bad field)", 401: "missing or wrong API key", 403: "quota exceeded or forbidden",
  404: "no such deployment", 405: "method not allowed", 413: "image over 25 MB", 429: "over the burst limit",
  500: "server error", 503: "model loading or not ready",
};

/** Chart series: one label per day ("11-30"), requests and errors per day. */
export function dailySeries(summary) {
  const days = summary.days || [];
  return { labels: days.map((d) => d.day.slice(5)), requests: days.map((d) => d.requests),
    errors: days.map((d) => d.errors) };
}

/** [{code, name, count}] by count, most frequent first (ties by code). */
export function errorRows(summary) {
  return Object.entries(summary.errors_by_code || {}).map(([code, count]) => ({ code: Number(code),
    name: STATUS_NAMES[code] || (Number(code) >= 500 ? "server error" : "client error"), count }))
    .sort((a, b) => b.count - a.count || a.code - b.code);
}

/** "12 of 1,000 requests this month (1.2 %)" or "12 requests this month (no quota)". */
export function quotaText(quota) {
  if (!quota) return "";
  const used = Number(quota.used || 0).toLocaleString("en-US");
  if (!quota.limit) return `${used} requests in ${quota.month} (no quota)`;
  const pct = Math.round((quota.used / quota.limit) * 1000) / 10;
  return `${used} of ${Number(quota.limit).toLocaleString("en-US")} requests in ${quota.month} (${pct} %)`;
}

/** The quota bar's width, 0..100 (%). */
export function quotaPercent(quota) {
  if (!quota || !quota.limit) return 0;
  return Math.min(100, Math.max(0, (quota.used / quota.limit) * 100));
}

/** "≤ 40 ms" (the histogram gives a bucket's upper bound) or "–" before any request. */
export function latencyText(ms) {
  return ms === null || ms === undefined ? "–" : `≤ ${ms} ms`;
}
