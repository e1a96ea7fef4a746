// Session list and the new-session form. Everything goes through the REST API.
import { api } from "../frontend/api.js";
import { formatNumber } from "./format.js";

const $ = (id) => document.getElementById(id);
const form = $("new-session");
const datasetSelect = $("dataset");
let datasets = [];

function option(value, text, selected = false) {
  const o = document.createElement("option");
  o.value = value;
  o.textContent = text;
  o.selected = selected;
  return o;
}

async function loadDatasets() {
  const data = await api("/api/v1/datasets/?page_size=200");
  datasets = data.results;
  const wanted = form.getAttribute("data-dataset");  // form.dataset is the <select name=dataset>
  datasetSelect.replaceChildren(...datasets.map((d) => option(d.id, `${d.name} (${d.labelled_count}/${d.image_count} labelled)`,
    String(d.id) === wanted)));
  if (!datasets.length) $("dataset-status").textContent = "Create a dataset and label it first.";
  await datasetChanged();
}

async function datasetChanged() {
  const id = datasetSelect.value;
  const box = $("classes");
  if (!id) { box.replaceChildren(); return; }
  const [classes, progress] = await Promise.all([api(`/api/v1/datasets/${id}/classes/`), api(`/api/v1/datasets/${id}/progress/`)]);
  box.replaceChildren(...classes.map((c) => {
    const label = document.createElement("label");
    label.innerHTML = `<input type="checkbox" name="class_ids" checked> <span></span>`;
    label.querySelector("input").value = c.id;
    label.querySelector("input").dataset.k = c.keypoints.length;
    label.querySelector("span").textContent = `${c.name} (${c.keypoints.length} keypoints)`;
    return label;
  }));
  loadCheck(id);
  const status = $("dataset-status");
  status.className = "muted";
  if (progress.unlabelled > 0) {
    status.className = "error";
    status.textContent = `${progress.unlabelled} of ${progress.total} images are not labelled yet: training is refused until every image is labelled.`;
  } else if (progress.labelled < progress.recommended_labelled) {
    status.className = "warn";
    status.textContent = `${progress.text}. Only ${progress.labelled} labelled images: below ${progress.recommended_labelled} expect weak metrics.`;
  } else {
    status.textContent = progress.text;
  }
}

// What a start would find: people per split, images the snapshot moves into val, a refusal, a tiny val split.
async function loadCheck(id) {
  const box = $("split-check");
  box.replaceChildren();
  let check;
  try {
    check = await api(`/api/v1/datasets/${id}/training-check/`);
  } catch (err) {
    return;
  }
  const line = (cls, text) => {
    const div = document.createElement("div");
    div.className = cls;
    div.textContent = text;
    box.appendChild(div);
  };
  line("muted", `People with keypoints a session would use: ${check.train.instances} in train, ${check.val.instances} in val; `
    + `people without keypoints: ${check.train.people_without_keypoints + check.val.people_without_keypoints} (they are kept, and COCO AP ignores them).`);
  if (check.error && check.error.error === "not_enough_people") line("errorbox", check.error.message);
  else if (check.message) line("warn", check.message);
  for (const w of check.warnings) line("warn", w);
}

async function loadPretrained() {
  const rows = await api("/api/v1/training-pretrained/");
  $("pretrained").replaceChildren(...rows.map((r) => option(r.choice, `${r.name} (${(r.size_bytes / 1e6).toFixed(1)} MB)`)));
  $("pretrained-radio").disabled = rows.length === 0;
  $("pretrained").disabled = rows.length === 0;
  $("pretrained-status").textContent = rows.length ? ""
    : "No pretrained checkpoint is in the server's weights folder (WEIGHTS_DIR): run manage.py fetch_weights yolo11n-pose.pt on a machine that is online.";
}

async function loadAlgorithms() {
  const algos = await api("/api/v1/training-algorithms/");
  $("algorithm").replaceChildren(...algos.map((a) => option(a.name, a.name, a.default)));
}

async function loadWorkers() {
  const workers = await api("/api/v1/training-workers/");
  const select = $("worker");
  const current = select.value;
  select.replaceChildren(option("", "Any gpu-queue worker"), ...workers.map((w) => {
    const mem = w.memory_bytes ? `, ${(w.memory_bytes / 2 ** 30).toFixed(0)} GiB` : "";
    return option(w.name, `${w.name}: ${w.device_name || w.device}${mem}${w.busy ? " (busy)" : ""}`, w.name === current);
  }));
  $("workers-status").textContent = workers.length ? `${workers.length} live gpu-queue worker(s).`
    : "No live gpu-queue worker: the session will wait in the queue until one starts (celery -A config worker -Q gpu -c 1).";
}

function sessionRow(s) {
  const tr = document.createElement("tr");
  const cells = [s.id, "", s.dataset_name, s.algorithm, "", `${s.epoch}/${s.epochs || s.params.epochs}`,
    formatNumber(s.coco ? s.coco.ap : null, 3), formatNumber(s.best_fitness),
    new Date(s.created_at).toLocaleString()];
  for (const c of cells) {
    const td = document.createElement("td");
    td.textContent = c;
    tr.appendChild(td);
  }
  const a = document.createElement("a");
  a.href = s.links.dashboard;
  a.textContent = s.name;
  tr.cells[1].appendChild(a);
  const badge = document.createElement("span");
  badge.className = `status ${s.status}`;
  badge.textContent = s.status;
  tr.cells[4].appendChild(badge);
  return tr;
}

async function loadSessions() {
  const data = await api("/api/v1/training-sessions/?page_size=100");
  $("sessions").tBodies[0].replaceChildren(...data.results.map(sessionRow));
  $("sessions-empty").hidden = data.results.length > 0;
  const withWeights = data.results.filter((s) => s.has_best_weights || s.has_last_weights);
  const sel = $("initial-session");
  const current = sel.value;
  sel.replaceChildren(...withWeights.map((s) => option(s.id, `#${s.id} ${s.name} (${s.status})`, String(s.id) === current)));
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const msg = $("form-msg");
  msg.textContent = "";
  const fd = new FormData(form);
  const classIds = [...form.querySelectorAll("input[name=class_ids]:checked")].map((i) => Number(i.value));
  const ks = new Set([...form.querySelectorAll("input[name=class_ids]:checked")].map((i) => i.dataset.k));
  if (ks.size > 1) { msg.textContent = "The chosen classes must share one keypoint count."; return; }
  const body = {
    dataset: Number(fd.get("dataset")), task: fd.get("task"), algorithm: fd.get("algorithm"), name: fd.get("name") || "",
    class_ids: classIds, epochs: Number(fd.get("epochs")), batch: fd.get("batch").trim().toLowerCase() === "auto" ? "auto" : Number(fd.get("batch")),
    imgsz: Number(fd.get("imgsz")), patience: Number(fd.get("patience")), worker: fd.get("worker") || "",
  };
  const source = fd.get("initial_weights");
  $("start").disabled = true;
  try {
    let created;
    if (source === "upload") {
      const file = $("weights-file").files[0];
      if (!file) throw new Error("Choose a .pt file to upload.");
      const multipart = new FormData();
      for (const [k, v] of Object.entries(body)) {
        if (k === "class_ids") v.forEach((c) => multipart.append("class_ids", c));
        else multipart.append(k, v);
      }
      multipart.append("initial_weights", "upload");
      multipart.append("initial_weights_file", file);
      created = await api("/api/v1/training-sessions/", { method: "POST", body: multipart });
    } else {
      if (source === "pretrained") {
        body.initial_weights = $("pretrained").value;
      } else if (source === "session") {
        body.initial_weights = $("initial-kind").value;
        body.initial_session = Number($("initial-session").value) || null;
      }
      created = await api("/api/v1/training-sessions/", { method: "POST", json: body });
    }
    window.location.href = created.links.dashboard;
  } catch (err) {
    msg.textContent = err.message;
    $("start").disabled = false;
  }
});

datasetSelect.addEventListener("change", datasetChanged);
await Promise.all([loadDatasets(), loadAlgorithms(), loadWorkers(), loadSessions(), loadPretrained()]);
setInterval(() => { loadSessions(); loadWorkers(); }, 5000);
