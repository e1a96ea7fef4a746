// Live dashboard: polls the session, its new epoch rows and the console tail every 2 s, no reloads.
import { api } from "../frontend/api.js";
import { ChartBoard } from "./charts.js";
import { TERMINAL, formatNumber, statusLine } from "./format.js";
import { countsLine, headline } from "./headline.js";
import { describeMetric, loadMetricLabels } from "./metric_labels.js";

const POLL_MS = 2000;
const root = document.getElementById("session");
const id = Number(root.dataset.id);
const base = `/api/v1/training-sessions/${id}/`;
const $ = (sel) => document.getElementById(sel);
const board = new ChartBoard($("charts"));
let rows = [];
let attempt = null;
let timer = null;
let labels = null;
let session = null;
loadMetricLabels().then((table) => { labels = table; if (session) renderSession(session); }).catch(() => {});

function renderHeadline(s) {
  const h = headline(s, rows);
  $("coco-ap").textContent = h.ap === null || h.ap === undefined ? "–" : formatNumber(h.ap, 3);
  $("coco-from").textContent = h.from ? `(${h.from})` : "not scored yet";
  $("coco-more").textContent = h.from ? `AP50 ${formatNumber(h.ap50, 3)} · AP75 ${formatNumber(h.ap75, 3)} · AR ${formatNumber(h.ar, 3)}` : "";
  $("coco-counts").textContent = countsLine(h.counts);
  $("ultralytics-figures").textContent = h.ultralytics.length
    ? "Ultralytics' own validator figures (not COCO AP): " + h.ultralytics.map(([l, v]) => `${l} ${formatNumber(v, 3)}`).join(" · ")
    : "";
  const t = $("transferred");
  t.hidden = !s.transferred;
  if (s.transferred) {
    t.textContent = `Started from ${s.initial_weights_name}: transferred ${s.transferred.transferred} of ${s.transferred.total} layers`
      + (s.transferred.transferred < s.transferred.total ? " (the rest, e.g. a keypoint head of another size, started fresh)." : ".");
  }
  for (const [id, key] of [["coco-predictions", "coco_predictions"], ["coco-ground-truth", "coco_ground_truth"]]) {
    const a = $(id);
    a.hidden = !s.links[key];
    if (s.links[key]) a.href = s.links[key];
  }
}

function renderSession(s) {
  session = s;
  renderHeadline(s);
  $("name").textContent = s.name;
  const status = $("status");
  status.textContent = s.status + (s.cancel_requested && s.status === "running" ? " (cancelling…)" : "");
  status.className = `status ${s.status}`;
  const parts = [`${s.algorithm} on ${s.dataset_name || "(deleted dataset)"}`, `${s.train_images} train / ${s.val_images} val images`,
    `imgsz ${s.params.imgsz}, batch ${s.params.batch}`];
  if (s.device) parts.push(s.device);
  if (s.worker) parts.push(`worker ${s.worker}`);
  else if (s.requested_worker) parts.push(`waiting for worker ${s.requested_worker}`);
  $("meta").textContent = parts.join(" · ");
  $("bar").style.width = `${Math.round(Math.min(Math.max(s.progress, 0), 1) * 1000) / 10}%`;
  $("epoch-line").textContent = statusLine(s);
  $("warnings").replaceChildren(...s.warnings.map((w) => {
    const div = document.createElement("div");
    div.className = "warn";
    div.textContent = w;
    return div;
  }));
  const err = $("error");
  err.hidden = !s.error;
  err.textContent = s.error ? `Failed: ${s.error}` : "";
  $("cancel").hidden = !["queued", "running"].includes(s.status) || s.cancel_requested;
  $("resume").hidden = !["cancelled", "failed"].includes(s.status);
  for (const kind of ["best", "last"]) {
    const a = $(kind);
    const url = s.links[`${kind}_weights`];
    a.hidden = !url;
    if (url) a.href = url;
  }
  const fm = s.final_metrics || {};
  const keys = Object.keys(fm);
  $("final-card").hidden = keys.length === 0;
  $("final").tBodies[0].replaceChildren(...keys.map((k) => {
    const tr = document.createElement("tr");
    tr.innerHTML = "<th></th><td></td>";
    tr.cells[0].textContent = labels ? describeMetric(labels, k).label : k;
    tr.cells[1].textContent = Number.isInteger(fm[k]) ? String(fm[k]) : formatNumber(fm[k]);
    return tr;
  }));
}

function renderRows() {
  const tbody = $("epochs").tBodies[0];
  tbody.replaceChildren(...rows.map((r) => {
    const tr = document.createElement("tr");
    const m = r.metrics;
    const cells = [r.epoch, formatNumber(m["coco/ap"]), formatNumber(m["coco/ap50"]), formatNumber(r.fitness), formatNumber(m["metrics/mAP50(P)"]), formatNumber(m["metrics/mAP50-95(P)"]),
      formatNumber(m["metrics/mAP50(B)"]), formatNumber(m["metrics/mAP50-95(B)"]), formatNumber(r.seconds, 1)];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.appendChild(td);
    }
    return tr;
  }));
  $("charts-empty").hidden = rows.length > 0;
  board.update(rows);
  if (session) renderHeadline(session);
}

async function poll() {
  let s;
  try {
    s = await api(base);
    if (attempt !== null && s.attempt !== attempt && s.epoch === 0) {
      rows = [];  // started again from scratch: the old rows were cleared
      board.reset();
    }
    attempt = s.attempt;
    const after = rows.length ? rows[rows.length - 1].epoch : 0;
    const [fresh, log] = await Promise.all([api(`${base}epochs/?after=${after}`), api(`${base}log/?lines=200`)]);
    if (fresh.length) {
      const byEpoch = new Map(rows.map((r) => [r.epoch, r]));
      for (const r of fresh) byEpoch.set(r.epoch, r);
      rows = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
      renderRows();
    }
    renderSession(s);
    const pre = $("log");
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    pre.textContent = log.lines.join("\n");
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  } catch (err) {
    $("action-msg").textContent = `Could not refresh: ${err.message}`;
  }
  const busy = !s || !TERMINAL.includes(s.status) || ["queued", "running"].includes(s.evaluation_status);
  timer = busy ? setTimeout(poll, POLL_MS) : null;
}

function restartPolling() {
  if (timer) clearTimeout(timer);
  poll();
}

$("cancel").addEventListener("click", async () => {
  try {
    await api(`${base}cancel/`, { method: "POST" });
    $("action-msg").textContent = "Cancel requested.";
  } catch (err) {
    $("action-msg").textContent = err.message;
  }
  restartPolling();
});

$("resume").addEventListener("click", async () => {
  try {
    await api(`${base}resume/`, { method: "POST", json: {} });
    $("action-msg").textContent = "Queued to resume.";
  } catch (err) {
    $("action-msg").textContent = err.message;
  }
  restartPolling();
});

poll();
