// The playground: an image from a drop, the file picker, the clipboard or a webcam frame, sent to the
// deployment's detect URL with the sliders' thresholds; the answer drawn over the image in the class
// skeleton's colours, its JSON beside it, the latency, and client code for the same call.
import { api, csrfToken } from "../frontend/api.js";
import { bindCopy } from "../frontend/copy.js";
import { clientCode, detectUrls } from "./clientcode.js";
import { drawOverlay, lineScale, overlayShapes, stylesFromClasses } from "./overlay.js";
import { latencyLine, parseServerTiming } from "./timing.js";

const $ = (x) => document.getElementById(x);
const id = Number($("playground").dataset.id);
let styles = JSON.parse($("class-styles").textContent);  // as rendered; the API's `classes` replace them
const detectPath = `/api/v1/deployments/${id}/detect`;
let deployment = null;
let image = null;  // the Blob sent
let answer = null;
let lang = "python";
let stream = null;

const thresholds = () => ({ conf: $("conf").value, iou: $("iou").value, kpt: $("kpt").value });

function showImage(blob) {
  image = blob;
  answer = null;
  const img = $("image");
  if (img.src) URL.revokeObjectURL(img.src);
  img.src = URL.createObjectURL(blob);
  $("stage").hidden = false;
  $("detect").disabled = false;
  $("json").textContent = "[]";
  $("count").textContent = "";
  $("latency").textContent = "";
  img.onload = () => {
    const canvas = $("overlay");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    redraw();
  };
}

function redraw() {
  const img = $("image");
  const canvas = $("overlay");
  if (!img.naturalWidth) return;
  const shapes = answer ? overlayShapes(answer, styles, { kptThres: Number($("kpt").value) }) : [];
  drawOverlay(canvas.getContext("2d"), shapes, { unit: lineScale(img.naturalWidth, img.clientWidth || img.naturalWidth, 2) });
  window.__overlayShapes = shapes.length;
}

async function detect() {
  if (!image) return;
  const form = new FormData();
  form.append("image", image, image.name || "image.png");
  form.append("conf_thres", $("conf").value);
  form.append("iou_thres", $("iou").value);
  form.append("kpt_thres", $("kpt").value);
  $("detect").disabled = true;
  $("detect-msg").textContent = "";
  const started = performance.now();
  try {
    // Signed in, the page calls as a member of the workspace (session cookie + CSRF), so no key is needed here.
    const res = await fetch(detectPath, { method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" } });
    const ms = performance.now() - started;
    const body = await res.json();
    if (!res.ok) throw new Error(`${res.status} ${body.error}: ${body.message}`);
    answer = body;
    $("latency").textContent = latencyLine(ms, parseServerTiming(res.headers.get("Server-Timing")));
    $("json").textContent = JSON.stringify(body, null, 2);
    $("count").textContent = `${body.length} instance${body.length === 1 ? "" : "s"}`;
    redraw();
    window.__detections = (window.__detections || 0) + 1;
  } catch (err) {
    $("detect-msg").textContent = err.message;
  } finally {
    $("detect").disabled = false;
  }
}

function renderCode() {
  if (!deployment) return;
  const urls = detectUrls(deployment, window.location.origin);
  $("code").value = clientCode({ urls, needsKey: !deployment.public, thresholds: thresholds() })[lang];
  $("code-note").textContent = deployment.public
    ? "Public deployment: no key needed. The code tries the second URL when the first fails, and starts over after 1, 2, 4 s."
    : "Replace YOUR_API_KEY with a key made on the deployment's page. The code tries the second URL when the first fails, and starts over after 1, 2, 4 s.";
}

// ------------------------------------------------------------ image sources
$("file").addEventListener("change", (e) => { if (e.target.files[0]) showImage(e.target.files[0]); });
const drop = $("drop");
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => {
  e.preventDefault();
  drop.classList.remove("over");
  const file = [...e.dataTransfer.files].find((f) => f.type.startsWith("image/"));
  if (file) showImage(file);
  else $("detect-msg").textContent = "That is not an image file.";
});
document.addEventListener("paste", (e) => {
  const item = [...(e.clipboardData ? e.clipboardData.items : [])].find((i) => i.type.startsWith("image/"));
  if (item) showImage(item.getAsFile());
});

function stopCamera() {
  if (stream) for (const track of stream.getTracks()) track.stop();
  stream = null;
  $("camera").hidden = true;
}

$("webcam").addEventListener("click", async () => {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: true });
    $("video").srcObject = stream;
    $("camera").hidden = false;
  } catch (err) {
    $("detect-msg").textContent = `No webcam: ${err.message}`;
  }
});
$("camera-stop").addEventListener("click", stopCamera);
$("capture").addEventListener("click", () => {
  const video = $("video");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  canvas.toBlob((blob) => {
    stopCamera();
    if (blob) showImage(new File([blob], "webcam.jpg", { type: "image/jpeg" }));
  }, "image/jpeg", 0.92);
});

// ------------------------------------------------------------ thresholds, detect, code
for (const name of ["conf", "iou", "kpt"]) {
  const slider = $(name);
  slider.addEventListener("input", () => {
    $(`${name}-value`).textContent = Number(slider.value).toFixed(2);
    if (name === "kpt") redraw();  // the keypoint threshold only hides points: no new request needed
    renderCode();
  });
  slider.addEventListener("change", () => { if (answer && name !== "kpt") detect(); });
}
$("detect").addEventListener("click", detect);
window.addEventListener("resize", redraw);

for (const tab of document.querySelectorAll(".tabs [data-lang]")) {
  tab.addEventListener("click", () => {
    lang = tab.dataset.lang;
    for (const t of document.querySelectorAll(".tabs [data-lang]")) t.setAttribute("aria-selected", String(t === tab));
    renderCode();
  });
}
bindCopy($("copy-code"), $("code"), $("copy-code-msg"));

const STATUS_NOTES = {
  exporting: "Preparing the model (ONNX export on the inference queue)… Detect works once it is ready.",
  failed: "The active version failed to deploy: see the deployment's page.",
  "": "Nothing is deployed yet.",
};

async function loadDeployment() {
  try {
    deployment = await api(`/api/v1/deployments/${id}/`);
  } catch (err) {
    $("model-status").textContent = `Could not load the deployment: ${err.message}`;
    setTimeout(loadDeployment, 5000);
    return;
  }
  if (deployment.classes && deployment.classes.length) {
    styles = stylesFromClasses(deployment.classes);
    redraw();
  }
  renderCode();
  $("model-status").textContent = STATUS_NOTES[deployment.status] || "";
  if (deployment.status === "exporting") setTimeout(loadDeployment, 2000);  // follow the export, no reload
  window.__playgroundReady = true;
}

loadDeployment();
