// The dataset page's autolabel panel: choose a deployment and a threshold, switch "autolabel new uploads" on,
// run it now over every unlabelled image (with the deployment's active version: after a redeploy, the new one),
// follow the job's progress, edit the keypoint mapping, evaluate the model on the labels, open the review queue.

import { api } from "../frontend/api.js";
import { emit, on } from "../datasets/events.js";
import { jobLine, mappingRows, percent } from "./panel_view.js";

const $ = (id) => document.getElementById(id);
const box = $("autolabel");
const datasetId = Number(box.dataset.dataset);
const canManage = box.dataset.canManage === "1";
let state = null;
let poll = null;

function show(node, text, kind = "muted") {
  node.textContent = text;
  node.className = `small ${kind}`;
}

async function load() {
  state = await api(`/api/v1/datasets/${datasetId}/autolabel/`);
  const select = $("al-deployment");
  select.replaceChildren(new Option("— none —", ""), ...state.deployments.map((d) =>
    new Option(`${d.name} (${d.kind}${d.version ? `, v${d.version}` : ", nothing deployed"})`, String(d.id))));
  select.value = state.deployment ? String(state.deployment) : "";
  $("al-conf").value = state.conf;
  $("al-on-upload").checked = state.on_upload;
  $("al-empty").hidden = state.deployments.length > 0;
  renderJob(state.latest_job);
  renderEvaluation(state.latest_evaluation);
  const chosen = state.deployments.find((d) => d.id === state.deployment);
  const job = state.latest_job;
  $("al-newer").hidden = !(chosen && job && chosen.version && job.version && chosen.version > job.version);
  $("al-newer").textContent = chosen ? `${chosen.name} v${chosen.version} is deployed (the last run used v${job ? job.version : "?"}): `
    + "Autolabel now re-runs the still unlabelled images with it." : "";
  await reviewLink();
  if (state.deployment) await loadMappings(); else $("al-mappings").replaceChildren();
}

async function reviewLink() {
  const next = await api(`/api/v1/datasets/${datasetId}/review/next/`);
  const link = $("al-review");
  link.hidden = !next.image;
  if (next.image) link.href = `/datasets/${datasetId}/label/${next.image}/?review=1`;
  $("al-review-count").textContent = next.remaining ? `${next.remaining} image${next.remaining === 1 ? "" : "s"} with suggestions to review` : "";
}

function renderJob(job) {
  const running = job && (job.status === "queued" || job.status === "running");
  $("al-job").hidden = !job;
  if (!job) return;
  $("al-job-line").textContent = jobLine(job);
  $("al-progress").value = job.progress;
  $("al-progress").title = percent(job.progress);
  $("al-cancel").hidden = !running || !canManage;
  $("al-job").dataset.status = job.status;
  $("al-job").dataset.jobId = job.id;
  $("al-job-error").hidden = !job.error;
  $("al-job-error").textContent = job.error;
  if (running && !poll) poll = setTimeout(refreshJob, 1500, job.id);
}

async function refreshJob(id) {
  poll = null;
  const job = await api(`/api/v1/autolabel-jobs/${id}/`);
  if (job.kind === "evaluate") renderEvaluation(job); else renderJob(job);
  if (job.status === "queued" || job.status === "running") poll = setTimeout(refreshJob, 1500, id);
  else { await reviewLink(); emit("labels"); }
}

function renderEvaluation(job) {
  const out = $("al-eval");
  out.hidden = !job;
  if (!job) return;
  if (job.status !== "done") {
    $("al-eval-line").textContent = jobLine(job);
    $("al-eval-table").replaceChildren();
    if (job.status === "queued" || job.status === "running") setTimeout(refreshJob, 1500, job.id);
    return;
  }
  const r = job.result;
  $("al-eval-line").textContent = `${job.deployment_name} v${job.version} on ${r.images} labelled images: `
    + `AP ${r.ap == null ? "–" : r.ap.toFixed(3)}, AP50 ${r.ap50 == null ? "–" : r.ap50.toFixed(3)}; `
    + `${percent(r.accept_share)} of keypoints would be accepted untouched (PCK@0.05).`;
  $("al-eval-table").replaceChildren(...r.per_keypoint.map((row) => {
    const tr = document.createElement("tr");
    for (const text of [row.class, row.name, percent(row.pck), String(row.visible)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    return tr;
  }));
}

async function loadMappings() {
  const data = await api(`/api/v1/datasets/${datasetId}/autolabel/mappings/`);
  const holder = $("al-mappings");
  holder.replaceChildren(...data.classes.map((m) => mappingEditor(m, data.model_classes)));
}

function mappingEditor(m, modelClasses) {
  const wrap = document.createElement("details");
  wrap.className = "al-mapping";
  wrap.dataset.class = m.class;
  const mapped = m.mapping.filter(Boolean).length;
  const summary = document.createElement("summary");
  summary.textContent = `${m.class_name} ← ${m.model_class || "nothing"}: ${mapped} of ${m.template.length} points mapped`
    + (m.edited ? " (edited)" : " (by name)");
  wrap.appendChild(summary);
  const classSelect = document.createElement("select");
  classSelect.className = "al-model-class";
  classSelect.append(new Option("— no suggestions —", ""), ...Object.keys(modelClasses).map((n) => new Option(n, n)));
  classSelect.value = m.model_class;
  classSelect.disabled = !canManage;
  const table = document.createElement("table");
  table.className = "al-map-table small";
  const fill = () => {
    const names = modelClasses[classSelect.value] || [];
    table.replaceChildren(...mappingRows(m.template, m.mapping, names).map((row) => {
      const tr = document.createElement("tr");
      const td = document.createElement("td");
      td.textContent = row.template;
      const sel = document.createElement("select");
      sel.dataset.k = row.index;
      sel.append(new Option("— absent —", ""), ...names.map((n) => new Option(n, n)));
      sel.value = row.model || "";
      sel.disabled = !canManage;
      const cell = document.createElement("td");
      cell.appendChild(sel);
      tr.append(td, cell);
      return tr;
    }));
  };
  classSelect.addEventListener("change", fill);
  fill();
  const label = document.createElement("label");
  label.append("Model class ", classSelect);
  wrap.append(label, table);
  if (canManage) {
    const save = document.createElement("button");
    save.type = "button";
    save.textContent = "Save mapping";
    const status = document.createElement("span");
    save.addEventListener("click", async () => {
      const mapping = [...table.querySelectorAll("select")].map((s) => s.value || null);
      try {
        await api(`/api/v1/datasets/${datasetId}/autolabel/mappings/${m.class}/`, { method: "PUT",
          json: { model_class: classSelect.value, mapping } });
        show(status, "Saved: the next run uses it.", "ok");
      } catch (err) { show(status, err.message, "error"); }
    });
    wrap.append(save, status);
  }
  return wrap;
}

async function saveSettings(ev) {
  ev.preventDefault();
  const body = { deployment: $("al-deployment").value ? Number($("al-deployment").value) : null,
                 conf: Number($("al-conf").value), on_upload: $("al-on-upload").checked };
  try {
    await api(`/api/v1/datasets/${datasetId}/autolabel/`, { method: "PUT", json: body });
    show($("al-status"), body.on_upload ? "Saved: new uploads are pre-labelled." : "Saved.", "ok");
    await load();
  } catch (err) { show($("al-status"), err.message, "error"); }
}

async function start(path, what) {
  try {
    const job = await api(`/api/v1/datasets/${datasetId}/autolabel/${path}/`, { method: "POST", json: {} });
    show($("al-status"), `${what} started: ${job.total} images.`, "ok");
    if (job.kind === "evaluate") renderEvaluation(job); else renderJob(job);
  } catch (err) { show($("al-status"), err.message, "error"); }
}

if (canManage) {
  $("al-form").addEventListener("submit", saveSettings);
  $("al-run").addEventListener("click", () => start("run", "Autolabel"));
  $("al-evaluate").addEventListener("click", () => start("evaluate", "Evaluation"));
  $("al-cancel").addEventListener("click", async () => {
    const current = $("al-job").dataset.jobId;
    try { renderJob(await api(`/api/v1/autolabel-jobs/${current}/cancel/`, { method: "POST" })); }
    catch (err) { show($("al-status"), err.message, "error"); }
  });
}
// New uploads may have started (or joined) a job: look again when the page says images changed.
let reloadTimer = null;
on("labels", () => { clearTimeout(reloadTimer); reloadTimer = setTimeout(() => { if (!poll) load().catch(() => {}); }, 800); });
load().then(() => { window.__autolabelReady = true; }).catch((err) => show($("al-status"), err.message, "error"));
