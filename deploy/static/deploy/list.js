// The deployments page: the workspace's deployments and the form that creates one.
import { api } from "../frontend/api.js";
import { deployRequest, sessionDeploymentName } from "./forms.js";

const root = document.getElementById("deployments-page");
const workspace = Number(root.dataset.workspace);
const $ = (id) => document.getElementById(id);
const form = $("new-deployment");
let sessions = [];

function describeModel(d) {
  if (d.kind === "sapiens2") return `Sapiens2 ${d.model_size}`;
  const v = d.active_version;
  return v && v.training_session ? `custom (session #${v.training_session})` : "custom";
}

function cell(tr, content) {
  const td = document.createElement("td");
  if (typeof content === "string") td.textContent = content;
  else if (content) td.append(content);
  tr.append(td);
  return td;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

async function loadDeployments() {
  const page = await api(`/api/v1/deployments/?workspace=${workspace}&page_size=200`);
  const rows = page.results || page;
  $("empty").hidden = rows.length > 0;
  $("deployments").tBodies[0].replaceChildren(...rows.map((d) => {
    const tr = document.createElement("tr");
    tr.dataset.id = d.id;
    cell(tr, link(`/deployments/${d.id}/`, d.name));
    cell(tr, describeModel(d));
    const v = d.active_version;
    cell(tr, v ? `v${v.number} ${v.status}` : "none");
    cell(tr, d.public ? "public" : "API key");
    const code = document.createElement("code");
    code.textContent = d.url;
    cell(tr, code);
    cell(tr, link(`/deployments/${d.id}/playground/`, "Playground"));
    return tr;
  }));
}

async function loadSessions() {
  const page = await api(`/api/v1/training-sessions/?workspace=${workspace}&status=completed&page_size=100`);
  sessions = (page.results || page).filter((s) => s.links && s.links.best_weights);
  const select = $("session");
  select.replaceChildren(...sessions.map((s) => {
    const opt = document.createElement("option");
    opt.value = s.id;
    opt.textContent = `#${s.id} ${sessionDeploymentName(s)}`;
    return opt;
  }));
  if (!sessions.length) {
    const opt = document.createElement("option");
    opt.value = "";
    opt.textContent = "(no finished training session in this workspace)";
    select.append(opt);
  }
  const wanted = root.dataset.session;
  if (wanted && sessions.some((s) => String(s.id) === wanted)) {
    select.value = wanted;
    form.elements.weights.value = root.dataset.weights === "last" ? "last" : "best";
  }
  suggestName();
}

function suggestName() {
  if (form.elements.name.dataset.touched) return;
  const source = form.elements.source.value;
  let name = "";
  if (source === "session") {
    const s = sessions.find((x) => String(x.id) === $("session").value);
    name = s ? sessionDeploymentName(s) : "";
  } else if (source === "sapiens2") {
    name = `Sapiens2 ${$("model-size").value}`;
  } else if ($("weights-file").files[0]) {
    name = $("weights-file").files[0].name.replace(/\.pt$/i, "");
  }
  form.elements.name.value = name;
}

form.elements.name.addEventListener("input", () => { form.elements.name.dataset.touched = "1"; });
for (const el of [$("session"), $("model-size"), $("weights-file"), ...form.elements.source]) {
  el.addEventListener("change", () => {
    if (el.name !== "source") form.elements.source.value = { session: "session", "model-size": "sapiens2", "weights-file": "upload" }[el.id];
    suggestName();
  });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = form.elements;
  $("form-msg").textContent = "";
  let request;
  try {
    request = deployRequest({ name: f.name.value, source: f.source.value, training_session: $("session").value,
      weights: f.weights.value, file: $("weights-file").files[0], model_size: $("model-size").value,
      public: f.public.checked, monthly_quota: f.monthly_quota.value, burst_per_minute: f.burst_per_minute.value,
      allowed_origins: f.allowed_origins.value, engine: f.engine.value });
  } catch (err) {
    $("form-msg").textContent = err.message;
    return;
  }
  $("create").disabled = true;
  try {
    const path = `/api/v1/deployments/?workspace=${workspace}`;
    let created;
    if (request.multipart) {
      const body = new FormData();
      for (const [k, v] of request.entries) body.append(k, v);
      created = await api(path, { method: "POST", body });
    } else {
      created = await api(path, { method: "POST", json: request.body });
    }
    window.location.href = `/deployments/${created.id}/`;
  } catch (err) {
    $("form-msg").textContent = err.body && err.body.field ? `${err.body.field}: ${err.message}` : err.message;
    $("create").disabled = false;
  }
});

loadDeployments().catch((err) => { $("empty").hidden = false; $("empty").textContent = `Could not load: ${err.message}`; });
loadSessions().catch((err) => { $("form-msg").textContent = `Could not load the training sessions: ${err.message}`; });
