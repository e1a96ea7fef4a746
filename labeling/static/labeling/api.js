// Talking to the server: the labeler's and template editor's endpoints (autosave.js decides when).

import { api, csrfToken } from "../frontend/api.js";

export const loadImage = (id) => api(`/api/v1/images/${id}/`);
export const loadAnnotation = (id) => api(`/api/v1/images/${id}/annotations/`);
export const loadClasses = (datasetId) => api(`/api/v1/datasets/${datasetId}/classes/`);
export const loadProgress = (datasetId) => api(`/api/v1/datasets/${datasetId}/progress/`);
export const loadReviewNext = (datasetId, after) =>
  api(`/api/v1/datasets/${datasetId}/review/next/${after ? `?after=${after}` : ""}`);
export const loadClass = (id) => api(`/api/v1/classes/${id}/`);
export const saveClass = (id, body) => api(`/api/v1/classes/${id}/`, { method: "PATCH", json: body });

export function putAnnotation(imageId, payload, version) {
  return api(`/api/v1/images/${imageId}/annotations/`, { method: "PUT", json: { version, ...payload } });
}

/**
 * Last-chance save while the page unloads: a keepalive request outlives the page (browsers cap its
 * body at 64 KiB; bigger documents rely on the journal, replayed on the next visit).
 */
export function sendKeepalive(imageId, payload, version) {
  const body = JSON.stringify({ version, ...payload });
  if (body.length > 60000) return false;
  try {
    fetch(`/api/v1/images/${imageId}/annotations/`, {
      method: "PUT", keepalive: true, credentials: "same-origin", body,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
    }).catch(() => {});
    return true;
  } catch {
    return false;
  }
}
