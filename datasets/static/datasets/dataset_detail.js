// Dataset page: drag-and-drop upload (one request per file, each with its progress bar and error),
// "Start labelling" and training readiness. The other parts are their own modules (images_grid.js,
// classes_panel.js, dataset_settings.js, exchange.js, team_panel.js); events.js says what changed.

import { api } from "../frontend/api.js";
import { emit, on } from "./events.js";
import { describeResult, eachLimited, uploadFile } from "./upload.js";

const $ = (id) => document.getElementById(id);
const root = $("dataset");
const datasetId = Number(root.dataset.id);
const maxBytes = Number(root.dataset.maxBytes) || 25 * 1024 * 1024;

// ---------------------------------------------------------------- progress and readiness
async function loadProgress() {
  const p = await api(`/api/v1/datasets/${datasetId}/progress/`);
  $("progress").textContent = p.text;
  const start = $("start-labelling");
  if (p.total) {
    let target = p.next_unlabelled;
    if (!target) {
      const first = await api(`/api/v1/datasets/${datasetId}/images/?page_size=1`);
      target = first.results.length ? first.results[0].id : null;
    }
    start.href = target ? `/datasets/${datasetId}/label/${target}/` : "#";
    start.setAttribute("aria-disabled", String(!target));
    // The next image follows the person's assignment (their images, then open ones): see docs/labeler.md.
    start.textContent = p.next_unlabelled ? "Start labelling" : p.unlabelled ? "Browse images" : "Review labels";
    $("my-progress").textContent = p.mine.assigned
      ? `· yours: ${p.mine.labelled} of ${p.mine.assigned} labelled` : "";
  } else {
    start.href = "#";
    start.setAttribute("aria-disabled", "true");
  }
  $("ready-unlabelled").hidden = !p.unlabelled;
  $("unlabelled-count").textContent = `${p.unlabelled} image${p.unlabelled === 1 ? "" : "s"} still unlabelled: training needs every image labelled (or marked "no objects").`;
  $("next-unlabelled").href = p.next_unlabelled ? `/datasets/${datasetId}/label/${p.next_unlabelled}/` : "#";
  const warn = $("ready-warning");
  warn.hidden = p.labelled >= p.recommended_labelled;
  warn.textContent = `Only ${p.labelled} labelled image${p.labelled === 1 ? "" : "s"}: below ${p.recommended_labelled}, training results will be poor.`;
  $("ready-ok").hidden = !(p.total && !p.unlabelled);
  root.dataset.unlabelled = p.unlabelled;
  root.dataset.labelled = p.labelled;
  emit("progress", p);
}

// ---------------------------------------------------------------- upload
let refreshTimer = null;
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => emit("labels"), 300);
}

async function uploadAll(files) {
  files = [...files];
  if (!files.length) return;
  const list = $("upload-list");
  const rows = files.map((file) => {
    const li = document.createElement("li");
    li.className = "upload-row";
    li.dataset.state = "queued";
    li.innerHTML = `<span class="name"></span><progress max="1" value="0"></progress><span class="status">waiting…</span>`;
    li.querySelector(".name").textContent = file.name;
    li.dataset.name = file.name;
    list.prepend(li);
    return li;
  });
  let ok = 0, bad = 0;
  $("upload-summary").textContent = `Uploading ${files.length} file(s)…`;
  await eachLimited(files, 3, async (file, i) => {
    const row = rows[i];
    const bar = row.querySelector("progress"), status = row.querySelector(".status");
    const isZip = file.name.toLowerCase().endsWith(".zip");
    if (!isZip && file.size > maxBytes) {
      row.dataset.state = "error";
      status.textContent = `too large: ${(file.size / 1048576).toFixed(1)} MB, the limit is ${(maxBytes / 1048576).toFixed(0)} MB`;
      bad += 1;
      return;
    }
    row.dataset.state = "uploading";
    status.textContent = "uploading…";
    const result = await uploadFile(`/api/v1/datasets/${datasetId}/images/`, file, (f) => { bar.value = f; });
    const { ok: good, text } = describeResult(result);
    bar.value = 1;
    row.dataset.state = good ? "done" : "error";
    status.textContent = text;
    if (good) ok += 1; else bad += 1;
    if (result.status === 201) refreshSoon();
  });
  $("upload-summary").textContent = `${ok} file(s) uploaded${bad ? `, ${bad} with errors (see below)` : ""}.`;
  refreshSoon();
}

const zone = $("dropzone"), input = $("upload");
zone.addEventListener("click", () => input.click());
zone.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); input.click(); } });
zone.addEventListener("dragover", (ev) => { ev.preventDefault(); zone.classList.add("over"); });
zone.addEventListener("dragleave", () => zone.classList.remove("over"));
zone.addEventListener("drop", (ev) => {
  ev.preventDefault();
  zone.classList.remove("over");
  uploadAll(ev.dataTransfer.files);
});
// A file dropped next to the zone must not replace the page.
window.addEventListener("dragover", (ev) => ev.preventDefault());
window.addEventListener("drop", (ev) => ev.preventDefault());
input.addEventListener("change", () => { uploadAll(input.files); input.value = ""; });

loadProgress();
on("labels", () => loadProgress());
on("assignments", () => loadProgress());
