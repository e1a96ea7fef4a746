// One XMLHttpRequest per file, so each file has its own progress bar and its own error.
// (fetch() cannot report upload progress; XHR's upload.onprogress can.)

import { csrfToken } from "../frontend/api.js";

/**
 * POST `form` (FormData) to `url`; resolves to {status, body} (never rejects; status 0 is a network failure).
 * onProgress(fraction) follows the bytes sent.
 */
export function postForm(url, form, onProgress = () => {}) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = { message: xhr.responseText.slice(0, 200) || `HTTP ${xhr.status}` }; }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => resolve({ status: 0, body: { message: "network error: the upload did not reach the server" } });
    xhr.send(form);
  });
}

/** POST one file as multipart `files` (the images endpoint), with its progress. */
export function uploadFile(url, file, onProgress = () => {}) {
  const form = new FormData();
  form.append("files", file, file.name);
  return postForm(url, form, onProgress);
}

/** Run `task` over `items` with at most `limit` at a time. */
export async function eachLimited(items, limit, task) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One line for a file's upload report. */
export function describeResult({ status, body }) {
  if (status === 201) {
    const created = body.created.length, dup = body.duplicates.length, errs = body.errors || [];
    const parts = [];
    if (created) parts.push(created === 1 ? "added" : `${created} images added`);
    if (dup) parts.push(dup === 1 ? "already in the dataset" : `${dup} already in the dataset`);
    if (errs.length) parts.push(`${errs.length} rejected: ${errs.map((e) => `${e.file}: ${e.message}`).join("; ")}`);
    return { ok: !errs.length, text: parts.join(", ") || "nothing to add" };
  }
  const errs = (body && body.errors) || [];
  if (errs.length) return { ok: false, text: errs.map((e) => e.message).join("; ") };
  return { ok: false, text: (body && body.message) || `HTTP ${status}` };
}
