// Dataset page, "Import and export": an import (COCO or YOLO zip, with the mode chosen explicitly) or an
// export (COCO, YOLO) starts a background job; the panel follows it (progress, Cancel), then shows what it did:
// counts, the images changed and skipped, every per-item warning, or the error with its field; an export
// ends in a download link. A job still running when the page opens is picked up again.

import { api } from "../frontend/api.js";
import { count } from "./badges.js";
import { emit } from "./events.js";
import { errorText, exportSummary, importSummary, isActive, jobLine, pollJob, warningRows } from "./jobs.js";
import { postForm } from "./upload.js";

const $ = (id) => document.getElementById(id);
const root = $("dataset");
const datasetId = Number(root.dataset.id);
let poll = null;
let shown = null; // the job in the panel

function li(text) {
  const node = document.createElement("li");
  node.textContent = text;
  return node;
}

function names(detailsId, label, list) {
  const box = $(detailsId);
  box.hidden = !list.length;
  box.querySelector("summary").textContent = `${label}: ${count(list.length, "image")}`;
  box.querySelector("ul").replaceChildren(...list.map((x) => li(x.file_name)));
}

function showJob(job) {
  shown = job;
  const panel = $("job");
  panel.hidden = false;
  panel.dataset.status = job.status;
  panel.dataset.job = job.id;
  $("job-line").textContent = jobLine(job);
  const bar = $("job-progress");
  bar.hidden = !isActive(job);
  if (job.status === "running" && job.total) bar.value = job.progress;
  else bar.removeAttribute("value"); // indeterminate while queued
  $("job-cancel").hidden = !isActive(job);
  $("job-cancel").disabled = false;
  const done = job.status === "done";
  const summary = done ? (job.kind === "import" ? importSummary(job.result) : exportSummary(job)) : [];
  $("job-summary").replaceChildren(...summary.map(li));
  $("job-error").hidden = job.status !== "failed";
  $("job-error").textContent = job.status === "failed" ? `Nothing was ${job.kind === "import" ? "imported" : "exported"}: ${errorText(job.error)}` : "";
  const download = $("job-download");
  download.hidden = !(done && job.download_url);
  if (job.download_url) {
    download.href = job.download_url;
    download.textContent = `Download the ${job.format === "coco" ? "COCO .json" : "YOLO .zip"}`;
  }
  names("job-changed", "Changed (labels written)", done && job.kind === "import" ? job.result.changed : []);
  names("job-skipped", "Skipped (already labelled, kept)", done && job.kind === "import" ? job.result.skipped : []);
  const rows = warningRows(done ? job.warnings : []);
  $("job-warnings").hidden = !rows.length;
  $("job-warnings-title").textContent = `${count(rows.length, "warning")}: stored differently from the file, or left out`;
  $("job-warnings").querySelector("tbody").replaceChildren(...rows.map((w) => {
    const tr = document.createElement("tr");
    tr.dataset.code = w.code;
    const item = document.createElement("td");
    item.className = "item";
    item.textContent = w.item;
    const text = document.createElement("td");
    text.textContent = w.text;
    tr.append(item, text);
    return tr;
  }));
}

function follow(job) {
  if (poll) poll.stop();
  showJob(job);
  if (!isActive(job)) return;
  poll = pollJob((id) => api(`/api/v1/jobs/${id}/`), job.id, showJob);
  poll.done.then((last) => {
    if (last.kind === "import" && last.status === "done") emit("labels");
    loadHistory();
  }, (err) => { $("job-error").hidden = false; $("job-error").textContent = `Lost track of the job: ${err.message}`; });
}

async function loadHistory() {
  let jobs;
  try {
    jobs = await api(`/api/v1/datasets/${datasetId}/jobs/`);
  } catch {
    return;
  }
  $("job-list").replaceChildren(...jobs.map((job) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-like";
    button.textContent = jobLine(job);
    button.addEventListener("click", () => follow(job));
    item.append(button);
    return item;
  }));
  $("job-history").hidden = !jobs.length;
  return jobs;
}

$("job-cancel").addEventListener("click", async () => {
  if (!shown) return;
  $("job-cancel").disabled = true;
  try {
    showJob(await api(`/api/v1/jobs/${shown.id}/cancel/`, { method: "POST" }));
  } catch (err) {
    // It may have finished meanwhile: the poller shows its end state.
    $("job-error").hidden = false;
    $("job-error").textContent = err.message;
  }
});

if ($("import-form")) {
  $("import-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const file = $("import-file").files[0];
    if (!file) { $("import-status").textContent = "Choose a zip first."; return; }
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("format", $("import-format").value);
    form.append("mode", document.querySelector("#import-mode input[name=mode]:checked").value);
    const bar = $("import-upload");
    bar.hidden = false;
    bar.value = 0;
    $("import-go").disabled = true;
    $("import-status").textContent = "sending the zip…";
    const { status, body } = await postForm(`/api/v1/datasets/${datasetId}/imports/`, form, (f) => { bar.value = f; });
    $("import-go").disabled = false;
    bar.hidden = true;
    if (status === 202) {
      $("import-status").textContent = "";
      $("import-file").value = "";
      // Merge and replace change people's labels: each import asks for them again.
      document.querySelector("#import-mode input[value=skip]").checked = true;
      follow(body);
    } else {
      $("import-status").textContent = `Not imported: ${errorText(body) || `HTTP ${status}`}`;
    }
  });
}

for (const button of document.querySelectorAll("#export-box [data-format]")) {
  button.addEventListener("click", async () => {
    $("export-status").textContent = "";
    try {
      follow(await api(`/api/v1/datasets/${datasetId}/exports/`, { method: "POST", json: { format: button.dataset.format } }));
    } catch (err) {
      $("export-status").textContent = errorText(err.body) || err.message; // e.g. nothing is labelled yet
    }
  });
}

loadHistory().then((jobs) => {
  const running = (jobs || []).find(isActive);
  if (running) follow(running);
});
