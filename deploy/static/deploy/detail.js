// One deployment: its URLs, monitoring, settings, versions (activate = roll back, redeploy) and API keys.
import { api } from "../frontend/api.js";
import { bindCopy } from "../frontend/copy.js";
import { confirmDialog } from "../frontend/dialog.js";
import { detectUrls } from "./clientcode.js";
import { deployRequest, settingsPatch } from "./forms.js";
import { dailySeries, errorRows, latencyText, quotaPercent, quotaText } from "./usage.js";

const root = document.getElementById("deployment");
const id = Number(root.dataset.id);
const base = `/api/v1/deployments/${id}/`;
const $ = (x) => document.getElementById(x);
const POLL_MS = 2000;
let deployment = null;
let chart = null;
let pollTimer = null;

const when = (iso) => (iso ? new Date(iso).toLocaleString() : "–");
const errorText = (err) => (err.body && err.body.field ? `${err.body.field}: ${err.message}` : err.message);

function td(text) {
  const cell = document.createElement("td");
  cell.textContent = text;
  return cell;
}

function button(text, onClick, cls = "") {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = text;
  if (cls) b.className = cls;
  b.addEventListener("click", onClick);
  return b;
}

function renderDeployment(d) {
  deployment = d;
  $("name").textContent = d.name;
  const v = d.active_version;
  const status = $("status");
  status.textContent = v ? `v${v.number} ${v.status}` : "no active version";
  status.className = `status ${v ? v.status : "failed"}`;
  const model = d.kind === "sapiens2" ? `Sapiens2 ${d.model_size}` : `custom model, ${d.engine} engine`;
  $("meta").textContent = [model, d.public ? "public: no key needed" : "private: callers need an API key"].join(" · ");
  const err = $("version-error");
  err.hidden = !(v && v.error);
  err.textContent = v && v.error ? `Version ${v.number}: ${v.error}` : "";
  const [url, fallback] = detectUrls(d, window.location.origin);
  $("url").value = url;
  $("fallback-url").value = fallback || "";
  const f = $("settings").elements;
  if (!$("settings").dataset.dirty) {
    f.name.value = d.name;
    f.public.checked = d.public;
    f.monthly_quota.value = d.monthly_quota ?? "";
    f.burst_per_minute.value = d.burst_per_minute ?? "";
    f.engine.value = d.engine;
    f.engine.disabled = d.kind === "sapiens2";
    f.allowed_origins.value = (d.allowed_origins || []).join("\n");
  }
  $("keys-note").hidden = false;
}

async function loadDeployment() {
  renderDeployment(await api(base));
}

async function loadVersions() {
  const page = await api(`${base}versions/`);
  const versions = page.results || page;
  $("versions").tBodies[0].replaceChildren(...versions.map((v) => {
    const tr = document.createElement("tr");
    tr.dataset.number = v.number;
    if (v.active) tr.className = "active";
    const model = v.source === "sapiens2" ? "Sapiens2" : v.training_session ? `session #${v.training_session} ${v.source.replace("session_", "")}` : "uploaded .pt";
    tr.append(td(`v${v.number}${v.active ? " (active)" : ""}`), td(model), td(v.status + (v.error ? `: ${v.error}` : "")),
      td(v.engine_used || "–"), td(when(v.created_at)));
    const actions = document.createElement("td");
    if (!v.active && v.status === "ready") {
      actions.append(button("Activate", async () => {
        try {
          await api(`${base}versions/${v.number}/activate/`, { method: "POST" });
          $("redeploy-msg").textContent = `Version ${v.number} is active: the URL serves it now.`;
        } catch (err) {
          $("redeploy-msg").textContent = errorText(err);
        }
        refresh();
      }, "activate"));
    }
    tr.append(actions);
    return tr;
  }));
  return versions;
}

async function loadKeys() {
  const page = await api(`${base}keys/`);
  const keys = page.results || page;
  $("keys").tBodies[0].replaceChildren(...keys.map((k) => {
    const tr = document.createElement("tr");
    tr.dataset.id = k.id;
    tr.append(td(k.name || "–"), td(`${k.prefix}…`), td(when(k.created_at)), td(when(k.last_used_at)),
      td(k.revoked_at ? `revoked ${when(k.revoked_at)}` : "active"));
    const actions = document.createElement("td");
    if (!k.revoked_at) {
      actions.append(button("Revoke", async () => {
        const ok = await confirmDialog({ title: `Revoke key ${k.prefix}…?`, confirm: "Revoke",
          message: "Clients using it get 401 from now on. This cannot be undone." });
        if (!ok) return;
        try {
          await api(`${base}keys/${k.id}/`, { method: "DELETE" });
        } catch (err) {
          $("key-msg").textContent = errorText(err);
        }
        loadKeys();
      }, "danger revoke"));
    }
    tr.append(actions);
    return tr;
  }));
}

async function loadUsage() {
  const s = await api(`${base}usage/`);
  $("m-requests").textContent = String(s.requests ?? 0);
  $("m-p50").textContent = latencyText(s.latency_ms && s.latency_ms.p50);
  $("m-p95").textContent = latencyText(s.latency_ms && s.latency_ms.p95);
  $("m-quota").textContent = quotaText(s.quota);
  $("m-quota-bar").style.width = `${quotaPercent(s.quota)}%`;  // CSSOM, allowed under style-src 'self'
  const rows = errorRows(s);
  $("no-errors").hidden = rows.length > 0;
  $("errors").tBodies[0].replaceChildren(...rows.map((r) => {
    const tr = document.createElement("tr");
    tr.append(td(String(r.code)), td(r.name), td(String(r.count)));
    return tr;
  }));
  const series = dailySeries(s);
  if (!window.Chart) return;
  if (!chart) {
    chart = new window.Chart($("requests-chart"), {
      type: "bar",
      data: { labels: [], datasets: [{ label: "requests", data: [], backgroundColor: "#2563eb" },
        { label: "errors", data: [], backgroundColor: "#dc2626" }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { labels: { boxWidth: 12 } } } },
    });
  }
  chart.data.labels = series.labels;
  chart.data.datasets[0].data = series.requests;
  chart.data.datasets[1].data = series.errors;
  chart.update();
}

async function loadRedeploySessions() {
  const select = $("redeploy-session");
  if (!select) return;
  const page = await api(`/api/v1/training-sessions/?status=completed&page_size=100&workspace=${deployment.workspace}`);
  const sessions = (page.results || page).filter((s) => s.links && s.links.best_weights);
  select.replaceChildren(...sessions.map((s) => {
    const opt = document.createElement("option");
    opt.value = s.id;
    opt.textContent = `#${s.id} ${s.name || s.algorithm}${s.dataset_name ? ` (${s.dataset_name})` : ""}`;
    return opt;
  }));
}

async function refresh() {
  if (pollTimer) clearTimeout(pollTimer);
  try {
    await loadDeployment();
    const versions = await loadVersions();
    await loadUsage();
    // An export still running: keep the table and status current without a reload.
    if (versions.some((v) => v.status === "exporting")) pollTimer = setTimeout(refresh, POLL_MS);
  } catch (err) {
    $("action-msg").textContent = `Could not refresh: ${err.message}`;
  }
}

bindCopy($("copy-url"), $("url"), $("copy-msg"));
bindCopy($("copy-fallback"), $("fallback-url"), $("copy-msg"));
bindCopy($("copy-key"), $("new-key-value"), $("copy-key-msg"));

$("settings").addEventListener("input", () => { $("settings").dataset.dirty = "1"; });
$("settings").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = event.target.elements;
  const body = settingsPatch({ name: f.name.value, public: f.public.checked, monthly_quota: f.monthly_quota.value,
    burst_per_minute: f.burst_per_minute.value, engine: f.engine.value, allowed_origins: f.allowed_origins.value });
  if (deployment.kind === "sapiens2") delete body.engine;
  try {
    const d = await api(base, { method: "PATCH", json: body });
    delete $("settings").dataset.dirty;
    renderDeployment(d);
    $("settings-msg").textContent = "Saved.";
  } catch (err) {
    $("settings-msg").textContent = errorText(err);
  }
});

$("redeploy").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = event.target.elements;
  $("redeploy-msg").textContent = "";
  let request;
  try {
    request = deployRequest({ source: f.source.value, training_session: f.training_session && f.training_session.value,
      weights: f.weights && f.weights.value, file: $("redeploy-file") && $("redeploy-file").files[0],
      model_size: deployment.model_size }, { settings: false });
  } catch (err) {
    $("redeploy-msg").textContent = err.message;
    return;
  }
  $("redeploy-button").disabled = true;
  try {
    let created;
    if (request.multipart) {
      const body = new FormData();
      for (const [k, v] of request.entries) body.append(k, v);
      created = await api(`${base}versions/`, { method: "POST", body });
    } else {
      created = await api(`${base}versions/`, { method: "POST", json: request.body });
    }
    $("redeploy-msg").textContent = `Version ${created.number} deployed${created.status === "exporting" ? " (exporting to ONNX…)" : ""}.`;
  } catch (err) {
    $("redeploy-msg").textContent = errorText(err);
  }
  $("redeploy-button").disabled = false;
  refresh();
});

$("new-key").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("key-msg").textContent = "";
  try {
    const created = await api(`${base}keys/`, { method: "POST", json: { name: event.target.elements.name.value } });
    $("new-key-value").value = created.key;
    $("new-key-box").hidden = false;
    $("copy-key-msg").textContent = "";
    event.target.reset();
  } catch (err) {
    $("key-msg").textContent = errorText(err);
  }
  loadKeys();
});

$("delete").addEventListener("click", async () => {
  const ok = await confirmDialog({ title: `Delete ${deployment.name}?`, confirm: "Delete",
    message: "Its URLs stop answering and its models are freed.",
    details: ["every version and its weights", "every API key", "its usage counts"] });
  if (!ok) return;
  try {
    await api(base, { method: "DELETE" });
    window.location.href = "/deployments/";
  } catch (err) {
    $("action-msg").textContent = errorText(err);
  }
});

refresh().then(() => Promise.all([loadRedeploySessions(), loadKeys().catch((err) => {
  // Only admins manage keys: say so instead of an empty table.
  $("keys").hidden = true;
  $("new-key").hidden = true;
  $("key-msg").textContent = err.status === 403 ? "Only workspace admins manage API keys." : err.message;
  $("keys-card").append($("key-msg"));
})])).then(() => { window.__deploymentReady = true; });
