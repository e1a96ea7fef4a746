// The latency line of the playground: the round trip measured here and the engine's own time from the
// answer's Server-Timing header (https://www.w3.org/TR/server-timing/: `name;dur=12.3;desc="…", other;dur=4`).

/** Server-Timing header -> {name: milliseconds}; entries without a duration are left out. */
export function parseServerTiming(header) {
  const out = {};
  for (const entry of String(header || "").split(",")) {
    const [name, ...params] = entry.split(";").map((s) => s.trim());
    if (!name) continue;
    for (const p of params) {
      const m = p.match(/^dur=([0-9.eE+-]+)$/);
      if (m && Number.isFinite(Number(m[1]))) out[name] = Number(m[1]);
    }
  }
  return out;
}

/** "84 ms round trip · engine 31.2 ms" (the engine part only when the server said it). */
export function latencyLine(roundTripMs, timings) {
  const parts = [`${Math.round(roundTripMs)} ms round trip`];
  for (const [name, ms] of Object.entries(timings)) parts.push(`${name} ${ms.toFixed(1)} ms`);
  return parts.join(" · ");
}
