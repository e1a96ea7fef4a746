// What the deployment forms send: pure functions from the fields' values to the request body, so the
// same rules hold for the create form, the redeploy form and the settings form (unit-tested).

/** A positive whole number, or null for an empty field ("unlimited"); NaN stays NaN so the API names the field. */
export function limit(value) {
  if (value === null || value === undefined || String(value).trim() === "") return null;
  return Number(value);
}

/** Allowed origins typed one per line (or comma separated) -> a list without blanks or duplicates. */
export function origins(text) {
  return [...new Set(String(text || "").split(/[\n,]/).map((s) => s.trim()).filter(Boolean))];
}

/**
 * The body of POST /api/v1/deployments/ (create) or …/<id>/versions/ (redeploy, `settings` false):
 * {multipart: false, body: {...}} for a session's weights or Sapiens2, {multipart: true, entries: [[k, v]]} for
 * an uploaded .pt. `v`: {name, source: "session"|"upload"|"sapiens2", training_session, weights, file,
 * model_size, public, monthly_quota, burst_per_minute, allowed_origins (text), engine}. Throws Error(message) for a missing choice.
 */
export function deployRequest(v, { settings = true } = {}) {
  const body = {};
  if (settings) {
    body.name = String(v.name || "").trim();
    if (v.public !== undefined) body.public = Boolean(v.public);
    body.monthly_quota = limit(v.monthly_quota);
    body.burst_per_minute = limit(v.burst_per_minute);
    if (v.allowed_origins !== undefined) body.allowed_origins = origins(v.allowed_origins);
  }
  if (v.source === "sapiens2") {
    if (settings) body.kind = "sapiens2";
    body.model_size = v.model_size;
    return { multipart: false, body };
  }
  if (settings) {
    body.kind = "custom";
    if (v.engine) body.engine = v.engine;
  }
  if (v.source === "upload") {
    if (!v.file) throw new Error("choose a .pt file to upload");
    // Multipart has no null and no list: unlimited limits are left out, origins go comma separated.
    const entries = Object.entries(body).filter(([, value]) => value !== null && !(Array.isArray(value) && !value.length))
      .map(([k, value]) => [k, Array.isArray(value) ? value.join(",") : String(value)]);
    entries.push(["weights_file", v.file]);
    return { multipart: true, entries };
  }
  if (!v.training_session) throw new Error("choose a finished training session");
  body.training_session = Number(v.training_session);
  body.weights = v.weights || "best";
  return { multipart: false, body };
}

/** The PATCH body of the settings form. */
export function settingsPatch(v) {
  return { name: String(v.name || "").trim(), public: Boolean(v.public), monthly_quota: limit(v.monthly_quota),
    burst_per_minute: limit(v.burst_per_minute), engine: v.engine, allowed_origins: origins(v.allowed_origins) };
}

/** A default deployment name for a training session. */
export function sessionDeploymentName(session) {
  return (session.name || `${session.algorithm} #${session.id}`) + (session.dataset_name ? ` (${session.dataset_name})` : "");
}
