// Evaluation page: per-keypoint PCK@0.05 and OKS share, weakest keypoints highlighted, drawn val images.
import { api } from "../frontend/api.js";
import { formatNumber, formatPercent, weakest } from "./format.js";
import { countsLine, evaluationLine, headline } from "./headline.js";

const root = document.getElementById("evaluation");
const id = Number(root.dataset.id);
const url = `/api/v1/training-sessions/${id}/evaluation/`;
const $ = (sel) => document.getElementById(sel);
let chart = null;

function renderChart(kps) {
  const data = {
    labels: kps.map((k) => k.name),
    datasets: [
      { label: "PCK@0.05", data: kps.map((k) => k.pck), backgroundColor: "#2563eb" },
      { label: "OKS share", data: kps.map((k) => k.oks_share), backgroundColor: "#16a34a" },
    ],
  };
  if (chart) { chart.data = data; chart.update("none"); return; }
  chart = new window.Chart($("kp-chart"), {
    type: "bar", data,
    options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { min: 0, max: 1 } } },
  });
}

function render(ev) {
  const status = $("eval-status");
  const labels = { "": "Not evaluated yet (it runs by itself when training completes).", queued: "Queued…", running: "Running…",
    done: "Done.", failed: "Failed." };
  status.textContent = labels[ev.status] ?? ev.status;
  $("eval-error").hidden = !ev.error;
  $("eval-error").textContent = ev.error || "";
  if (ev.coco) {
    const h = headline({ coco: ev.coco, final_metrics: {} }, []);
    $("coco-summary").textContent = `Dashboard figure, COCO keypoint AP ${formatNumber(h.ap, 3)} (AP50 ${formatNumber(h.ap50, 3)}, AR ${formatNumber(h.ar, 3)}): `
      + `${countsLine(h.counts)}.`;
  }
  const r = ev.result;
  if (!r) return;
  const fallback = r.val_fallback ? " The snapshot had no val image, so these are train images (optimistic)." : "";
  $("summary").textContent = `This page's pass: ${evaluationLine(r)} `
    + `(imgsz ${r.imgsz}, ${r.weights}). Overall PCK@0.05 ${formatPercent(r.pck)}, mean OKS ${formatNumber(r.mean_oks, 3)}; `
    + `sigmas: ${r.sigmas_source || "class"}.${fallback}`;
  const weak = new Set(weakest(r.keypoints));
  $("keypoints").tBodies[0].replaceChildren(...r.keypoints.map((k) => {
    const tr = document.createElement("tr");
    tr.innerHTML = "<th></th><td></td><td></td><td></td><td><span class='bar'></span></td><td></td>";
    tr.cells[0].textContent = k.name + (weak.has(k.index) ? " (weak)" : "");
    tr.cells[1].textContent = k.visible;
    tr.cells[2].textContent = formatNumber(k.sigma, 3);
    tr.cells[3].textContent = formatPercent(k.pck);
    const bar = tr.cells[4].firstChild;
    bar.style.width = `${Math.round((k.pck ?? 0) * 120)}px`;
    if (weak.has(k.index)) bar.classList.add("weak");
    tr.cells[5].textContent = formatNumber(k.oks_share, 3);
    return tr;
  }));
  renderChart(r.keypoints);
  $("examples").replaceChildren(...r.examples.map((ex) => {
    const fig = document.createElement("figure");
    fig.innerHTML = "<img alt=''><figcaption></figcaption>";
    fig.querySelector("img").src = `${ex.url}?t=${Date.now()}`;
    fig.querySelector("img").alt = `${ex.source} with predictions`;
    fig.querySelector("figcaption").textContent = `${ex.source}: ${ex.ground_truth} labelled, ${ex.predicted} predicted, ${ex.matched} matched`;
    return fig;
  }));
}

async function poll() {
  try {
    const ev = await api(url);
    render(ev);
    if (["queued", "running"].includes(ev.status)) setTimeout(poll, 2000);
  } catch (err) {
    $("eval-status").textContent = err.message;
  }
}

$("rerun").addEventListener("click", async () => {
  try {
    render(await api(url, { method: "POST" }));
    $("rerun-msg").textContent = "Queued on a gpu-queue worker.";
    setTimeout(poll, 2000);
  } catch (err) {
    $("rerun-msg").textContent = err.message;
  }
});

poll();
